"""The companion in a running kiosk: built from the wiring, started after the first frame, its link printed."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from core.errors import KioskError
from core.states import State
from device import startup
from device.companion.settings import PhoneSettings
from device.loop import Renderer
from device.wiring import Kiosk

if TYPE_CHECKING:
    from core import flow
    from core.clock import Clock
    from core.config import CompanionConfig, Config
    from device.companion.health import CheckResult, Checks, Health
    from device.companion.server import Companion
    from device.companion.status import DeviceView
    from device.signin.phone import PhoneSignIn

log = logging.getLogger("picker-kiosk.companion")
ACCOUNT_CACHE = 10.0  # seconds the account name is kept before the token file is read again


def _account(kiosk: Kiosk) -> Callable[[], str | None]:
    cached: list[tuple[float, str | None]] = []

    def account() -> str | None:
        now = time.monotonic()
        if not cached or now - cached[0][0] > ACCOUNT_CACHE:
            token = kiosk.store.load()
            cached[:] = [(now, token.account if token else None)]
        return cached[0][1]

    return account


def _showing(renderer: Renderer) -> Callable[[], datetime | None]:
    def showing() -> datetime | None:
        photo = getattr(renderer, "showing", None)  # ShowsPhotos (the pygame screen); a terminal shows none
        return getattr(photo, "created", None)

    return showing


def _checks(config: Config) -> Checks:
    """doctor's checks of this kiosk's config (already loaded: the running one)."""

    def run() -> tuple[bool, Sequence[CheckResult]]:
        from core.proxies import ProxiesOnce
        from device.doctor import run_checks

        return run_checks(Path("config.toml"), lambda _path: config, ProxiesOnce())

    return run


class KioskCompanion:
    """The companion of one kiosk run: ``observe`` is the loop's after_frame hook, ``after_first_frame`` its
    first-frame hook. Only the saved settings are read at once; the server and its parts (and their imports)
    wait for the first frame or for ``ensure_server``, so the first screen is not slower."""

    def __init__(self, kiosk: Kiosk) -> None:
        self.kiosk = kiosk
        config = kiosk.config
        self.settings = PhoneSettings(
            config.storage.state_dir, config.slideshow, config.companion.locked, config.schedule.sleep
        )
        self.server: Companion | None = None
        self._health: Health | None = None  # the check-up, told when the frame stops
        self.view: DeviceView | None = None
        self._renderer: Renderer | None = None
        self._headless_out: TextIO | None = None
        self._lock = threading.Lock()

    def observe(self, state: State, now: float) -> bool:
        """The loop's after_frame hook (never asks the loop to stop)."""
        view = self.view
        return view.observe(state, now) if view is not None else False

    def observe_renderer(self, renderer: Renderer, *, headless: bool) -> None:
        """What is on show comes from this renderer; in a terminal, the pairing link is printed (and on Enter)."""
        self._renderer = renderer
        use_slideshow = getattr(renderer, "use_slideshow", None)
        if use_slideshow is not None:  # the pygame screen takes the phone's settings at once
            self.settings.on_change = use_slideshow
        use_night = getattr(renderer, "use_night", None)
        if use_night is not None:  # ...and its night schedule (a terminal has no night)
            self.settings.on_night = use_night
        self._headless_out = sys.stdout if headless else None

    def after_first_frame(self) -> None:
        """The loop's first-frame hook: the start-up's own, then the server."""
        startup.first_frame()
        self.start()

    def ensure_server(self) -> Companion:
        """The kiosk's one companion server, built and started on first use; OSError when the port is taken."""
        from device.companion.health import Health
        from device.companion.phones import Phones
        from device.companion.server import Companion
        from device.companion.status import DeviceSources, DeviceView

        with self._lock:
            if self.server is None:
                kiosk, config = self.kiosk, self.kiosk.config
                sources = DeviceSources(
                    photos=kiosk.library.count, account=_account(kiosk), library_dir=config.storage.library_dir
                )
                if self._renderer is not None:
                    sources.showing = _showing(self._renderer)
                sources.health = self._health = Health(_checks(config))
                sources.health.start()  # once at start; then only when a phone asks
                view = DeviceView(sources)
                self.server = Companion(
                    config.companion,
                    None,
                    kiosk.events.post,
                    phones=Phones(config.storage.state_dir),
                    view=view,
                    phone_settings=self.settings,
                )
                self.view = view
            self.server.start()
            return self.server

    def signin_server(
        self, settings: CompanionConfig, sign_in: PhoneSignIn, post: Callable[[flow.Event], None], clock: Clock
    ) -> Companion:
        """device.pairing's CompanionFactory: the kiosk's one server, now also serving the phone sign-in."""
        server = self.ensure_server()
        server.use_signin(sign_in)
        return server

    def start(self) -> None:
        """Start serving (after the first frame, so the first screen is not slower); never raises."""
        try:
            self.ensure_server()
        except OSError as exc:
            port = self.kiosk.config.companion.port
            log.error("companion: cannot serve on port %d (%s); the phone page is off", port, exc)
            return
        if self._headless_out is not None:
            self.print_link()
            threading.Thread(target=self._read_enter, name="companion-enter", daemon=True).start()

    def open_pairing(self) -> flow.Event:
        """The runner's answer to the slideshow's "Phone" button: pairing open for 10 minutes, its link."""
        from core import flow
        from device.companion.pairing import LIFETIME

        try:
            link = self.ensure_server().pairing_url("pair")
        except OSError as exc:
            raise KioskError(f"the phone page cannot be served ({exc.strerror or exc})") from exc
        return flow.PhonePairingOpened(link, LIFETIME)

    def print_link(self) -> None:
        """Open pairing for 10 minutes and print its link (headless: nothing can be shown on demand)."""
        out = self._headless_out or sys.stdout
        link = self.ensure_server().pairing_url("pair")
        out.write(f"\nControl from your phone (open within 10 minutes): {link}\n")
        out.flush()

    def _read_enter(self) -> None:
        """Each Enter in the terminal opens pairing again and prints a fresh link."""
        try:
            for _ in sys.stdin:
                self.print_link()
        except (OSError, ValueError):  # no terminal (a service, a closed stdin)
            return

    def stop(self) -> None:
        if self._health is not None:
            self._health.stop()
        if self.server is not None:
            self.server.stop()
