"""What the journey remembers between events (``Machine``), and the few moves every handler makes with it."""

from __future__ import annotations

from dataclasses import replace

from core.flow.effects import CreateSession, DeleteSession, Effect, OpenPairing, StartSignIn
from core.flow.ending import STOPPED, no_promise, once_result
from core.flow.events import DownloadFinished
from core.flow.problems import nothing_picked
from core.flow.timing import NOTICE_SECONDS
from core.record import record
from core.records import DEFAULT_POLL_INTERVAL
from core.states import Choose, Connect, Slideshow, Starting, State


@record
class Exit:
    """The run is over (``run --once``, or a shutdown): exit code and one plain line for stderr."""

    code: int
    message: str = ""


@record
class ActiveSession:
    """The picking session this device has open right now (id "" while it is being created)."""

    id: str
    picker_uri: str = ""
    replace: bool = False
    on_phone: bool = False  # asked for on the phone page, which opens the link itself
    poll_interval: float = DEFAULT_POLL_INTERVAL
    expires_at: float = 0.0


@record
class Waiting:
    """A downloaded session kept open for its videos still processing (core.flow.processing): listed again at
    ``next_at`` (None while that listing runs); the listing due at ``until`` is the last, and keeps them as stills."""

    session_id: str
    next_at: float | None
    until: float
    last: bool = False  # the listing sent is the last one (with posters)


@record
class DeleteRetry:
    """A sessions.delete that failed on the network ``failures`` times; sent again at ``at`` (None: in flight)."""

    effect: DeleteSession
    failures: int
    at: float | None


@record
class Machine:
    """Everything the journey knows. ``state`` is what the screen shows."""

    state: State = Starting()
    once: bool = False
    # How to sign in: "device" (the device grant), "phone" (the pairing page), "auto" (the device grant, and
    # "phone" from the moment Google refuses the Picker scope to it). The device passes the config's.
    sign_in: str = "device"
    companion: bool = False  # the phone companion runs: the slideshow offers its pairing QR
    signed_in: bool = False
    account: str | None = None
    photos: int = 0
    session: ActiveSession | None = None
    # The sign-in code being polled (no secret: the device code stays in the worker). It outlives its Connect
    # screen: under a Problem after a failed poll, retrying polls it again and brings its screen back.
    sign_in_code: Connect | None = None
    to_delete: tuple[str, ...] = ()  # sessions being deleted (ours, or left open by a previous run)
    delete_retries: tuple[DeleteRetry, ...] = ()  # deletes that failed on the network and go out again
    retry: tuple[Effect, ...] = ()  # what to do when a Problem's retry_at comes, or the person presses OK
    failures: int = 0  # consecutive failures, for backoff
    stopping: bool = False
    exit: Exit | None = None
    failing: Exit | None = None  # once mode gave up: this is the exit, as soon as the open sessions are deleted
    last_result: DownloadFinished | None = None  # the last download; in once mode, the run is done
    notice_until: float | None = None  # when the slideshow's passing notice goes away
    degraded: str | None = None  # the library is read-only (Boot.degraded): show what is saved, fetch nothing
    deadline: float | None = None  # once mode: the run ends by then (core.flow.deadline)
    deadline_flag: float | None = None  # --deadline SECONDS: the deadline is now + that, a session does not move it
    before_confirm: State | None = None  # the screen a "Sign out?" question came from, for its Cancel
    waiting: Waiting | None = None  # a session kept open for its videos still processing


Outcome = tuple[Machine, list[Effect]]

PHONE_OPENING = "Opening sign-in with your phone…"


def sign_in_effect(m: Machine) -> Effect:
    """What signing in starts with, the way this machine signs in."""
    return OpenPairing() if m.sign_in == "phone" else StartSignIn()


