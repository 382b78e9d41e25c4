"""What the emulator puts on the wire: replies, Google JSON error bodies, OAuth error bodies, time formats."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any
from urllib.parse import parse_qs

# google.rpc.Code names and the HTTP status Google maps each to.
GOOGLE_STATUS_HTTP: dict[str, int] = {
    "INVALID_ARGUMENT": 400,
    "FAILED_PRECONDITION": 400,
    "OUT_OF_RANGE": 400,
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "NOT_FOUND": 404,
    "ABORTED": 409,
    "ALREADY_EXISTS": 409,
    "RESOURCE_EXHAUSTED": 429,
    "CANCELLED": 499,
    "INTERNAL": 500,
    "UNKNOWN": 500,
    "DATA_LOSS": 500,
    "NOT_IMPLEMENTED": 501,
    "UNIMPLEMENTED": 501,
    "UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
}
HTTP_GOOGLE_STATUS: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
GOOGLE_MESSAGES: dict[str, str] = {
    "INVALID_ARGUMENT": "Request contains an invalid argument.",
    "FAILED_PRECONDITION": "Precondition check failed.",
    "UNAUTHENTICATED": "Request had invalid authentication credentials. Expected OAuth 2 access token, "
    "login cookie or other valid authentication credential.",
    "PERMISSION_DENIED": "The caller does not have permission",
    "NOT_FOUND": "Requested entity was not found.",
    "RESOURCE_EXHAUSTED": "Resource has been exhausted (e.g. check quota).",
    "INTERNAL": "Internal error encountered.",
    "UNAVAILABLE": "The service is currently unavailable.",
    "DEADLINE_EXCEEDED": "The request timed out.",
}
# Google's token endpoint answers these OAuth errors with these statuses (not RFC 6749's blanket 400).
OAUTH_ERROR_HTTP: dict[str, int] = {
    "authorization_pending": 428,
    "slow_down": 403,
    "access_denied": 403,
    "invalid_client": 401,
    "invalid_grant": 400,
    "expired_token": 400,
    "invalid_request": 400,
    "invalid_scope": 400,
    "unsupported_grant_type": 400,
    "admin_policy_enforced": 400,
    "org_internal": 403,
    "rate_limit_exceeded": 403,
    "invalid_token": 400,
}
OAUTH_DESCRIPTIONS: dict[str, str] = {
    "authorization_pending": "Precondition Required",
    "slow_down": "Forbidden",
    "access_denied": "Forbidden",
    "invalid_client": "The OAuth client was not found.",
    "invalid_grant": "Bad Request",
    "expired_token": "The device code has expired.",
    "invalid_scope": "Some requested scopes were invalid.",
    "unsupported_grant_type": "Invalid grant_type.",
    "invalid_token": "Token expired or revoked",
}
WWW_AUTHENTICATE = 'Bearer realm="https://accounts.google.com/", error="invalid_token"'


@dataclass
class Reply:
    """One HTTP answer, built by a handler and possibly bent by a fault before it is sent."""

    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(data: Any, status: int = 200) -> Reply:
    return Reply(status, json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())


def google_error(
    google_status: str,
    message: str | None = None,
    *,
    http: int | None = None,
    details: list[dict[str, Any]] | None = None,
) -> Reply:
    """Google's JSON error shape: {"error": {"code", "message", "status", "details"}}."""
    code = http if http is not None else GOOGLE_STATUS_HTTP.get(google_status, 500)
    body = {
        "error": {
            "code": code,
            "message": message or GOOGLE_MESSAGES.get(google_status, google_status),
            "status": google_status,
            "details": details or [],
        }
    }
    reply = json_reply(body, code)
    if code == 401:
        reply.headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    return reply


def error_info(reason: str, **metadata: str) -> dict[str, Any]:
    """A google.rpc.ErrorInfo detail, as Google puts in ``details``."""
    return {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": reason,
        "domain": "googleapis.com",
        "metadata": {"service": "photospicker.googleapis.com", **metadata},
    }


def google_error_for_http(status: int, message: str | None = None) -> Reply:
    """A Google error body for a bare HTTP status (faults that only name a status)."""
    name = HTTP_GOOGLE_STATUS.get(status, "UNKNOWN" if status >= 500 else "FAILED_PRECONDITION")
    return google_error(name, message, http=status)


def oauth_error(error: str, description: str | None = None, *, http: int | None = None) -> Reply:
    """An OAuth error body. Google's rate limit on /device/code uses ``error_code``, not ``error``."""
    status = http if http is not None else OAUTH_ERROR_HTTP.get(error, 400)
    if error == "rate_limit_exceeded":
        return json_reply({"error_code": error}, status)
    body = {"error": error, "error_description": description or OAUTH_DESCRIPTIONS.get(error, error)}
    return json_reply(body, status)


def html_page(title: str, body: str, status: int = 200) -> Reply:
    """An HTML page with a heading; ``body`` is HTML its caller has already escaped."""
    page = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return Reply(status, page.encode(), "text/html; charset=utf-8")


def html_reply(title: str, text: str, status: int = 200) -> Reply:
    return html_page(title, f"<p>{html.escape(text)}</p>", status)


def rfc3339(epoch: float, digits: int = 6) -> str:
    """RFC 3339 UTC with 0, 3, 6 or 9 fraction digits, as Google's Timestamp JSON."""
    whole = int(epoch // 1)
    nanos = round((epoch - whole) * 1e9)
    if nanos >= 1_000_000_000:
        whole, nanos = whole + 1, 0
    base = datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if digits == 0:
        return base + "Z"
    return f"{base}.{str(nanos).rjust(9, '0')[:digits]}Z"


@dataclass(frozen=True)
class Request:
    """One parsed HTTP request as the endpoint handlers see it (header names lower-case)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def arg(self, name: str) -> str | None:
        """The first value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else None

    @cached_property
    def form(self) -> dict[str, str]:
        """The form-encoded body (first value of each field)."""
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] for k, v in parsed.items()}
