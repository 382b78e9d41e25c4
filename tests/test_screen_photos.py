"""The slideshow and the thumbnails: upright photos on their own blurred backdrop, crossfades, a notice,
decoding that never holds up the frame loop, bad files skipped, and a still screen that sleeps."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from core.clock import FakeClock
from core.config import SlideshowConfig
from core.library import Photo
from core.states import Connect, Downloading, Problem, Slideshow, State
from device.ui.screen import Screen

SIZE = (800, 480)
T0 = 1000.0
RED, BLUE, GREEN = (220, 30, 30), (30, 30, 220), (30, 200, 30)


pytestmark = pytest.mark.usefixtures("dummy_sdl")


@pytest.fixture
def screen_clock() -> FakeClock:
    return FakeClock(T0)


def open_screen(screen_clock: FakeClock, **config: object) -> Screen:
    scr = Screen(size=SIZE, slideshow=SlideshowConfig(**config), now=screen_clock.now)  # type: ignore[arg-type]
    scr.open()
    return scr


@pytest.fixture
def screen(screen_clock: FakeClock) -> Iterator[Screen]:
    scr = open_screen(screen_clock, interval=5.0, fade=0.5, shuffle=False)
    yield scr
    scr.close()


def solid(path: Path, color: tuple[int, int, int], size: tuple[int, int] = (640, 480)) -> Photo:
    Image.new("RGB", size, color).save(path, quality=95)
    return Photo(id=path.stem, path=str(path))


def pixel(scr: Screen, tmp_path: Path, xy: tuple[int, int]) -> tuple[int, int, int]:
    scr.save_screenshot(tmp_path / "now.png")
    with Image.open(tmp_path / "now.png") as img:
        r, g, b = img.convert("RGB").getpixel(xy)  # type: ignore[misc]
        return (r, g, b)


def near(a: Sequence[int], b: Sequence[int], tol: int = 40) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


def run_until(
    scr: Screen,
    screen_clock: FakeClock,
    state: State,
    photos: Sequence[Photo],
    done: Callable[[], bool],
    step: float = 0.05,
) -> None:
    """Call show() like the main loop does, moving the fake clock, until ``done()`` (at most 20 s real)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        scr.show(state, screen_clock.now(), photos)
        if done():
            return
        time.sleep(0.005)
        screen_clock.advance(step)
    raise AssertionError("timed out")


