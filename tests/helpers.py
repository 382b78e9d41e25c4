"""Helpers shared by test modules: the kiosk's config file and command line, emulators and signed-in sessions."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import requests

from core.clock import FakeClock
from core.config import GoogleConfig
from core.emulator import Emulator, Person, testing
from device.signin.credentials import authorized_session
from device.signin.grant import DeviceAuth

ROOT = Path(__file__).resolve().parents[1]
KIOSK = testing.KIOSK  # the installed `picker-kiosk` command, from this tree
CLIENT_ID = "journey-test.apps.googleusercontent.com"
CLIENT_SECRET = "journey-test-secret-value"


def write_config(tmp: Path, url: str, **download: int) -> Path:
    """A config TOML for `picker-kiosk run` against the emulator at ``url``, state under ``tmp / "state"``;
    ``download`` adds keys to its [download] table (4 workers)."""
    return testing.write_config(
        tmp, url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, download={"workers": 4, **download}
    )


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    """Run `picker-kiosk ARGS` to the end and capture its output."""
    return subprocess.run(
        [*KIOSK, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )


def kiosk_emulator(*, photos: int, person: Person, poll_interval: float) -> Emulator:
    """A real-time emulator (not started) that knows the client of ``write_config``; device codes every second."""
    return Emulator(
        photos=photos,
        person=person,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        interval=1,
        poll_interval=poll_interval,
    )


def token_by_hand(emu: Emulator, scope: str) -> str:
    """The device grant done by hand over HTTP, the person approving at once: an access token for ``scope``."""
    assert emu.fake_clock is not None
    code = requests.post(f"{emu.url}/device/code", data={"client_id": "kiosk", "scope": scope}, timeout=10).json()
    emu.fake_clock.advance(max(emu.person.approve_after, float(code.get("interval", 5))) + 0.1)
    return device_token(emu.url, code["device_code"], "kiosk", "secret")


def device_token(url: str, device_code: str, client_id: str, client_secret: str) -> str:
    """The access token the emulator at ``url`` gives for an approved ``device_code`` (one token poll)."""
    token = requests.post(
        f"{url}/token",
        data={
            "client_id": client_id,
            "client_secret": client_secret,
            "device_code": device_code,
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        },
        timeout=10,
    ).json()
    return str(token["access_token"])


def signed_in_session(emu: Emulator, clock: FakeClock) -> requests.Session:
    """A session carrying a real Bearer from the emulator's device grant, as the device makes it."""
    google = GoogleConfig("client.apps.googleusercontent.com", "s3cret-client", emu.url, emu.url)
    auth = DeviceAuth(google, requests.Session(), clock=clock.clock())
    token = auth.wait(auth.start())
    return authorized_session(token, google, None)
