"""Which way the device signs in, over real sockets: the device grant when Google allows it, the phone when not.

The pairing server (device.companion.server.Companion) is another branch's; until it lands, ``PhoneDesk``
stands in for it through the agreed interface (device.pairing.CompanionServer): it opens pairings and serves
no page, and the test plays the phone through the PhoneSignIn the kiosk handed it, against the emulator's
consent endpoint.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable
from pathlib import Path

import requests

from core import flow
from core.clock import Clock
from core.config import CompanionConfig, Config, DesktopClient, GoogleConfig, StorageConfig
from core.emulator import Emulator, Person
from core.states import Choose, Connect, SignInOnPhone, State
from device.signin.phone import PhoneSignIn
from device.ui.terminal import Terminal
from device.wiring import build_kiosk
from tests.helpers import cli

DEVICE_ID, DEVICE_SECRET = "tv.apps", "tv-secret"
DESKTOP_ID, DESKTOP_SECRET = "desk.apps", "desk-secret"


class PhoneDesk:
    """The agreed Companion interface, without the web pages (see the module docstring)."""

    def __init__(
        self, settings: CompanionConfig, sign_in: PhoneSignIn, post: Callable[[flow.Event], None], clock: Clock
    ) -> None:
        self.settings, self.sign_in, self.post = settings, sign_in, post
        self.started = False
        self.opened = 0

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.started = False

    def pairing_url(self) -> str:
        self.opened += 1
        return f"http://127.0.0.1:{self.settings.port}/p/pairing-secret-{self.opened}"

    def login_code(self) -> str:
        return f"CODE-{self.opened}"


def emulator(**kwargs: object) -> Emulator:
    return Emulator(
        client_id=DEVICE_ID,
        client_secret=DEVICE_SECRET,
        desktop_client_id=DESKTOP_ID,
        desktop_client_secret=DESKTOP_SECRET,
        person=Person(approve_after=0.2, pick_count=3, pick_after=0.3),
        interval=1,
        poll_interval=0.2,
        **kwargs,  # type: ignore[arg-type]
    )


def config_for(emu: Emulator, tmp: Path, sign_in: str) -> Config:
    state = tmp / "state"
    return Config(
        google=GoogleConfig(
            DEVICE_ID,
            DEVICE_SECRET,
            emu.url,
            emu.url,
            authorize_url=f"{emu.url}/o/oauth2/v2/auth",
            sign_in=sign_in,
            desktop=DesktopClient(DESKTOP_ID, DESKTOP_SECRET),
        ),
        storage=StorageConfig(state_dir=state, library_dir=state / "library"),
        companion=CompanionConfig(bind="127.0.0.1", port=8765),
    )


class Run:
    """One `run --once` in this process, with the real wiring, in a thread."""

    def __init__(self, config: Config, *, handed_over: bool = False) -> None:
        self.desks: list[PhoneDesk] = []

        def factory(*args: object) -> PhoneDesk:
            desk = PhoneDesk(*args)  # type: ignore[arg-type]
            self.desks.append(desk)
            return desk

        if handed_over:  # a kiosk that already runs its one companion server hands it to the sign-in
            self.kiosk = build_kiosk(config, screen=(640, 480))
            self.kiosk.runner.use_companion(factory)
        else:
            self.kiosk = build_kiosk(config, screen=(640, 480), companion=factory)
        self.out = io.StringIO()
        self.loop = self.kiosk.loop(self.kiosk.machine(once=True), Terminal(self.out))
        self.result: list[flow.Exit] = []
        self.states: list[State] = []
        self.thread = threading.Thread(target=lambda: self.result.append(self.loop.run(self.kiosk.boot())))
        self.thread.start()

    def wait_for(self, kind: type, timeout: float = 20) -> State:
        done = threading.Event()
        for _ in range(int(timeout / 0.01)):
            state = self.loop.machine.state
            if not self.states or self.states[-1] is not state:
                self.states.append(state)
            if isinstance(state, kind):
                return state
            assert self.thread.is_alive(), f"the run ended; states: {[type(s).__name__ for s in self.states]}"
            done.wait(0.01)
        raise AssertionError(f"no {kind.__name__}; states: {[type(s).__name__ for s in self.states]}")

    def wait_for_text(self, text: str, timeout: float = 20) -> str:
        """What the terminal printed, once it holds ``text``."""
        waiting = threading.Event()
        for _ in range(int(timeout / 0.01)):
            printed = self.out.getvalue()
            if text in printed:
                return printed
            waiting.wait(0.01)
        raise AssertionError(f"{text!r} never printed; got {self.out.getvalue()[-500:]!r}")

    def finish(self) -> flow.Exit:
        self.thread.join(30)
        assert not self.thread.is_alive()
        self.kiosk.runner.close(wait=True)
        self.kiosk.library.close()
        return self.result[0]


def phone_plays(sign_in: PhoneSignIn) -> str:
    """The person on the phone: opens the consent link, taps Allow, pastes the address the phone landed on."""
    reply = requests.get(sign_in.consent_url(), allow_redirects=False, timeout=5)
    assert reply.status_code == 302
    return sign_in.complete(reply.headers["Location"])


def test_scope_accepted_uses_the_device_grant_and_never_opens_pairing(tmp_path: Path) -> None:
    with emulator() as emu:
        run = Run(config_for(emu, tmp_path, "auto"))
        run.wait_for(Connect)
        result = run.finish()
        assert result.code == 0, result.message
        assert run.desks == [] and emu.auth_codes_issued == 0
        assert run.kiosk.store.load() is not None and run.kiosk.store.load().client_id == DEVICE_ID  # type: ignore[union-attr]
        assert not emu.open_sessions


def test_refused_scope_switches_to_the_phone_in_auto_and_the_journey_completes(tmp_path: Path) -> None:
    with emulator() as emu:
        emu.refuse_scope = True
        run = Run(config_for(emu, tmp_path, "auto"))
        screen = run.wait_for(SignInOnPhone)
        assert isinstance(screen, SignInOnPhone)
        assert screen.pairing_url == "http://127.0.0.1:8765/p/pairing-secret-1" and screen.login_code == "CODE-1"
        assert "Sign in with your phone" in run.wait_for_text(screen.pairing_url)
        (desk,) = run.desks
        assert desk.started
        assert phone_plays(desk.sign_in) == "frame.owner@example.com"
        assert isinstance(run.wait_for(Choose), Choose)  # the same "signed in" as the device grant's
        result = run.finish()
        assert result.code == 0, result.message
        assert len(list((tmp_path / "state" / "library").glob("*.jpg"))) == 3
        stored = json.loads((tmp_path / "state" / "token.json").read_text())
        assert stored["client_id"] == DESKTOP_ID
        assert emu.device_codes_issued == 0 and not emu.open_sessions and not emu.violations
        assert not desk.started  # stopped with the kiosk


def test_phone_only_goes_straight_to_pairing(tmp_path: Path) -> None:
    with emulator() as emu:
        run = Run(config_for(emu, tmp_path, "phone"), handed_over=True)
        run.wait_for(SignInOnPhone)
        assert phone_plays(run.desks[0].sign_in)
        assert run.finish().code == 0
        assert not [r for r in emu.requests if r.endpoint == "device_code"]


def _config_file(tmp: Path, url: str, sign_in: str) -> Path:
    state = tmp / "state"
    text = f"""
[google]
client_id = "{DEVICE_ID}"
client_secret = "{DEVICE_SECRET}"
auth_url = "{url}"
picker_url = "{url}"
authorize_url = "{url}/o/oauth2/v2/auth"
sign_in = "{sign_in}"
[google.desktop]
client_id = "{DESKTOP_ID}"
client_secret = "{DESKTOP_SECRET}"
[storage]
state_dir = "{state}"
library_dir = "{state / "library"}"
[companion]
bind = "127.0.0.1"
port = 8765
"""
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "config.toml"
    path.write_text(text)
    return path


def test_device_only_with_a_refusal_is_one_clear_line_and_exit_1(tmp_path: Path) -> None:
    with emulator() as emu:
        emu.refuse_scope = True
        result = cli("run", "--headless", "--once", "--config", str(_config_file(tmp_path, emu.url, "device")))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Google refused access to Google Photos:") and 'sign_in = "auto"' in last
    assert "Google refused access to Google Photos" in result.stdout  # the screen said it too
    assert not (tmp_path / "state" / "token.json").exists()
