"""The slideshow answers a remote, a keyboard and taps: next, previous, pause, and a bar that opens without acting."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pygame
import pytest
from PIL import Image

from core.clock import FakeClock
from core.config import SlideshowConfig
from core.library import Photo
from core.states import Slideshow, UserAction
from device.ui.builders import PHOTOS_HINT
from device.ui.input import K_AUDIONEXT, K_AUDIOPLAY, K_AUDIOPREV, K_SELECT, MENU_AWAKE
from device.ui.screen import Screen
from tests.screen_events import click as tap
from tests.screen_events import press

T0 = 1000.0
SLIDESHOW = Slideshow(count=3)
COLORS = [(220, 30, 30), (30, 30, 220), (30, 200, 30)]
# Longer than every stretch of fake time a test lets pass on one photo (the bar hidden four times is 44 s), so
# that a photo changes only when a test asks it to or waits out the interval on purpose.
INTERVAL = 60.0

pytestmark = pytest.mark.usefixtures("dummy_sdl")


@pytest.fixture
def screen_clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def photos(tmp_path: Path) -> list[Photo]:
    out = []
    for i, color in enumerate(COLORS):
        path = tmp_path / f"p{i}.jpg"
        Image.new("RGB", (640, 480), color).save(path)
        out.append(Photo(id=f"p{i}", path=str(path), width=640, height=480))
    return out


@pytest.fixture
def screen(screen_clock: FakeClock) -> Iterator[Screen]:
    config = SlideshowConfig(interval=INTERVAL, fade=0.2, shuffle=False)
    scr = Screen(size=(800, 480), slideshow=config, now=screen_clock.now)
    scr.open()
    yield scr
    scr.close()


def run_until(scr: Screen, clock: FakeClock, photos: Sequence[Photo], done: Callable[[], bool]) -> None:
    """Show the slideshow as the loop does, 50 ms of fake time a turn, until ``done()`` (at most 20 s real)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        scr.show(SLIDESHOW, clock.now(), photos)
        if done():
            return
        time.sleep(0.005)
        clock.advance(0.05)
    raise AssertionError("the slideshow never got there")


def showing(scr: Screen) -> str | None:
    photo = scr.showing
    return photo.id if photo else None


def settle(scr: Screen, clock: FakeClock, photos: Sequence[Photo], want: str) -> None:
    run_until(scr, clock, photos, lambda: showing(scr) == want and not scr.decoding)


def hide_bar(scr: Screen, clock: FakeClock, photos: Sequence[Photo]) -> None:
    clock.advance(MENU_AWAKE + 1)
    scr.show(SLIDESHOW, clock.now(), photos)
    assert not scr.menu_visible


def test_right_and_left_move_through_the_photos(screen: Screen, screen_clock: FakeClock, photos: list[Photo]) -> None:
    settle(screen, screen_clock, photos, "p0")
    started = screen_clock.now()
    assert press(screen, pygame.K_RIGHT) == [], "the photo keys never reach the journey"
    settle(screen, screen_clock, photos, "p1")
    assert press(screen, pygame.K_RIGHT) == []
    settle(screen, screen_clock, photos, "p2")
    assert screen_clock.now() - started < 5, "next came at once, not at the end of the interval"
    press(screen, pygame.K_LEFT)
    settle(screen, screen_clock, photos, "p1")
    press(screen, pygame.K_LEFT)
    settle(screen, screen_clock, photos, "p0")
    press(screen, pygame.K_RIGHT)
    settle(screen, screen_clock, photos, "p1")


def test_ok_and_play_pause_pause_and_resume(screen: Screen, screen_clock: FakeClock, photos: list[Photo]) -> None:
    settle(screen, screen_clock, photos, "p0")
    assert press(screen, pygame.K_RETURN) == [], "OK on the photos pauses; it never adds photos"
    screen.show(SLIDESHOW, screen_clock.now(), photos)
    assert screen.paused
    assert "Paused" in dict(screen.last_texts)
    screen_clock.advance(60)
    run_until(screen, screen_clock, photos, lambda: not screen.decoding)
    screen_clock.advance(60)
    screen.show(SLIDESHOW, screen_clock.now(), photos)
    assert showing(screen) == "p0", "paused: the photo stays"
    press(screen, pygame.K_RIGHT)
    settle(screen, screen_clock, photos, "p1")  # next still works while paused
    # What a TV remote's Play/Pause arrives as through HDMI-CEC (KEY_PLAYPAUSE -> SDL's AUDIOPLAY).
    assert press(screen, K_AUDIOPLAY) == []
    screen.show(SLIDESHOW, screen_clock.now(), photos)
    assert not screen.paused
    assert "Paused" not in dict(screen.last_texts)
    screen_clock.advance(INTERVAL + 1)
    settle(screen, screen_clock, photos, "p2")
    assert press(screen, K_SELECT) == []  # the CEC remote's Select is OK: pause again
    assert screen.paused


