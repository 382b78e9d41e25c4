"""What the library keeps and hands out: a Photo to show, a MediaRow of the index, a RememberedSession (the
list of photos is core.library.photolist)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from core.record import record


@dataclass(frozen=True, slots=True)
class Photo:
    """A photo in the local library, ready to show: ``path`` is the file on disk (named from the media id)."""

    id: str
    path: str
    created: datetime | None = None
    width: int | None = None
    height: int | None = None
    video: str | None = None  # a video: ``path`` is its poster, this its MP4 file


class PlayOrder(Protocol):
    """The slideshow's fair shuffle, kept in the index (core.library.Library satisfies it)."""

    def next_in_order(self, exclude: Collection[Photo] = ()) -> Photo | None: ...

    def upcoming(self, count: int, exclude: Collection[Photo] = ()) -> list[Photo]: ...

    def mark_shown(self, photo: Photo) -> None: ...


@record
class MediaRow:
    """One complete file in the library folder."""

    stem: str
    id: str | None
    file: str
    kind: str
    mime: str
    width: int | None
    height: int | None
    created: datetime | None
    size: int
    mtime_ns: int
    shown: bool
    poster: str | None = None  # a video's poster file, beside it


@record
class RememberedSession:
    """A picking session remembered on disk (so a crash or power cut can finish or delete it)."""

    id: str
    request_id: str
    replace: bool
    created: datetime  # wall clock, UTC
    listed: bool = True  # False: created but its items were never recorded (maybe picked, maybe not)
    finished: bool = False  # nothing pending and (for a replace) the swap is done
    pending: int = 0

    @property
    def has_pending(self) -> bool:
        """Listed, and items still to fetch (or a replace swap still to do): resume it."""
        return self.listed and (self.pending > 0 or not self.finished)


def time_text(value: datetime | None) -> str | None:
    """A datetime as fixed-width RFC 3339 UTC text (so text order is time order), or None."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
