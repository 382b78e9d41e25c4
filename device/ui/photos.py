"""Photos off the frame loop: the decode worker, the slideshow (order, timing, crossfade) and thumbnails."""

from __future__ import annotations

import io
import logging
import math
import random
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pygame

from core.config import SlideshowConfig
from core.images import heif_file, register_heif
from core.library import Photo, PhotoList, PlayOrder
from device.startup import trim_heap
from device.ui import video

if TYPE_CHECKING:  # Pillow loads on the decode worker's first photo, not on the way to the first QR code
    from PIL import Image

log = logging.getLogger(__name__)

T = TypeVar("T")

BACKDROP_SHRINK = 16  # the blurred backdrop is made at 1/16 size: the blur is nearly free, nobody sees detail
BACKDROP_BLUR = 2.5  # Gaussian radius at that small size (~40 px on the screen)
BACKDROP_DIM = 0.42  # how bright the backdrop stays: the photo must stand out from its own reflection
ROTATED = {5, 6, 7, 8}  # EXIF orientations that swap width and height
THUMB_REFRESH = 1.0  # once the row of thumbnails is full, a new one at most this often
SKIPS = 32  # at most this many turns passed over (undecodable, left out) in one frame; the rest the next frame
POLL = 0.1  # how often the loop looks for a finished decode when it has nothing else to do


# ---------------------------------------------------------------- decoding (runs in the worker thread)


def _open(path: str) -> Image.Image:
    from PIL import Image

    # Read the bytes first: Pillow seeks while sniffing, which not every file (a pipe, a FUSE mount) allows.
    data = Path(path).read_bytes()
    if heif_file(data[:12]):
        register_heif()  # HEIC originals
    return Image.open(io.BytesIO(data))


def _oriented_size(img: Image.Image) -> tuple[int, int]:
    orientation = img.getexif().get(0x0112, 1)
    w, h = img.size
    return (h, w) if orientation in ROTATED else (w, h)


def _rgb(img: Image.Image) -> Image.Image:
    from PIL import Image

    if img.mode == "RGB":
        return img
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (0, 0, 0))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return img.convert("RGB")


def _load_fitted(path: str, box: tuple[int, int], cover: bool) -> Image.Image:
    """The photo upright, scaled to fit (or cover) ``box``, decoded at reduced scale where the format allows."""
    from PIL import Image, ImageOps

    img = _open(path)
    ow, oh = _oriented_size(img)
    scale = (max if cover else min)(box[0] / ow, box[1] / oh)
    target = (max(1, round(ow * scale)), max(1, round(oh * scale)))
    # draft() lets the JPEG decoder skip detail (1/2, 1/4, 1/8 scale): a 12 MP photo decodes at screen size.
    stored = (target[1], target[0]) if (ow, oh) != img.size else target
    img.draft("RGB", stored)
    img = _rgb(ImageOps.exif_transpose(img))
    if img.size != target:
        # Shrinking: bilinear with reducing_gap averages every source pixel (no aliasing) at half bicubic's cost.
        # Enlarging a small photo: bicubic keeps edges crisper.
        shrinking = target[0] <= img.width
        method = Image.Resampling.BILINEAR if shrinking else Image.Resampling.BICUBIC
        img = img.resize(target, method, reducing_gap=2.0)
    return img


