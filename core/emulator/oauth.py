"""The OAuth side: device authorization grant, token polling, refresh, revoke, and Bearer checks.

The authorization-code flow's consent page and code exchange live in ``consent``; both make their grants here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from typing import Any, Literal

from core.emulator.record import Bearer, Recorder
from core.emulator.state import PICKER_SCOPE, SLACK, Settings, World
from core.emulator.wire import Reply, Request, json_reply, oauth_error

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEAD_REFRESH = "Token has been expired or revoked."
WRONG_CLIENT_TYPE = "Invalid client type."  # what /device/code says to a client not of type "TVs and Limited Input"
ClientKind = Literal["device", "desktop"]
_USER_CODE_LETTERS = "BCDFGHJKLMNPQRSTVWXZ"  # no vowels, so no words; what Google's codes look like


@dataclass
class DeviceCode:
    """One code handed out by /device/code; ``interval`` grows by 5 s after each slow_down."""

    code: str = field(repr=False)
    user_code: str
    client_id: str
    scope: str
    issued_at: float
    interval: float
    last_poll: float | None = None
    used: bool = False


@dataclass
class Grant:
    """What the person allowed: one refresh token and the access tokens made from it."""

    id: int
    client_id: str
    scope: str
    email: str
    refresh_token: str = field(repr=False)
    kind: ClientKind = "device"  # which flow made it: the device grant, or the desktop client's code exchange
    revoked: bool = False
    refresh_dead: bool = False

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(self.scope.split())


@dataclass
class AccessToken:
    token: str = field(repr=False)
    grant: Grant
    expires_at: float
    forced_expired: bool = False


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class OAuth:
    """Google's oauth2 endpoints as the emulator plays them. Callers hold the emulator lock."""

    def __init__(self, settings: Settings, world: World, recorder: Recorder, base_url: Callable[[], str]) -> None:
        self._s = settings
        self._world = world
        self._recorder = recorder
        self._base_url = base_url
        self._codes: dict[str, DeviceCode] = {}
        self._grants: list[Grant] = []
        self._by_refresh: dict[str, Grant] = {}
        self._access: dict[str, AccessToken] = {}
        self._jwt_key = secrets.token_bytes(32)
        self._grant_ids = count(1)
        self.device_codes_issued = 0
        self.tokens_refreshed = 0
        self.issued: list[str] = []  # every device code and token handed out, for tests that hunt for leaks

    # -- client authentication -------------------------------------------------------------------------

    def client(
        self, req: Request, form: dict[str, str], *, need_secret: bool, kinds: tuple[ClientKind, ...] = ("device",)
    ) -> tuple[str, Reply | None]:
        """The client a request names (form fields or HTTP Basic), or the refusal Google answers.

        ``kinds`` are the clients that may use the endpoint: "device" (``client_id``/``client_secret``, type
        "TVs and Limited Input devices") and "desktop" (``desktop_client_id``/``_secret``, type "Desktop
        app"). A kind whose id is not configured accepts any id, and then any secret.
        """
        client_id = form.get("client_id", "")
        secret = form.get("client_secret")
        auth = req.headers.get("authorization", "")
        if auth.lower().startswith("basic "):  # RFC 6749 §2.3.1 also allows HTTP Basic
            try:
                cid, _, sec = base64.b64decode(auth[6:]).decode().partition(":")
                client_id, secret = client_id or cid, secret if secret is not None else sec
            except ValueError:
                pass
        if not client_id:
            return "", oauth_error("invalid_request", "Missing required parameter: client_id")
        pairs = {
            "device": (self._s.client_id, self._s.client_secret),
            "desktop": (self._s.desktop_client_id, self._s.desktop_client_secret),
        }
        for kind in kinds:
            known_id, known_secret = pairs[kind]
            if known_id is None or known_id == client_id:
                if need_secret and known_secret is not None and secret != known_secret:
                    return client_id, oauth_error("invalid_client", "Unauthorized")
                return client_id, None
        return client_id, oauth_error("invalid_client", "The OAuth client was not found.")

    # -- /device/code ----------------------------------------------------------------------------------

    def device_code(self, req: Request, now: float) -> Reply:
        form = req.form
        # A configured desktop client is known to Google, so it hears "Invalid client type", not "not found".
        kinds: tuple[ClientKind, ...] = ("device", "desktop") if self._s.desktop_client_id else ("device",)
        client_id, refused = self.client(req, form, need_secret=False, kinds=kinds)
        if refused:
            return refused
        if self._world.wrong_client_type or client_id == self._s.desktop_client_id:
            return oauth_error("invalid_client", WRONG_CLIENT_TYPE)
        scope = " ".join(form.get("scope", "").split())
        if not scope:
            return oauth_error("invalid_scope", "Missing required parameter: scope")
        if self._world.refuse_scope and PICKER_SCOPE in scope.split():
            return oauth_error("invalid_scope", f"Invalid device flow scope: {PICKER_SCOPE}")
        code = "4/" + b64url(secrets.token_bytes(33))
        user_code = "-".join("".join(secrets.choice(_USER_CODE_LETTERS) for _ in range(4)) for _ in range(2))
        self._codes[code] = DeviceCode(code, user_code, client_id, scope, now, float(self._s.interval))
        self.device_codes_issued += 1
        self.issued.append(code)
        verification = f"{self._base_url()}/device"
        answer: dict[str, object] = {
            "device_code": code,
            "user_code": user_code,
            "verification_url": verification,
            "expires_in": self._s.code_expires_in,
            "interval": self._s.interval,
        }
        if self._s.complete_uri:
            answer["verification_uri"] = verification
            answer["verification_uri_complete"] = f"{verification}?user_code={user_code}"
        return json_reply(answer)

    # -- /token, device_code grant -----------------------------------------------------------------------

    def poll(self, req: Request, now: float) -> Reply:
        form = req.form
        client_id, refused = self.client(req, form, need_secret=True)
        if refused:
            return refused
        dc = self._codes.get(form.get("device_code", ""))
        if dc is None or dc.used or dc.client_id != client_id:
            return oauth_error("invalid_grant", "Malformed auth code.")
        if now - dc.issued_at >= self._s.code_expires_in:
            return oauth_error("expired_token")
        previous, dc.last_poll = dc.last_poll, now
        if previous is not None and now - previous < dc.interval - SLACK:
            self._recorder.violation(
                f"token polled {now - previous:.2f}s after the previous poll of the same device code "
                f"(interval {dc.interval:g}s)"
            )
            dc.interval += 5  # RFC 8628 §3.5: for this and all later polls of this code
            return oauth_error("slow_down")
        person = self._world.person
        if person.answer == "never" or now - dc.issued_at < person.approve_after:
            return oauth_error("authorization_pending")
        if person.answer == "deny":
            return oauth_error("access_denied")
        dc.used = True
        return json_reply(self.grant(client_id, dc.scope, person.email, now))

    def grant(self, client_id: str, scope: str, email: str, now: float, kind: ClientKind = "device") -> dict[str, Any]:
        """The person allowed access: a new grant, answered as Google's token endpoint does."""
        refresh_token = "1//" + b64url(secrets.token_bytes(48))
        grant = Grant(next(self._grant_ids), client_id, scope, email, refresh_token, kind)
        self._grants.append(grant)
        self._by_refresh[grant.refresh_token] = grant
        self.issued.append(grant.refresh_token)
        answer = self._token_answer(grant, now)
        answer["refresh_token"] = grant.refresh_token
        return answer

    def _token_answer(self, grant: Grant, now: float) -> dict[str, Any]:
        token = AccessToken("ya29." + b64url(secrets.token_bytes(60)), grant, now + self._s.access_token_lifetime)
        self._access[token.token] = token
        self.issued.append(token.token)
        answer: dict[str, Any] = {
            "access_token": token.token,
            "expires_in": self._s.access_token_lifetime,
            "scope": grant.scope,
            "token_type": "Bearer",
        }
        if grant.scopes & {"openid", "email"}:
            answer["id_token"] = self._id_token(grant, now)
            self.issued.append(answer["id_token"])
        return answer

    def _id_token(self, grant: Grant, now: float) -> str:
        """A JWT shaped like Google's. Signed HS256 with a per-run key: real clients never verify it here."""
        wall = int(self._s.wall(now))
        header = {"alg": "HS256", "kid": "picker-kiosk-emulator", "typ": "JWT"}
        payload = {
            "iss": "https://accounts.google.com",
            "azp": grant.client_id,
            "aud": grant.client_id,
            "sub": str(int.from_bytes(hashlib.sha256(grant.email.encode()).digest()[:8], "big")),
            "email": grant.email,
            "email_verified": True,
            "iat": wall,
            "exp": wall + self._s.access_token_lifetime,
        }
        signing_input = ".".join(b64url(json.dumps(part).encode()) for part in (header, payload))
        signature = hmac.new(self._jwt_key, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{b64url(signature)}"

    # -- /token, refresh_token grant -----------------------------------------------------------------------

    def refresh(self, req: Request, now: float) -> Reply:
        form = req.form
        grant = self._by_refresh.get(form.get("refresh_token", ""))
        desktop = self._s.desktop_client_id is not None or (grant is not None and grant.kind == "desktop")
        kinds: tuple[ClientKind, ...] = ("device", "desktop") if desktop else ("device",)
        client_id, refused = self.client(req, form, need_secret=True, kinds=kinds)
        if refused:
            return refused
        # A token belongs to the client that made it: another known client's refresh is invalid_grant here.
        if grant is None or grant.revoked or grant.refresh_dead or grant.client_id != client_id:
            return oauth_error("invalid_grant", DEAD_REFRESH)
        self.tokens_refreshed += 1
        return json_reply(self._token_answer(grant, now))

    def unsupported_grant(self, req: Request) -> Reply:
        if not req.form.get("grant_type"):
            return oauth_error("invalid_request", "Missing required parameter: grant_type")
        return oauth_error("unsupported_grant_type")

    # -- /revoke ---------------------------------------------------------------------------------------

    def revoke(self, req: Request, now: float) -> Reply:
        token = req.arg("token") or req.form.get("token", "")
        access = self._access.get(token)
        grant = access.grant if access else self._by_refresh.get(token)
        if grant is None or grant.revoked:
            return oauth_error("invalid_token")
        grant.revoked = True  # revoking either token revokes both
        return json_reply({})

    # -- Bearer checks for the Picker API and media ---------------------------------------------------------

    def bearer(self, req: Request, now: float) -> tuple[Bearer, AccessToken | None]:
        auth = req.headers.get("authorization")
        if not auth:
            return "missing", None
        scheme, _, value = auth.partition(" ")
        if scheme.lower() != "bearer":
            return "invalid", None
        token = self._access.get(value.strip())
        if token is None or token.grant.revoked:
            return "invalid", None
        if token.forced_expired or now >= token.expires_at:
            return "expired", token
        return "valid", token

    # -- test hooks ------------------------------------------------------------------------------------

    def expire_access_tokens(self) -> None:
        for token in self._access.values():
            token.forced_expired = True

    def revoke_all(self) -> None:
        for grant in self._grants:
            grant.revoked = True

    def kill_refresh_tokens(self) -> None:
        for grant in self._grants:
            grant.refresh_dead = True
