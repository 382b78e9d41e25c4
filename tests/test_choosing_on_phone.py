"""A picking session the phone page started: the TV says "Choosing on a phone…" instead of the picker's QR."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from core import flow
from core.clock import FakeClock
from core.states import Choose, Slideshow, UserAction
from device.ui.screen import Screen
from device.ui.terminal import Terminal
from tests.test_screen_render import check_text_layout

PICKER = "https://photos.google.com/picker/AF1QipNnZx7kTq2hWl0cD9vR3sYb8uJm4eKa6oPiG5fLt1XwQyHzVd0BcE2nMr3s"
pytestmark = pytest.mark.usefixtures("dummy_sdl")


def picking(from_phone: bool, action: UserAction = UserAction.ADD) -> Choose:
    m = flow.Machine(companion=True)
    m, _ = flow.step(m, flow.Boot(signed_in=True, account="a@example.com", photos=5), 0.0)
    assert isinstance(m.state, Slideshow)
    m, effects = flow.step(m, flow.Action(action, from_phone=from_phone), 1.0)
    assert effects == [flow.CreateSession(action is UserAction.REPLACE)]
    m, _ = flow.step(m, flow.SessionCreated("s1", PICKER, 5.0, 1800.0), 2.0)
    assert isinstance(m.state, Choose)
    m, _ = flow.step(m, flow.SessionPolled("s1", media_items_set=False), 8.0)  # stays so while polled
    assert isinstance(m.state, Choose)
    return m.state


def test_a_session_the_phone_started_is_marked_and_one_from_the_device_is_not() -> None:
    assert picking(from_phone=True).on_phone
    assert picking(from_phone=True, action=UserAction.REPLACE).on_phone
    assert not picking(from_phone=False).on_phone


def test_the_tv_says_choosing_on_a_phone_without_the_qr(screen: tuple[Screen, FakeClock], tmp_path: Path) -> None:
    scr, clock = screen
    state = picking(from_phone=True)
    scr.show(state, clock.now(), ())
    shown = " ".join(text for text, _ in scr.last_texts)
    assert "Choosing on a phone…" in shown and "Scan to choose" not in shown
    assert "The link expires in 31 min" in shown and "Cancel" in shown  # 1802 s: rounded up
    assert scr.last_qr is None and "photos.google.com" not in shown
    check_text_layout(scr)
    scr.save_screenshot(Path(os.environ.get("PK_SHOTS", tmp_path)) / f"choosing-on-phone-{scr.size[0]}.png")
    scr.show(picking(from_phone=False), clock.now(), ())
    assert scr.last_qr is not None and scr.last_qr.text == PICKER  # the device's own: the QR as before


def test_the_terminal_says_so_too() -> None:
    out = io.StringIO()
    Terminal(out).show(picking(from_phone=True), 9.0, ())
    assert "Choosing on a phone…" in out.getvalue() and PICKER not in out.getvalue()
