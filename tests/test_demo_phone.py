"""`picker-kiosk demo --sign-in phone`: the whole fallback journey offline, the scripted person playing the phone."""

from __future__ import annotations

import json
from pathlib import Path

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
