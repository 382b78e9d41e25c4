"""The one exception tree of picker-kiosk; every failure a caller can see is one of these.

    KioskError                      root; ``message`` is plain words a person can read on a screen
    ├── ConfigError                 the config file or the command line is wrong
    ├── AuthError                   signing in (device grant, tokens)
    │   ├── ScopeRefused            Google refused the Photos Picker scope for this grant
    │   ├── AccessDenied            the person said no on their phone
    │   ├── InvalidClient           bad client id/secret, or not a "TVs and Limited Input" client
    │   ├── CodeExpired             the device code ran out before the person answered
    │   ├── RateLimited             too many code requests; ``retry_after`` seconds
    │   ├── AddressRefused          a pasted sign-in address cannot be used; ``reason`` says why
    │   └── SignInRequired          the refresh token is dead (revoked, or the 7-day "Testing" limit)
    ├── ApiError                    Google answered with an error body; ``status``, ``code``, ``retryable``
    │   ├── SessionExpired          the picking session is gone (NOT_FOUND / PERMISSION_DENIED on a session)
    │   ├── NoPhotosAccount         the signed-in person has no Google Photos account
    │   ├── NotReady                mediaItems.list before the person tapped Done (FAILED_PRECONDITION)
    │   └── QuotaExceeded           RESOURCE_EXHAUSTED: too many requests or too many open sessions
    ├── TransportError              network down, timeout, dropped connection, garbage answer (retryable)
    ├── LibraryError                the local library
    │   ├── LibraryInUse            a folder held or owned by another picker-kiosk (also a ConfigError: exit 2)
    │   ├── DiskFull                not enough free space; downloads stop, nothing partial is kept
    │   └── BadMedia                a download that is not a usable image (not an image, a bomb, too big)
    └── Cancelled                   the caller asked a blocking wait to stop (a cancel Event was set)

Third-party exceptions (``requests``, ``google.auth``) are translated into this tree at the one module that
calls them, always with ``raise ... from exc``. Messages never contain a token, a secret or a device code.
"""

from __future__ import annotations


class KioskError(Exception):
    """Root of every error picker-kiosk raises on purpose."""

    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(KioskError):
    """The configuration (file, environment or command line) cannot be used."""


class AuthError(KioskError):
    """Signing in with the device authorization grant, or keeping the tokens alive, failed."""


class ScopeRefused(AuthError):
    """Google would not grant the Photos Picker scope to this OAuth client for this grant."""


class AccessDenied(AuthError):
    """The person declined access on their phone."""


class InvalidClient(AuthError):
    """The OAuth client id/secret is wrong or the client is not of type 'TVs and Limited Input devices'."""


class CodeExpired(AuthError):
    """The device code expired before the person answered."""

    retryable = True


class RateLimited(AuthError):
    """Google says too many sign-in codes were asked for; try again after ``retry_after`` seconds."""

    retryable = True

    def __init__(self, message: str, retry_after: float = 60.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AddressRefused(AuthError):
    """The address pasted after Google's consent cannot be used.

    ``reason``: "not-an-address" (not the address the phone landed on), "wrong-state" (it belongs to another
    sign-in attempt), "code-used" (Google refused its code: already used, too old, or another attempt's).
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class SignInRequired(AuthError):
    """The stored refresh token no longer works; the person has to sign in again."""


class ApiError(KioskError):
    """Google's API answered with an error: HTTP ``status``, Google ``code`` (e.g. 'NOT_FOUND')."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str = "",
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.retryable = retryable
        self.retry_after = retry_after


class SessionExpired(ApiError):
    """The picking session no longer exists or can no longer be used."""


class NoPhotosAccount(ApiError):
    """The signed-in Google account has no Google Photos library."""


class NotReady(ApiError):
    """The person has not finished picking yet."""


class QuotaExceeded(ApiError):
    """Google's RESOURCE_EXHAUSTED: too many requests, or too many open sessions."""


class TransportError(KioskError):
    """The network failed: no connection, a timeout, a dropped or garbled answer."""

    retryable = True


class LibraryError(KioskError):
    """The local photo library could not do what was asked."""


class DiskFull(LibraryError):
    """There is not enough free disk space to keep downloading."""


class BadMedia(LibraryError):
    """A downloaded file is not an image we can show (not an image, a decompression bomb, too large)."""


class Cancelled(KioskError):
    """A blocking wait (e.g. DeviceAuth.wait) or a download stopped because its cancel Event was set."""


class LibraryInUse(LibraryError, ConfigError):
    """A state or library folder is held by another picker-kiosk, or owned by another library (exit 2)."""


def bad_answer(what: str) -> TransportError:
    """The error for an answer from Google that does not have the documented shape."""
    return TransportError(f"Google sent an answer picker-kiosk cannot read ({what}).")
