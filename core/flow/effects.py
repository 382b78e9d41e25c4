"""What the flow asks the device to do: the effects ``step`` returns, carried out by the runner."""

from __future__ import annotations

from dataclasses import dataclass

# Every class here has a docstring: without one, @dataclass builds __doc__ from inspect.signature at import.


@dataclass(frozen=True)
class StartSignIn:
    """Ask for a device code (POST /device/code); answer CodeIssued or Failed."""


@dataclass(frozen=True)
class PollToken:
    """Poll the token endpoint once; answer TokenPending, SignedIn or Failed."""


@dataclass(frozen=True)
class OpenPairing:
    """Start the device's pairing server if needed and open a pairing for the phone; answer PairingOpened."""


@dataclass(frozen=True)
class ForgetToken:
    """The stored token is dead: delete it from disk (on a worker); no answer unless it fails."""


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
    """List the session's items and download them; answer Progress… then DownloadFinished or Failed.

    ``posters``: the session's last listing, videos still processing are kept as their poster (a still)."""

    session_id: str
    replace: bool = False
    posters: bool = False


@dataclass(frozen=True)
class DeleteSession:
    """sessions.delete (and forget it on disk); answer SessionDeleted or Failed."""

    session_id: str


@dataclass(frozen=True)
class CancelWork:
    """Stop downloads in flight (they keep what is complete; the rest stays pending for resume)."""


@dataclass(frozen=True)
class SignOut:
    """Revoke the token and forget it (and with ``remove_photos``, delete the library); answer SignedOutDone."""

    remove_photos: bool = False


@dataclass(frozen=True)
class Note:
    """A line worth logging that is not on screen; no answer."""

    text: str


Effect = (
    StartSignIn
    | PollToken
    | OpenPairing
    | ForgetToken
    | CreateSession
    | PollSession
    | Download
    | DeleteSession
    | CancelWork
    | SignOut
    | Note
)