def begin_sign_in(m: Machine) -> Outcome:
    """Show that a sign-in is starting and start it."""
    effect = sign_in_effect(m)
    message = PHONE_OPENING if isinstance(effect, OpenPairing) else "Getting a sign-in code…"
    return replace(m, state=Starting(message)), [effect]


def delete(m: Machine, sid: str | None) -> Outcome:
    """Have session ``sid`` deleted at Google, once: an id already being deleted, or none yet (a session still
    being created has id ""), sends nothing."""
    if not sid or sid in m.to_delete:
        return m, []
    return replace(m, to_delete=(*m.to_delete, sid)), [DeleteSession(sid)]


def drop_session(m: Machine) -> Outcome:
    """Let go of the open session (if any) and of one kept for its videos still processing; have them deleted."""
    m, effects = delete(replace(m, session=None), m.session.id if m.session else None)
    if m.waiting is not None:
        m, more = delete(replace(m, waiting=None), m.waiting.session_id)
        effects += more
    return m, effects


def idle(m: Machine, notice: str | None = None) -> Machine:
    """Where the device rests: the slideshow if there are photos, else a prompt to pick some."""
    if m.photos > 0:
        return replace(m, state=Slideshow(count=m.photos, notice=notice))
    return replace(m, state=nothing_picked(notice), retry=(CreateSession(),) if m.signed_in else (sign_in_effect(m),))


def with_notice(m: Machine, notice: str, now: float) -> Machine:
    """The slideshow (or the prompt to pick photos) with ``notice``, which fades after NOTICE_SECONDS."""
    m = idle(m, notice=notice)
    return replace(m, notice_until=now + NOTICE_SECONDS if isinstance(m.state, Slideshow) else None)


def choose(m: Machine, s: ActiveSession, next_poll_at: float, polling: bool = False) -> Choose:
    """The "Scan to choose photos" screen for session ``s`` (a "Replace this link?" question stays asked, the
    pairing QR stays on show)."""
    same = m.state if isinstance(m.state, Choose) and m.state.session_id == s.id else None
    return Choose(
        session_id=s.id,
        picker_uri=s.picker_uri,
        account=m.account,
        expires_at=s.expires_at,
        poll_interval=s.poll_interval,
        next_poll_at=next_poll_at,
        polling=polling,
        replace=s.replace,
        confirm_new=same is not None and same.confirm_new,
        on_phone=s.on_phone,
        phone=same is not None and same.phone,
        pairing_url=same.pairing_url if same else None,
        pairing_until=same.pairing_until if same else 0.0,
    )


def start_picking(m: Machine, replacing: bool, on_phone: bool = False) -> Outcome:
    """Open a new picking session (signing in first if needed); ``on_phone``: the phone page asked for it."""
    if not m.signed_in:
        return begin_sign_in(replace(m, retry=()))
    # Remember whether the next session replaces the library; the id arrives with SessionCreated.
    pending = ActiveSession(id="", replace=replacing, on_phone=on_phone)
    return replace(m, session=pending, state=Starting("Opening the photo picker…"), retry=()), [
        CreateSession(replacing)
    ]


def maybe_exit(m: Machine) -> Outcome:
    """End the run if it is over and no session is left open at Google."""
    if m.to_delete or m.session is not None:
        return m, []
    if m.failing is not None:
        return replace(m, exit=m.failing), []
    if m.once and m.last_result is not None:
        return replace(m, exit=Exit(*once_result(m.last_result))), []
    if m.stopping:
        # A once run stopped (SIGTERM) before its photos were saved has failed: exit 1, one line.
        return replace(m, exit=Exit(1, STOPPED) if m.once else Exit(0)), []
    return m, []


def fail(m: Machine, line: str) -> Outcome:
    """Once mode gives up with exit 1 and ``line``, as soon as the sessions being deleted are gone.

    Exiting before would leave them open at Google, where they count against the open-session limit.
    """
    return maybe_exit(replace(m, retry=(), failing=Exit(1, no_promise(line))))
