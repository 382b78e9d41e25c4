"""Keys, clicks and taps, posted as real SDL events, become the right UserActions; focus is visible."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pygame
import pytest
from PIL import Image

from core.clock import FakeClock
from core.library import Photo
from core.states import Choose, Connect, Problem, SignedOut, Slideshow, State, UserAction
from device.ui.input import ESC_HOLD_QUIT, MENU_AWAKE
from device.ui.screen import Screen
from device.ui.widgets import ACCENT
from tests.screen_events import click, press

A = UserAction
T0 = 1000.0
CHOOSE = Choose(
    session_id="s", picker_uri="http://127.0.0.1:9/pick/s", account="a@b.c", expires_at=T0 + 600,
    poll_interval=5, next_poll_at=T0 + 5,
)  # fmt: skip
SLIDESHOW = Slideshow(count=0)


pytestmark = pytest.mark.usefixtures("dummy_sdl")


@pytest.fixture
def screen_clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def screen(screen_clock: FakeClock) -> Iterator[Screen]:
    scr = Screen(size=(800, 480), now=screen_clock.now)
    scr.open()
    yield scr
    scr.close()


def label_rect(scr: Screen, label: str) -> Any:
    return dict(scr.last_texts)[label]


def focused_label(scr: Screen, tmp_path: Path, labels: list[str]) -> str:
    """Which button is drawn focused: the one whose label sits on the accent colour (read from the PNG)."""
    path = tmp_path / "focus.png"
    scr.save_screenshot(path)
    with Image.open(path) as img:
        rgb = img.convert("RGB")
        on_accent = [
            label
            for label in labels
            if rgb.getpixel((label_rect(scr, label).left - 3, label_rect(scr, label).centery)) == ACCENT
        ]
    assert len(on_accent) == 1, on_accent
    return on_accent[0]


def show(scr: Screen, screen_clock: FakeClock, state: State) -> None:
    scr.show(state, screen_clock.now(), [])


def test_slideshow_menu_by_arrows_and_enter(screen: Screen, screen_clock: FakeClock, tmp_path: Path) -> None:
    show(screen, screen_clock, SLIDESHOW)
    assert press(screen, pygame.K_UP) == []  # the focus goes into the bar (OK on the photos pauses)
    show(screen, screen_clock, SLIDESHOW)
    labels = ["Add photos", "Replace photos", "Sign out"]
    assert focused_label(screen, tmp_path, labels) == "Add photos"
    assert press(screen, pygame.K_RETURN) == [A.ADD]
    assert press(screen, pygame.K_RIGHT) == []
    show(screen, screen_clock, SLIDESHOW)
    assert focused_label(screen, tmp_path, labels) == "Replace photos"
    assert press(screen, pygame.K_SPACE) == [A.REPLACE]
    assert press(screen, pygame.K_DOWN, pygame.K_DOWN, pygame.K_KP_ENTER) == [A.SIGN_OUT]  # stops at the end
    show(screen, screen_clock, SLIDESHOW)
    assert focused_label(screen, tmp_path, labels) == "Sign out"
    assert press(screen, pygame.K_LEFT, pygame.K_UP, pygame.K_UP, pygame.K_RETURN) == [A.ADD]


def test_sleeping_hint_bar_wakes_first_and_enter_pauses(screen: Screen, screen_clock: FakeClock) -> None:
    show(screen, screen_clock, SLIDESHOW)
    assert "Add photos" in dict(screen.last_texts)
    screen_clock.advance(MENU_AWAKE + 1)
    show(screen, screen_clock, SLIDESHOW)
    assert "Add photos" not in dict(screen.last_texts), "the hint bar hides on a still slideshow"
    assert press(screen, pygame.K_DOWN) == []  # only wakes it: the focus does not move unseen
    show(screen, screen_clock, SLIDESHOW)
    assert "Add photos" in dict(screen.last_texts)
    assert press(screen, pygame.K_RETURN) == [A.ADD]
    screen_clock.advance(MENU_AWAKE + 1)
    show(screen, screen_clock, SLIDESHOW)
    assert press(screen, pygame.K_RETURN) == [], "OK on the photos pauses: an accidental press adds nothing"


def test_clicks_and_taps(screen: Screen, screen_clock: FakeClock) -> None:
    show(screen, screen_clock, SLIDESHOW)
    assert click(screen, label_rect(screen, "Sign out").center) == [A.SIGN_OUT]
    assert click(screen, label_rect(screen, "Replace photos").center) == [A.REPLACE]
    assert click(screen, (400, 100)) == [], "a tap on the middle of the photo only shows or hides the bar"
    show(screen, screen_clock, CHOOSE)
    assert click(screen, label_rect(screen, "Cancel").center) == [A.CANCEL]
    assert click(screen, (790, 240)) == [], "a tap beside the buttons of a QR screen does nothing"
    right_button = pygame.event.Event(pygame.MOUSEBUTTONUP, button=3, pos=label_rect(screen, "New link").center)
    pygame.event.post(right_button)
    assert screen.handle_events() == []


def test_choose_ok_is_cancel_and_back_cancels(screen: Screen, screen_clock: FakeClock) -> None:
    show(screen, screen_clock, CHOOSE)
    assert press(screen, pygame.K_RETURN) == [], "the focus starts on nothing: an accidental OK does nothing"
    assert press(screen, pygame.K_RETURN) == [A.CANCEL]
    assert press(screen, pygame.K_RIGHT, pygame.K_RETURN) == [A.RETRY]
    assert press(screen, pygame.K_ESCAPE) == [A.CANCEL]
    assert press(screen, pygame.K_AC_BACK) == [A.CANCEL]


def test_focus_starts_on_the_first_button_of_each_new_screen(screen: Screen, screen_clock: FakeClock) -> None:
    show(screen, screen_clock, SLIDESHOW)
    press(screen, pygame.K_RIGHT, pygame.K_RIGHT)
    show(screen, screen_clock, CHOOSE)
    assert press(screen, pygame.K_RETURN, pygame.K_RETURN) == [A.CANCEL]
    problem = Problem(what="no-photos-account", title="No Google Photos account", detail="d", next_step="n")
    show(screen, screen_clock, problem)
    assert press(screen, pygame.K_RETURN) == [A.RETRY]
    assert press(screen, pygame.K_RIGHT, pygame.K_RETURN) == [A.SIGN_OUT]
    show(screen, screen_clock, SignedOut())
    assert press(screen, pygame.K_RETURN) == [A.RETRY]


def test_shortcuts_close_and_esc_held(screen: Screen, screen_clock: FakeClock) -> None:
    show(screen, screen_clock, Connect("https://x.test/d", "https://x.test/d", "AB-CD", T0 + 60, 5, T0 + 5))
    assert press(screen, pygame.K_RETURN) == []  # nothing to choose on the sign-in screen
    assert press(screen, pygame.K_r, pygame.K_a, pygame.K_s) == [A.RETRY, A.ADD, A.SIGN_OUT]
    pygame.event.post(pygame.event.Event(pygame.QUIT))
    assert screen.handle_events() == [A.QUIT]
    # Esc is "back"; held down (no key-up) for a few seconds it leaves the program.
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE, mod=0, unicode="", scancode=0))
    assert screen.handle_events() == [A.CANCEL]
    assert screen.next_wake(screen_clock.now()) <= ESC_HOLD_QUIT
    screen_clock.advance(ESC_HOLD_QUIT / 2)
    assert screen.handle_events() == []
    screen_clock.advance(ESC_HOLD_QUIT / 2)
    assert screen.handle_events() == [A.QUIT]
    assert screen.handle_events() == []
    # A short press never quits.
    assert press(screen, pygame.K_ESCAPE) == [A.CANCEL]
    screen_clock.advance(ESC_HOLD_QUIT * 2)
    assert screen.handle_events() == []


def test_focus_change_redraws_and_nothing_else_does(screen: Screen, screen_clock: FakeClock) -> None:
    show(screen, screen_clock, CHOOSE)
    drawn = screen.frames_drawn
    show(screen, screen_clock, CHOOSE)
    assert screen.frames_drawn == drawn
    press(screen, pygame.K_RIGHT)
    assert screen.next_wake(screen_clock.now()) == 0
    show(screen, screen_clock, CHOOSE)
    assert screen.frames_drawn == drawn + 1


def test_keys_work_while_a_photo_cannot_be_read(screen: Screen, screen_clock: FakeClock) -> None:
    # A slideshow with photos that cannot be read still answers keys at once.
    photo = Photo(id="x", path="/nonexistent/x.jpg")
    screen.show(Slideshow(count=1), screen_clock.now(), [photo])
    assert press(screen, pygame.K_UP, pygame.K_RETURN) == [A.ADD]
