"""What the emulator lets a test observe, the logs it writes, and its command line."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

from core.clock import FakeClock
from core.emulator import PICKER_SCOPE, Emulator, Person

ROOT = Path(__file__).resolve().parents[1]
GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def test_every_request_is_recorded(emulator: Emulator, fake_clock: FakeClock) -> None:
    started = fake_clock.now()
    requests.post(f"{emulator.url}/device/code", data={"client_id": "c", "scope": "openid"}, timeout=5)
    fake_clock.advance(2)
    token = emulator.grant_token()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    rid = str(uuid.uuid4())
    sid = requests.post(f"{emulator.url}/v1/sessions", params={"requestId": rid}, headers=auth, timeout=5).json()["id"]
    fake_clock.advance(5)
    requests.get(f"{emulator.url}/v1/sessions/{sid}", headers=auth, timeout=5)
    requests.get(f"{emulator.url}/v1/sessions/{sid}", timeout=5)
    requests.delete(f"{emulator.url}/v1/sessions/{sid}", headers={"Authorization": "Bearer forged"}, timeout=5)
    seen = emulator.requests
    assert [(r.method, r.path, r.endpoint, r.bearer, r.status) for r in seen] == [
        ("POST", "/device/code", "device_code", "missing", 200),
        ("POST", "/v1/sessions", "sessions.create", "valid", 200),
        ("GET", f"/v1/sessions/{sid}", "sessions.get", "valid", 200),
        ("GET", f"/v1/sessions/{sid}", "sessions.get", "missing", 401),
        ("DELETE", f"/v1/sessions/{sid}", "sessions.delete", "invalid", 401),
    ]
    assert [r.time - started for r in seen] == [0, 2, 7, 7, 7]
    assert seen[1].query == {"requestId": [rid]}
    assert seen[0].wall <= seen[-1].wall
    assert emulator.request_ids == [rid] and emulator.open_sessions == [sid]


def test_polling_violations_name_no_secret(emulator: Emulator, fake_clock: FakeClock) -> None:
    emulator.person = Person(answer="never", pick_after=100)
    device_code = requests.post(
        f"{emulator.url}/device/code", data={"client_id": "c", "scope": PICKER_SCOPE}, timeout=5
    ).json()["device_code"]
    form = {"client_id": "c", "device_code": device_code, "grant_type": GRANT}
    for _ in range(2):
        requests.post(f"{emulator.url}/token", data=form, timeout=5)
    fake_clock.advance(10)
    requests.post(f"{emulator.url}/token", data=form, timeout=5)
    assert len(emulator.violations) == 1
    assert device_code not in emulator.violations[0]


def test_logs_never_hold_tokens_or_codes(emulator: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="core.emulator")
    answer = requests.post(
        f"{emulator.url}/device/code", data={"client_id": "c", "scope": f"{PICKER_SCOPE} openid"}, timeout=5
    ).json()
    tokens = emulator.grant_token()
    requests.post(
        f"{emulator.url}/token",
        data={"client_id": "c", "device_code": answer["device_code"], "grant_type": GRANT},
        timeout=5,
    )
    requests.post(f"{emulator.url}/revoke", params={"token": tokens["access_token"]}, timeout=5)
    text = caplog.text
    assert "POST /revoke -> 200" in text and "POST /device/code -> 200" in text
    for secret in (answer["device_code"], tokens["access_token"], tokens["refresh_token"], tokens["id_token"]):
        assert secret not in text


def test_counters(emulator: Emulator) -> None:
    for _ in range(3):
        requests.post(f"{emulator.url}/device/code", data={"client_id": "c", "scope": "openid"}, timeout=5)
    tokens = emulator.grant_token()
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": "emulator-client"}
    for _ in range(2):
        requests.post(f"{emulator.url}/token", data=form, timeout=5)
    assert (emulator.device_codes_issued, emulator.tokens_refreshed) == (3, 2)


def test_unknown_path_is_googles_not_found(emulator: Emulator) -> None:
    r = requests.get(f"{emulator.url}/v2/whatever", timeout=5)
    assert r.status_code == 404 and r.json()["error"]["status"] == "NOT_FOUND"


def test_command_line_serves_until_sigterm() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "core.emulator", "--port", "0", "--approve-after", "0", "--interval", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        url = first.strip().rsplit(" ", 1)[-1]
        assert url.startswith("http://127.0.0.1:")
        snippet = "".join(proc.stdout.readline() for _ in range(7))
        assert f'auth_url = "{url}"' in snippet and f'picker_url = "{url}"' in snippet
        body = requests.post(f"{url}/device/code", data={"client_id": "any", "scope": PICKER_SCOPE}, timeout=5)
        form = {
            "client_id": "any",
            "client_secret": "x",
            "device_code": body.json()["device_code"],
            "grant_type": GRANT,
        }
        assert requests.post(f"{url}/token", data=form, timeout=5).status_code == 200  # approved at once
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
