"""The crossfade: each frame follows the fade's curve (a true mix midway, no banding), the last picture is
exactly the new slide, and the overlays over the photos (the bar, the clock, the date) never blend into it."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pygame
import pytest
from PIL import Image, ImageChops

from core.clock import FakeClock
from core.config import SlideshowConfig
from core.library import Photo
from core.states import Slideshow
from device.ui.compose import compose_slide
from device.ui.crossfade import DRIFT, Crossfade
from device.ui.photos import Player, Worker
from device.ui.screen import Screen
from tests.screen_events import press

SIZE = (800, 480)
FPS = 30

pytestmark = pytest.mark.usefixtures("dummy_sdl")


def smoothstep(p: float) -> float:
    return p * p * (3 - 2 * p)


def gradients(tmp_path: Path) -> list[Photo]:
    """Two photos of smooth gradients (where banding would show), crossing in hue and direction."""
    w, h = SIZE
    ramp = Image.linear_gradient("L").resize(SIZE)
    across = ramp.transpose(Image.Transpose.ROTATE_90).resize(SIZE)
    first = Image.merge("RGB", (ramp, ramp.point(lambda v: v // 2 + 40), ramp.point(lambda v: 255 - v)))
    second = Image.merge("RGB", (across.point(lambda v: v // 3), across, across.point(lambda v: 200 - v // 2)))
    photos = []
    for name, img in (("a", first), ("b", second)):
        path = tmp_path / f"{name}.png"
        img.save(path)
        photos.append(Photo(id=name, path=str(path), width=w, height=h))
    return photos


def picture(surface: pygame.Surface) -> Image.Image:
    return Image.frombytes("RGB", surface.get_size(), pygame.image.tobytes(surface, "RGB"))


def worst(a: Image.Image, b: Image.Image) -> int:
    return max(high for _low, high in ImageChops.difference(a, b).getextrema())


def steepest(img: Image.Image) -> int:
    """The largest difference between two neighbouring pixels (a band's edge in a smooth gradient)."""
    left, right = img.crop((0, 0, img.width - 1, img.height)), img.crop((1, 0, img.width, img.height))
    up, down = img.crop((0, 0, img.width, img.height - 1)), img.crop((0, 1, img.width, img.height))
    return max(worst(left, right), worst(up, down))


@pytest.fixture
def display() -> Iterator[pygame.Surface]:
    pygame.display.init()
    yield pygame.display.set_mode(SIZE)
    pygame.quit()


@pytest.mark.parametrize("kept", [True, False], ids=["blended-into-the-screen", "drawn-afresh"])
def test_the_fade_follows_its_curve_and_ends_exactly_on_the_new_slide(
    display: pygame.Surface, tmp_path: Path, kept: bool
) -> None:
    photos = gradients(tmp_path)
    worker = Worker()
    player = Player(SlideshowConfig(interval=5.0, fade=1.0, shuffle=False), SIZE, worker)
    try:
        now = 0.0
        deadline = time.monotonic() + 20
        while (player.current is None or player.fading or player.decoding) and time.monotonic() < deadline:
            now += 0.05
            player.update(now, photos)
            player.draw(display, kept=kept)
            time.sleep(0.005)
        assert player.current is not None and player.current.id == "a" and not player.decoding
        old = picture(display)
        assert old.tobytes() == bytes(compose_slide(photos[0].path, SIZE))
        new = Image.frombytes("RGB", SIZE, bytes(compose_slide(photos[1].path, SIZE)))
        start = now + 5.0
        frames: list[tuple[float, Image.Image]] = []
        for k in range(FPS + 1):
            player.update(start + k / FPS, photos)
            if not player.fading:
                break
            player.draw(display, kept=kept)
            frames.append((k / FPS, picture(display)))
        assert len(frames) >= FPS - 1, "a frame every 1/30 s for a 1 s fade"
        for p, frame in frames:
            want = Image.blend(old, new, smoothstep(p))
            # 8-bit blending, a step a frame: a few levels off the ideal mix at most, and no bands.
            assert worst(frame, want) <= 10, f"at {p:.2f} of the fade the picture is off the curve"
            assert steepest(frame) <= steepest(want) + 2, f"bands at {p:.2f} of the fade"
        midway = dict(frames)[0.5]
        assert worst(midway, old) > 60 and worst(midway, new) > 60, "midway: a mix of both, neither alone"
        player.draw(display, kept=kept)  # the fade is over
        assert picture(display).tobytes() == new.tobytes(), "the last picture is exactly the new slide"
    finally:
        worker.close()


def solid(path: Path, color: tuple[int, int, int]) -> Photo:
    Image.new("RGB", SIZE, color).save(path)
    return Photo(id=path.stem, path=str(path), width=SIZE[0], height=SIZE[1])


def test_overlays_over_a_fade_are_drawn_over_it_never_blended_into_it(tmp_path: Path) -> None:
    red, green = (220, 30, 30), (30, 200, 30)
    photos = [solid(tmp_path / "a.png", red), solid(tmp_path / "b.png", green)]
    clock = FakeClock(1000.0)
    config = SlideshowConfig(interval=5.0, fade=1.0, shuffle=False, clock="corner", captions=False)
    scr = Screen(size=SIZE, slideshow=config, now=clock.now, wall=lambda: datetime(2026, 12, 2, 12, 0))
    scr.open()
    state = Slideshow(count=2)
    try:

        def show_until(done: Callable[[], bool]) -> None:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                scr.show(state, clock.now(), photos)
                if done():
                    return
                time.sleep(0.005)
                clock.advance(0.05)
            raise AssertionError("timed out")

        def shot() -> Image.Image:
            scr.save_screenshot(tmp_path / "now.png")
            with Image.open(tmp_path / "now.png") as img:
                return img.convert("RGB")

        show_until(lambda: scr.showing is not None and not scr.decoding and scr.next_wake(clock.now()) > 0.5)
        press(scr, pygame.K_a)  # the bar shows (a key only wakes it) over the photos, with the clock
        scr.show(state, clock.now(), photos)
        assert scr.menu_visible and "Add photos" in dict(scr.last_texts)
        bar = next(rect for text, rect in scr.last_texts if text == "Add photos")
        under_bar = (bar.centerx, bar.bottom + 2)  # on the bar's translucent panel, below its label
        time_rect = next(rect for text, rect in scr.last_texts if text == "12:00")
        beside_clock = (time_rect.right + 4, time_rect.centery)
        still_red = shot()
        clock.advance(5.0 - 0.05)  # the interval is over: the next photo fades in
        frames = []
        for _ in range(FPS + 5):
            clock.advance(1 / FPS)
            scr.show(state, clock.now(), photos)
            frames.append(shot())
        assert scr.showing is not None and scr.showing.id == "b" and scr.menu_visible
        still_green = frames[-1]
        scr.use_slideshow(config)  # a full redraw of the same screen from scratch
        scr.show(state, clock.now(), photos)
        assert shot().tobytes() == still_green.tobytes(), "after the fade, exactly what a fresh frame shows"
        # Midway, what is under the translucent panels is the mix of what they showed over either photo:
        # a panel blended into the fade over and over would darken it instead.
        open_photo = (SIZE[0] // 2, SIZE[1] // 3)
        for frame in frames:
            _r, g, _b = frame.getpixel(open_photo)  # type: ignore[misc]
            mix = (g - red[1]) / (green[1] - red[1])  # how far the photos are into the fade, from the open photo
            for xy in (under_bar, beside_clock):
                before, after, now_ = still_red.getpixel(xy), still_green.getpixel(xy), frame.getpixel(xy)
                want = [b0 + (a0 - b0) * mix for b0, a0 in zip(before, after, strict=True)]  # type: ignore[arg-type]
                assert all(abs(n - w) <= 10 for n, w in zip(now_, want, strict=True)), (xy, now_, want)  # type: ignore[arg-type]
        assert any(0.3 < (f.getpixel(open_photo)[1] - red[1]) / (green[1] - red[1]) < 0.7 for f in frames)  # type: ignore[index]
    finally:
        scr.close()


def test_on_a_16_bit_screen_the_fade_is_drawn_afresh_and_still_follows_its_curve(
    display: pygame.Surface, tmp_path: Path
) -> None:
    photos = gradients(tmp_path)
    screen = pygame.Surface(SIZE, 0, 16)  # RGB565, as some panels' framebuffers are: 5 or 6 bits a channel
    worker = Worker()
    player = Player(SlideshowConfig(interval=5.0, fade=1.0, shuffle=False), SIZE, worker)
    try:
        now = 0.0
        deadline = time.monotonic() + 20
        while (player.current is None or player.fading or player.decoding) and time.monotonic() < deadline:
            now += 0.05
            player.update(now, photos)
            player.draw(screen, kept=True)
            time.sleep(0.005)
        old = picture(screen)
        start = now + 5.0
        frames: list[tuple[float, Image.Image]] = []
        for k in range(FPS + 1):
            player.update(start + k / FPS, photos)
            if not player.fading:
                break
            player.draw(screen, kept=True)
            frames.append((k / FPS, picture(screen)))
        player.draw(screen, kept=True)
        new = picture(screen)
        for p, frame in frames:
            # Small steps would round away at 5 bits a channel: each frame is the whole mix, to 565's precision.
            assert worst(frame, Image.blend(old, new, smoothstep(p))) <= 16, f"at {p:.2f} of the fade"
    finally:
        worker.close()


@pytest.mark.parametrize("late", [0.0, 0.5], ids=["on-time", "frames-late-and-early"])
def test_a_step_no_bigger_than_the_drift_leaves_the_picture_and_the_rest_stay_on_the_curve(
    display: pygame.Surface, late: float
) -> None:
    # The slow ends of the curve move less than DRIFT a frame: those frames keep the picture as it is (no blend),
    # and the picture never gets further off the curve than the drift and 8-bit rounding allow.
    blue, yellow = (0, 0, 255), (255, 255, 0)  # every channel crosses the whole range, up or down
    leaving, incoming = pygame.Surface(SIZE).convert_alpha(), pygame.Surface(SIZE).convert_alpha()
    leaving.fill(blue)
    incoming.fill(yellow)
    fade = Crossfade()
    fade.show(display, leaving)
    jitter = random.Random(7)
    t, shares, kept_frames, changed_frames = 0.0, [], 0, 0
    before = picture(display)
    while t < 1.0:
        share = smoothstep(t)
        fade.blend(display, leaving, incoming, share, kept=True)
        now = picture(display)
        r, _g, b = now.getpixel((SIZE[0] // 2, SIZE[1] // 2))  # type: ignore[misc]
        assert abs(r - 255 * share) <= 8 and abs(b - 255 * (1 - share)) <= 8, f"off the curve at {t:.2f}"
        if 0.2 < t < 0.8:
            assert now.tobytes() != before.tobytes(), f"midway every frame moves the picture on ({t:.2f})"
        if now.tobytes() == before.tobytes():
            kept_frames += 1
        else:
            changed_frames += 1
        shares.append(share)
        before = now
        t += (1 + jitter.uniform(-late, late)) / FPS
    assert kept_frames >= 2 and changed_frames >= len(shares) - 6, (kept_frames, changed_frames)
    fade.show(display, incoming)  # the fade is over
    assert picture(display).getpixel((0, 0)) == yellow, "the last picture is exactly the new slide"


def test_a_step_of_the_drift_or_less_is_not_drawn_and_a_bigger_one_catches_up(display: pygame.Surface) -> None:
    leaving, incoming = pygame.Surface(SIZE).convert_alpha(), pygame.Surface(SIZE).convert_alpha()
    leaving.fill((0, 0, 0))
    incoming.fill((200, 200, 200))
    fade = Crossfade()
    fade.show(display, leaving)
    fade.blend(display, leaving, incoming, DRIFT * 0.5, kept=True)
    assert display.get_at((5, 5))[:3] == (0, 0, 0), "a step within the drift: the picture stays"
    display.fill((9, 9, 9))  # nothing else draws between frames (kept): the player does not draw it again
    fade.blend(display, leaving, incoming, DRIFT * 0.9, kept=True)
    assert display.get_at((5, 5))[:3] == (9, 9, 9)
    display.fill((0, 0, 0))
    fade.blend(display, leaving, incoming, 0.3, kept=True)
    level = display.get_at((5, 5))[0]
    assert abs(level - 200 * 0.3) <= 200 * DRIFT + 2, level  # the whole way at once, a share ahead at most
