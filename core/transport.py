"""HTTP to Google: retries, JSON answers and media streams; where `requests`/`google.auth` errors become KioskErrors.

Error translation (everything above this module sees only ``core.errors``):

    requests ConnectionError / Timeout / ChunkedEncodingError /
      ContentDecodingError / other RequestException       -> TransportError ("No connection to Google" …)
    an answer that is not JSON, or not a JSON object      -> TransportError
    401 / UNAUTHENTICATED (after google-auth's own refresh
      and resend)                                          -> SignInRequired
    429 / RESOURCE_EXHAUSTED                               -> QuotaExceeded (retry_after from Retry-After)
    FAILED_PRECONDITION                                    -> NoPhotosAccount when Google's message is about the
                                                              account having no Google Photos, else NotReady.
                                                              The picker client overrides this by call:
                                                              sessions.create -> NoPhotosAccount,
                                                              mediaItems.list -> NotReady.
    any other 4xx/5xx                                      -> ApiError (retryable for 5xx)
    google.auth RefreshError "invalid_grant"               -> SignInRequired (mentions the 7-day "Testing" limit)
    google.auth RefreshError "invalid_client"              -> InvalidClient
    other RefreshError (garbled or failed token answer)    -> TransportError when retryable, else AuthError
    google.auth TransportError                             -> TransportError

NOT_FOUND / PERMISSION_DENIED stay plain ApiErrors here: only the picker client knows whether the call was "on
a session" (then they mean SessionExpired).

Logging: method, URL path (never the query, which may carry ids or tokens) and status, at DEBUG.
"""

from __future__ import annotations

import email.utils
import json as jsonlib
import logging
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import google.auth.exceptions
import requests
import urllib3

from core.clock import REAL, Clock
from core.errors import (
    ApiError,
    AuthError,
    BadMedia,
    InvalidClient,
    KioskError,
    NoPhotosAccount,
    NotReady,
    QuotaExceeded,
    SignInRequired,
    TransportError,
    bad_answer,
)
from core.record import record

log = logging.getLogger(__name__)

RETRY_5XX_FIRST = 1.0  # seconds; Google: retry 5xx with exponential backoff starting at 1 s
RETRY_5XX_MAX_TRIES = 5  # 1 + 2 + 4 + 8 = 15 s of patience before the person is told
RETRY_429_MIN = 30.0  # Google: after a 429 wait no less than 30 s (or Retry-After if larger)

MAX_JSON_BYTES = 16 * 1024 * 1024  # a page of 100 items is ~100 KB; anything this big is hostile

SEVEN_DAY_HINT = (
    'If the Google Cloud project\'s OAuth consent screen is still in "Testing", Google lets a sign-in '
    "last only 7 days; publish the app to stop this happening every week."
)


@record
class RetryPolicy:
    """When a failed request is sent again. Network errors are never retried here: the flow decides."""

    first_5xx: float = RETRY_5XX_FIRST  # first backoff after a 5xx; doubles each time (Google's advice)
    max_tries_5xx: int = RETRY_5XX_MAX_TRIES  # total attempts, the first one included
    max_backoff: float = 32.0  # no single 5xx wait longer than this, whatever the doubling says
    min_429: float = RETRY_429_MIN  # Google: no sooner than 30 s after a 429
    max_tries_429: int = 2  # one patient retry; after that the flow shows "Google is busy" with a countdown
    max_429_wait: float = 120.0  # a longer Retry-After is handed up (QuotaExceeded.retry_after), not slept


DEFAULT = RetryPolicy()
NO_RETRY = RetryPolicy(max_tries_5xx=1, max_tries_429=1)


@record
class Reply:
    """An HTTP answer whose body was read: ``body`` is the parsed JSON, or None if it was empty or not JSON."""

    status: int
    body: Any
    retry_after: float | None
    method: str
    path: str


