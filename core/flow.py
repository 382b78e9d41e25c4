"""The picking journey as a pure state machine: ``step(machine, event, now) -> (machine, effects)``.

Nothing here does I/O or reads a clock. The device feeds it events (answers from worker threads, key presses,
ticks of time) and carries out the effects it returns (ask Google for a code, poll, create/delete a session,
download). Renderers draw ``machine.state``. Because timing is decided here from the ``now`` it is handed,
"never poll faster than pollInterval" and "stop at timeoutIn" are properties of this module, tested without
sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from core.errors import (
    AccessDenied,
    ApiError,
    CodeExpired,
    DiskFull,
    InvalidClient,
    KioskError,
    LibraryError,
    NoPhotosAccount,
    NotReady,
    RateLimited,
    ScopeRefused,
    SessionExpired,
    SignInRequired,
    TransportError,
)
from core.states import (
    Choose,
    Connect,
    Downloading,
    Problem,
    SignedOut,
    Slideshow,
    Starting,
    State,
    UserAction,
)

# Backoff for failures the device recovers from by itself: 5 s doubling, capped so a frame on a wall
# whose Wi-Fi comes back is showing new photos within 5 minutes.
BACKOFF_FIRST = 5.0
BACKOFF_MAX = 300.0
# A person who declined, or a code that ran into trouble: give them time to read the screen first.
AFTER_DENIED = 30.0
# Misconfiguration (bad client, refused scope) will not fix itself quickly; still retry, slowly, so that a
# fixed config file or a fixed Google Cloud console setting is picked up without a reboot.
AFTER_MISCONFIG = 300.0
# An empty frame whose picking link timed out shows the reason briefly, then a fresh link.
AFTER_TIMEOUT = 10.0
# A note after a download ("3 videos skipped") stays on the slideshow this long, then the photos are left alone.
NOTICE_SECONDS = 60.0
# `run --once` gives up after this many failures in a row instead of retrying forever.
ONCE_MAX_FAILURES = 5
# Google's pollInterval when an answer carries none, or a nonsensical one (zero or negative).
DEFAULT_POLL_INTERVAL = 5.0
# Never hammer the server faster than this, whatever an answer says.
MIN_POLL_INTERVAL = 0.1


def sane_interval(value: float | None, fallback: float = DEFAULT_POLL_INTERVAL) -> float:
    """An interval from Google, made safe to wait on."""
    if value is None or not value > 0:
        return fallback
    return max(MIN_POLL_INTERVAL, value)


# ---- effects: what the device must do --------------------------------------------------------------


@dataclass(frozen=True)
class StartSignIn:
    """Ask for a device code (POST /device/code); answer CodeIssued or Failed."""


@dataclass(frozen=True)
class PollToken:
    """Poll the token endpoint once; answer TokenPending, SignedIn or Failed."""


@dataclass(frozen=True)
class ForgetToken:
    """The stored token is dead: delete it from disk."""


@dataclass(frozen=True)
class CreateSession:
    """Create a picking session with a fresh requestId (and remember it on disk); answer SessionCreated."""

    replace: bool = False


@dataclass(frozen=True)
class PollSession:
    """sessions.get once; answer SessionPolled or Failed."""

    session_id: str


@dataclass(frozen=True)
class Download:
    """List the session's items and download them; answer Progress… then DownloadFinished or Failed."""

    session_id: str
    replace: bool = False


@dataclass(frozen=True)
class DeleteSession:
    """sessions.delete (and forget it on disk); answer SessionDeleted or Failed."""

    session_id: str


@dataclass(frozen=True)
class CancelWork:
    """Stop downloads in flight (they keep what is complete; the rest stays pending for resume)."""


@dataclass(frozen=True)
class SignOut:
    """Revoke the token and forget it; answer SignedOutDone."""


Effect = (
    StartSignIn
    | PollToken
    | ForgetToken
    | CreateSession
    | PollSession
    | Download
    | DeleteSession
    | CancelWork
    | SignOut
)


# ---- events: what happened ------------------------------------------------------------------------
# Every class here has a docstring: without one, @dataclass builds __doc__ from inspect.signature at import.


@dataclass(frozen=True)
class LeftOpen:
    """A picking session a previous run left open (crash, power cut), remembered on disk."""

    session_id: str
    has_pending: bool
    replace: bool = False
    listed: bool = True  # False: the run died before listing it; the person may have tapped Done already


