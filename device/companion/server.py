"""The companion server: waitress in its own thread (imported only when it starts), and the pairing links."""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
from collections.abc import Callable
from typing import Any

from core import flow
from core.clock import REAL, Clock
from core.config import CompanionConfig
from device.companion.address import device_address, served_addresses
from device.companion.app import CompanionApp
from device.companion.guard import HostGuard
from device.companion.pairing import Pairing, Purpose, short_code
from device.companion.phones import Phones
from device.companion.remote import RemoteRoutes
from device.companion.settings import PhoneSettings
from device.companion.signin import SignInRoutes
from device.companion.status import DeviceView
from device.companion.web import MAX_BODY, Router, log_path
from device.signin.phone import PhoneSignIn

log = logging.getLogger("picker-kiosk.companion")

# waitress's own limits: small requests, slow clients dropped, few connections (a frame has a few phones).
SERVER_LIMITS: dict[str, Any] = {
    "threads": 4,
    "connection_limit": 32,
    "max_request_body_size": MAX_BODY,
    "max_request_header_size": 16 * 1024,
    "channel_timeout": 30,
    "cleanup_interval": 10,
    "recv_bytes": 8192,
    "ident": "picker-kiosk",
    "expose_tracebacks": False,
    "clear_untrusted_proxy_headers": True,
}


class _RedactPaths(logging.Filter):
    """waitress names the request path in some of its own log lines; a pairing secret there is replaced."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/p/" in message:
            record.msg = " ".join(log_path(word) if word.startswith("/p/") else word for word in message.split(" "))
            record.args = None
        return True


def _quiet_waitress() -> None:
    for name in ("waitress", "waitress.queue"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactPaths) for f in logger.filters):
            logger.addFilter(_RedactPaths())


class Companion:
    """The device's web server on the local network: ``start``, ``pairing_url``, ``stop``.

    ``post`` puts a core.flow event on the loop's queue (the server never touches the machine itself). With
    ``phones`` and ``view`` it is also the phone companion: "pair" links, the paired page and its API.
    """

    def __init__(
        self,
        settings: CompanionConfig,
        signin: PhoneSignIn | None,
        post: Callable[[flow.Event], None],
        clock: Clock = REAL,
        *,
        phones: Phones | None = None,
        view: DeviceView | None = None,
        phone_settings: PhoneSettings | None = None,
    ) -> None:
        self.settings = settings
        self.post = post
        self.clock = clock
        self.pairing = Pairing(clock.now)
        self.key = secrets.token_bytes(32)  # signs the sign-in form's CSRF field; new at each start
        self.guard = HostGuard(lambda: served_addresses(settings.bind), settings.port, clock.now)
        self.router = Router()
        self.remote = RemoteRoutes(self.pairing, phones, view, post, phone_settings) if phones and view else None
        self.signin = SignInRoutes(self.pairing, signin, self.key, self.remote.pair if self.remote else None)
        self.signin.add_to(self.router)
        if self.remote is not None:  # the phone companion (#11): pairing phones and their page
            self.signin.after_signin = self.remote.cookie_headers
            self.remote.add_to(self.router)
        self.app = CompanionApp(self.guard, self.router)
        self._server: Any = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.port = settings.port

    @property
    def address(self) -> str:
        """The address phones on the local network reach this device at (read from its interfaces)."""
        return device_address(self.settings.bind)

    @property
    def base_url(self) -> str:
        return f"http://{self.address}:{self.port}"

    def start(self) -> None:
        """Bind and serve in a thread of its own; returns at once. A port in use is an OSError."""
        if self._server is not None:
            return
        import waitress.server  # only now: a start without the phone page does not pay for it

        _quiet_waitress()
        self._server = waitress.server.create_server(
            self.app, host=self.settings.bind, port=self.settings.port, **SERVER_LIMITS
        )
        self.port = int(self._server.effective_port)
        if self.port != self.settings.port:  # port 0 (tests): the Host rule follows the port we got
            self.guard = HostGuard(lambda: served_addresses(self.settings.bind), self.port, self.clock.now)
            self.app.guard = self.guard
        self._stopping.clear()
        self._thread = threading.Thread(target=self._serve, args=(self._server,), name="companion", daemon=True)
        self._thread.start()
        log.info("companion: serving on %s", self.base_url)

    def stop(self) -> None:
        """Close every connection and the listening socket; the thread ends."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        with contextlib.suppress(OSError):  # the loop may have closed its trigger already
            server.pull_trigger()  # wakes the loop's select at once
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _serve(self, server: Any) -> None:
        """waitress's loop, one wake-up at a time until ``stop``; then every socket is closed in this thread."""
        from waitress import wasyncore

        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=server.adj.asyncore_loop_timeout, map=server._map, count=1)
        finally:
            wasyncore.close_all(server._map)
            server.task_dispatcher.shutdown()

    def __enter__(self) -> Companion:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def pairing_url(self, purpose: Purpose = "signin") -> str:
        """Open pairing (a fresh one-time secret, 10 minutes) and return the link to show as a QR code."""
        return f"{self.base_url}/p/{self.pairing.open(purpose)}"

    def login_code(self, url: str | None = None) -> str:
        """The short code for `picker-kiosk login --code` of the sign-in link ``url`` (default: the one open now)."""
        secret = url.rsplit("/", 1)[-1] if url else self.pairing.current("signin")
        return short_code(secret) if secret else ""

    def use_signin(self, signin: PhoneSignIn) -> None:
        """Serve the phone sign-in with ``signin`` from now on (the kiosk's one server, built before sign-in)."""
        self.signin.signin = signin
