"""What the device can be showing: the states of the journey that every renderer draws.

A renderer is handed ``(state, now)``, where ``now`` is the same monotonic clock the deadlines below use,
so a countdown is ``max(0, deadline - now)``. ``screen_name`` is the file name stem of the screenshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class UserAction(Enum):
    """What the person can ask for with a remote, a keyboard or a tap."""

    ADD = "add"  # pick more photos, merged into the library
    REPLACE = "replace"  # pick a new set that replaces the library once complete
    SIGN_OUT = "sign-out"  # revoke the token and forget it
    CANCEL = "cancel"  # stop waiting for a pick / go back to the slideshow
    RETRY = "retry"  # retry now instead of waiting for the countdown
    QUIT = "quit"  # leave the program (window closed, Esc held, SIGINT)


@dataclass(frozen=True)
class Starting:
    """Booting, checking the stored sign-in, or waiting for Google's first answer."""

    message: str = "Starting…"
    screen_name: str = "starting"


@dataclass(frozen=True)
class Connect:
    """Scan to connect: the device authorization grant is waiting for the person."""

    verification_url: str  # what to show as text (scheme may be dropped for display)
    qr_url: str  # verification_uri_complete when given, else verification_url
    user_code: str  # case-sensitive; show exactly as given
    expires_at: float  # monotonic deadline of this code
    interval: float  # seconds between token polls
    next_poll_at: float
    polling: bool = False  # a poll is in flight
    screen_name: str = "connect"


@dataclass(frozen=True)
class SignInOnPhone:
    """Sign in with your phone: the QR opens the device's pairing page (authorization code + PKCE way).

    ``login_code`` is the short code a computer's `picker-kiosk login --to` sends with the sign-in instead.
    """

    pairing_url: str  # http://<device address>:<port>/p/<one-time secret>
    login_code: str
    expires_at: float  # monotonic: when the pairing link runs out (a new one replaces it)
    screen_name: str = "sign-in-phone"


@dataclass(frozen=True)
class Choose:
    """Scan to choose photos: a picking session is open and being polled."""

    session_id: str
    picker_uri: str
    account: str | None  # the Google account signed in ("open it on a phone signed in to …")
    expires_at: float  # monotonic: when timeoutIn runs out
    poll_interval: float
    next_poll_at: float
    polling: bool = False
    replace: bool = False  # the new picks replace the library once complete, instead of adding
    screen_name: str = "choose"


@dataclass(frozen=True)
class Downloading:
    """Getting your photos… done of total."""

    session_id: str
    done: int = 0
    total: int = 0  # 0 while the list is still being fetched
    failed: int = 0  # bad files, or gone from Google
    skipped: int = 0  # nothing to fetch: videos (when videos are off) or not processed yet
    replace: bool = False
    screen_name: str = "downloading"


@dataclass(frozen=True)
class Slideshow:
    """Showing the library. ``notice`` is a one-line banner (e.g. 'No network — showing saved photos')."""

    count: int
    notice: str | None = None
    screen_name: str = "slideshow"


@dataclass(frozen=True)
class Problem:
    """Something went wrong: plain words for what happened and what the device will do next.

    ``what`` is a short slug used in the screenshot name (``error-<what>.png``) and by tests:
    offline, busy, access-denied, scope-refused, invalid-client, signin-expired, no-photos-account,
    session-timeout, disk-full, nothing-picked, code-expired, unexpected.
    """

    what: str
    title: str
    detail: str
    next_step: str
    retry_at: float | None = None  # monotonic time of the automatic retry, for a countdown
    photos_available: bool = False  # the slideshow can keep going underneath / "showing saved photos"

    @property
    def screen_name(self) -> str:
        return f"error-{self.what}"


@dataclass(frozen=True)
class SignedOut:
    """The token was revoked and forgotten."""

    screen_name: str = "signed-out"


State = Starting | Connect | SignInOnPhone | Choose | Downloading | Slideshow | Problem | SignedOut