@dataclass(frozen=True)
class Boot:
    """The device started: what it found on disk."""

    signed_in: bool
    account: str | None = None
    photos: int = 0
    left_open: tuple[LeftOpen, ...] = ()


@dataclass(frozen=True)
class CodeIssued:
    """A sign-in code to show: Google's device-code answer."""

    user_code: str
    verification_url: str
    qr_url: str
    expires_in: float
    interval: float


@dataclass(frozen=True)
class TokenPending:
    """The person has not approved the code yet; ask again after ``interval`` seconds."""

    interval: float  # may have grown after slow_down


@dataclass(frozen=True)
class SignedIn:
    """The code was approved: a token is stored for ``account``."""

    account: str | None


@dataclass(frozen=True)
class SessionCreated:
    """A picking session is open; its link is ``picker_uri``."""

    session_id: str
    picker_uri: str
    poll_interval: float
    timeout_in: float


@dataclass(frozen=True)
class SessionPolled:
    """A session's state: ``media_items_set`` once the person tapped Done."""

    session_id: str
    media_items_set: bool
    poll_interval: float | None = None
    timeout_in: float | None = None


@dataclass(frozen=True)
class Progress:
    """Downloads of a session so far."""

    session_id: str
    done: int
    total: int
    failed: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class DownloadFinished:
    """Every item of a session was tried; the counts say how it went."""

    session_id: str
    done: int  # items of the session now in the library (new or already there)
    total: int
    failed: int  # items that could not be downloaded (bad file, gone)
    photos: int  # the library's count afterwards
    skipped: int = 0  # items there was nothing to fetch for: videos when videos are off, or not processed yet


@dataclass(frozen=True)
class SessionDeleted:
    """A picking session was deleted at Google."""

    session_id: str


Step = Literal["sign-in", "token", "create", "poll", "download", "delete", "sign-out"]


@dataclass(frozen=True)
class Failed:
    """An effect failed ``during`` a step, with the error to show or retry on."""

    during: Step
    error: KioskError
    session_id: str | None = None


@dataclass(frozen=True)
class SignedOutDone:
    """The token was revoked (or forgotten) and the device is signed out."""


@dataclass(frozen=True)
class Tick:
    """Time passed (the main loop sends one every frame/second)."""


@dataclass(frozen=True)
class Action:
    """The person pressed a button."""

    action: UserAction


@dataclass(frozen=True)
class Shutdown:
    """SIGTERM/SIGINT: delete the open session and stop."""


Event = (
    Boot
    | CodeIssued
    | TokenPending
    | SignedIn
    | SessionCreated
    | SessionPolled
    | Progress
    | DownloadFinished
    | SessionDeleted
    | Failed
    | SignedOutDone
    | Tick
    | Action
    | Shutdown
)


# ---- the machine ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exit:
    """The run is over (``run --once``, or a shutdown): exit code and one plain line for stderr."""

    code: int
    message: str = ""


@dataclass(frozen=True)
class OpenSession:
    """The picking session this device has open right now."""

    id: str
    picker_uri: str = ""
    replace: bool = False
    poll_interval: float = 5.0
    expires_at: float = 0.0


@dataclass(frozen=True)
class Machine:
    """Everything the journey knows. ``state`` is what the screen shows."""

    state: State = Starting()  # noqa: RUF009 - frozen, so sharing the default is safe
    once: bool = False
    signed_in: bool = False
    account: str | None = None
    photos: int = 0
    session: OpenSession | None = None
    code: Connect | None = None  # the sign-in code on screen (no secret: the device code stays in the worker)
    to_delete: tuple[str, ...] = ()  # sessions being deleted (ours, or left open by a previous run)
    retry: tuple[Effect, ...] = ()  # what to do when a Problem's retry_at comes, or the person presses OK
    failures: int = 0  # consecutive failures, for backoff
    stopping: bool = False
    exit: Exit | None = None
    failing: Exit | None = None  # once mode gave up: this is the exit, as soon as the open sessions are deleted
    last_result: DownloadFinished | None = None  # the last download; in once mode, the run is done
    notes: tuple[str, ...] = ()  # things worth a log line that are not on screen
    notice_until: float | None = None  # when the slideshow's passing notice goes away


def backoff(failures: int) -> float:
    """Seconds to wait after the n-th failure in a row (1-based)."""
    return min(BACKOFF_MAX, BACKOFF_FIRST * 2.0 ** max(0, failures - 1))


