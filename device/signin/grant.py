"""The OAuth 2.0 device authorization grant (RFC 8628): a code to show, polls, a token.

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

import logging
import threading
from collections.abc import Callable
from dataclasses import field, replace

import requests

from core.clock import REAL, Clock
from core.config import GoogleConfig
from core.errors import AccessDenied, ApiError, Cancelled, CodeExpired, TransportError
from core.record import record
from core.records import bad_answer
from core.transport import Transport
from device.signin.oauth import SCOPES, common_error, number, oauth_error, text_field, token_from_answer
from device.signin.token import StoredToken

log = logging.getLogger(__name__)

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_INTERVAL = 5.0  # RFC 8628: a missing interval means 5 s
SLOW_DOWN_STEP = 5.0  # RFC 8628 / Google: slow_down adds 5 s to the interval, for good
MAX_UNKNOWN_CODES = 3  # fresh codes refused as invalid_grant in a row before wait() gives up


@record
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


@record
class Pending:
    """The person has not answered yet; poll again after ``flow.interval`` (which slow_down may have raised)."""

    flow: DeviceFlow


@record
class Granted:
    """The person said yes."""

    token: StoredToken


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
            raise common_error(oauth_error(reply), reply)
        if not isinstance(reply.body, dict):
            raise bad_answer("the sign-in code answer is not a JSON object")
        body = reply.body
        device_code = text_field(body, "device_code")
        user_code = text_field(body, "user_code")
        url = text_field(body, "verification_url", required=False) or text_field(body, "verification_uri")
        complete = body.get("verification_uri_complete")
        if complete is not None and not isinstance(complete, str):
            raise bad_answer("verification_uri_complete")
        assert device_code is not None and user_code is not None and url is not None  # text_field(required) ensures it
        flow = DeviceFlow(
            device_code=device_code,
            user_code=user_code,
            verification_url=url,
            verification_uri_complete=complete or None,
            expires_at=asked_at + number(body.get("expires_in"), 1800.0, "expires_in"),
            interval=max(1.0, number(body.get("interval"), DEFAULT_INTERVAL, "interval")),
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
            return Granted(token_from_answer(reply.body, self.google.client_id))
        error = oauth_error(reply)
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
        raise common_error(error, reply)

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
        if reply.status == 400 and oauth_error(reply) in {"invalid_token", "invalid_request"}:
            log.info("sign-in was already revoked or expired")
            return
        raise common_error(oauth_error(reply), reply)
