"""The picking journey as a pure state machine: ``step(machine, event, now) -> (machine, effects)``.

Nothing here does I/O or reads a clock. The device feeds it events (answers from worker threads, key presses,
ticks of time) and carries out the effects it returns (ask Google for a code, poll, create/delete a session,
download, log a note). Renderers draw ``machine.state``. Because timing is decided here from the ``now`` it is
handed, "never poll faster than pollInterval" and "stop at timeoutIn" are properties of this package, tested
without sleeping.

    effects.py   what the device must do          events.py    what happened
    machine.py   step: one exhaustive match       memory.py    the Machine's fields
    handlers.py  the journey, event by event      recovery.py  failures (retry = the same effect again), ticks
    problems.py  error type -> words, next, when  timing.py    backoff, delays, intervals
    wording.py   links as typed, a download's summary
"""

from core.flow.effects import (
    CancelWork,
    CreateSession,
    DeleteSession,
    Download,
    Effect,
    ForgetToken,
    Note,
    OpenPairing,
    OpenPhonePairing,
    PollSession,
    PollToken,
    SignOut,
    StartSignIn,
)
from core.flow.events import (
    Action,
    Boot,
    CodeIssued,
    DownloadCounts,
    DownloadFinished,
    Event,
    Failed,
    LeftOpen,
    PairingOpened,
    PhonePaired,
    PhonePairingOpened,
    Progress,
    SessionCreated,
    SessionDeleted,
    SessionPolled,
    Shutdown,
    SignedIn,
    SignedOutDone,
    Tick,
    TokenPending,
)
from core.flow.machine import ActiveSession, DeleteRetry, Exit, Machine, step
from core.flow.timing import (
    AFTER_DENIED,
    AFTER_MISCONFIG,
    AFTER_TIMEOUT,
    BACKOFF_FIRST,
    BACKOFF_MAX,
    DELETE_RETRY_WAIT,
    DELETE_TRIES,
    DOWNLOAD_BOUND,
    MIN_POLL_INTERVAL,
    NOTICE_SECONDS,
    ONCE_MAX_FAILURES,
    backoff,
    sane_interval,
)
from core.flow.wording import display_url

__all__ = [
    "AFTER_DENIED",
    "AFTER_MISCONFIG",
    "AFTER_TIMEOUT",
    "BACKOFF_FIRST",
    "BACKOFF_MAX",
    "DELETE_RETRY_WAIT",
    "DELETE_TRIES",
    "DOWNLOAD_BOUND",
    "MIN_POLL_INTERVAL",
    "NOTICE_SECONDS",
    "ONCE_MAX_FAILURES",
    "Action",
    "ActiveSession",
    "Boot",
    "CancelWork",
    "CodeIssued",
    "CreateSession",
    "DeleteRetry",
    "DeleteSession",
    "Download",
    "DownloadCounts",
    "DownloadFinished",
    "Effect",
    "Event",
    "Exit",
    "Failed",
    "ForgetToken",
    "LeftOpen",
    "Machine",
    "Note",
    "OpenPairing",
    "OpenPhonePairing",
    "PairingOpened",
    "PhonePaired",
    "PhonePairingOpened",
    "PollSession",
    "PollToken",
    "Progress",
    "SessionCreated",
    "SessionDeleted",
    "SessionPolled",
    "Shutdown",
    "SignOut",
    "SignedIn",
    "SignedOutDone",
    "StartSignIn",
    "Tick",
    "TokenPending",
    "backoff",
    "display_url",
    "sane_interval",
    "step",
]