def step(m: Machine, event: Event, now: float) -> tuple[Machine, list[Effect]]:
    """Advance the journey by one event."""
    if m.exit is not None:
        return m, []
    deleting = isinstance(event, SessionDeleted) or (isinstance(event, Failed) and event.during == "delete")
    if m.failing is not None and not (deleting or isinstance(event, Shutdown)):
        return m, []  # giving up: only the deletes still matter
    handler = _HANDLERS[type(event)]
    return handler(m, event, now)


# ---- handlers -----------------------------------------------------------------------------------


def _delete(m: Machine, sid: str | None) -> tuple[Machine, list[Effect]]:
    """Have session ``sid`` deleted at Google, once: an id already being deleted, or none yet (a session still
    being created has id ""), sends nothing."""
    if not sid or sid in m.to_delete:
        return m, []
    return replace(m, to_delete=(*m.to_delete, sid)), [DeleteSession(sid)]


def _idle(m: Machine, notice: str | None = None) -> Machine:
    """Where the device rests: the slideshow if there are photos, else a prompt to pick some."""
    if m.photos > 0:
        return replace(m, state=Slideshow(count=m.photos, notice=notice))
    return replace(
        m,
        state=Problem(
            what="nothing-picked",
            title="No photos yet",
            detail=notice or "The photo library on this device is empty.",
            next_step="Press OK to choose photos with your phone.",
        ),
        retry=(CreateSession(),) if m.signed_in else (StartSignIn(),),
    )


def _on_boot(m: Machine, e: Boot, now: float) -> tuple[Machine, list[Effect]]:
    m = replace(m, signed_in=e.signed_in, account=e.account, photos=e.photos)
    effects: list[Effect] = []
    resume = next((s for s in e.left_open if s.has_pending), None)
    if resume is None:
        # A session never listed may hold picks made after the crash began (or just before it); listing it
        # tells: its photos are fetched, or NotReady and it is deleted. Only the newest can matter.
        resume = next((s for s in reversed(e.left_open) if not s.listed), None)
    for s in e.left_open:
        if s is not resume:
            m, more = _delete(m, s.session_id)
            effects += more
    if resume is not None and e.signed_in:
        session = OpenSession(id=resume.session_id, replace=resume.replace)
        m = replace(m, session=session, state=Downloading(session_id=resume.session_id, replace=resume.replace))
        effects.append(Download(resume.session_id, resume.replace))
        return m, effects
    if resume is not None:
        # Without a token the left-open session cannot be listed; it dies on Google's side by itself.
        m = replace(m, notes=(*m.notes, "An unfinished download was dropped: sign-in is needed."))
    if not e.signed_in:
        return replace(m, state=Starting("Getting a sign-in code…")), [*effects, StartSignIn()]
    if m.photos > 0 and not m.once:
        return replace(m, state=Slideshow(count=m.photos)), effects
    return replace(m, state=Starting("Opening the photo picker…")), [*effects, CreateSession()]


def _on_code(m: Machine, e: CodeIssued, now: float) -> tuple[Machine, list[Effect]]:
    interval = sane_interval(e.interval)
    connect = Connect(
        verification_url=e.verification_url,
        qr_url=e.qr_url,
        user_code=e.user_code,
        expires_at=now + e.expires_in,
        interval=interval,
        next_poll_at=now + interval,
    )
    return replace(m, state=connect, code=connect, failures=0, retry=()), []


def _on_pending(m: Machine, e: TokenPending, now: float) -> tuple[Machine, list[Effect]]:
    if m.code is None:
        return m, []
    interval = sane_interval(e.interval, m.code.interval)
    connect = replace(m.code, interval=interval, next_poll_at=now + interval, polling=False)
    m = replace(m, code=connect, failures=0)
    if isinstance(m.state, Connect | Problem | Starting):
        m = replace(m, state=connect, retry=())
    return m, []


def _on_signed_in(m: Machine, e: SignedIn, now: float) -> tuple[Machine, list[Effect]]:
    m = replace(m, signed_in=True, account=e.account, code=None, failures=0, retry=())
    return replace(m, state=Starting("Signed in. Opening the photo picker…")), [CreateSession()]


