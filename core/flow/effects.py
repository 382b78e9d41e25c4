"""What the flow asks the device to do: the effects ``step`` returns, carried out by the runner."""

from __future__ import annotations

from core.record import record

# Every class here has a docstring: without one, @dataclass builds __doc__ from inspect.signature at import.


@record
class StartSignIn:
    """Ask for a device code (POST /device/code); answer CodeIssued or Failed."""


@record
class PollToken:
    """Poll the token endpoint once; answer TokenPending, SignedIn or Failed."""


@record
class OpenPairing:
    """Start the device's pairing server if needed and open a pairing for the phone; answer PairingOpened."""


@record
class OpenPhonePairing:
    """Open the companion's "Control from your phone" pairing (10 minutes); answer PhonePairingOpened."""


@record
class ForgetToken:
    """The stored token is dead: delete it from disk (on a worker); no answer unless it fails."""


@record
class CreateSession:
    """Create a picking session with a fresh requestId (and remember it on disk); answer SessionCreated."""

    replace: bool = False


@record
class PollSession:
    """sessions.get once; answer SessionPolled or Failed."""

    session_id: str


@record
class Download:
    """List the session's items and download them; answer Progress… then DownloadFinished or Failed.

    ``posters``: the session's last listing, videos still processing are kept as their poster (a still)."""

    session_id: str
    replace: bool = False
    posters: bool = False


@record
class DeleteSession:
    """sessions.delete (and forget it on disk); answer SessionDeleted or Failed."""

    session_id: str


@record
class CancelWork:
    """Stop downloads in flight (they keep what is complete; the rest stays pending for resume)."""


@record
class SignOut:
    """Revoke the token and forget it (and with ``remove_photos``, delete the library); answer SignedOutDone."""

    remove_photos: bool = False


@record
class Note:
    """A line worth logging that is not on screen; no answer."""

    text: str


Effect = (
    StartSignIn
    | PollToken
    | OpenPairing
    | OpenPhonePairing
    | ForgetToken
    | CreateSession
    | PollSession
    | Download
    | DeleteSession
    | CancelWork
    | SignOut
    | Note
)
