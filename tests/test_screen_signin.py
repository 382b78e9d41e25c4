"""The "Sign in with your phone" screen: QR of the pairing link, the link as text, the short code; and in a terminal."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from core.clock import FakeClock
from core.states import SignInOnPhone
from device.ui.screen import Screen
from device.ui.terminal import Terminal
from tests.test_screen_render import check_text_layout

PAIRING = "http://192.168.1.23:8080/p/q9vM3ovLX6O-pEx9lP7F95"
STATE = SignInOnPhone(pairing_url=PAIRING, login_code="K7QF-2MXD", expires_at=600.0)

pytestmark = pytest.mark.usefixtures("dummy_sdl")


def test_sign_in_with_phone_shows_qr_link_and_code(screen: tuple[Screen, FakeClock], tmp_path: Path) -> None:
    scr, clock = screen
    scr.show(STATE, clock.now(), ())
    shown = [text for text, _ in scr.last_texts]
    assert "Sign in with your phone" in " ".join(shown)  # wrapped on a small screen
    assert "K7QF-2MXD" in shown
    start = shown.index("Or open this address:") + 1
    assert "".join(shown[start : start + 3]).startswith(PAIRING.removeprefix("http://"))
    assert "This link expires in 10 min" in shown
    check_text_layout(scr)
    out = Path(os.environ.get("PK_SHOTS", tmp_path)) / f"sign-in-phone-{scr.size[0]}x{scr.size[1]}.png"
    scr.save_screenshot(out)
    with Image.open(out) as img:
        assert [b.text for b in zxingcpp.read_barcodes(img.convert("RGB"))] == [PAIRING]


def test_terminal_prints_the_link_beside_its_qr_and_the_login_command() -> None:
    out = io.StringIO()
    Terminal(out).show(STATE, 0.0, ())
    text = out.getvalue()
    assert "Sign in with your phone" in text
    assert f"  {PAIRING}" in text.splitlines()
    assert "picker-kiosk login --to http://192.168.1.23:8080 --code K7QF-2MXD" in text
    assert "█" in text or "▀" in text or "▄" in text  # the QR code as text