def _on_created(m: Machine, e: SessionCreated, now: float) -> tuple[Machine, list[Effect]]:
    replacing = m.session.replace if m.session is not None else False
    if m.stopping:
        return _delete(m, e.session_id)
    interval = sane_interval(e.poll_interval)
    session = OpenSession(
        id=e.session_id,
        picker_uri=e.picker_uri,
        replace=replacing,
        poll_interval=interval,
        expires_at=now + e.timeout_in,
    )
    return replace(m, session=session, state=_choose(m, session, now + interval), failures=0), []


def _choose(m: Machine, s: OpenSession, next_poll_at: float, polling: bool = False) -> Choose:
    return Choose(
        session_id=s.id,
        picker_uri=s.picker_uri,
        account=m.account,
        expires_at=s.expires_at,
        poll_interval=s.poll_interval,
        next_poll_at=next_poll_at,
        polling=polling,
        replace=s.replace,
    )


def _on_polled(m: Machine, e: SessionPolled, now: float) -> tuple[Machine, list[Effect]]:
    s = m.session
    if s is None or s.id != e.session_id or m.stopping:
        return m, []
    m = replace(m, failures=0, retry=())
    if e.media_items_set:
        return replace(m, session=s, state=Downloading(session_id=s.id, replace=s.replace)), [Download(s.id, s.replace)]
    interval = sane_interval(e.poll_interval, s.poll_interval)
    expires_at = now + e.timeout_in if e.timeout_in is not None else s.expires_at
    s = replace(s, poll_interval=interval, expires_at=expires_at)
    m = replace(m, session=s)
    if e.timeout_in is not None and e.timeout_in <= 0:
        return _timed_out(m, now)
    return replace(m, state=_choose(m, s, now + interval)), []


def _timed_out(m: Machine, now: float) -> tuple[Machine, list[Effect]]:
    m, effects = _delete(replace(m, session=None), m.session.id if m.session else None)
    if m.once:
        m, more = _fail(m, "Nobody picked photos before the picking link expired.")
        return m, effects + more
    if m.photos > 0:
        m = replace(m, state=Slideshow(m.photos, notice="The picking link expired. Press OK to try again."))
        return replace(m, retry=(CreateSession(),)), effects
    problem = Problem(
        what="session-timeout",
        title="The picking link expired",
        detail="No photos were chosen in time.",
        next_step="A new link will appear in a moment.",
        retry_at=now + AFTER_TIMEOUT,
    )
    return replace(m, state=problem, retry=(CreateSession(),)), effects


def _on_progress(m: Machine, e: Progress, now: float) -> tuple[Machine, list[Effect]]:
    if isinstance(m.state, Downloading) and m.state.session_id == e.session_id:
        return replace(m, state=replace(m.state, done=e.done, total=e.total, failed=e.failed, skipped=e.skipped)), []
    return m, []


def _on_finished(m: Machine, e: DownloadFinished, now: float) -> tuple[Machine, list[Effect]]:
    m = replace(m, photos=e.photos, failures=0, retry=(), last_result=e)
    m, effects = _delete(m, e.session_id)
    if m.session is not None and m.session.id == e.session_id:
        m = replace(m, session=None)
    if m.stopping:
        return m, effects
    if m.once:
        return replace(m, state=_done_state(e)), effects
    if e.total == 0:
        return _idle(m, notice="No photos were picked."), effects
    notice = _result_note(e) or None
    until = now + NOTICE_SECONDS if notice else None
    return replace(m, state=Slideshow(count=m.photos, notice=notice), notice_until=until), effects


def _result_note(e: DownloadFinished) -> str:
    """One line on what did not make it into the library, or ""."""
    parts = []
    if e.failed:
        parts.append(f"{e.failed} of {e.total} could not be downloaded.")
    if e.skipped:
        parts.append(f"{e.skipped} video{'s' if e.skipped != 1 else ''} skipped (only photos are shown).")
    return " ".join(parts)


def _done_state(e: DownloadFinished) -> State:
    return Downloading(session_id=e.session_id, done=e.done, total=e.total, failed=e.failed)


def _on_deleted(m: Machine, e: SessionDeleted, now: float) -> tuple[Machine, list[Effect]]:
    m = replace(m, to_delete=tuple(s for s in m.to_delete if s != e.session_id))
    if m.session is not None and m.session.id == e.session_id:
        m = replace(m, session=None)
    return _maybe_exit(m)


