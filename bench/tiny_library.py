"""Big libraries built quickly for the scale figures, through the library's own ``download_session``.

``TinySource`` is a MediaSource (the protocol core.library's downloader reads) that lists ``count`` photos
at once and hands out one tiny JPEG (a few hundred bytes, a colour per photo) from memory: what is left of
a download is then the library's own work per photo (record it pending, write, fsync, validate and rename
the file, index it), which is what grows, or must not grow, with the size of the library.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.records import MediaType, PickedMediaItem

SESSION_PHOTOS = 2000
EPOCH = datetime(2015, 1, 1, tzinfo=UTC)


def tiny_jpeg(n: int, size: tuple[int, int] = (16, 9)) -> bytes:
    from PIL import Image

    colour = ((n * 37) % 256, (n * 91) % 256, (n * 53) % 256)
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=70)
    return out.getvalue()


class TinySource:
    """``count`` photos numbered from ``first``, each a tiny JPEG of its own colour, served from memory."""

    def __init__(self, first: int, count: int) -> None:
        self.first, self.count = first, count
        self._bytes = [tiny_jpeg(n) for n in range(64)]

    def list_media_items(self, session_id: str) -> Iterable[PickedMediaItem]:
        for n in range(self.first, self.first + self.count):
            yield PickedMediaItem(
                id=f"tiny-{n:07d}",
                type=MediaType.PHOTO,
                create_time=EPOCH + timedelta(minutes=n),
                base_url=f"https://tiny.invalid/{n}",
                mime_type="image/jpeg",
                filename=f"IMG_{n:07d}.jpg",
                width=16,
                height=9,
                video_status=None,
            )

    def open_media(
        self, item: PickedMediaItem, spec: str, *, max_bytes: int
    ) -> AbstractContextManager[Iterator[bytes]]:
        data = self._bytes[int(item.id.rsplit("-", 1)[1]) % len(self._bytes)]
        return contextlib.nullcontext(iter([data]))


def add_photos(state_dir: Path, library_dir: Path, first: int, count: int) -> float:
    """Open the library, download one session of ``count`` tiny photos into it; seconds the download took."""
    import time

    from core.library import Library

    library = Library(state_dir, library_dir, screen=(1920, 1080))
    library.open()
    try:
        session = f"tiny-session-{first}"
        library.remember_session(session, f"request-{first}")
        start = time.perf_counter()
        report = library.download_session(TinySource(first, count), session)
        took = time.perf_counter() - start
        library.forget_session(session)
        if report.fetched != count:
            raise RuntimeError(f"the library fetched {report.fetched} of {count} tiny photos: {report}")
        return took
    finally:
        library.close()


def build(state_dir: Path, library_dir: Path, photos: int) -> list[float]:
    """A library of ``photos`` tiny photos, in sessions of SESSION_PHOTOS; each session's seconds."""
    return [
        add_photos(state_dir, library_dir, first, min(SESSION_PHOTOS, photos - first))
        for first in range(0, photos, SESSION_PHOTOS)
    ]