def parse_retry_after(value: str | None, *, wall: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if absent/garbled."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d{1,9}(\.\d+)?", value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    now = time.time() if wall is None else wall
    return max(0.0, when.timestamp() - now)


def _path(url: str) -> str:
    path = urlsplit(url).path or "/"
    return path if len(path) <= 80 else path[:77] + "..."


def _clean(text: str, limit: int = 200) -> str:
    """Google's own message, made safe for a log line: printable and short."""
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def google_error(body: Any) -> tuple[str, str]:
    """(status, message) from a Google JSON error body; ('', '') if it does not have that shape."""
    if isinstance(body, Mapping):
        err = body.get("error")
        if isinstance(err, Mapping):
            status = err.get("status")
            message = err.get("message")
            return (
                status if isinstance(status, str) else "",
                message if isinstance(message, str) else "",
            )
    return "", ""


_NO_PHOTOS = re.compile(r"photos", re.IGNORECASE)
_ACCOUNT = re.compile(r"account|user", re.IGNORECASE)


def means_no_photos_account(message: str) -> bool:
    """Google's FAILED_PRECONDITION message says the signed-in person has no Google Photos library."""
    return bool(_NO_PHOTOS.search(message) and _ACCOUNT.search(message))


def error_from_reply(reply: Reply) -> KioskError:
    """The KioskError for an error answer (status >= 400), by Google's ``status`` string, else the HTTP status."""
    code, message = google_error(reply.body)
    status = reply.status
    log.debug("%s %s: Google says %s %s", reply.method, reply.path, code or status, _clean(message))
    shown = f"{status} {code}".strip()
    if status == 401 or code == "UNAUTHENTICATED":
        return SignInRequired(
            "Google no longer accepts this device's sign-in. Sign in again by scanning the code. " + SEVEN_DAY_HINT
        )
    if status == 429 or code == "RESOURCE_EXHAUSTED":
        return QuotaExceeded(
            f"Google is busy or this device made too many requests ({shown}); it will try again later.",
            status=status,
            code=code or "RESOURCE_EXHAUSTED",
            retryable=True,
            retry_after=max(reply.retry_after or 0.0, RETRY_429_MIN),
        )
    if code == "FAILED_PRECONDITION":
        if means_no_photos_account(message):
            return NoPhotosAccount(
                "The Google account you signed in with has no Google Photos library.",
                status=status,
                code=code,
            )
        return NotReady("The photos have not been chosen yet.", status=status, code=code)
    if status >= 500:
        return ApiError(
            f"Google is having trouble right now ({shown}); it will try again.",
            status=status,
            code=code,
            retryable=True,
            retry_after=reply.retry_after,
        )
    return ApiError(f"Google refused the request ({shown}).", status=status, code=code)


def object_or_error(reply: Reply) -> dict[str, Any]:
    """The JSON object of a successful reply; the translated error otherwise."""
    if reply.status >= 400:
        raise error_from_reply(reply)
    if not isinstance(reply.body, dict):
        raise bad_answer("not a JSON object")
    return reply.body


def translate_refresh_error(exc: google.auth.exceptions.RefreshError) -> KioskError:
    """A google-auth RefreshError (the refresh-token grant failed) as a KioskError."""
    data = exc.args[1] if len(exc.args) > 1 else None
    error = data.get("error") if isinstance(data, Mapping) else None
    if not isinstance(error, str):
        error = None  # a garbled answer ({"error": []}): no usable error name
    if error == "invalid_grant":
        return SignInRequired(
            "Google says this device's sign-in has expired or was withdrawn, so it has to sign in again. "
            + SEVEN_DAY_HINT
        )
    if error in {"invalid_client", "unauthorized_client"}:
        return InvalidClient(
            "Google no longer accepts this device's OAuth client id and secret. Check the client in the "
            'Google Cloud console (type "TVs and Limited Input devices").'
        )
    if getattr(exc, "retryable", False) or error is None:
        # No error field: the token endpoint's answer was garbled or missing; that is a transport failure.
        return TransportError("Google's sign-in service did not answer properly; the device will try again.")
    return AuthError(f"Google would not renew this device's sign-in ({_clean(str(error), 60)}).")


def translate_request_error(exc: BaseException) -> KioskError:
    """A `requests` or google.auth exception as a KioskError; never echoes the URL (it may hold a query)."""
    if isinstance(exc, KioskError):
        return exc
    if isinstance(exc, google.auth.exceptions.RefreshError):
        return translate_refresh_error(exc)
    if isinstance(exc, google.auth.exceptions.TransportError):
        return TransportError("No connection to Google's sign-in service.")
    if isinstance(exc, requests.Timeout):
        return TransportError("Google did not answer in time.")
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return TransportError("The connection to Google broke in the middle of an answer.")
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return TransportError("Google's answer arrived garbled.")
    if isinstance(exc, requests.ConnectionError):
        return TransportError("No connection to Google.")
    return TransportError("The request to Google failed.")


TRANSLATED: tuple[type[BaseException], ...] = (
    requests.RequestException,
    google.auth.exceptions.RefreshError,
    google.auth.exceptions.TransportError,
)


def parse_json(raw: bytes) -> Any:
    """Parsed JSON; TransportError for anything that is not (deep nesting included)."""
    try:
        return jsonlib.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise bad_answer("not JSON") from exc


class Transport:
    """Sends requests through one `requests.Session` (an AuthorizedSession for the Picker API)."""

    def __init__(
        self,
        session: requests.Session,
        *,
        clock: Clock = REAL,
        retry: RetryPolicy = DEFAULT,
        timeout: float = 30.0,
    ) -> None:
        self.session = session
        self.clock = clock
        self.retry = retry
        self.timeout = timeout

    def _send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None,
        json: Any,
        data: Mapping[str, str] | None,
        retry: bool,
    ) -> requests.Response:
        """One request, sent again after 5xx/429 as the policy says; the caller closes the response."""
        policy = self.retry if retry else NO_RETRY
        path = _path(url)
        tries_5xx = tries_429 = 0
        while True:
            try:
                resp = self.session.request(
                    method, url, params=params, json=json, data=data, timeout=self.timeout, stream=True
                )
            except TRANSLATED as exc:
                log.debug("%s %s failed: %s", method, path, type(exc).__name__)
                raise translate_request_error(exc) from exc
            status = resp.status_code
            log.debug("%s %s -> %s", method, path, status)
            if status >= 500:
                tries_5xx += 1
                if tries_5xx >= policy.max_tries_5xx:
                    return resp
                wait = min(policy.first_5xx * 2 ** (tries_5xx - 1), policy.max_backoff)
            elif status == 429:
                tries_429 += 1
                after = parse_retry_after(resp.headers.get("Retry-After"))
                wait = max(policy.min_429, after or 0.0)
                if tries_429 >= policy.max_tries_429 or wait > policy.max_429_wait:
                    return resp
            else:
                return resp
            resp.close()
            log.debug("%s %s: trying again in %.1f s", method, path, wait)
            self.clock.sleep(wait)

    def _read(self, resp: requests.Response, method: str, url: str) -> Reply:
        try:
            raw = bytearray()
            for block in resp.iter_content(64 * 1024):
                raw += block
                if len(raw) > MAX_JSON_BYTES:
                    raise bad_answer("an answer far too large")
        except TRANSLATED as exc:
            raise translate_request_error(exc) from exc
        finally:
            resp.close()
        status = resp.status_code
        if status < 400:
            body = parse_json(bytes(raw)) if raw.strip() else None
        else:
            # Error answers from some hosts (media URLs) are HTML; the status alone still means something.
            try:
                body = parse_json(bytes(raw)) if raw.strip() else None
            except TransportError:
                body = None
        return Reply(
            status=status,
            body=body,
            retry_after=parse_retry_after(resp.headers.get("Retry-After")),
            method=method,
            path=_path(url),
        )

    def call(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        retry: bool = True,
    ) -> Reply:
        """Send and read the whole answer without judging its status (the OAuth endpoints need that)."""
        resp = self._send(method, url, params=params, json=json, data=data, retry=retry)
        return self._read(resp, method, url)

    def json(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        retry: bool = True,
    ) -> Any:
        """The answer's JSON object; a KioskError for an error status, no answer, or one of the wrong shape."""
        return object_or_error(self.call(method, url, params=params, json=json, data=data, retry=retry))

    @contextmanager
    def stream(self, url: str, *, max_bytes: int, chunk: int = 64 * 1024) -> Iterator[Iterator[bytes]]:
        """Media bytes in chunks. BadMedia past ``max_bytes``; TransportError if cut short; ApiError on 4xx/5xx."""
        resp = self._send("GET", url, params=None, json=None, data=None, retry=True)
        try:
            if resp.status_code >= 400:
                raise error_from_reply(self._read(resp, "GET", url))
            if resp.status_code != 200:
                raise bad_answer(f"HTTP {resp.status_code} instead of the photo")
            length = _content_length(resp)
            if length is not None and length > max_bytes:
                raise BadMedia(f"The file is larger than the {_mib(max_bytes)} allowed; it was skipped.")
            # With a Content-Encoding the length counts compressed bytes; urllib3 checks that one itself.
            expected = length if not resp.headers.get("Content-Encoding") else None
            yield _chunks(resp, expected, max_bytes, chunk)
        finally:
            resp.close()


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n} bytes"