def _maybe_exit(m: Machine) -> tuple[Machine, list[Effect]]:
    if m.to_delete or m.session is not None:
        return m, []
    if m.failing is not None:
        return replace(m, exit=m.failing), []
    if m.stopping:
        return replace(m, exit=Exit(0)), []
    if m.once and m.last_result is not None:
        return replace(m, exit=Exit(0, _result_note(m.last_result))), []
    return m, []


def _on_signed_out(m: Machine, e: SignedOutDone, now: float) -> tuple[Machine, list[Effect]]:
    m = replace(m, signed_in=False, account=None, code=None, retry=())
    if m.photos > 0:
        return replace(
            m,
            state=Slideshow(m.photos, notice="Signed out. Press OK to sign in and add photos."),
            retry=(StartSignIn(),),
        ), []
    return replace(m, state=SignedOut()), [StartSignIn()]


def _problem_for(m: Machine, e: Failed, now: float) -> tuple[Problem, tuple[Effect, ...], list[Effect]]:
    """What the person is told, what to retry, and what to do right away."""
    err = e.error
    photos = m.photos > 0
    failures = m.failures + 1
    wait = backoff(failures)
    again: tuple[Effect, ...] = _same_step(m, e)
    if isinstance(err, ScopeRefused):
        return (
            Problem(
                "scope-refused",
                "Google refused access to Google Photos",
                err.message,
                "Check the OAuth client in the Google Cloud console; the device keeps trying by itself.",
                now + AFTER_MISCONFIG,
                photos,
            ),
            (StartSignIn(),),
            [],
        )
    if isinstance(err, InvalidClient):
        return (
            Problem(
                "invalid-client",
                "This device's Google sign-in is not set up right",
                err.message,
                "Fix client_id / client_secret in the config file; the device keeps trying by itself.",
                now + AFTER_MISCONFIG,
                photos,
            ),
            (StartSignIn(),),
            [],
        )
    if isinstance(err, AccessDenied):
        return (
            Problem(
                "access-denied",
                "Access was not allowed",
                "On the phone, access to Google Photos was declined.",
                "A new sign-in code will appear by itself, or press OK to get it now.",
                now + AFTER_DENIED,
                photos,
            ),
            (StartSignIn(),),
            [],
        )
    if isinstance(err, SignInRequired):
        return (
            Problem(
                "signin-expired",
                "Please sign in again",
                err.message,
                "A new sign-in code will appear by itself, or press OK to get it now.",
                now + AFTER_TIMEOUT,
                photos,
            ),
            (StartSignIn(),),
            [ForgetToken()],
        )
    if isinstance(err, RateLimited):
        return (
            Problem(
                "busy",
                "Google is busy",
                "Too many sign-in codes were asked for.",
                "The device will ask again by itself.",
                now + max(err.retry_after, wait),
                photos,
            ),
            (StartSignIn(),),
            [],
        )
    if isinstance(err, NoPhotosAccount):
        return (
            Problem(
                "no-photos-account",
                "No Google Photos account",
                "The Google account signed in on this device has no Google Photos library.",
                "Choose Sign out, then sign in with the Google account that has your photos.",
                now + AFTER_MISCONFIG,
                photos,
            ),
            again,
            [],
        )
    if isinstance(err, DiskFull):
        return (
            Problem(
                "disk-full",
                "The memory card is full",
                err.message,
                "Free some space, or use Replace photos to pick a smaller set.",
                now + AFTER_MISCONFIG,
                photos,
            ),
            again,
            [],
        )
    if isinstance(err, TransportError):
        return (
            Problem(
                "offline",
                "No network",
                err.message,
                "Showing saved photos meanwhile." if photos else "The device will reconnect by itself.",
                now + wait,
                photos,
            ),
            again,
            [],
        )
    if isinstance(err, ApiError) and (err.retryable or err.status in (429, 500, 502, 503, 504)):
        delay = max(wait, err.retry_after or 0.0)
        return (
            Problem("busy", "Google is busy", err.message, "The device will try again by itself.", now + delay, photos),
            again,
            [],
        )
    if isinstance(err, LibraryError):
        return (
            Problem(
                "library",
                "A problem with the photo library",
                err.message,
                "The device will try again by itself.",
                now + wait,
                photos,
            ),
            again,
            [],
        )
    return (
        Problem(
            "unexpected",
            "Something went wrong",
            err.message,
            "The device will try again by itself.",
            now + wait,
            photos,
        ),
        again,
        [],
    )


