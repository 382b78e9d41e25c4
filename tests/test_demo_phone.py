"""`picker-kiosk demo --sign-in phone`: the whole fallback journey offline, the scripted person playing the phone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.clock import FakeClock
from core.config import CompanionConfig
from core.emulator.phone import ScriptedPhone
from core.errors import KioskError
from device.companion.server import Companion
from tests.companion_doubles import GOOD_ADDRESS, ScriptedSignIn
from tests.test_demo import demo


def test_demo_phone_refuses_the_device_grant_and_signs_in_with_the_phone(tmp_path: Path) -> None:
    state = tmp_path / "state"
    result = demo("--sign-in", "phone", "--headless", "--photos", "3", "--latency", "0", "--state-dir", str(state))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.index("Sign in with your phone") < out.index("Connected as frame.owner@example.com")
    assert out.index("Connected as") < out.index("Done: 3 photos")
    assert "Scan to connect" not in out  # the device grant's code screen never came: Google refused it
    assert json.loads((state / "token.json").read_text())["client_id"].startswith("picker-kiosk-demo-desktop")
    assert len([p for p in (state / "library").iterdir() if p.is_file()]) == 3
    assert "picking session(s) were left open" not in result.stderr
    # The phone went through the device's real pairing pages: the page, then its one form with the address.
    assert "companion: GET /p/[secret] 200" in result.stderr
    assert "companion: POST /p/[secret] 200" in result.stderr
    assert "(demo) The phone shows: Connected as frame.owner@example.com" in out


class _Lands(ScriptedSignIn):
    """A sign-in whose consent link sends the phone straight to ``landing`` (as Google's "Allow" does)."""

    def __init__(self, consent: str) -> None:
        super().__init__()
        self.consent = consent

    def consent_url(self) -> str:
        return self.consent


def test_the_scripted_phone_signs_in_through_the_pairing_page_and_reports_a_refusal(
    fake_clock: FakeClock, emulator: object
) -> None:
    from core.emulator import Emulator

    assert isinstance(emulator, Emulator)
    # The emulator's consent endpoint redirects a phone; here any redirect to the good address will do.
    signin = _Lands(f"{emulator.url}/o/oauth2/v2/auth?redirect_uri=x")
    with Companion(
        CompanionConfig(enabled=True, bind="127.0.0.1", port=0), signin, lambda e: None, fake_clock.clock()
    ) as desk:
        link = desk.pairing_url()
        with pytest.raises(KioskError):  # the emulator refuses this consent request: no redirect, no paste
            ScriptedPhone(timeout=5).sign_in(link)
        assert signin.pasted == []
        phone = ScriptedPhone(timeout=5)
        page = phone.open(link)
        assert page.link("consent") == signin.consent and page.form().fields == ["address"]
        refused = phone.submit(page, address="http://127.0.0.1:9/?state=s&code=bad")
        assert refused.status_code == 400 and signin.pasted == ["http://127.0.0.1:9/?state=s&code=bad"]
        connected = phone.submit(phone.open(link), address=GOOD_ADDRESS)
        assert connected.status_code == 200 and "Connected as owner@example.com" in connected.text
