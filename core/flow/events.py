"""What happened: the events the device feeds to ``step`` (answers from workers, key presses, ticks of time)."""

from __future__ import annotations

from typing import Protocol

from core.errors import KioskError
from core.flow.effects import Effect
from core.record import record
from core.states import UserAction

# Every class here has a docstring: without one, @dataclass builds __doc__ from inspect.signature at import.


@record
class LeftOpen:
    """A picking session a previous run left open (crash, power cut), remembered on disk."""

    session_id: str
    has_pending: bool
    replace: bool = False
    listed: bool = True  # False: the run died before listing it; the person may have tapped Done already


@record
class Boot:
    """The device started: what it found on disk."""

    signed_in: bool
    account: str | None = None
    photos: int = 0
    left_open: tuple[LeftOpen, ...] = ()
    degraded: str | None = None  # the library is read-only (a full or read-only disk): why, in plain words


@record
class CodeIssued:
    """A sign-in code to show: Google's device-code answer."""

    user_code: str
    verification_url: str
    qr_url: str
    expires_in: float
    interval: float


@record
class TokenPending:
    """The person has not approved the code yet; ask again after ``interval`` seconds."""

    interval: float  # may have grown after slow_down


@record
class PairingOpened:
    """The pairing page for the phone sign-in is open at ``url`` for ``expires_in`` seconds."""

    url: str
    login_code: str
    expires_in: float


@record
class PhonePairingOpened:
    """The companion's "Control from your phone" link is open at ``url`` for ``expires_in`` seconds."""

    url: str
    expires_in: float


@record
class PhonePaired:
    """A phone opened that link and is paired: the link is spent, so its QR code goes from the screen."""


@record
class SignedIn:
    """Signed in (the code was approved, or the phone or a computer finished): a token is stored for ``account``."""

    account: str | None


@record
class SessionCreated:
    """A picking session is open; its link is ``picker_uri``. Google's pollingConfig as sent (None: absent)."""

    session_id: str
    picker_uri: str
    poll_interval: float | None
    timeout_in: float | None


@record
class SessionPolled:
    """A session's state: ``media_items_set`` once the person tapped Done."""

    session_id: str
    media_items_set: bool
    poll_interval: float | None = None
    timeout_in: float | None = None


@record
class Progress:
    """Downloads of a session so far."""

    session_id: str
    done: int
    total: int
    failed: int = 0
    skipped: int = 0


class DownloadCounts(Protocol):
    """What a download report counts (core.library's DownloadReport): ``failed`` includes ``unsupported``."""

    @property
    def total(self) -> int: ...
    @property
    def done(self) -> int: ...
    @property
    def failed(self) -> int: ...
    @property
    def unsupported(self) -> int: ...
    @property
    def processing(self) -> int: ...
    @property
    def stills(self) -> int: ...
    @property
    def reasons(self) -> tuple[str, ...]: ...


@record
class DownloadFinished:
    """Every item of a session was tried; the counts say how it went."""

    session_id: str
    done: int  # items of the session now in the library (new or already there)
    total: int  # items that would be shown: the skipped ones are not counted
    failed: int  # items that could not be downloaded (bad file, gone)
    photos: int  # the library's count afterwards
    skipped: int = 0  # items there was nothing to fetch for: videos when videos are off, or not processed yet
    reasons: tuple[str, ...] = ()  # why the failed ones failed, in plain words
    processing: int = 0  # of the skipped: videos Google is still processing (the session may be listed again)
    stills: int = 0  # videos that were still processing, kept as their poster (the session's last listing)

    @classmethod
    def of(cls, session_id: str, report: DownloadCounts, photos: int) -> DownloadFinished:
        """The event for a download report: the items skipped for good are neither failed nor in ``total``."""
        return cls(
            session_id=session_id,
            done=report.done,
            total=report.total - report.unsupported,
            failed=report.failed - report.unsupported,
            photos=photos,
            skipped=report.unsupported,
            reasons=report.reasons,
            processing=report.processing,
            stills=report.stills,
        )


@record
class SessionDeleted:
    """A picking session was deleted at Google."""

    session_id: str


@record
class Failed:
    """``effect`` failed with ``error``; retrying it is issuing the same effect again."""

    effect: Effect
    error: KioskError


@record
class SignedOutDone:
    """The token was revoked (or forgotten) and the device is signed out; ``photos`` left on it (None: as before)."""

    photos: int | None = None


@record
class Tick:
    """Time passed (the main loop sends one every frame/second)."""


@record
class Action:
    """The person pressed a button: on the device, or on the phone page (``from_phone``)."""

    action: UserAction
    from_phone: bool = False


@record
class Shutdown:
    """SIGTERM/SIGINT: delete the open session and stop."""


Event = (
    Boot
    | CodeIssued
    | TokenPending
    | PairingOpened
    | PhonePairingOpened
    | PhonePaired
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