def _same_step(m: Machine, e: Failed) -> tuple[Effect, ...]:
    s = m.session
    if e.during == "sign-in":
        return (StartSignIn(),)
    if e.during == "token":
        return (PollToken(),) if m.code is not None else (StartSignIn(),)
    if e.during == "create":
        return (CreateSession(s.replace if s else False),)
    if e.during == "poll" and s is not None:
        return (PollSession(s.id),)
    if e.during == "download" and s is not None:
        return (Download(s.id, s.replace),)
    if e.during == "sign-out":
        return (SignOut(),)
    return (CreateSession(),) if m.signed_in else (StartSignIn(),)


def _on_failed(m: Machine, e: Failed, now: float) -> tuple[Machine, list[Effect]]:
    err = e.error
    if e.during == "delete":
        # The worker already retried. The id stays remembered on disk, so the next start deletes it; it must
        # not take over the screen (Google also ends sessions by itself).
        m = replace(m, to_delete=tuple(s for s in m.to_delete if s != e.session_id))
        if m.once and m.last_result is not None and not m.stopping:
            return replace(
                m, exit=Exit(1, "The photos were saved, but the picking session could not be deleted: " + err.message)
            ), []
        return _maybe_exit(m)
    if m.stopping:
        return _maybe_exit(m)
    if isinstance(err, CodeExpired):
        # Not a problem for the person: a fresh code replaces the old one on screen.
        return replace(m, code=None), [StartSignIn()]
    if e.during == "poll" and isinstance(err, SessionExpired):
        return _timed_out(m, now)
    if e.during == "download" and isinstance(err, NotReady | SessionExpired):
        m, effects = _delete(replace(m, session=None), m.session.id if m.session else e.session_id)
        if isinstance(err, NotReady):
            # Resuming a session a previous run left before the person tapped Done: start afresh instead.
            if m.photos > 0 and not m.once:
                return replace(m, state=Slideshow(count=m.photos)), effects
            m, more = _start_picking(m, False)
            return m, effects + more
        # The session died before its photos were all fetched; what is complete stays.
        if m.once:
            m, more = _fail(m, "The picking session expired before every photo was downloaded.")
            return m, effects + more
        return _idle(m, notice="The picking session expired before every photo was downloaded."), effects
    problem, retry, now_effects = _problem_for(m, e, now)
    failures = m.failures + 1
    m = replace(m, failures=failures, retry=retry)
    if isinstance(err, SignInRequired):
        m = replace(m, signed_in=False, account=None)
    if m.code is not None and e.during == "token":
        m = replace(m, code=replace(m.code, polling=False))
    if m.once:
        fatal = not (err.retryable or isinstance(err, TransportError)) or failures >= ONCE_MAX_FAILURES
        if isinstance(err, AccessDenied | ScopeRefused | InvalidClient | NoPhotosAccount | DiskFull):
            fatal = True
        if fatal:
            m, effects = _exit_failed(m, problem)
            return m, now_effects + effects  # e.g. a dead token is forgotten, so the next run signs in
    return replace(m, state=problem), now_effects


def _exit_failed(m: Machine, problem: Problem) -> tuple[Machine, list[Effect]]:
    m, effects = _delete(replace(m, session=None), m.session.id if m.session else None)
    m, more = _fail(replace(m, state=problem), f"{problem.title}: {problem.detail}")
    return m, effects + more


def _fail(m: Machine, line: str) -> tuple[Machine, list[Effect]]:
    """Once mode gives up with exit 1 and ``line``, as soon as the sessions being deleted are gone.

    Exiting before would leave them open at Google, where they count against the open-session limit.
    """
    return _maybe_exit(replace(m, retry=(), failing=Exit(1, line)))


def _on_tick(m: Machine, e: Tick, now: float) -> tuple[Machine, list[Effect]]:
    st = m.state
    if m.stopping:
        return m, []
    if isinstance(st, Connect):
        if now >= st.expires_at and not st.polling:
            return replace(m, code=None, state=Starting("Getting a new sign-in code…")), [StartSignIn()]
        if not st.polling and now >= st.next_poll_at:
            polling = replace(st, polling=True)
            return replace(m, state=polling, code=polling), [PollToken()]
        return m, []
    if isinstance(st, Choose):
        if now >= st.expires_at and not st.polling:
            return _timed_out(m, now)
        if not st.polling and now >= st.next_poll_at:
            return replace(m, state=replace(st, polling=True)), [PollSession(st.session_id)]
        return m, []
    if isinstance(st, Slideshow) and st.notice and m.notice_until is not None and now >= m.notice_until:
        return replace(m, state=replace(st, notice=None), notice_until=None), []
    if isinstance(st, Problem) and st.retry_at is not None and now >= st.retry_at and m.retry:
        return _run_retry(m)
    return m, []


