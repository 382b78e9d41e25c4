"""Carries out the state machine's effects in worker threads and reports back with events."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from typing import TYPE_CHECKING, assert_never

from core import flow
from core.clock import REAL, Clock
from core.config import Config
from core.errors import KioskError, SignInRequired
from core.library import Library
from core.record import mutable_record
from core.records import new_request_id
from device import logs
from device.pairing import CompanionFactory, Pairing, companion_server
from device.signin.token import StoredToken, TokenStore

if TYPE_CHECKING:  # the network stack (requests, google-auth) loads with the first request, not before the first photo
    import requests

    from core.picker import PickerClient
    from device.signin.grant import DeviceAuth, DeviceFlow
    from device.signin.phone import PhoneSignInFlow

log = logging.getLogger(__name__)


@mutable_record
class SignInState:
    """What the runner holds between effects: never shown, never logged."""

    token: StoredToken | None = None
    flow: DeviceFlow | None = None
    picker: PickerClient | None = None


class Runner:
    """Executes effects; every outcome comes back through ``post`` as a core.flow event."""

    def __init__(
        self,
        config: Config,
        library: Library,
        store: TokenStore,
        post: Callable[[flow.Event], None],
        *,
        clock: Clock = REAL,
        http: requests.Session | None = None,
        companion: CompanionFactory = companion_server,
    ) -> None:
        self._config = config
        self._library = library
        self._store = store
        self._post = post
        self._clock = clock
        self._lock = threading.Lock()
        self._given_http = http
        self._http_made: requests.Session | None = None
        self._auth_made: DeviceAuth | None = None
        self._state = SignInState()
        self.phone: PhoneSignInFlow | None = None
        self._pairing: Pairing | None = None
        self._phone_pairing: Callable[[], flow.Event] | None = None  # the companion's "Control from your phone"
        if config.google.desktop is not None:
            from device.signin.phone import PhoneSignInFlow

            self.phone = PhoneSignInFlow(config.google, store, self._signed_in_elsewhere, http=self._http, clock=clock)
            self._pairing = Pairing(config.companion, self.phone, post, clock, companion)
        self._pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="net")
        self._download_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="download")
        self._cancel = threading.Event()
        self._running: set[Future[None]] = set()
        self._forget_owed = False  # a ForgetToken asked for and not done yet: close() does it if its job never ran

    # ---- set-up ----------------------------------------------------------------------------------

    @property
    def _http(self) -> requests.Session:
        """The HTTP session of the sign-in requests, made (and requests imported) on first use."""
        # Imported outside the lock: the frame loop's next submit takes it, and must not wait ~0.1 s for requests.
        from core.proxies import ProxiesOnce

        with self._lock:
            if self._http_made is None:
                self._http_made = self._given_http or ProxiesOnce()
            return self._http_made

    @property
    def _auth(self) -> DeviceAuth:
        http = self._http
        from device.signin.grant import DeviceAuth

        with self._lock:
            if self._auth_made is None:
                self._auth_made = DeviceAuth(self._config.google, http, clock=self._clock)
            return self._auth_made

    def load_token(self) -> StoredToken | None:
        token = self._store.load()
        if token is not None:
            self._use_token(token)
        return token

    def _use_token(self, token: StoredToken) -> None:
        logs.register_secret(token.access_token)
        logs.register_secret(token.refresh_token)
        with self._lock:
            self._state.token = token
            self._state.picker = None  # made by the first request that needs it (see _picker)

    def _picker(self) -> PickerClient:
        """The Picker API client for the token in use, made on first use: its google-auth session is not
        imported on the way to the first screen (a signed-in start goes straight to the slideshow). It is made
        outside the lock (importing google-auth takes ~0.1 s), which the frame loop takes to hand work over."""
        with self._lock:
            token, picker = self._state.token, self._state.picker
        if token is None:
            raise SignInRequired("This device is not signed in to Google.")
        if picker is not None:
            return picker
        from core.picker import PickerClient
        from core.transport import Transport
        from device.signin.credentials import authorized_session

        session = authorized_session(token, self._config.google, self._store)
        made = PickerClient(
            self._config.google.picker_url,
            Transport(session, clock=self._clock),
            max_items=self._config.picking.max_items,
        )
        with self._lock:
            if self._state.token is not token:
                return made  # signed in anew meanwhile: this request goes with the token it was sent for
            if self._state.picker is None:
                self._state.picker = made
                return made
            picker = self._state.picker  # another worker made one first: one client (and session) for all
        session.close()  # type: ignore[no-untyped-call]  # requests.Session.close, untyped in google-auth's subclass
        return picker

    # ---- running effects ----------------------------------------------------------------------------

    def prepare(self, effects: list[flow.Effect]) -> None:
        """Load on this thread what the sign-in request among ``effects`` needs (requests, ~50 ms of imports
        here), before ``run`` hands it to a worker. The start calls it, then starts the display while the
        request waits for Google: a worker importing while this thread imports pygame would take turns with
        it at the GIL, and both would finish later (here the first QR code came 5-10 % later that way)."""
        if any(isinstance(e, flow.StartSignIn) for e in effects):
            self._auth  # noqa: B018  # made on first use

    def run(self, effects: list[flow.Effect]) -> None:
        for effect in effects:
            self._run_one(effect)

    def _run_one(self, effect: flow.Effect) -> None:
        log.debug("effect %s", type(effect).__name__)
        match effect:
            case flow.StartSignIn():
                self._submit(effect, self._start_sign_in)
            case flow.PollToken():
                self._submit(effect, self._poll_token)
            case flow.OpenPairing():
                self._submit(effect, self._open_pairing)
            case flow.OpenPhonePairing():
                self._submit(effect, self._open_phone_pairing)
            case flow.ForgetToken():
                self._forget_owed = True
                self._submit(effect, self._forget_token)
            case flow.CreateSession(replace=replacing):
                self._submit(effect, lambda: self._create_session(replacing))
            case flow.PollSession(session_id=sid):
                self._submit(effect, lambda: self._poll_session(sid))
            case flow.Download(session_id=sid, replace=replacing, posters=posters):
                self._cancel.clear()
                self._submit(effect, lambda: self._download(sid, replacing, posters), pool=self._download_pool)
            case flow.DeleteSession(session_id=sid):
                self._submit(effect, lambda: self._delete_session(sid))
            case flow.CancelWork():
                self._cancel.set()
            case flow.SignOut(remove_photos=remove):
                self._submit(effect, lambda: self._sign_out(remove))
            case flow.Note(text=text):
                log.info("%s", text)
            case _:
                assert_never(effect)

    def _submit(
        self,
        effect: flow.Effect,
        work: Callable[[], flow.Event | None],
        pool: ThreadPoolExecutor | None = None,
    ) -> None:
        """Run ``work`` on a worker; post its event, or ``Failed(effect, error)`` if it raised."""
        name = type(effect).__name__

        def job() -> None:
            event: flow.Event | None
            try:
                event = work()
            except KioskError as exc:
                log.warning("%s failed: %s", name, exc.message)
                event = flow.Failed(effect, exc)
            except Exception as exc:  # a bug: log it fully, show plain words, keep running
                log.exception("unexpected error during %s", name)
                event = flow.Failed(effect, KioskError(f"Unexpected error ({type(exc).__name__})."))
            if event is not None:
                self._post(event)

        future = (pool or self._pool).submit(job)
        with self._lock:
            self._running.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._running.discard(future)

    @property
    def busy(self) -> bool:
        """Whether an effect is being carried out on a worker right now (its event not yet posted)."""
        with self._lock:
            return bool(self._running)

    # ---- sign-in -----------------------------------------------------------------------------------

    def _start_sign_in(self) -> flow.Event:
        device_flow = self._auth.start()
        logs.register_secret(device_flow.device_code)
        with self._lock:
            self._state.flow = device_flow
        return flow.CodeIssued(
            user_code=device_flow.user_code,
            verification_url=device_flow.verification_url,
            qr_url=device_flow.qr_url,
            expires_in=max(0.0, device_flow.expires_at - self._clock.now()),
            interval=device_flow.interval,
        )

    def _poll_token(self) -> flow.Event:
        with self._lock:
            device_flow = self._state.flow
        if device_flow is None:
            raise KioskError("There is no sign-in code to check.")
        from device.signin.grant import Granted

        result = self._auth.poll_once(device_flow)
        if isinstance(result, Granted):
            self._store.save(result.token)
            self._use_token(result.token)
            with self._lock:
                self._state.flow = None
            log.info("signed in%s", f" as {result.token.account}" if result.token.account else "")
            return flow.SignedIn(result.token.account)
        with self._lock:
            self._state.flow = result.flow
        return flow.TokenPending(result.flow.interval)

    def use_companion(self, factory: CompanionFactory) -> None:
        """Where the phone sign-in's pairing server comes from (see device.pairing.Pairing.use_factory)."""
        if self._pairing is not None:
            self._pairing.use_factory(factory)

    def use_phone_pairing(self, open_pairing: Callable[[], flow.Event]) -> None:
        """What opens the companion's pairing for the slideshow's "Phone" button (answers PhonePairingOpened)."""
        self._phone_pairing = open_pairing

    def _open_phone_pairing(self) -> flow.Event:
        if self._phone_pairing is None:
            raise KioskError("The phone companion is off.")
        return self._phone_pairing()

    def _open_pairing(self) -> flow.Event:
        if self._pairing is None:
            raise KioskError('Signing in with the phone needs a "Desktop app" client: add [google.desktop].')
        return self._pairing.open()

    def _signed_in_elsewhere(self, token: StoredToken) -> None:
        """The phone (or `login --to`) finished: the token is saved; use it and tell the flow."""
        self._use_token(token)
        self._post(flow.SignedIn(token.account))

    def _forget_token(self) -> None:
        """Delete the token file (and fsync its folder): on a worker, never on the render thread."""
        self._store.clear()
        with self._lock:
            self._state.token = None
            self._state.picker = None
            self._forget_owed = False

    def _sign_out(self, remove_photos: bool = False) -> flow.Event:
        with self._lock:
            token = self._state.token
        if token is not None:
            try:
                self._auth.revoke(token)
            except KioskError as exc:
                # The token is forgotten either way; Google drops unused tokens after months.
                log.warning("could not revoke the token at Google (%s); forgetting it here", exc.message)
        self._forget_token()
        log.info("signed out")
        if remove_photos:
            self._library.remove_all()
            return flow.SignedOutDone(photos=self._library.count())
        return flow.SignedOutDone()

    # ---- picking -------------------------------------------------------------------------------------

    def _create_session(self, replacing: bool) -> flow.Event:
        picker = self._picker()
        request_id = new_request_id()
        session = picker.create_session(request_id)
        self._library.remember_session(session.id, request_id, replacing)
        log.info("picking session created (requestId %s)", request_id)
        return flow.SessionCreated(
            session_id=session.id,
            picker_uri=session.picker_uri,
            poll_interval=session.poll_interval,
            timeout_in=session.timeout_in,
        )

    def _poll_session(self, session_id: str) -> flow.Event:
        session = self._picker().get_session(session_id)
        return flow.SessionPolled(
            session_id=session_id,
            media_items_set=session.media_items_set,
            poll_interval=session.poll_interval,
            timeout_in=session.timeout_in,
        )

    def _download(self, session_id: str, replacing: bool, posters: bool = False) -> flow.Event:
        picker = self._picker()

        def progress(done: int, total: int, failed: int, skipped: int) -> None:
            self._post(flow.Progress(session_id, done, total, failed, skipped))

        report = self._library.download_session(
            picker, session_id, replace=replacing, posters=posters, on_progress=progress, cancel=self._cancel
        )
        log.info(
            "download finished: %d new, %d already here, %d failed, %d skipped, %d picked",
            report.fetched,
            report.already_had,
            len(report.bad),
            report.unsupported,
            report.total,
        )
        return flow.DownloadFinished.of(session_id, report, photos=self._library.count())

    def _delete_session(self, session_id: str) -> flow.Event:
        self._picker().delete_session(session_id)
        self._library.forget_session(session_id)
        log.info("picking session deleted")
        return flow.SessionDeleted(session_id)

    def close(self, wait: bool = True, *, grace: float = 0.0) -> bool:
        """Stop the workers; without ``wait``, give running ones ``grace`` seconds. True if none is left."""
        self._cancel.set()
        if self._pairing is not None:
            self._pairing.close()
        self._download_pool.shutdown(wait=wait, cancel_futures=True)
        self._pool.shutdown(wait=wait, cancel_futures=True)
        with self._lock:
            running = list(self._running)
        _, not_done = futures_wait(running, timeout=grace)
        with self._lock:
            owed = self._forget_owed
        if owed:  # its job was still queued, and cancelled above: a token to forget is forgotten all the same
            self._forget_token()
        return not not_done


class EventQueue:
    """Thread-safe inbox of events for the main loop."""

    def __init__(self) -> None:
        self._q: queue.Queue[flow.Event] = queue.Queue()

    def post(self, event: flow.Event) -> None:
        self._q.put(event)

    def get(self, timeout: float) -> flow.Event | None:
        try:
            return self._q.get(timeout=max(0.0, timeout))
        except queue.Empty:
            return None

    def drain(self) -> list[flow.Event]:
        items: list[flow.Event] = []
        while True:
            try:
                items.append(self._q.get_nowait())
            except queue.Empty:
                return items
