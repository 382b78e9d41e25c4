"""The Emulator: one loopback HTTP server routing Google's OAuth, Picker and media endpoints, with faults."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from core.emulator.consent import Consent
from core.emulator.faults import ENDPOINTS, Fault, FaultSet
from core.emulator.httpd import Handler, IPv6Server, Server, fault_reply, send
from core.emulator.knobs import WorldKnobs
from core.emulator.media import parse_spec
from core.emulator.oauth import DEVICE_GRANT, AccessToken, OAuth
from core.emulator.person import Person
from core.emulator.photos import LibraryItem, PhotoCatalog
from core.emulator.picker import Picker
from core.emulator.record import Bearer, Recorded, Recorder
from core.emulator.routes import endpoint_of
from core.emulator.state import PICKER_SCOPE, Settings, World
from core.emulator.wire import (
    Reply,
    Request,
    google_error,
    html_reply,
)

if TYPE_CHECKING:
    from core.clock import FakeClock

log = logging.getLogger("core.emulator")
MAX_BODY = 1 << 20  # requests to Google are small forms and JSON; refuse anything bigger


class Emulator(WorldKnobs):
    """A stand-in for Google on loopback: both sign-in flows, tokens, Picker API, media bytes. See the package doc."""

    fake_clock: FakeClock | None = None  # set by the test fixture that drives ``clock``

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        photos: int = 60,
        person: Person | None = None,
        clock: Callable[[], float] = time.monotonic,
        client_id: str | None = None,
        client_secret: str | None = None,
        desktop_client_id: str | None = None,
        desktop_client_secret: str | None = None,
        auth_code_lifetime: float = 600.0,
        interval: int = 5,
        code_expires_in: int = 1800,
        poll_interval: float = 5.0,
        session_timeout: float = 1800.0,
        access_token_lifetime: int = 3600,
        url_lifetime: float = 3600,
        complete_uri: bool = False,
        latency: float = 0.0,
        photo_kib: float | None = None,
        seed: int = 0,
        max_open_sessions: int = 10,
    ) -> None:
        self.host = host
        self._port = port
        self.latency = latency
        self._settings = Settings(
            clock=clock,
            epoch_offset=time.time() - clock(),
            client_id=client_id,
            client_secret=client_secret,
            desktop_client_id=desktop_client_id,
            desktop_client_secret=desktop_client_secret,
            auth_code_lifetime=auth_code_lifetime,
            interval=interval,
            code_expires_in=code_expires_in,
            poll_interval=poll_interval,
            session_timeout=session_timeout,
            access_token_lifetime=access_token_lifetime,
            url_lifetime=url_lifetime,
            complete_uri=complete_uri,
        )
        self._world = World(person=person or Person(), max_open_sessions=max_open_sessions)
        self._lock = threading.RLock()
        self._recorder = Recorder()
        self._faults = FaultSet()
        self._catalog = PhotoCatalog(photos, seed, photo_kib=photo_kib)
        self._oauth = OAuth(self._settings, self._world, self._recorder, lambda: self.url)
        self._consent = Consent(self._settings, self._world, self._recorder, self._oauth)
        self._picker = Picker(self._settings, self._world, self._recorder, self._catalog, lambda: self.url)
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------------

    def start(self) -> Emulator:
        if self._server is not None:
            return self
        server_class = IPv6Server if ":" in self.host else Server
        self._server = server_class((self.host, self._port), Handler)
        self._server.serve = self._serve
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="emulator", daemon=True
        )
        self._thread.start()
        log.info("emulator listening on %s", self.url)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        """Both the auth_url and the picker_url of the emulated Google."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._port}"

    # -- knobs a test turns ------------------------------------------------------------------------------

    def add_fault(self, fault: Fault) -> None:
        self._faults.add(fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    def grant_token(
        self,
        *,
        client_id: str | None = None,
        scope: str = f"{PICKER_SCOPE} openid email",
        email: str | None = None,
    ) -> dict[str, Any]:
        """Skip the device grant: the token endpoint's answer for a person who allowed ``scope``.

        For tests of later steps (sessions, downloads) that need a working access/refresh token.
        """
        with self._lock:
            person_email = email or self._world.person.email
            client = client_id or self._settings.client_id or "emulator-client"
            return self._oauth.grant(client, scope, person_email, self._settings.clock())

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is now expired (401 on use)."""
        with self._lock:
            self._oauth.expire_access_tokens()

    def revoke_all(self) -> None:
        """Every grant is revoked, as /revoke would do: access and refresh tokens stop working."""
        with self._lock:
            self._oauth.revoke_all()

    def kill_refresh_tokens(self) -> None:
        """Refresh answers invalid_grant from now on (the 7-day "Testing" consent screen case)."""
        with self._lock:
            self._oauth.kill_refresh_tokens()

    def expire_session(self, session_id: str, *, permission_denied: bool = False) -> None:
        """The session is gone: sessions.get/list/delete answer NOT_FOUND (or PERMISSION_DENIED)."""
        with self._lock:
            session = self._picker.sessions[session_id]
            session.gone = "PERMISSION_DENIED" if permission_denied else "NOT_FOUND"

    # -- observation ----------------------------------------------------------------------------------

    @property
    def requests(self) -> list[Recorded]:
        return self._recorder.requests

    @property
    def violations(self) -> list[str]:
        return self._recorder.violations

    @property
    def sessions_created(self) -> list[str]:
        with self._lock:
            return list(self._picker.created)

    @property
    def open_sessions(self) -> list[str]:
        """Sessions created and neither deleted nor expired by a test (a timed-out session stays open)."""
        with self._lock:
            return [sid for sid in self._picker.created if self._picker.sessions[sid].open]

    @property
    def request_ids(self) -> list[str | None]:
        with self._lock:
            return list(self._picker.request_ids)

    @property
    def device_codes_issued(self) -> int:
        with self._lock:
            return self._oauth.device_codes_issued

    @property
    def auth_codes_issued(self) -> int:
        """Authorization codes handed out by the consent page (the authorization-code flow)."""
        with self._lock:
            return self._consent.codes_issued

    @property
    def issued_secrets(self) -> list[str]:
        """Every device code, authorization code, access token, refresh token and id_token handed out, in order."""
        with self._lock:
            return list(self._oauth.issued)

    @property
    def tokens_refreshed(self) -> int:
        with self._lock:
            return self._oauth.tokens_refreshed

    @property
    def items(self) -> list[LibraryItem]:
        return list(self._catalog.items)

    def picked(self, session_id: str) -> list[LibraryItem]:
        """What the person picked in that session, in list order (empty until they tapped Done)."""
        with self._lock:
            return list(self._picker.sessions[session_id].picks)

    def original_bytes(self, item_id: str) -> bytes:
        """What ``=d`` serves for the item."""
        return self._bytes(item_id, "d")

    def rendition_bytes(self, item_id: str, spec: str) -> bytes:
        """What ``=<spec>`` (e.g. "w800-h600", "w800-h600-c", "dv") serves; the same bytes every call."""
        return self._bytes(item_id, spec.removeprefix("="))

    def _bytes(self, item_id: str, spec: str) -> bytes:
        item = self._catalog.get(item_id)
        if item is None:
            raise KeyError(item_id)
        return self._catalog.bytes_for(item, parse_spec(spec))[0]

    # -- serving ----------------------------------------------------------------------------------------

    def _serve(self, h: Handler) -> None:
        now = self._settings.clock()
        wall = time.time()
        split = urlsplit(h.path)
        req = Request(
            method=h.command,
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in h.headers.items()},
            body=b"",
        )
        try:
            length = int(h.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY or h.headers.get("Transfer-Encoding"):
            # Google's clients send small bodies with a Content-Length; anything else ends the connection.
            h.close_connection = True
            send(h, google_error("INVALID_ARGUMENT", "Request body refused.", http=413), False)
            return
        if length:
            req = Request(req.method, req.path, req.query, req.headers, h.rfile.read(length))
        endpoint = endpoint_of(req)
        with self._lock:
            bearer, token = self._oauth.bearer(req, now)
        fault = self._faults.take(endpoint) if endpoint in ENDPOINTS else None
        delay = self.latency + (fault.latency if fault else 0.0)
        if delay > 0:
            time.sleep(delay)
        if fault is not None and fault.drop:
            self._record(req, endpoint, bearer, 0, now, wall)
            h.close_connection = True
            log.info("%s %s -> dropped", req.method, req.path)
            return
        if fault is not None and fault.answers_instead:
            reply = fault_reply(fault, endpoint)
        else:
            try:
                reply = self._dispatch(req, endpoint, now, bearer, token)
            except Exception:  # a bug in the emulator must still answer, like Google's INTERNAL
                log.exception("emulator failed on %s %s", req.method, req.path)
                reply = google_error("INTERNAL")
        if fault is not None and fault.retry_after is not None:
            reply.headers["Retry-After"] = str(fault.retry_after)
        self._record(req, endpoint, bearer, reply.status, now, wall)
        # Logged before the answer goes out, so that whoever reads the log after the answer finds the line.
        log.info("%s %s -> %d", req.method, req.path, reply.status)
        send(h, reply, fault is not None and fault.truncate, fault.trickle if fault is not None else None)

    def _record(self, req: Request, endpoint: str, bearer: Bearer, status: int, now: float, wall: float) -> None:
        self._recorder.request(Recorded(now, wall, req.method, req.path, req.query, endpoint, bearer, status))

    def _dispatch(self, req: Request, endpoint: str, now: float, bearer: Bearer, access: AccessToken | None) -> Reply:
        with self._lock:
            if endpoint == "device_code":
                return self._oauth.device_code(req, now)
            if endpoint == "authorize":
                return self._consent.authorize(req, now)
            if endpoint == "exchange":
                return self._consent.exchange(req, now)
            if endpoint == "refresh":
                return self._oauth.refresh(req, now)
            if endpoint == "token":
                if req.form.get("grant_type") == DEVICE_GRANT:
                    return self._oauth.poll(req, now)
                return self._oauth.unsupported_grant(req)
            if endpoint == "revoke":
                return self._oauth.revoke(req, now)
            if endpoint == "picker_page":
                if self._picker.scan(req.path.removeprefix("/pick/"), now):
                    return html_reply("Google Photos (emulated)", "Choose your photos, then tap Done.")
                return html_reply("This link has expired", "Ask the device for a new link.", 404)
            if endpoint == "device_page":
                return html_reply("Connect a device (emulated)", "Enter the code shown on your TV.")
            if endpoint == "unknown":
                return google_error("NOT_FOUND", f"The requested URL {req.path[:100]} was not found.")
            if endpoint == "media" and not req.headers.get("authorization"):
                self._recorder.violation("media fetched without a token")
            token = self._picker.check_token(bearer, access)
            if isinstance(token, Reply):
                return token
            if endpoint == "sessions.create":
                return self._picker.create(req, token, now)
            if endpoint == "sessions.get":
                return self._picker.get(req.path.rsplit("/", 1)[1], token, now)
            if endpoint == "sessions.delete":
                return self._picker.delete(req.path.rsplit("/", 1)[1], token)
            if endpoint == "mediaItems.list":
                return self._picker.list_items(req, token, now)
            key, _, spec_text = req.path.removeprefix("/media/").partition("=")
            found = self._picker.media_item(key, token, now)
        if isinstance(found, Reply):
            return found
        return self._media(found, spec_text)

    def _media(self, item: LibraryItem, spec_text: str) -> Reply:
        """Bytes of one item; drawn outside the lock so fetches run in parallel."""
        try:
            spec = parse_spec(spec_text)
        except ValueError:
            return google_error("INVALID_ARGUMENT", "Invalid media options.")
        if spec.kind == "video":
            if item.type != "VIDEO":
                return google_error("INVALID_ARGUMENT", "=dv is only for videos.")
            if item.video_status != "READY":
                # [open] Google's answer for a video still processing (or failed) is undocumented: 404.
                return google_error("NOT_FOUND", "The video is not ready.")
        data, content_type = self._catalog.bytes_for(item, spec)
        return Reply(200, data, content_type, {"Cache-Control": "private, max-age=86400"})