def _run_retry(m: Machine) -> tuple[Machine, list[Effect]]:
    effects = list(m.retry)
    m = replace(m, retry=())
    first = effects[0] if effects else None
    if isinstance(first, PollToken) and m.code is not None:
        polling = replace(m.code, polling=True)
        return replace(m, code=polling, state=polling), effects
    if isinstance(first, PollSession) and m.session is not None:
        return replace(m, state=_choose(m, m.session, 0.0, polling=True)), effects
    if isinstance(first, Download) and m.session is not None:
        s = m.session
        return replace(m, state=Downloading(session_id=s.id, replace=s.replace)), effects
    if isinstance(first, CreateSession):
        pending = OpenSession(id="", replace=first.replace)
        return replace(m, session=pending, state=Starting("Opening the photo picker…")), effects
    if isinstance(first, StartSignIn):
        return replace(m, code=None, state=Starting("Getting a sign-in code…")), effects
    return m, effects


def _start_picking(m: Machine, replacing: bool) -> tuple[Machine, list[Effect]]:
    if not m.signed_in:
        return replace(m, state=Starting("Getting a sign-in code…"), retry=()), [StartSignIn()]
    # Remember whether the next session replaces the library; the id arrives with SessionCreated.
    pending = OpenSession(id="", replace=replacing)
    return replace(m, session=pending, state=Starting("Opening the photo picker…"), retry=()), [
        CreateSession(replacing)
    ]


def _on_action(m: Machine, e: Action, now: float) -> tuple[Machine, list[Effect]]:
    a = e.action
    st = m.state
    # A session being created (id still "") or open, or a download running: one thing at a time.
    busy = isinstance(st, Downloading) or m.session is not None
    if a is UserAction.SIGN_OUT:
        m, effects = _delete(replace(m, session=None), m.session.id if m.session else None)
        return replace(m, state=Starting("Signing out…"), retry=()), [CancelWork(), *effects, SignOut()]
    if a in (UserAction.ADD, UserAction.REPLACE):
        if busy:
            return m, []
        return _start_picking(m, a is UserAction.REPLACE)
    if a is UserAction.RETRY and isinstance(st, Choose) and not st.polling:
        # "New link": the old session is deleted and a fresh one (new requestId) takes its place.
        m, effects = _delete(replace(m, session=None), st.session_id)
        m, more = _start_picking(m, st.replace)
        return m, effects + more
    if a is UserAction.RETRY:
        if isinstance(st, Problem | Slideshow) and m.retry:
            return _run_retry(m)
        if isinstance(st, Slideshow | Problem) and not busy:
            return _start_picking(m, False)
        return m, []
    if a is UserAction.CANCEL:
        if isinstance(st, Choose) and m.photos > 0:
            m, effects = _delete(replace(m, session=None), st.session_id)
            return replace(m, state=Slideshow(m.photos)), effects
        return m, []
    return m, []


def _on_shutdown(m: Machine, e: Shutdown, now: float) -> tuple[Machine, list[Effect]]:
    sid = m.session.id if m.session else None
    m, effects = _delete(replace(m, stopping=True, state=Starting("Stopping…"), session=None), sid)
    m, more = _maybe_exit(m)
    return m, [CancelWork(), *effects, *more]


_Handler = Callable[[Machine, Any, float], tuple[Machine, list[Effect]]]
_HANDLERS: dict[type, _Handler] = {
    Boot: _on_boot,
    CodeIssued: _on_code,
    TokenPending: _on_pending,
    SignedIn: _on_signed_in,
    SessionCreated: _on_created,
    SessionPolled: _on_polled,
    Progress: _on_progress,
    DownloadFinished: _on_finished,
    SessionDeleted: _on_deleted,
    Failed: _on_failed,
    SignedOutDone: _on_signed_out,
    Tick: _on_tick,
    Action: _on_action,
    Shutdown: _on_shutdown,
}