def test_exif_orientation_6_is_shown_upright(screen: Screen, screen_clock: FakeClock, tmp_path: Path) -> None:
    # Upright the photo is portrait, red on top and blue below; stored sideways with orientation 6.
    upright = Image.new("RGB", (300, 400), RED)
    upright.paste(BLUE, (0, 200, 300, 400))
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    assert stored.size == (400, 300)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "sideways.jpg"
    stored.save(path, quality=95, exif=exif.tobytes())
    photo = Photo(id="sideways", path=str(path))
    state = Slideshow(count=1)
    run_until(
        screen,
        screen_clock,
        state,
        [photo],
        lambda: screen.showing is not None and screen.next_wake(screen_clock.now()) > 0.1,
    )
    w, h = SIZE
    assert near(pixel(screen, tmp_path, (w // 2, h // 4)), RED)
    assert near(pixel(screen, tmp_path, (w // 2, 3 * h // 4)), BLUE)
    # Fitted to the height: 360 px wide in the middle, the sides are its dimmed, blurred self.
    assert near(pixel(screen, tmp_path, (w // 2 - 170, h // 4)), RED)
    side = pixel(screen, tmp_path, (40, h // 4))
    assert not near(side, RED) and side[0] > side[2], "the backdrop is a dim version of the photo"
    assert sum(side) < sum(RED) * 0.6


def test_crossfade_interval_and_sleeping_between(screen: Screen, screen_clock: FakeClock, tmp_path: Path) -> None:
    photos = [solid(tmp_path / "a.jpg", RED), solid(tmp_path / "b.jpg", GREEN), solid(tmp_path / "c.jpg", BLUE)]
    state = Slideshow(count=3)
    run_until(screen, screen_clock, state, photos, lambda: screen.showing is not None)
    first = screen.showing
    assert first is not None and first.id == "a"  # shuffle off: library order
    assert screen.next_wake(screen_clock.now()) < 0.1, "fading in: frames come fast"
    run_until(screen, screen_clock, state, photos, lambda: screen.next_wake(screen_clock.now()) > 0.5)
    assert near(pixel(screen, tmp_path, (400, 240)), RED, 12)
    # Still: long sleeps, no frames drawn, same photo, until the interval is over.
    drawn = screen.frames_drawn
    for _ in range(20):
        screen_clock.advance(0.1)
        screen.show(state, screen_clock.now(), photos)
    assert screen.frames_drawn == drawn and screen.showing == first
    # The next photo crossfades in: halfway, a mix of both colours.
    run_until(screen, screen_clock, state, photos, lambda: screen.showing is not None and screen.showing.id == "b", 0.1)
    screen_clock.advance(0.25)
    screen.show(state, screen_clock.now(), photos)
    mid = pixel(screen, tmp_path, (400, 240))
    assert 60 < mid[0] < 190 and 60 < mid[1] < 180, f"not a crossfade: {mid}"
    run_until(screen, screen_clock, state, photos, lambda: screen.next_wake(screen_clock.now()) > 0.5)
    assert near(pixel(screen, tmp_path, (400, 240)), GREEN, 12)


def test_notice_banner_over_a_running_slideshow_without_network(
    screen: Screen, screen_clock: FakeClock, tmp_path: Path
) -> None:
    photos = [solid(tmp_path / "a.jpg", RED), solid(tmp_path / "b.jpg", BLUE)]
    state = Slideshow(count=2, notice="No network — showing saved photos")
    seen: set[str] = set()

    def both_seen() -> bool:
        if screen.showing is not None:
            seen.add(screen.showing.id)
        return len(seen) == 2

    run_until(screen, screen_clock, state, photos, both_seen, 0.2)
    assert "No network — showing saved photos" in dict(screen.last_texts)


def test_problem_banner_keeps_the_photos(screen: Screen, screen_clock: FakeClock, tmp_path: Path) -> None:
    photos = [solid(tmp_path / "a.jpg", RED)]
    problem = Problem("offline", "No network", "The frame cannot reach Google.", "Showing saved photos.",
                      retry_at=T0 + 30, photos_available=True)  # fmt: skip
    run_until(
        screen,
        screen_clock,
        problem,
        photos,
        lambda: screen.showing is not None and screen.next_wake(screen_clock.now()) > 0.3,
    )
    assert near(pixel(screen, tmp_path, (400, 100)), RED, 12)
    assert "No network" in dict(screen.last_texts)


def test_a_photo_that_cannot_be_decoded_is_skipped(
    screen: Screen, screen_clock: FakeClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    photos = [Photo(id="broken", path=str(broken)), solid(tmp_path / "ok.jpg", GREEN)]
    with caplog.at_level(logging.WARNING):
        run_until(screen, screen_clock, Slideshow(count=2), photos, lambda: screen.showing is not None)
    assert screen.showing is not None and screen.showing.id == "ok"
    assert any("broken" in r.getMessage() and "cannot be decoded" in r.getMessage() for r in caplog.records)


def test_show_never_waits_for_a_decode(screen: Screen, screen_clock: FakeClock, tmp_path: Path) -> None:
    # The photo's file is a pipe that has no data until the test writes it: the worker is stuck on it for
    # as long as the test wants, and show() must keep returning (and drawing) meanwhile. Should show() wait
    # for the decode, a safety timer feeds the pipe after a few seconds and the ordering check fails.
    fifo = tmp_path / "slow.jpg"
    os.mkfifo(fifo)
    Image.new("RGB", (640, 480), GREEN).save(tmp_path / "data.jpg")
    data = (tmp_path / "data.jpg").read_bytes()
    photo = Photo(id="slow", path=str(fifo))
    state = Slideshow(count=1)
    fed = threading.Event()
    once = threading.Lock()

    def feed() -> None:
        with once:
            if fed.is_set():
                return
            fed.set()
        fifo.write_bytes(data)

    safety = threading.Timer(5.0, feed)
    safety.daemon = True
    safety.start()
    try:
        for _ in range(5):
            screen.show(state, screen_clock.now(), [photo])
            screen_clock.advance(0.1)
        assert screen.decoding and screen.showing is None
        assert "Getting the photos ready…" in dict(screen.last_texts)
        connect = Connect(
            "https://x.test/d", "https://x.test/d", "AB-CD", screen_clock.now() + 600, 5, screen_clock.now() + 5
        )
        screen.show(connect, screen_clock.now(), [photo])  # other screens draw meanwhile too
        assert "AB-CD" in dict(screen.last_texts)
        screen.show(state, screen_clock.now(), [photo])
        assert not fed.is_set(), "show() returned only once the photo's data had arrived"
    finally:
        safety.cancel()
        threading.Thread(target=feed, daemon=True).start()
    run_until(
        screen,
        screen_clock,
        state,
        [photo],
        lambda: screen.showing is not None and screen.next_wake(screen_clock.now()) > 0.5,
    )
    assert near(pixel(screen, tmp_path, (400, 240)), GREEN, 12)


def test_a_12_megapixel_photo_decodes_behind_the_frames(screen_clock: FakeClock, tmp_path: Path) -> None:
    big = Image.linear_gradient("L").resize((4000, 3000))
    Image.merge("RGB", (big, big.transpose(Image.Transpose.FLIP_TOP_BOTTOM), big)).save(
        tmp_path / "12mp.jpg", quality=90
    )
    photo = Photo(id="12mp", path=str(tmp_path / "12mp.jpg"))
    scr = open_screen(screen_clock, fade=0.2)
    try:
        frames_while_decoding = 0
        deadline = time.monotonic() + 20
        while scr.showing is None and time.monotonic() < deadline:
            scr.show(Slideshow(count=1), screen_clock.now(), [photo])
            frames_while_decoding += scr.decoding
            time.sleep(0.002)
        assert scr.showing == photo
        assert frames_while_decoding >= 2, "show() returned while the photo was still being decoded"
    finally:
        scr.close()


def test_thumbnails_appear_as_photos_arrive(screen: Screen, screen_clock: FakeClock, tmp_path: Path) -> None:
    old = solid(tmp_path / "old.jpg", BLUE)
    state = Downloading(session_id="s", done=0, total=3)
    screen.show(state, screen_clock.now(), [old])
    new = [old, solid(tmp_path / "new1.jpg", RED)]
    state = Downloading(session_id="s", done=1, total=3)
    run_until(screen, screen_clock, state, new, lambda: not screen.decoding)
    screen.show(state, screen_clock.now(), new)
    screen.save_screenshot(tmp_path / "dl.png")
    with Image.open(tmp_path / "dl.png") as img:
        rgb = img.convert("RGB")
        row: list[Any] = [rgb.getpixel((x, y)) for y in range(240, 470, 4) for x in range(0, 800, 4)]
    assert any(near(p, RED, 20) for p in row), "the new photo's thumbnail is shown"
    assert not any(near(p, BLUE, 20) for p in row), "photos that were already there are not 'arriving'"


def test_still_screens_sleep_long_and_do_not_redraw(screen: Screen, screen_clock: FakeClock, tmp_path: Path) -> None:
    connect = Connect("https://x.test/d", "https://x.test/d", "AB-CD", T0 + 1790, 5, T0 + 5)
    screen.show(connect, screen_clock.now(), [])
    assert screen.next_wake(screen_clock.now()) > 0.5  # the countdown shows minutes: next change in ~60 s
    drawn = screen.frames_drawn
    for _ in range(50):
        screen_clock.advance(0.1)
        screen.show(connect, screen_clock.now(), [])
    assert screen.frames_drawn == drawn
    # The last two minutes count seconds: one frame per second, no more.
    screen_clock.advance(1790 - 5 - 110.5)
    screen.show(connect, screen_clock.now(), [])
    assert "This code expires in 1:51" in dict(screen.last_texts)
    drawn = screen.frames_drawn
    for _ in range(30):
        screen_clock.advance(0.1)
        screen.show(connect, screen_clock.now(), [])
    assert screen.frames_drawn - drawn == 3
    assert "This code expires in 1:48" in dict(screen.last_texts)
    assert 0 < screen.next_wake(screen_clock.now()) <= 1.05


def test_the_first_slide_is_decoded_while_the_download_screen_is_up(
    screen: Screen, screen_clock: FakeClock, tmp_path: Path
) -> None:
    # Pick to first photo: the slideshow's first slide is made while photos arrive, so the show starts with
    # it at once (the first frame of the fade) instead of with a decode.
    state = Downloading(session_id="s", done=0, total=3)
    screen.show(state, screen_clock.now(), [])
    assert not screen.decoding, "nothing to prepare before a photo is in the library"
    arrived = [solid(tmp_path / "a.jpg", RED)]
    run_until(screen, screen_clock, Downloading(session_id="s", done=1, total=3), arrived, lambda: not screen.decoding)
    assert screen.showing is None, "the download screen stays up"
    screen.show(Slideshow(count=1), screen_clock.now(), arrived)
    assert screen.showing is not None and screen.showing.id == "a", "the first photo is on the first frame"
