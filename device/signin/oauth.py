"""What the sign-ins share of Google's OAuth endpoints: the scopes, and how their answers and errors are read.

The device grant (grant.py) uses it today; a second way to sign in (authorization code + PKCE) reads the same
token answers and the same error names.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from core.errors import ApiError, AuthError, InvalidClient, KioskError, RateLimited, ScopeRefused
from core.records import bad_answer
from core.transport import Reply, error_from_reply
from device.signin.token import StoredToken, account_from_id_token

PICKER_SCOPE = "https://www.googleapis.com/auth/photospicker.mediaitems.readonly"
SCOPES = (PICKER_SCOPE, "openid", "email")  # email so screens can say which account is connected

_SCOPE_REFUSED = (
    "Google refused to let this device ask for access to Google Photos. Google's list of permissions "
    'allowed for "TVs and Limited Input devices" sign-in may not include the Photos Picker. Add a "Desktop '
    'app" client ([google.desktop]) with sign_in = "auto" to sign in with your phone instead (see '
    "docs/google-setup.md)."
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


def number(value: object, default: float | None, what: str) -> float:
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


def text_field(data: Mapping[str, Any], key: str, *, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise bad_answer(f"no {key}")
    return value


def oauth_error(reply: Reply) -> str:
    """The OAuth error name of an error answer: ``error`` (or Google's ``error_code``), '' if neither."""
    body = reply.body
    if isinstance(body, Mapping):
        for key in ("error", "error_code"):
            value = body.get(key)
            if isinstance(value, str):
                return value
    return ""


def common_error(error: str, reply: Reply) -> KioskError:
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


def token_from_answer(body: object, client_id: str | None = None, *, again: str = "Scan the code again") -> StoredToken:
    """The StoredToken (of ``client_id``) in a 200 answer of the token endpoint; ScopeRefused without the Photos
    Picker scope (``again`` says how to retry)."""
    if not isinstance(body, dict):
        raise bad_answer("the token answer is not a JSON object")
    access = text_field(body, "access_token")
    refresh = text_field(body, "refresh_token")
    assert access is not None and refresh is not None
    lifetime = number(body.get("expires_in"), 3600.0, "expires_in")
    raw_scope = body.get("scope")
    if raw_scope is not None and not isinstance(raw_scope, str):
        raise bad_answer("scope")
    scopes = tuple(raw_scope.split()) if raw_scope else SCOPES
    if PICKER_SCOPE not in scopes:
        raise ScopeRefused(
            f"You signed in but did not allow access to Google Photos. {again} and leave the Google Photos box ticked."
        )
    return StoredToken(
        access_token=access,
        refresh_token=refresh,
        expiry=datetime.now(UTC) + timedelta(seconds=lifetime),
        scopes=scopes,
        account=account_from_id_token(body.get("id_token")),
        client_id=client_id,
    )
