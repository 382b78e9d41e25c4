"""The authorization-code flow with PKCE (google-apis.md §1b): the consent page and the code exchange.

Endpoints, on the emulator's URL (which stands for both accounts.google.com and oauth2.googleapis.com):

- ``GET /o/oauth2/v2/auth`` (fault endpoint ``authorize``) with ``client_id``, ``redirect_uri``,
  ``response_type=code``, ``scope``, ``state``, ``code_challenge``, ``code_challenge_method=S256``, optional
  ``access_type``, ``prompt``, ``login_hint``. A bad client, a ``redirect_uri`` that is not loopback
  (``http://127.0.0.1:PORT/…``, ``http://[::1]:PORT/…``, ``http://localhost:PORT/…``) or a bad parameter
  answers an HTML error page (400; 401 for an unknown client) and never redirects, as Google does.
  Otherwise ``Person.consent_page`` chooses: false (default) → 302 at once with ``Person.consent``'s answer;
  true → an HTML page with one form (``id="consent"``, buttons ``id="allow"`` / ``id="cancel"``) whose POST
  to the same path answers the 302. "Allow" → ``redirect_uri?state=…&code=…&scope=…``; "Cancel" →
  ``redirect_uri?error=access_denied&state=…``. The code is granted to ``Person.email``.
- ``POST /token`` with ``grant_type=authorization_code`` (fault endpoint ``exchange``): ``code``,
  ``client_id``, ``client_secret``, ``redirect_uri``, ``code_verifier``. 200 is the device grant's answer
  (``access_token``, ``expires_in``, ``refresh_token``, ``scope``, ``token_type``, ``id_token`` with the
  email when ``openid`` or ``email`` was asked). 400 ``invalid_grant`` for: an unknown code, a code already
  exchanged, a code older than ``auth_code_lifetime`` on the emulator clock, a code of another client, a
  ``redirect_uri`` not identical to the consent's, a missing or wrong ``code_verifier``. A code is spent by
  the first exchange that names it with the right client, whether that exchange succeeds or not.
  401 ``invalid_client`` for an unknown client id or a wrong secret.

Clients: when ``desktop_client_id`` is configured only that id may use these endpoints (and its secret is
checked); the device client's id then gets "The OAuth client was not found." Tokens made here refresh only
with the client that made them (another client: ``invalid_grant``), and ``/device/code`` answers the desktop
client ``401 invalid_client`` ("Invalid client type."), as Google does for a client of the wrong type.
A consent asked without ``code_challenge`` (PKCE is optional at Google) or with ``plain`` is served, and
recorded as a violation: this project always sends S256.
"""

from __future__ import annotations

import hashlib
import html
import ipaddress
import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from core.emulator.oauth import OAuth, b64url
from core.emulator.record import Recorder
from core.emulator.state import Settings, World
from core.emulator.wire import Reply, Request, html_page, json_reply, oauth_error

AUTHORIZE_PATH = "/o/oauth2/v2/auth"
CODE_GRANT = "authorization_code"
_PKCE_TEXT = re.compile(r"[A-Za-z0-9._~-]{43,128}")  # RFC 7636 §4.1: verifier and S256 challenge alike
_MAX_PENDING = 100
_PROMPTS = frozenset({"none", "consent", "select_account"})


class Refused(Exception):
    """A consent request Google answers with an error page instead of a redirect."""

    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.error, self.detail = status, error, detail


@dataclass(frozen=True)
class AuthRequest:
    """One checked consent request, waiting for the person's answer."""

    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    challenge: str | None
    method: str


@dataclass
class AuthCode:
    code: str = field(repr=False)
    request: AuthRequest
    email: str
    issued_at: float
    used: bool = False