def test_a_key_on_the_hidden_bar_only_shows_it(screen: Screen, screen_clock: FakeClock, photos: list[Photo]) -> None:
    settle(screen, screen_clock, photos, "p0")
    hide_bar(screen, screen_clock, photos)
    for key in (pygame.K_a, pygame.K_UP, pygame.K_MENU):
        assert press(screen, key) == [], "the bar opens without acting"
        screen.show(SLIDESHOW, screen_clock.now(), photos)
        texts = dict(screen.last_texts)
        assert "Add photos" in texts
        assert showing(screen) == "p0"
        hide_bar(screen, screen_clock, photos)
    # ↑ puts the focus into the bar: now arrows choose and OK acts.
    press(screen, pygame.K_UP)
    screen.show(SLIDESHOW, screen_clock.now(), photos)
    assert press(screen, pygame.K_RIGHT, pygame.K_RETURN) == [UserAction.REPLACE]
    press(screen, pygame.K_ESCAPE)
    screen.show(SLIDESHOW, screen_clock.now(), photos)
    assert not screen.menu_visible, "Back puts the bar away"


def test_the_bar_shows_a_hint_and_ok_never_acts_until_focused(
    screen: Screen, screen_clock: FakeClock, photos: list[Photo]
) -> None:
    settle(screen, screen_clock, photos, "p0")
    assert screen.menu_visible, "the bar shows when the show starts"
    assert PHOTOS_HINT in dict(screen.last_texts)
    assert press(screen, pygame.K_RETURN) == [], "with the hint up, OK still pauses"
    assert screen.paused


def test_taps_left_right_and_middle(screen: Screen, screen_clock: FakeClock, photos: list[Photo]) -> None:
    settle(screen, screen_clock, photos, "p0")
    hide_bar(screen, screen_clock, photos)
    assert tap(screen, (700, 240)) == []
    settle(screen, screen_clock, photos, "p1")
    assert tap(screen, (50, 240)) == []
    settle(screen, screen_clock, photos, "p0")
    hide_bar(screen, screen_clock, photos)
    assert tap(screen, (400, 240)) == [], "a tap in the middle only shows the bar: no picking session"
    screen.show(SLIDESHOW, screen_clock.now(), photos)
    assert screen.menu_visible
    assert showing(screen) == "p0"
    rect = dict(screen.last_texts)["Add photos"]
    assert tap(screen, rect.center) == [UserAction.ADD], "the bar's buttons work as before"


@pytest.mark.parametrize(
    ("key", "action"),
    [
        (K_AUDIOPLAY, UserAction.PAUSE),  # KEY_PLAYPAUSE / KEY_PLAYCD from rc-cec
        (K_SELECT, UserAction.PAUSE),  # the remote's Select (KEY_SELECT)
        (pygame.K_RETURN, UserAction.PAUSE),
        (pygame.K_LEFT, UserAction.PREVIOUS),
        (pygame.K_RIGHT, UserAction.NEXT),
        (K_AUDIONEXT, UserAction.NEXT),  # KEY_NEXTSONG
        (K_AUDIOPREV, UserAction.PREVIOUS),  # KEY_PREVIOUSSONG
    ],
)
def test_what_a_cec_remote_sends_reaches_the_photos(key: int, action: UserAction) -> None:
    """The keys SDL makes of the kernel's CEC input events, as the slideshow's Controls read them."""
    from device.ui.input import Controls
    from device.ui.menu import SLIDESHOW_MENU

    controls = Controls()
    controls.enter(SLIDESHOW_MENU, sleeps=True, was_sleeping=False, now=0.0)
    event = pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode="", scancode=0)
    assert controls.handle([event], MENU_AWAKE + 1, []) == [action]


def test_the_remote_s_menu_key_opens_the_bar_and_closes_it() -> None:
    from device.ui.input import Controls
    from device.ui.menu import SLIDESHOW_MENU

    controls = Controls()
    controls.enter(SLIDESHOW_MENU, sleeps=True, was_sleeping=False, now=0.0)
    now = MENU_AWAKE + 1
    menu = pygame.event.Event(pygame.KEYDOWN, key=pygame.K_MENU, mod=0, unicode="", scancode=0)
    assert controls.handle([menu], now, []) == []
    assert controls.bar_engaged(now)
    assert controls.handle([menu], now, []) == []
    assert not controls.bar_awake(now)
