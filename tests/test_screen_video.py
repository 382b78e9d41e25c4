"""Videos on the slideshow: frames that change while it plays, the move on at max_seconds, dropped frames and
broken files falling back to the poster, the poster mode's ▶ mark, and the skip mode."""

from __future__ import annotations

import itertools
import logging
import struct
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pygame
import pytest
from PIL import Image, ImageChops

from core.clock import FakeClock
from core.config import SlideshowConfig
from core.emulator.clips import make_clip
from core.emulator.media import fake_mp4
from core.library import Photo
from core.states import Slideshow
from device.ui.screen import Screen
from device.ui.video import fitted

SIZE = (800, 480)
T0 = 1000.0
GREEN = (30, 200, 30)

pytestmark = pytest.mark.usefixtures("dummy_sdl")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def open_screen(clock: FakeClock) -> Iterator[Callable[..., Screen]]:
    opened: list[Screen] = []

    def make(**config: object) -> Screen:
        config.setdefault("shuffle", False)
        config.setdefault("fade", 0.0)
        scr = Screen(size=SIZE, slideshow=SlideshowConfig(**config), now=clock.now)  # type: ignore[arg-type]
        scr.open()
        opened.append(scr)
        return scr

    yield make
    for scr in opened:
        scr.close()


def poster_image() -> Image.Image:
    return Image.new("RGB", (320, 180), (40, 60, 160))


def video(tmp_path: Path, clip: bytes | None = None) -> Photo:
    poster = tmp_path / "v.poster.jpg"
    poster_image().save(poster, quality=95)
    path = tmp_path / "v.mp4"
    path.write_bytes(clip if clip is not None else make_clip(poster_image(), seconds=3.0, fps=16))
    return Photo(id="v", path=str(poster), video=str(path))


def still(tmp_path: Path) -> Photo:
    path = tmp_path / "b.jpg"
    Image.new("RGB", (640, 480), GREEN).save(path, quality=95)
    return Photo(id="b", path=str(path))


def shot(scr: Screen, tmp_path: Path) -> Image.Image:
    scr.save_screenshot(tmp_path / "now.png")
    with Image.open(tmp_path / "now.png") as img:
        return img.convert("RGB")


def show_until(
    scr: Screen, clock: FakeClock, photos: Sequence[Photo], done: Callable[[], bool], patience: float | None = None
) -> None:
    """Call show() like the main loop, without moving the clock, until ``done()`` (at most 20 s real); with
    ``patience``, give up quietly after that many real seconds."""
    deadline = time.monotonic() + (patience or 20)
    while time.monotonic() < deadline:
        scr.show(Slideshow(count=len(photos)), clock.now(), photos)
        if done():
            return
        time.sleep(0.002)
    if patience is None:
        raise AssertionError("timed out")


def play_step(scr: Screen, clock: FakeClock, photos: Sequence[Photo], step: float) -> None:
    """Move the clock one frame on, then wait for the screen to draw that frame (the decoder's pace, not a sleep)."""
    clock.advance(step)
    drawn = scr.frames_drawn
    # The last frame of all is followed by none: then a couple of seconds' patience, and on.
    changed = lambda: scr.frames_drawn > drawn or scr.showing is None or scr.showing.id != "v"  # noqa: E731
    show_until(scr, clock, photos, changed, patience=3.0)


def test_a_video_plays_its_frames_then_the_show_moves_on_at_max_seconds(
    open_screen: Callable[..., Screen], clock: FakeClock, tmp_path: Path
) -> None:
    scr = open_screen(interval=5.0, max_seconds=2.0)
    photos = [video(tmp_path), still(tmp_path)]
    show_until(scr, clock, photos, lambda: scr.showing is not None)
    assert scr.showing is not None and scr.showing.id == "v"
    start = clock.now()
    shots = []
    while scr.showing is not None and scr.showing.id == "v" and clock.now() - start < 1.0:
        play_step(scr, clock, photos, 1 / 16)
        shots.append(shot(scr, tmp_path))
    assert len(shots) >= 15
    different = sum(1 for a, b in itertools.pairwise(shots) if ImageChops.difference(a, b).getbbox())
    assert different >= len(shots) // 2, "the frames on screen change while the video plays"
    # The moving bar is inside the video's fitted area, never over the backdrop.
    _, h = fitted((320, 180), SIZE)
    box = ImageChops.difference(shots[0], shots[-1]).getbbox()
    assert box is not None and box[1] >= (SIZE[1] - h) // 2 - 1 and box[3] <= (SIZE[1] + h) // 2 + 1
    while scr.showing is not None and scr.showing.id == "v":
        assert clock.now() - start < 2.5, "a video stays at most max_seconds (the clip is 3 s)"
        play_step(scr, clock, photos, 1 / 16)
    assert scr.showing is not None and scr.showing.id == "b"
    assert clock.now() - start >= 2.0 - 1e-6, "it was not cut short: the interval (5 s) is not what counts"


