"""Signing the device in: OAuth 2.0 device authorization grant, the token file, and google-auth credentials.

How each answer of Google's token endpoint is read (always by the ``error`` field, or ``error_code`` for the
rate limit, never by the HTTP status alone — Google's statuses differ from RFC 6749's):

    200                       -> Granted (ScopeRefused if the Photos Picker scope was not granted)
    authorization_pending     -> Pending
    slow_down                 -> Pending whose flow.interval is 5 s longer, for good
    access_denied             -> AccessDenied
    invalid_client            -> InvalidClient
    invalid_grant             -> CodeExpired (code unknown or already used: ask for a new one)
    expired_token             -> CodeExpired
    rate_limit_exceeded       -> RateLimited
    invalid_scope             -> ScopeRefused
    anything else             -> AuthError in plain words

Secrets (device code, tokens, client secret) never reach a log line, a repr or an exception message.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests
from google.auth.exceptions import GoogleAuthError, RefreshError

from core.clock import REAL, Clock
from core.config import GoogleConfig
from core.errors import (
    AccessDenied,
    ApiError,
    AuthError,
    Cancelled,
    CodeExpired,
    InvalidClient,
    KioskError,
    RateLimited,
    ScopeRefused,
    TransportError,
)
from core.records import bad_answer
from core.transport import Reply, Transport, error_from_reply

if TYPE_CHECKING:
    from google.auth.transport.requests import AuthorizedSession
    from google.oauth2.credentials import Credentials

log = logging.getLogger(__name__)

PICKER_SCOPE = "https://www.googleapis.com/auth/photospicker.mediaitems.readonly"
SCOPES = (PICKER_SCOPE, "openid", "email")  # email so screens can say which account is connected
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_INTERVAL = 5.0  # RFC 8628: a missing interval means 5 s
SLOW_DOWN_STEP = 5.0  # RFC 8628 / Google: slow_down adds 5 s to the interval, for good
MAX_UNKNOWN_CODES = 3  # fresh codes refused as invalid_grant in a row before wait() gives up

_SCOPE_REFUSED = (
    "Google refused to let this device ask for access to Google Photos. Google's list of permissions "
    'allowed for "TVs and Limited Input devices" sign-in may not include the Photos Picker; nothing on '
    "this device can change that."
)
_INVALID_CLIENT = (
    "Google does not accept this device's OAuth client id or secret. The client must be of type "
    '"TVs and Limited Input devices" in the Google Cloud console, and the id and secret must match it.'
)
_OTHER_ERRORS = {
    "admin_policy_enforced": "The Google account's administrator does not allow this app to use Google Photos.",
    "org_internal": "This app may only be used by accounts of the organisation that created it.",
    "unsupported_grant_type": "Google did not accept this kind of sign-in from this app.",
    "invalid_request": "Google did not understand this device's sign-in request.",
    "unauthorized_client": "This OAuth client is not allowed to use the device sign-in.",
}


@dataclass(frozen=True)
class DeviceFlow:
    """A sign-in code waiting for the person: show ``user_code`` and ``qr_url``; poll every ``interval``."""

    device_code: str = field(repr=False)
    user_code: str
    verification_url: str
    verification_uri_complete: str | None
    expires_at: float  # monotonic (the injected clock)
    interval: float

    @property
    def qr_url(self) -> str:
        """What the QR code holds: the link with the code built in when Google gave one."""
        return self.verification_uri_complete or self.verification_url


@dataclass(frozen=True)
class StoredToken:
    """What the device keeps of a sign-in. ``expiry`` is aware UTC; ``account`` the email, when known."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expiry: datetime | None
    scopes: tuple[str, ...]
    account: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": 1,
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expiry": self.expiry.isoformat() if self.expiry else None,
                "scopes": list(self.scopes),
                "account": self.account,
            }
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> StoredToken:
        """Parse what ``to_json`` wrote; ValueError if it is not that."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        access, refresh = data.get("access_token"), data.get("refresh_token")
        scopes, account, raw_expiry = data.get("scopes", []), data.get("account"), data.get("expiry")
        if not isinstance(access, str) or not isinstance(refresh, str) or not refresh:
            raise ValueError("tokens missing")
        if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            raise ValueError("scopes")
        if account is not None and not isinstance(account, str):
            raise ValueError("account")
        expiry = None
        if raw_expiry is not None:
            if not isinstance(raw_expiry, str):
                raise ValueError("expiry")
            expiry = datetime.fromisoformat(raw_expiry)
            expiry = expiry.replace(tzinfo=UTC) if expiry.tzinfo is None else expiry.astimezone(UTC)
        return cls(access, refresh, expiry, tuple(scopes), account)


@dataclass(frozen=True)
class Pending:
    """The person has not answered yet; poll again after ``flow.interval`` (which slow_down may have raised)."""

    flow: DeviceFlow


@dataclass(frozen=True)
class Granted:
    """The person said yes."""

    token: StoredToken


def account_from_id_token(id_token: object) -> str | None:
    """The email in an OpenID id_token, or None if there is none or it is garbled.

    The signature is not verified: the token came straight from Google's token endpoint over TLS (RFC 8628's
    direct back channel), and the email is only shown on screen, never used to decide anything.
    """
    if not isinstance(id_token, str) or id_token.count(".") != 2:
        return None
    payload = id_token.split(".")[1]
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, binascii.Error, RecursionError):
        return None
    email = data.get("email") if isinstance(data, dict) else None
    if not isinstance(email, str) or not 0 < len(email) <= 320 or not email.isprintable():
        return None
    return email


def _number(value: object, default: float | None, what: str) -> float:
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise bad_answer(what)
    try:
        number = float(value)
    except ValueError as exc:
        raise bad_answer(what) from exc
    if not 0 <= number < 10**7:
        raise bad_answer(what)
    return number


def _text(data: Mapping[str, Any], key: str, *, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise bad_answer(f"no {key}")
    return value


def _oauth_error(reply: Reply) -> str:
    """The OAuth error name of an error answer: ``error`` (or Google's ``error_code``), '' if neither."""
    body = reply.body
    if isinstance(body, Mapping):
        for key in ("error", "error_code"):
            value = body.get(key)
            if isinstance(value, str):
                return value
    return ""


def _common_error(error: str, reply: Reply) -> KioskError:
    """Errors both /device/code and /token may answer with."""
    if reply.status >= 500:
        return error_from_reply(reply)  # "internal_failure" and the like: Google's trouble, retryable
    if error == "invalid_client":
        return InvalidClient(_INVALID_CLIENT)
    if error == "rate_limit_exceeded":
        return RateLimited(
            "Google says this device asked for too many sign-in codes; it will try again in a little while.",
            retry_after=max(reply.retry_after or 0.0, 60.0),
        )
    if error == "invalid_scope":
        return ScopeRefused(_SCOPE_REFUSED)
    if error in _OTHER_ERRORS:
        return AuthError(_OTHER_ERRORS[error])
    if error:
        # The name comes from Google; it is not secret but keep it short and printable.
        name = "".join(ch for ch in error[:40] if ch.isalnum() or ch == "_")
        return AuthError(f"Google refused the sign-in ({name or 'unknown reason'}).")
    if reply.status == 429:
        return error_from_reply(reply)
    return ApiError(f"Google's sign-in service answered {reply.status}.", status=reply.status)


class DeviceAuth:
    """The device authorization grant against ``google.auth_url``: start(), poll_once(), wait(), revoke()."""

    def __init__(self, google: GoogleConfig, http: requests.Session, *, clock: Clock = REAL) -> None:
        self.google = google
        self.clock = clock
        self.transport = Transport(http, clock=clock)

    def start(self) -> DeviceFlow:
        """Ask Google for a new code to show."""
        asked_at = self.clock.now()
        reply = self.transport.call(
            "POST",
            f"{self.google.auth_url}/device/code",
            data={"client_id": self.google.client_id, "scope": " ".join(SCOPES)},
        )
        if reply.status != 200:
            raise _common_error(_oauth_error(reply), reply)
        if not isinstance(reply.body, dict):
            raise bad_answer("the sign-in code answer is not a JSON object")
        body = reply.body
        device_code = _text(body, "device_code")
        user_code = _text(body, "user_code")
        url = _text(body, "verification_url", required=False) or _text(body, "verification_uri")
        complete = body.get("verification_uri_complete")
        if complete is not None and not isinstance(complete, str):
            raise bad_answer("verification_uri_complete")
        assert device_code is not None and user_code is not None and url is not None  # _text(required) ensures it
        flow = DeviceFlow(
            device_code=device_code,
            user_code=user_code,
            verification_url=url,
            verification_uri_complete=complete or None,
            expires_at=asked_at + _number(body.get("expires_in"), 1800.0, "expires_in"),
            interval=max(1.0, _number(body.get("interval"), DEFAULT_INTERVAL, "interval")),
        )
        log.info("sign-in code issued; polling every %.0f s", flow.interval)
        return flow

    def poll_once(self, flow: DeviceFlow) -> Pending | Granted:
        """Ask the token endpoint once whether the person has answered. Never sleeps."""
        if self.clock.now() >= flow.expires_at:
            raise CodeExpired("The sign-in code expired before anyone used it; a new one is needed.")
        reply = self.transport.call(
            "POST",
            f"{self.google.auth_url}/token",
            data={
                "client_id": self.google.client_id,
                "client_secret": self.google.client_secret,
                "device_code": flow.device_code,
                "grant_type": DEVICE_GRANT,
            },
            retry=False,
        )
        if reply.status == 200:
            return Granted(self._token_from(reply.body))
        error = _oauth_error(reply)
        if error == "authorization_pending":
            return Pending(flow)
        if error == "slow_down":
            log.info("Google asked for slower polling")
            return Pending(replace(flow, interval=flow.interval + SLOW_DOWN_STEP))
        if error == "access_denied":
            raise AccessDenied("Access was declined on the phone. Scan the code again to retry.")
        if error == "expired_token":
            raise CodeExpired("The sign-in code expired before anyone used it; a new one is needed.")
        if error == "invalid_grant":
            raise CodeExpired(
                "Google no longer knows this sign-in code (it was used or replaced); a new one is needed."
            )
        raise _common_error(error, reply)

    def _token_from(self, body: object) -> StoredToken:
        if not isinstance(body, dict):
            raise bad_answer("the token answer is not a JSON object")
        access = _text(body, "access_token")
        refresh = _text(body, "refresh_token")
        assert access is not None and refresh is not None
        lifetime = _number(body.get("expires_in"), 3600.0, "expires_in")
        raw_scope = body.get("scope")
        if raw_scope is not None and not isinstance(raw_scope, str):
            raise bad_answer("scope")
        scopes = tuple(raw_scope.split()) if raw_scope else SCOPES
        if PICKER_SCOPE not in scopes:
            raise ScopeRefused(
                "You signed in but did not allow access to Google Photos. Scan the code again and leave "
                "the Google Photos box ticked."
            )
        return StoredToken(
            access_token=access,
            refresh_token=refresh,
            expiry=datetime.now(UTC) + timedelta(seconds=lifetime),
            scopes=scopes,
            account=account_from_id_token(body.get("id_token")),
        )

    def _sleep(self, seconds: float, cancel: threading.Event | None) -> None:
        """Sleep on the injected clock in short steps so a cancel is noticed within a quarter second."""
        deadline = self.clock.now() + seconds
        while True:
            if cancel is not None and cancel.is_set():
                raise Cancelled("Signing in was cancelled.")
            left = deadline - self.clock.now()
            if left <= 0:
                return
            self.clock.sleep(min(left, 0.25))

    def wait(
        self,
        flow: DeviceFlow,
        *,
        on_new_code: Callable[[DeviceFlow], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> StoredToken:
        """Poll until the person answers; an expired code is replaced by a fresh one (``on_new_code``).

        Network trouble and Google's 5xx are waited out (the next poll is one interval later); a refusal,
        a bad client, a refused scope or Cancelled (when ``cancel`` is set) end it.
        """
        unknown_in_a_row = 0
        while True:
            self._sleep(flow.interval, cancel)
            try:
                if self.clock.now() >= flow.expires_at:
                    raise CodeExpired("expired")
                result = self.poll_once(flow)
            except CodeExpired:
                if self.clock.now() < flow.expires_at:
                    unknown_in_a_row += 1
                    if unknown_in_a_row >= MAX_UNKNOWN_CODES:
                        raise
                log.info("sign-in code expired or unknown; asking for a new one")
                flow = self.start()
                if on_new_code is not None:
                    on_new_code(flow)
                continue
            except (TransportError, ApiError) as exc:
                if not exc.retryable:
                    raise
                log.warning("sign-in poll failed (%s); trying again", exc.message)
                continue
            if isinstance(result, Granted):
                log.info("signed in")
                return result.token
            unknown_in_a_row = 0
            flow = result.flow

    def revoke(self, token: StoredToken) -> None:
        """Withdraw the grant at Google (revoking the refresh token revokes both). A dead token is no error."""
        # In the form body, not the query string Google's examples use: URLs end up in logs.
        reply = self.transport.call(
            "POST",
            f"{self.google.auth_url}/revoke",
            data={"token": token.refresh_token or token.access_token},
        )
        if reply.status == 200:
            log.info("sign-in revoked")
            return
        if reply.status == 400 and _oauth_error(reply) in {"invalid_token", "invalid_request"}:
            log.info("sign-in was already revoked or expired")
            return
        raise _common_error(_oauth_error(reply), reply)


class TokenStore:
    """``state_dir/token.json``: mode 0600 from the moment it exists, replaced atomically."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / "token.json"

    def load(self) -> StoredToken | None:
        """The stored token; None if there is none or the file is unreadable (then a warning is logged)."""
        try:
            text = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cannot read the stored sign-in (%s); signing in again", type(exc).__name__)
            return None
        try:
            return StoredToken.from_json(text)
        except (ValueError, RecursionError):
            log.warning("the stored sign-in file is damaged; signing in again")
            return None

    def save(self, token: StoredToken) -> None:
        """Write the token: temp file (0600) in the same folder, fsync, rename over, fsync the folder."""
        self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        # mkstemp creates the file 0600 and exclusively, so it is never readable by others, not even briefly.
        fd, tmp = tempfile.mkstemp(prefix=".token.", suffix=".tmp", dir=self.state_dir)
        try:
            with os.fdopen(fd, "wb") as f:
                os.fchmod(f.fileno(), 0o600)
                f.write(token.to_json().encode())
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_dir(self.state_dir)

    def clear(self) -> None:
        """Forget the token."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return
        _fsync_dir(self.state_dir)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _naive_utc(when: datetime | None) -> datetime | None:
    if when is None:
        return None
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def _aware_utc(when: datetime | None) -> datetime | None:
    if when is None:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


@functools.cache
def _shared_credentials() -> Callable[..., Credentials]:
    """The SharedCredentials class, made on first use.

    google-auth's credentials module pulls in cryptography, a noticeable part of a Pi's start-up, and the
    sign-in screen needs none of it: importing it lazily keeps the first QR code quick.
    """
    from google.oauth2.credentials import Credentials

    class SharedCredentials(Credentials):
        """Credentials that several download threads share: one refresh at a time, the result saved.

        google-auth has no lock around refresh; without one, N threads with an expired token make N refresh calls.
        Garbled token-endpoint answers, which google-auth lets escape as TypeError/KeyError, become RefreshError.
        """

        def __init__(self, *args: Any, on_refresh: Callable[[Credentials], None] | None = None, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
            self._refresh_lock = threading.RLock()
            self._on_refresh = on_refresh

        def _blocking_refresh(self, request: Any) -> None:
            with self._refresh_lock:
                if not self.valid:
                    self.refresh(request)

        def refresh(self, request: Any) -> None:
            seen = self.token
            with self._refresh_lock:
                if self.token != seen and self.valid:
                    return  # another thread refreshed while this one waited for the lock
                try:
                    super().refresh(request)  # type: ignore[no-untyped-call]
                except GoogleAuthError:
                    raise
                except (TypeError, KeyError, ValueError, AttributeError, OverflowError) as exc:
                    raise RefreshError("garbled token answer", retryable=True) from exc  # type: ignore[no-untyped-call]
                log.debug("access token refreshed")
                if self._on_refresh is not None:
                    self._on_refresh(self)

    return SharedCredentials


def credentials(
    token: StoredToken,
    google: GoogleConfig,
    *,
    on_refresh: Callable[[Credentials], None] | None = None,
) -> Credentials:
    """google-auth Credentials for ``token``, refreshing at ``{auth_url}/token``.

    Built directly: ``from_authorized_user_info`` would reset token_uri to Google's and bypass the emulator.
    """
    return _shared_credentials()(
        token.access_token,
        refresh_token=token.refresh_token,
        token_uri=f"{google.auth_url}/token",
        client_id=google.client_id,
        client_secret=google.client_secret,
        scopes=list(token.scopes),
        expiry=_naive_utc(token.expiry),
        on_refresh=on_refresh,
    )


def token_from_credentials(creds: Credentials, previous: StoredToken) -> StoredToken:
    """The StoredToken after a refresh: new access token and expiry, the rest kept unless Google sent new."""
    access = creds.token
    if not isinstance(access, str):
        raise RefreshError("no access token after refresh", retryable=True)  # type: ignore[no-untyped-call]
    return StoredToken(
        access_token=access,
        refresh_token=creds.refresh_token or previous.refresh_token,
        expiry=_aware_utc(creds.expiry),
        scopes=previous.scopes,
        account=account_from_id_token(creds.id_token) or previous.account,
    )


def authorized_session(token: StoredToken, google: GoogleConfig, store: TokenStore | None) -> AuthorizedSession:
    """A requests Session that adds the Bearer and refreshes it (once, whatever the thread count), saving it."""
    current = [token]

    def saved(creds: Credentials) -> None:
        current[0] = token_from_credentials(creds, current[0])
        if store is None:
            return
        try:
            store.save(current[0])
        except OSError as exc:
            # The new access token still works for this run; the next start refreshes again.
            log.warning("could not save the refreshed sign-in (%s)", type(exc).__name__)

    from google.auth.transport.requests import AuthorizedSession

    return AuthorizedSession(credentials(token, google, on_refresh=saved))  # type: ignore[no-untyped-call]