def is_loopback_redirect(uri: str) -> bool:
    """The redirect URIs a "Desktop app" client may use: plain http to a loopback host, any port, no fragment."""
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return False
    if parts.scheme != "http" or parts.fragment or parts.username or parts.password or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of a verifier (RFC 7636 §4.2)."""
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


class Consent:
    """Google's consent page and authorization-code exchange as the emulator plays them. Callers hold the lock."""

    def __init__(self, settings: Settings, world: World, recorder: Recorder, oauth: OAuth) -> None:
        self._s = settings
        self._world = world
        self._recorder = recorder
        self._oauth = oauth
        self._pending: dict[str, AuthRequest] = {}
        self._codes: dict[str, AuthCode] = {}
        self.codes_issued = 0

    # -- GET/POST /o/oauth2/v2/auth ------------------------------------------------------------------------

    def authorize(self, req: Request, now: float) -> Reply:
        """The consent page (GET) or the person's answer on it (POST)."""
        if req.method == "POST":
            request = self._pending.pop(req.form.get("consent", ""), None)
            if request is None:
                return _error_page(400, "invalid_request", "This sign-in request has expired. Start again.")
            return self._answer(request, req.form.get("action") == "allow", now)
        try:
            request = self._check(req)
        except Refused as refused:
            return _error_page(refused.status, refused.error, refused.detail)
        if not self._world.person.consent_page:
            return self._answer(request, self._world.person.consent == "allow", now)
        if len(self._pending) >= _MAX_PENDING:  # pages opened and never answered: forget the oldest
            self._pending.pop(next(iter(self._pending)))
        key = secrets.token_urlsafe(16)
        self._pending[key] = request
        return _consent_page(key, request, self._world.person.email)

    def _check(self, req: Request) -> AuthRequest:
        def arg(name: str) -> str:
            return req.arg(name) or ""

        client_id = arg("client_id")
        if not client_id:
            raise Refused(400, "invalid_request", "Missing required parameter: client_id")
        _, refused = self._oauth.client(req, {"client_id": client_id}, need_secret=False, kinds=("desktop",))
        if refused is not None:
            raise Refused(401, "invalid_client", "The OAuth client was not found.")
        redirect_uri = arg("redirect_uri")
        if not redirect_uri:
            raise Refused(400, "invalid_request", "Missing required parameter: redirect_uri")
        if not is_loopback_redirect(redirect_uri):
            raise Refused(400, "invalid_request", f"Invalid parameter value for redirect_uri: {redirect_uri[:200]}")
        if arg("response_type") != "code":
            raise Refused(400, "unsupported_response_type", "Invalid response_type: code is expected.")
        scope = " ".join(arg("scope").split())
        if not scope:
            raise Refused(400, "invalid_request", "Missing required parameter: scope")
        challenge, method = req.arg("code_challenge"), req.arg("code_challenge_method") or "plain"
        if challenge is None:
            self._recorder.violation("authorization asked without PKCE (no code_challenge)")
        elif method not in ("S256", "plain") or not _PKCE_TEXT.fullmatch(challenge):
            raise Refused(400, "invalid_request", "Invalid code_challenge or code_challenge_method.")
        elif method == "plain":
            self._recorder.violation("authorization asked with code_challenge_method=plain, not S256")
        if arg("access_type") not in ("", "online", "offline"):
            raise Refused(400, "invalid_request", "Invalid access_type: online or offline is expected.")
        if not set(arg("prompt").split()) <= _PROMPTS:
            raise Refused(400, "invalid_request", "Invalid prompt.")
        return AuthRequest(client_id, redirect_uri, scope, req.arg("state"), challenge, method)

    def _answer(self, request: AuthRequest, allowed: bool, now: float) -> Reply:
        """The 302 back to the loopback ``redirect_uri``, as Google sends after "Allow" or "Cancel"."""
        query: dict[str, str] = {}
        if not allowed:
            query["error"] = "access_denied"
        if request.state is not None:
            query["state"] = request.state
        if allowed:
            code = "4/0A" + b64url(secrets.token_bytes(45))
            self._codes[code] = AuthCode(code, request, self._world.person.email, now)
            self.codes_issued += 1
            self._oauth.issued.append(code)
            query |= {"code": code, "scope": request.scope}
        joiner = "&" if "?" in request.redirect_uri else "?"
        location = f"{request.redirect_uri}{joiner}{urlencode(query)}"
        return Reply(302, b"", "text/html; charset=utf-8", {"Location": location})

    # -- POST /token, authorization_code grant -------------------------------------------------------------

    def exchange(self, req: Request, now: float) -> Reply:
        form = req.form
        client_id, refused = self._oauth.client(req, form, need_secret=True, kinds=("desktop",))
        if refused is not None:
            return refused
        if not form.get("code"):
            return oauth_error("invalid_request", "Missing required parameter: code")
        found = self._codes.get(form["code"])
        if found is None or found.request.client_id != client_id:
            return oauth_error("invalid_grant", "Malformed auth code.")
        if found.used or now - found.issued_at >= self._s.auth_code_lifetime:
            return oauth_error("invalid_grant", "Bad Request")
        found.used = True  # single use: spent by this attempt, whatever its outcome
        request = found.request
        if form.get("redirect_uri") != request.redirect_uri:
            return oauth_error("invalid_grant", "Bad Request")
        if request.challenge is not None:
            verifier = form.get("code_verifier")
            if not verifier:
                return oauth_error("invalid_grant", "Missing code verifier.")
            expected = s256(verifier) if request.method == "S256" else verifier
            if not _PKCE_TEXT.fullmatch(verifier) or not secrets.compare_digest(expected, request.challenge):
                return oauth_error("invalid_grant", "Invalid code verifier.")
        return json_reply(self._oauth.grant(client_id, request.scope, found.email, now, "desktop"))


def _error_page(status: int, error: str, detail: str) -> Reply:
    """Google's "Access blocked" page: the error is shown to the person, nothing is sent to the app."""
    body = f"<p id='error'>Error {status}: {html.escape(error)}</p><p id='detail'>{html.escape(detail)}</p>"
    return html_page("Access blocked: Authorization Error", body, status)


def _consent_page(key: str, request: AuthRequest, email: str) -> Reply:
    scopes = "".join(f"<li>{html.escape(s)}</li>" for s in request.scope.split())
    body = (
        f"<p>Signed in as <b id='email'>{html.escape(email)}</b></p>"
        f"<p>The app <code>{html.escape(request.client_id)}</code> wants to access your Google Account:</p>"
        f"<ul>{scopes}</ul>"
        f"<form id='consent' method='post' action='{AUTHORIZE_PATH}'>"
        f"<input type='hidden' name='consent' value='{html.escape(key)}'>"
        "<button id='cancel' type='submit' name='action' value='cancel'>Cancel</button> "
        "<button id='allow' type='submit' name='action' value='allow'>Allow</button>"
        "</form>"
    )
    return html_page("Sign in with Google (emulated)", body, 200)