def test_frames_the_machine_cannot_keep_up_with_are_dropped_then_the_poster_stays(
    open_screen: Callable[..., Screen], clock: FakeClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    scr = open_screen(interval=5.0, max_seconds=3.0)
    photos = [video(tmp_path), still(tmp_path)]
    show_until(scr, clock, photos, lambda: scr.showing is not None)
    poster = shot(scr, tmp_path)
    start = clock.now()
    with caplog.at_level(logging.WARNING, logger="device.ui.video"):
        # A loop that only gets round every 0.3 s: each time, many frames are due and only the newest is shown.
        while clock.now() - start < 2.0 and not any("dropped" in r.getMessage() for r in caplog.records):
            clock.advance(0.3)
            for _ in range(20):
                scr.show(Slideshow(count=2), clock.now(), photos)
                time.sleep(0.005)
    assert any("frames were dropped" in r.getMessage() for r in caplog.records)
    show_until(scr, clock, photos, lambda: True)
    assert not ImageChops.difference(shot(scr, tmp_path), poster).getbbox(), "the poster is back"
    assert scr.showing is not None and scr.showing.id == "v"
    assert scr.next_wake(clock.now()) > 0.5, "no more frames to wait for: the loop sleeps"


def test_a_corrupt_video_shows_its_poster_with_no_traceback(
    open_screen: Callable[..., Screen], clock: FakeClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    scr = open_screen(interval=3.0, max_seconds=30.0)
    photos = [video(tmp_path, clip=fake_mp4("broken")), still(tmp_path)]
    with caplog.at_level(logging.WARNING):
        show_until(scr, clock, photos, lambda: scr.showing is not None)
        show_until(scr, clock, photos, lambda: any("cannot be decoded" in r.getMessage() for r in caplog.records))
        blue = shot(scr, tmp_path).getpixel((SIZE[0] // 2, SIZE[1] // 2))
        assert isinstance(blue, tuple) and blue[2] > 120 and blue[0] < 90, "its poster is on screen"
        show_until(scr, clock, photos, lambda: not scr.decoding)  # the next photo is ready
        clock.advance(3.0)  # the interval, not max_seconds (30 s): a broken video stays as long as a photo
        show_until(scr, clock, photos, lambda: scr.showing is not None and scr.showing.id == "b")
    assert all(r.exc_info is None for r in caplog.records)


def test_poster_mode_shows_the_mark_and_no_frames(
    open_screen: Callable[..., Screen], clock: FakeClock, tmp_path: Path
) -> None:
    scr = open_screen(interval=5.0, videos="poster")
    photos = [video(tmp_path), still(tmp_path)]
    show_until(scr, clock, photos, lambda: scr.showing is not None)
    first = shot(scr, tmp_path)
    unit = max(16, min(SIZE) // 18)
    mark = first.getpixel((unit + unit, 2 * unit))  # the middle of the ▶
    assert isinstance(mark, tuple) and min(mark) > 200, "a white ▶ in the top left corner"
    clock.advance(2.0)
    show_until(scr, clock, photos, lambda: not scr.decoding)  # the next photo is ready
    assert not ImageChops.difference(first, shot(scr, tmp_path)).getbbox(), "a poster does not move"
    assert scr.showing is not None and scr.showing.id == "v"
    assert scr.next_wake(clock.now()) > 1.0, "no frames to wait for: the loop sleeps until the interval is over"


def test_skip_mode_leaves_videos_out(open_screen: Callable[..., Screen], clock: FakeClock, tmp_path: Path) -> None:
    scr = open_screen(interval=1.0, videos="skip")
    photos = [video(tmp_path), still(tmp_path)]
    seen: set[str] = set()
    for _ in range(4):
        show_until(scr, clock, photos, lambda: scr.showing is not None)
        assert scr.showing is not None
        seen.add(scr.showing.id)
        clock.advance(1.5)
    assert seen == {"b"}


def test_a_video_is_shown_alone_even_beside_photos_of_its_shape(
    open_screen: Callable[..., Screen], clock: FakeClock, tmp_path: Path
) -> None:
    # On a landscape screen with layout = "pairs", portrait photos share the screen two by two; a portrait
    # video plays over its own slide, never with a photo beside it.
    tall = Image.new("RGB", (180, 320), (40, 60, 160))
    poster = tmp_path / "v.poster.jpg"
    tall.save(poster, quality=95)
    clip = tmp_path / "v.mp4"
    clip.write_bytes(make_clip(tall, seconds=1.0, fps=8))
    clip_item = Photo(id="v", path=str(poster), width=180, height=320, video=str(clip))
    stills = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.jpg"
        Image.new("RGB", (300, 400), GREEN).save(path, quality=95)
        stills.append(Photo(id=name, path=str(path), width=300, height=400))
    photos = [clip_item, *stills]
    scr = open_screen(layout="pairs", interval=1.0, max_seconds=1.0)
    show_until(scr, clock, photos, lambda: scr.showing is not None)
    assert [p.id for p in scr.showing_slide] == ["v"], "the video has the screen to itself"
    clock.advance(5.0)
    show_until(scr, clock, photos, lambda: scr.showing is not None and scr.showing.id != "v")
    assert sorted(p.id for p in scr.showing_slide) == ["a", "b"], "the two portrait photos after it share the screen"


def pause(scr: Screen) -> None:
    """The person presses Pause (the remote's ⏯, the keyboard's Pause key)."""
    for kind in (pygame.KEYDOWN, pygame.KEYUP):
        pygame.event.post(pygame.event.Event(kind, key=pygame.K_PAUSE, mod=0, unicode="", scancode=0))
    assert scr.handle_events() == []  # the slideshow's own key: the journey never hears of it


def test_pause_freezes_a_playing_video_on_its_frame_and_resume_goes_on_without_losing_played_time(
    open_screen: Callable[..., Screen], clock: FakeClock, tmp_path: Path
) -> None:
    scr = open_screen(interval=5.0, max_seconds=2.0)
    photos = [video(tmp_path), still(tmp_path)]
    show_until(scr, clock, photos, lambda: scr.showing is not None)
    start = clock.now()
    for _ in range(8):  # half a second played
        play_step(scr, clock, photos, 1 / 16)
    pause(scr)
    scr.show(Slideshow(count=len(photos)), clock.now(), photos)
    middle = (0, SIZE[1] // 3, SIZE[0], SIZE[1] * 2 // 3)  # inside the video, clear of the paused mark and hints
    frozen = shot(scr, tmp_path).crop(middle)
    for _ in range(5):  # ten seconds paused: longer than max_seconds and the interval
        clock.advance(2.0)
        show_until(scr, clock, photos, lambda: True)
        assert scr.showing is not None and scr.showing.id == "v", "a paused video stays on screen"
        assert not ImageChops.difference(frozen, shot(scr, tmp_path).crop(middle)).getbbox(), "frozen on its frame"
    paused = 10.0
    pause(scr)
    play_step(scr, clock, photos, 1 / 16)
    play_step(scr, clock, photos, 1 / 16)
    assert ImageChops.difference(frozen, shot(scr, tmp_path).crop(middle)).getbbox(), "resumed: it moves on"
    while scr.showing is not None and scr.showing.id == "v":
        assert clock.now() - start - paused < 2.5, "it still leaves at max_seconds of time played"
        play_step(scr, clock, photos, 1 / 16)
    assert clock.now() - start - paused >= 2.0 - 1e-6, "the time paused did not count as played"


def turned_clip(seconds: float) -> bytes:
    """A landscape clip whose track says "turn me a quarter clockwise" (the tkhd display matrix a phone held
    upright writes): FFmpeg reads it as ``VideoFrame.rotation == -90``."""
    data = bytearray(make_clip(poster_image(), seconds=seconds, fps=16))
    at = data.find(b"tkhd") + 4 + 40  # version 0: after flags, times, track id, duration, layer, volume
    assert struct.unpack(">9i", data[at : at + 36]) == (0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    data[at : at + 36] = struct.pack(">9i", 0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000)
    return bytes(data)


def white_rows(img: Image.Image) -> float:
    """The mean height of the sweeping white bar's pixels on the screen's middle column."""
    x = img.width // 2
    ys = [y for y in range(img.height) if min(img.getpixel((x, y))) > 235]  # type: ignore[arg-type]
    return sum(ys) / len(ys) if ys else -1.0


def test_a_video_with_a_rotation_in_its_track_is_shown_turned_upright(
    open_screen: Callable[..., Screen], clock: FakeClock, tmp_path: Path
) -> None:
    scr = open_screen(interval=5.0, max_seconds=3.0)
    photos = [video(tmp_path, turned_clip(3.0)), still(tmp_path)]
    show_until(scr, clock, photos, lambda: scr.showing is not None)
    shots = []
    for _ in range(40):
        play_step(scr, clock, photos, 1 / 16)
        shots.append(shot(scr, tmp_path))
    box = ImageChops.difference(shots[0], shots[-1]).getbbox()
    w, _ = fitted((180, 320), SIZE)  # stored 320x180, shown 180x320: portrait, fitted to 270x480
    assert box is not None
    assert box[0] >= (SIZE[0] - w) // 2 - 1 and box[2] <= (SIZE[0] + w) // 2 + 1, "shown portrait, not as stored"
    # The bar sweeps left to right in the stored frames: turned a quarter clockwise, it goes top to bottom.
    early, late = white_rows(shots[2]), white_rows(shots[-1])
    assert 0 <= early < late, (early, late)
