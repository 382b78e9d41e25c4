"""Videos in the slideshow: playback (a PyAV decoder thread, a bounded queue, late frames dropped) and posters."""

from __future__ import annotations

import contextlib
import logging
import math
import queue
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pygame

from core.config import SlideshowConfig
from core.library import Photo, PhotoList
from core.record import record

if TYPE_CHECKING:
    from device.ui.decode import Pieces

log = logging.getLogger(__name__)

QUEUE_FRAMES = 4  # decoded frames waiting for their time: ~4 screens of RGB, whatever the video's length
LATE = 0.1  # a frame due this long ago is not worth scaling: the decoder skips it (counted as dropped)
MIN_SAMPLE = 12  # frames due before the share of dropped ones is judged
FRAME_POLL = 1 / 50  # how often the loop looks for a decoded frame when none is waiting yet
PUT_WAIT = 0.1  # the decoder looks at its stop flag this often while the queue is full


@record
class _Frame:
    """One decoded frame of a video, scaled for the screen, with its time."""

    time: float  # seconds from the start of the video
    data: bytes
    size: tuple[int, int]
    pitch: int


_END = object()


def fitted(video: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """The largest size with ``video``'s aspect inside ``box`` (as a photo is fitted), in even pixels."""
    scale = min(box[0] / video[0], box[1] / video[1])
    return max(2, round(video[0] * scale) // 2 * 2), max(2, round(video[1] * scale) // 2 * 2)


def shown(photos: Sequence[Photo], config: SlideshowConfig) -> Sequence[Photo]:
    """The library's items the slideshow shows: videos are left out when ``[slideshow] videos = "skip"``."""
    if config.videos != "skip":
        return photos
    if isinstance(photos, PhotoList):
        return photos.without_videos()  # packed, as the library's list is
    if any(p.video for p in photos):
        return [p for p in photos if p.video is None]
    return photos


def slide_job(photo: Photo, config: SlideshowConfig) -> tuple[Callable[..., bytes | Pieces], tuple[Any, ...]]:
    """What the decode worker runs to make ``photo``'s slide: a video in "poster" mode gets its ▶ mark."""
    from device.ui.compose import compose_pieces

    if photo.video is not None and config.videos == "poster":
        return compose_poster, (photo.path, photo.video)
    return compose_pieces, (photo.path,)


def quarter_turns(frame: Any) -> int:
    """How many quarter turns counter-clockwise the frame needs to be shown upright (its display matrix:
    ``VideoFrame.rotation``, FFmpeg's sign; PyAV before 14 does not read it and the frame is shown as stored)."""
    return round(float(getattr(frame, "rotation", 0) or 0) / 90) % 4


def _turned(rgb: Any, turn: int, t: float) -> _Frame:
    """The decoded RGB frame as a queued one, turned upright (in the decoder thread, already at screen size)."""
    if turn == 0:
        plane = rgb.planes[0]
        return _Frame(t, bytes(plane), (rgb.width, rgb.height), plane.line_size)
    from PIL import Image

    turns = {1: Image.Transpose.ROTATE_90, 2: Image.Transpose.ROTATE_180, 3: Image.Transpose.ROTATE_270}
    img = rgb.to_image().transpose(turns[turn])  # PIL turns counter-clockwise, as FFmpeg's angle counts
    return _Frame(t, img.tobytes(), img.size, img.width * 3)


def duration(path: str) -> float | None:
    """The video's length in seconds, from its header (None when the file does not say or cannot be read)."""
    import av

    try:
        with av.open(path, mode="r") as container:
            stream = container.streams.video[0]
            if stream.duration is not None and stream.time_base is not None:
                return float(stream.duration * stream.time_base)
            return container.duration / 1_000_000 if container.duration else None
    except (av.FFmpegError, IndexError, OSError):
        return None


def compose_poster(poster: str, video: str, size: tuple[int, int]) -> bytes:
    """The poster slide with a small ▶ mark and the video's length in the top left corner."""
    from PIL import Image, ImageDraw, ImageFont

    from device.ui.compose import compose_slide
    from device.ui.text import ASSETS_DIR, BOLD

    img = Image.frombytes("RGB", size, compose_slide(poster, size))
    draw = ImageDraw.Draw(img, "RGBA")
    unit = max(16, min(size) // 18)
    x, y = unit, 2 * unit  # top left: the hint bar and captions are at the bottom
    draw.ellipse((x, y - unit, x + 2 * unit, y + unit), fill=(0, 0, 0, 150))
    third = unit * 2 // 3
    draw.polygon(
        [(x + unit - third // 2, y - third), (x + unit - third // 2, y + third), (x + unit + third, y)],
        fill=(255, 255, 255, 235),
    )
    seconds = duration(video)
    if seconds is not None:
        try:
            font: ImageFont.FreeTypeFont | ImageFont.ImageFont = ImageFont.truetype(
                str(ASSETS_DIR / "fonts" / BOLD), unit
            )
        except OSError:  # installed without the assets folder
            font = ImageFont.load_default(unit)
        text = f"{int(seconds) // 60}:{int(seconds) % 60:02d}"
        draw.text(
            (x + 2.5 * unit, y),
            text,
            font=font,
            fill=(255, 255, 255),
            anchor="lm",
            stroke_width=max(1, unit // 12),
            stroke_fill=(0, 0, 0),
        )
    return img.tobytes()


class Playback:
    """One video playing over its slide: a decoder thread fills a small queue; ``update`` shows the newest due frame.

    The loop never waits: it takes what is decoded and due, drops what a newer frame overtook, and the
    decoder itself skips frames already late before scaling them. When more than half the frames due are
    dropped, or the file cannot be decoded, the poster stays for the rest of the video.
    """

    def __init__(self, photo: Photo, surface: pygame.Surface, config: SlideshowConfig) -> None:
        assert photo.video is not None
        self.photo = photo
        self._surface = surface  # the slide: the poster fitted over its backdrop; frames are drawn into it
        self._poster = surface.copy()
        self._box = surface.get_size()  # the decoder thread's target: it never touches pygame itself
        self._max = config.max_seconds
        self._start: float | None = None  # the video's time 0 on the loop's clock: set by its first frame
        self._elapsed = 0.0  # read by the decoder thread: how far the show is
        self._paused_at: float | None = None  # frozen on its frame since then (the loop's clock)
        self._paused_for = 0.0  # seconds spent paused: they do not count towards max_seconds
        self._queue: queue.Queue[_Frame | object] = queue.Queue(maxsize=QUEUE_FRAMES)
        self._head: _Frame | None = None  # decoded, not due yet
        self._stop = threading.Event()
        self._thread_done = False
        self._ended = False
        self._fallback = False
        self._failed: str | None = None
        self._length: float | None = None
        self.shown = 0
        self.dropped = 0
        self.decoder_dropped = 0
        self.on_time = 0
        self._thread = threading.Thread(target=self._decode, name="picker-kiosk-video", daemon=True)
        self._thread.start()

    # -- the loop's side

    def pause(self, paused: bool, now: float) -> None:
        """Freeze on the frame on screen (``paused``) or go on from it: the video's time stands still meanwhile."""
        if paused == (self._paused_at is not None):
            return
        if self._paused_at is None:
            self._paused_at = now
            return
        gap = now - self._paused_at
        self._paused_at = None
        self._paused_for += gap
        if self._start is not None:
            self._start += gap  # the next frame is due as long after the resume as it was after the pause

    def update(self, now: float) -> bool:
        """Draw the newest frame that is due into the slide; True when the picture changed."""
        if self._fallback or self._ended or self._paused_at is not None:
            return False
        if self._start is None:
            # The video's clock starts with its first decoded frame: opening the file and the decoder's own
            # latency do not make the first frames late (the poster is on screen meanwhile).
            if self._head is None:
                with contextlib.suppress(queue.Empty):
                    first = self._queue.get_nowait()
                    self._head = first if isinstance(first, _Frame) else None
                    if not isinstance(first, _Frame):
                        self._queue.put_nowait(first)
            if self._head is None and self._failed is None and not self._thread_done:
                return False
            self._start = now - (self._head.time if self._head is not None else 0.0)
        self._elapsed = elapsed = now - self._start
        newest: _Frame | None = None
        while True:
            item: _Frame | object | None = self._head
            if item is None:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            self._head = None
            if not isinstance(item, _Frame):
                self._finish()
                break
            if item.time > elapsed:
                self._head = item
                break
            if newest is not None:
                self.dropped += 1
            newest = item
        if self._failed is not None and newest is None:
            return self._give_up(f"it cannot be decoded ({self._failed})")
        due = self.shown + self.dropped + self.decoder_dropped + (newest is not None)
        if due >= MIN_SAMPLE and 2 * (self.dropped + self.decoder_dropped) > due:
            return self._give_up(f"{self.dropped + self.decoder_dropped} of {due} frames were dropped")
        if newest is None:
            return False
        self.shown += 1
        if elapsed - newest.time <= LATE:
            self.on_time += 1
        frame = pygame.image.frombuffer(newest.data, newest.size, "RGB", newest.pitch)
        w, h = self._surface.get_size()
        self._surface.blit(frame, ((w - frame.get_width()) // 2, (h - frame.get_height()) // 2))
        return True

    def hold(self, interval: float) -> float:
        """How long this slide stays: to the end of the video (at most ``max_seconds`` played, pauses not counted);
        a broken one as a photo."""
        if self._failed is not None and self.shown == 0:
            return interval
        if self._ended and not self._fallback:
            return 0.0  # played to its end: the next item as soon as it is ready
        if self._fallback and self._length is not None:
            return min(self._max, self._length) + self._paused_for
        return self._max + self._paused_for

    def next_wake(self, now: float) -> float:
        if self._fallback or self._ended or self._paused_at is not None:
            return math.inf
        if self._head is not None and self._start is not None:
            return max(0.0, self._start + self._head.time - now)
        return FRAME_POLL

    def stop(self) -> None:
        """Stop the decoder (it leaves at its next frame) and let go of the queued frames."""
        self._stop.set()
        self._head = None
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()

    @property
    def playing(self) -> bool:
        return not (self._fallback or self._ended)

    def _finish(self) -> None:
        self._ended = True
        self._stop.set()

    def _give_up(self, why: str) -> bool:
        log.warning("slideshow: video %s shows its poster for the rest of its time: %s", self.photo.id, why)
        self._fallback = True
        self.stop()
        self._surface.blit(self._poster, (0, 0))
        return True

    # -- the decoder thread

    def _decode(self) -> None:
        import av

        try:
            with av.open(str(self.photo.video), mode="r") as container:
                stream = container.streams.video[0]
                stream.thread_type = "AUTO"
                if stream.duration is not None and stream.time_base is not None:
                    self._length = float(stream.duration * stream.time_base)
                sar = stream.sample_aspect_ratio
                shape = (round(stream.width * float(sar)) if sar else stream.width, stream.height)
                first: float | None = None
                turn: int | None = None  # the display matrix's turn, from the first frame
                for frame in container.decode(stream):
                    if self._stop.is_set():
                        return
                    if turn is None:
                        turn = quarter_turns(frame)
                        upright = shape[::-1] if turn % 2 else shape
                        width, height = fitted(upright, self._box)  # as it is shown: a phone's portrait stays so
                        # decoded at the size that, turned, is the fitted one
                        stored = (height, width) if turn % 2 else (width, height)
                    t = frame.time if frame.time is not None else 0.0
                    first = t if first is None else first
                    t -= first
                    if t >= self._max:
                        break
                    if t < self._elapsed - LATE:
                        self.decoder_dropped += 1  # behind already: scaling it would only put us further behind
                        continue
                    # FFmpeg scales and converts in one pass; fast bilinear costs a third of the default bicubic
                    # when shrinking 1080p to 720p, and a moving picture hides the difference.
                    rgb = frame.reformat(
                        width=stored[0], height=stored[1], format="rgb24", interpolation="FAST_BILINEAR"
                    )
                    if not self._put(_turned(rgb, turn, t)):
                        return
        except Exception as exc:  # any broken file: the poster stays, a line in the log, no traceback
            self._failed = type(exc).__name__
        finally:
            self._thread_done = True
            self._put(_END)

    def _put(self, item: _Frame | object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=PUT_WAIT)
                return True
            except queue.Full:
                continue
        return False