def compose_slide(path: str, size: tuple[int, int], strips: int = 16) -> bytearray:
    """One full-screen RGB frame: the photo fitted and centred on a blurred, dimmed copy of itself.

    The frame is made strip by strip straight into the bytes handed over (each strip of the backdrop scaled
    from the small blurred copy, the photo's rows pasted on it): no full-screen picture besides the photo and
    those bytes is ever held (Pillow keeps RGB at 4 bytes a pixel, and ``tobytes()`` of a whole screen
    would hold its chunks and their joined copy too: three more buffers at the peak of each slide).
    """
    from PIL import Image, ImageFilter, ImageOps

    w, h = size
    photo = _load_fitted(path, size, cover=False)
    small = (max(1, w // BACKDROP_SHRINK), max(1, h // BACKDROP_SHRINK))
    back = ImageOps.fit(photo, small, Image.Resampling.BILINEAR)
    back = back.filter(ImageFilter.GaussianBlur(BACKDROP_BLUR))
    back = Image.blend(Image.new("RGB", small, (0, 0, 0)), back, BACKDROP_DIM)
    x0, y0 = (w - photo.width) // 2, (h - photo.height) // 2
    row = w * 3
    out = bytearray(row * h)
    step = max(1, -(-h // strips))
    for top in range(0, h, step):
        bottom = min(h, top + step)
        # The same pixels as scaling the whole backdrop (Pillow reads the rows around a box too).
        box = (0.0, top * small[1] / h, float(small[0]), bottom * small[1] / h)
        strip = back.resize((w, bottom - top), Image.Resampling.BILINEAR, box=box)  # blurred: bicubic adds nothing
        first, last = max(top, y0), min(bottom, y0 + photo.height)
        if first < last:
            strip.paste(photo.crop((0, first - y0, photo.width, last - y0)), (x0, first - top))
        out[top * row : bottom * row] = strip.tobytes()
    return out


def compose_thumb(path: str, side: int) -> bytes:
    """A ``side`` × ``side`` square, upright, cropped from the middle of the photo."""
    from PIL import Image, ImageOps

    img = _load_fitted(path, (side, side), cover=True)
    return ImageOps.fit(img, (side, side), Image.Resampling.BICUBIC).tobytes()


# ---------------------------------------------------------------- the worker


class Worker:
    """One decode thread; ``wake`` is called (from that thread) whenever a job finishes."""

    def __init__(self, wake: Callable[[], None] | None = None) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="picker-kiosk-decode")
        self._wake = wake

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        future = self._pool.submit(fn, *args)
        if self._wake is not None:
            wake = self._wake
            future.add_done_callback(lambda _f: wake())
        return future

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _surface(data: bytes | bytearray, size: tuple[int, int]) -> pygame.Surface:
    # frombuffer wraps the decoded bytes without a copy: one full-screen buffer less at the peak of each slide.
    image = pygame.image.frombuffer(data, size, "RGB")
    # In the display's pixel format blits (and crossfades) are plain copies (and this copy frees ``data``).
    return image.convert() if pygame.display.get_surface() is not None else image


# ---------------------------------------------------------------- slideshow


@dataclass
class _Slide:
    photo: Photo
    surface: pygame.Surface


def _ease(p: float) -> float:
    return p * p * (3 - 2 * p)


class Player:
    """Which photo is on screen, which comes next, and the crossfade between them.

    At most two full-screen pictures are held (the one shown and the one fading out, or the one shown and
    the next one ready), whatever the size of the library.
    """

    def __init__(
        self,
        config: SlideshowConfig,
        size: tuple[int, int],
        worker: Worker,
        rng: random.Random | None = None,
    ) -> None:
        self._config = config
        self._size = size
        self._worker = worker
        self._rng = rng or random.Random()
        self._source: Sequence[Photo] | None = None
        self._source_len = -1
        self._version: int | None = None  # the PhotoList.version last seen: same version, nothing to compare
        self._fair: PlayOrder | None = None  # the library's fair shuffle (PhotoList.order)
        self._marking: Future[None] | None = None  # the photo on screen being marked shown, on the worker
        self._photos: dict[str, Photo] = {}
        self._order: list[str] = []  # ids in the library's order
        self._bad: set[str] = set()
        self._current: _Slide | None = None
        self._leaving: _Slide | None = None  # fading out
        self._ready: _Slide | None = None
        self._pending: tuple[Photo, Future[bytes | bytearray]] | None = None
        self._shown_at = 0.0
        self._fade_start: float | None = None
        self._alpha = 255
        self._video: video.Playback | None = None  # the video on screen, while it plays

    # -- what the screen asks

    @property
    def current(self) -> Photo | None:
        return self._current.photo if self._current else None

    @property
    def has_photos(self) -> bool:
        return any(pid not in self._bad for pid in self._order)

    @property
    def decoding(self) -> bool:
        return self._pending is not None

    @property
    def fading(self) -> bool:
        return self._fade_start is not None

    def suspend(self) -> None:
        """Let go of every picture (another screen is up); the order is kept for when the show resumes."""
        self._current = self._leaving = self._ready = None
        self._fade_start = None
        self._play(None)
        if self._pending is not None and self._pending[1].cancel():
            self._pending = None
        # A decode already running is kept: its photo comes first when the show resumes, not decoded twice.

    def update(self, now: float, photos: Sequence[Photo]) -> bool:
        """Advance the show to ``now``; True when the picture on screen changed."""
        self._refresh(photos)
        changed = False
        if self._current is not None and self._current.photo.id not in self._photos:
            self._shown_at = -math.inf  # its file is gone from the library: move on as soon as possible
        self._collect()
        if (
            self._ready is not None
            and self._fade_start is None
            and (self._current is None or now - self._shown_at >= self._hold())
        ):
            self._leaving, self._current, self._ready = self._current, self._ready, None
            self._shown_at = now
            self._fade_start = now
            self._play(self._current)
            changed = True
            if self._fair is not None:  # its turn in this round is taken (a small write: on the worker)
                self._marking = self._worker.submit(self._fair.mark_shown, self._current.photo)
        if self._video is not None:
            changed |= self._video.update(now)
        if self._current is not None and not self._photos:
            self.suspend()  # the library was emptied
            changed = True
        if self._fade_start is not None:
            progress = (now - self._fade_start) / self._config.fade if self._config.fade > 0 else 1.0
            if progress >= 1.0:
                self._fade_start = None
                self._leaving = None
                self._alpha = 255
            else:
                self._alpha = round(255 * _ease(max(0.0, progress)))
            changed = True
        if self._pending is None and self._ready is None and self._fade_start is None:
            self._prepare_next()
        return changed

    def draw(self, target: pygame.Surface) -> None:
        if self._current is None:
            return
        if self._fade_start is None:
            target.blit(self._current.surface, (0, 0))
            return
        if self._leaving is not None:
            target.blit(self._leaving.surface, (0, 0))
        else:
            target.fill((0, 0, 0))
        self._current.surface.set_alpha(self._alpha)
        target.blit(self._current.surface, (0, 0))
        self._current.surface.set_alpha(None)

    def next_wake(self, now: float) -> float:
        if self._fade_start is not None:
            return 1 / 30
        if self._pending is not None:
            return POLL
        wake = self._video.next_wake(now) if self._video is not None else math.inf
        if self._ready is not None and self._current is not None:
            return min(wake, max(0.0, self._shown_at + self._hold() - now))
        return wake

    # -- inside

    def _hold(self) -> float:
        """How long the picture on screen stays: ``interval`` for a photo, a video's own time for a video."""
        return self._video.hold(self._config.interval) if self._video is not None else self._config.interval

    def _play(self, slide: _Slide | None) -> None:
        """Stop the video that was playing; start ``slide``'s if it is one and videos play."""
        if self._video is not None:
            self._video.stop()
            self._video = None
        if slide is not None and slide.photo.video is not None and self._config.videos == "play":
            self._video = video.Playback(slide.photo, slide.surface, self._config)

    def _refresh(self, photos: Sequence[Photo]) -> None:
        # Every frame: the library's PhotoList is the same object with the same version until the photos
        # change, so an unchanged library costs nothing here, however many photos it holds.
        version = photos.version if isinstance(photos, PhotoList) else None
        if photos is self._source and len(photos) == self._source_len and version == self._version:
            return
        self._source, self._source_len, self._version = photos, len(photos), version
        self._fair = photos.order if isinstance(photos, PhotoList) and self._config.shuffle else None
        photos = video.shown(photos, self._config)
        self._photos = {p.id: p for p in photos}
        self._order = list(self._photos)
        if self._ready is not None and self._ready.photo.id not in self._photos:
            self._ready = None
        if self._pending is not None and self._pending[0].id not in self._photos:
            self._pending[1].cancel()
            self._pending = None

    def _collect(self) -> None:
        if self._pending is None or not self._pending[1].done():
            return
        photo, future = self._pending
        self._pending = None
        if future.cancelled():
            return
        try:
            data = future.result()
        except Exception as exc:  # any undecodable file is skipped, never fatal
            log.warning("slideshow: skipping photo %s: it cannot be decoded (%s)", photo.id, exc)
            self._bad.add(photo.id)
            return
        self._ready = _Slide(photo, _surface(data, self._size))
        del data, future
        self._worker.submit(trim_heap)  # the decoding's freed buffers go back to the system

    def _next_id(self) -> str | None:
        current = self._current.photo if self._current else None
        if self._fair is not None and len(self._photos) > 1:
            if self._marking is not None:  # long done after a fade; it must count before the next choice
                marking, self._marking = self._marking, None
                try:
                    marking.result()
                except Exception as exc:  # the order is a nicety: the show goes on without it
                    log.warning("slideshow: the photo shown could not be recorded (%s)", exc)
            for _ in range(SKIPS):
                photo = self._fair.next_in_order([current] if current else [])
                if photo is None:
                    return None
                if photo.id in self._photos and photo.id not in self._bad:
                    return photo.id
                self._fair.mark_shown(photo)  # undecodable, or left out (videos skipped): its turn passes
            return None
        # In the library's order: shuffle off, or photos that are not the library's.
        good = [pid for pid in self._order if pid not in self._bad]
        if not good or good == [current.id if current else None]:
            return None
        start = good.index(current.id) + 1 if current and current.id in good else 0
        return good[start % len(good)]

    def _prepare_next(self) -> None:
        pid = self._next_id()
        if pid is not None:
            photo = self._photos[pid]
            job, args = video.slide_job(photo, self._config)
            self._pending = (photo, self._worker.submit(job, *args, self._size))


# ---------------------------------------------------------------- thumbnails while downloading


class Thumbs:
    """Square thumbnails of the photos that arrive while this screen is up, newest last; at most ``limit``.

    The library lists photos by date taken, not by arrival, so arrivals are told apart from the photos
    that were already there when the screen appeared. One thumbnail is decoded at a time, and once the row
    is full a new one replaces the oldest at most every ``THUMB_REFRESH`` seconds: decoding every arrival
    of a 2,000-photo download would make the download wait on the CPU of a Pi.
    """

    def __init__(self, worker: Worker, now: Callable[[], float] | None = None) -> None:
        import time

        self._worker = worker
        self._now = now or time.monotonic
        self._known: set[str] | None = None  # ids present before (or already counted as arrived)
        self._waiting: list[Photo] = []  # arrivals not decoded yet, newest last (at most ``limit``)
        self._row: list[str] = []  # ids shown, in arrival order
        self._ready: dict[str, pygame.Surface] = {}
        self._pending: dict[str, Future[bytes]] = {}
        self._last_submit = -1e18
        self._side = 0
        self.version = 0  # changes whenever the row of ready thumbnails changes

    @property
    def busy(self) -> bool:
        return bool(self._pending) or bool(self._waiting)

    @property
    def active(self) -> bool:
        return self._known is not None

    def clear(self) -> None:
        for future in self._pending.values():
            future.cancel()
        self._pending.clear()
        self._ready.clear()
        self._waiting.clear()
        self._row.clear()
        self._known = None
        self.version += 1

    def update(self, photos: Sequence[Photo], limit: int, side: int) -> None:
        if side != self._side:
            self.clear()
            self._side = side
        if self._known is None:
            self._known = {p.id for p in photos}
        elif len(photos) > len(self._known):  # only arrivals can make the list longer
            for photo in photos:
                if photo.id not in self._known:
                    self._known.add(photo.id)
                    self._waiting.append(photo)
            del self._waiting[:-limit]
        for pid in [pid for pid, f in self._pending.items() if f.done()]:
            future = self._pending.pop(pid)
            if future.cancelled():
                continue
            try:
                data = future.result()
            except Exception as exc:
                log.warning("screen: no thumbnail for photo %s: it cannot be decoded (%s)", pid, exc)
                continue
            self._ready[pid] = _surface(data, (side, side))
            self._row.append(pid)
            for old in self._row[:-limit]:
                self._ready.pop(old, None)
            del self._row[:-limit]
            self.version += 1
        now = self._now()
        full = len(self._row) >= limit
        if self._waiting and not self._pending and (not full or now - self._last_submit >= THUMB_REFRESH):
            photo = self._waiting.pop(0) if not full else self._waiting.pop()
            if full:
                self._waiting.clear()  # a full row only ever shows the newest arrival next
            self._pending[photo.id] = self._worker.submit(compose_thumb, photo.path, side)
            self._last_submit = now

    def next_wake(self, now: float) -> float | None:
        """When update() has something to do: a decode to collect, or the next arrival's turn."""
        if self._pending:
            return POLL
        if self._waiting:
            return max(POLL, self._last_submit + THUMB_REFRESH - now)
        return None

    def shown(self) -> list[pygame.Surface]:
        """The ready thumbnails, in the order their photos arrived."""
        return [self._ready[pid] for pid in self._row if pid in self._ready]
