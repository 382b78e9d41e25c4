"""The pairing for the phone sign-in: the companion server (device/companion/), started on first use.

The flow's OpenPairing effect lands here: the server is built and started the first time (its module, and
waitress with it, are imported only then, so a device that signs in with the device grant never loads them),
then a fresh pairing is opened and its link and short code go back to the flow as PairingOpened. A kiosk that
already runs one companion server hands it over with ``use_factory`` (``start`` is then a no-op): one server
per port.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from core import flow
from core.clock import Clock
from core.config import CompanionConfig
from core.errors import ConfigError, KioskError

if TYPE_CHECKING:  # its module imports requests: not on the way to the first photo
    from device.signin.phone import PhoneSignIn

log = logging.getLogger(__name__)

PAIRING_LIFETIME = 600.0  # the companion's pairing secret lives 10 minutes (the agreed interface)


class CompanionServer(Protocol):
    """What the pairing needs of device.companion.server.Companion (the agreed interface)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def pairing_url(self) -> str: ...

    def login_code(self) -> str: ...


CompanionFactory = Callable[[CompanionConfig, "PhoneSignIn", Callable[[flow.Event], None], Clock], CompanionServer]


def companion_server(
    settings: CompanionConfig, sign_in: PhoneSignIn, post: Callable[[flow.Event], None], clock: Clock
) -> CompanionServer:
    """device.companion.server.Companion, imported now (not at start-up)."""
    try:
        module = importlib.import_module("device.companion.server")
    except ImportError as exc:
        raise KioskError("This device's pairing server (device.companion) is not installed.") from exc
    server: CompanionServer = module.Companion(settings, sign_in, post, clock)
    return server


class Pairing:
    """Opens pairings on one companion server, started the first time one is asked for."""

    def __init__(
        self,
        settings: CompanionConfig,
        sign_in: PhoneSignIn,
        post: Callable[[flow.Event], None],
        clock: Clock,
        factory: CompanionFactory = companion_server,
    ) -> None:
        self._settings = settings
        self._sign_in = sign_in
        self._post = post
        self._clock = clock
        self._factory = factory
        self._server: CompanionServer | None = None
        self._lock = threading.Lock()

    def use_factory(self, factory: CompanionFactory) -> None:
        """Build the server with ``factory`` from now on (e.g. one that hands back the kiosk's one server)."""
        with self._lock:
            self._factory = factory

    def open(self) -> flow.PairingOpened:
        """A fresh pairing (the previous one, if any, is replaced): its link, short code and lifetime."""
        if not self._settings.enabled:
            raise ConfigError("Signing in with the phone needs the companion server: set [companion] enabled = true.")
        with self._lock:
            if self._server is None:
                server = self._factory(self._settings, self._sign_in, self._post, self._clock)
                try:
                    server.start()
                except OSError as exc:
                    raise KioskError(
                        f"The pairing server cannot listen on port {self._settings.port} ({exc.strerror})."
                    ) from exc
                self._server = server
                log.info("pairing server started")  # the server logs the address it serves on
            url = self._server.pairing_url()
            code = self._server.login_code()
        log.info("pairing opened for the phone sign-in")  # the link holds a secret: it is not logged
        return flow.PairingOpened(url=url, login_code=code, expires_in=PAIRING_LIFETIME)

    def close(self) -> None:
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            server.stop()
