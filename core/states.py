"""What the device can be showing: the states of the journey that every renderer draws.

A renderer is handed ``(state, now)``, where ``now`` is the same monotonic clock the deadlines below use,
so a countdown is ``max(0, deadline - now)``. ``screen_name`` is the file name stem of the screenshot.
"""

from __future__ import annotations

from enum import Enum

from core.record import record


class UserAction(Enum):
    """What the person can ask for with a remote, a keyboard or a tap."""

    ADD = "add"  # pick more photos, merged into the library
    REPLACE = "replace"  # pick a new set that replaces the library once complete
    SIGN_OUT = "sign-out"  # revoke the token and forget it (asked first)
    SIGN_OUT_REMOVE = "sign-out-remove"  # the same, and delete the photos from this device
    CANCEL = "cancel"  # stop waiting for a pick / go back to the slideshow
    RETRY = "retry"  # retry now instead of waiting for the countdown
    QUIT = "quit"  # leave the program (window closed, Esc held, SIGINT)
    # The slideshow's own: the screen moves through the photos; the journey has nothing to do with them.
    NEXT = "next"  # the next photo now
    PREVIOUS = "previous"  # the photo before
    PAUSE = "pause"  # stop on this photo / go on again
    PHONE = "phone"  # show the "Control from your phone" pairing QR over the slideshow (again: hide it)


@record
class Starting:
    """Booting, checking the stored sign-in, or waiting for Google's first answer."""

    message: str = "Starting…"
    screen_name: str = "starting"


@record
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


@record
class SignInOnPhone:
    """Sign in with your phone: the QR opens the device's pairing page (authorization code + PKCE way).

    ``login_code`` is the short code a computer's `picker-kiosk login --to` sends with the sign-in instead.
    """

    pairing_url: str  # http://<device address>:<port>/p/<one-time secret>
    login_code: str
    expires_at: float  # monotonic: when the pairing link runs out (a new one replaces it)
    screen_name: str = "sign-in-phone"


@record
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
    confirm_new: bool = False  # "New link" was pressed once: a second OK replaces the link (and its picks)
    on_phone: bool = False  # started from the phone page, which has the link: the TV says "Choosing on a phone…"
    phone: bool = False  # the companion is on: the screen offers its pairing QR (as the slideshow's "Phone")
    pairing_url: str | None = None  # the "Control from your phone" QR on show in place of the picker's, until…
    pairing_until: float = 0.0
    screen_name: str = "choose"


@record
class Downloading:
    """Getting your photos… done of total."""

    session_id: str
    done: int = 0
    total: int = 0  # items that will be shown (the skipped ones apart); 0 while the list is still being fetched
    failed: int = 0  # bad files, or gone from Google
    skipped: int = 0  # nothing to fetch: videos (when videos are off) or not processed yet
    replace: bool = False
    screen_name: str = "downloading"


@record
class Slideshow:
    """Showing the library. ``notice`` is a one-line banner (e.g. 'No network — showing saved photos')."""

    count: int
    notice: str | None = None
    phone: bool = False  # the companion is on: the bar offers "Phone" (the pairing QR)
    pairing_url: str | None = None  # the "Control from your phone" QR on show, until ``pairing_until``
    pairing_until: float = 0.0
    screen_name: str = "slideshow"


@record
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


@record
class ConfirmSignOut:
    """The question "Sign out?", asked before the device forgets its sign-in; ``photos`` stay unless removed."""

    photos: int
    screen_name: str = "confirm-sign-out"


@record
class SignedOut:
    """The token was revoked and forgotten."""

    screen_name: str = "signed-out"


State = Starting | Connect | SignInOnPhone | Choose | Downloading | Slideshow | Problem | ConfirmSignOut | SignedOut