def _content_length(resp: requests.Response) -> int | None:
    raw = resp.headers.get("Content-Length")
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError as exc:
        raise bad_answer("a garbled Content-Length") from exc
    if value < 0:
        raise bad_answer("a negative Content-Length")
    return value


def _arriving(resp: requests.Response, chunk: int) -> Iterator[bytes]:
    """The body as it arrives (up to ``chunk`` bytes at a time, whatever came in), decoded.

    Unlike ``iter_content``, which waits for ``chunk`` whole bytes, a slow sender's pieces are handed on at
    once, so the download's pace can be judged (core.library.pace). urllib3's errors become requests' own,
    as ``iter_content`` makes them.
    """
    while True:
        try:
            block = resp.raw.read1(chunk, decode_content=True)
        except urllib3.exceptions.ProtocolError as exc:
            raise requests.exceptions.ChunkedEncodingError(exc) from exc
        except urllib3.exceptions.DecodeError as exc:
            raise requests.exceptions.ContentDecodingError(exc) from exc
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise requests.exceptions.ConnectionError(exc) from exc
        except urllib3.exceptions.SSLError as exc:
            raise requests.exceptions.SSLError(exc) from exc
        except OSError as exc:
            raise requests.exceptions.ConnectionError(exc) from exc
        if not block:
            return
        yield block


def _chunks(resp: requests.Response, expected: int | None, max_bytes: int, chunk: int) -> Iterator[bytes]:
    received = 0
    try:
        for block in _arriving(resp, chunk):
            received += len(block)
            if received > max_bytes:
                raise BadMedia(f"The file is larger than the {_mib(max_bytes)} allowed; it was skipped.")
            yield block
    except TRANSLATED as exc:
        raise translate_request_error(exc) from exc
    if expected is not None and received != expected:
        raise TransportError("The download from Google was cut short.")
