"""The pairing link ``/p/<secret>`` and its sign-in: the phone's paste, and ``POST /login`` from a computer."""

from __future__ import annotations

import json
from collections.abc import Callable

from core.errors import AuthError, KioskError
from device.companion import pages
from device.companion.guard import csrf_ok, csrf_token
from device.companion.pairing import Pairing
from device.companion.web import Request, Response, Router, html_response, json_response
from device.signin.phone import PhoneSignIn  # the sign-in side's Protocol (device/signin/)

STALE = "This link has expired or was already used. Scan the code on the frame's screen again."
WRONG_CODE = "Wrong or expired code: use the code the frame shows now."
TOO_MANY = "Too many wrong attempts. Wait a minute, then scan the code on the frame's screen again."


PairPhone = Callable[[Request, str], Response]


class SignInRoutes:
    """``GET``/``POST /p/<secret>`` and ``POST /login``: every wrong secret, code or refused paste counts."""

    def __init__(self, pairing: Pairing, signin: PhoneSignIn | None, key: bytes, pair_phone: PairPhone | None) -> None:
        self.pairing = pairing
        self.signin = signin
        self.key = key
        self.pair_phone = pair_phone  # the phone companion's pairing (purpose "pair"), when it is enabled
        self.after_signin: Callable[[Request], list[tuple[str, str]]] = lambda request: []

    def add_to(self, router: Router) -> None:
        router.add("GET", "/p/<secret>", self.link)
        router.add("POST", "/p/<secret>", self.paste)
        router.add("POST", "/login", self.login)

    def link(self, request: Request) -> Response:
        secret = request.params["secret"]
        refused = self._refuse(secret)
        if refused is not None:
            return refused
        if self.pairing.find(secret) == "pair":
            return self.pair_phone(request, secret) if self.pair_phone else _stale()
        assert self.signin is not None  # _refuse answered for a sign-in link without a sign-in
        return html_response(200, pages.signin_page(self.signin.consent_url(), self._csrf(secret)))

    def paste(self, request: Request) -> Response:
        secret = request.params["secret"]
        refused = self._refuse(secret, purpose="signin")
        if refused is not None:
            return refused
        assert self.signin is not None
        form = request.form()
        if not csrf_ok(self.key, "signin\0" + secret, form.get("csrf")):
            return html_response(403, pages.message("Refused", "This form is out of date. Open the link again."))
        address = str(form.get("address", ""))
        try:
            email = self.signin.complete(address.strip())
        except KioskError as exc:
            if isinstance(exc, AuthError):
                self.pairing.wrong()
            page = pages.signin_page(self.signin.consent_url(), self._csrf(secret), error=exc.message)
            return html_response(400 if isinstance(exc, AuthError) else 502, page)
        self.pairing.spend(secret)
        headers = self.after_signin(request)
        return html_response(200, pages.connected_page(email, remote_link=bool(headers)), headers)

    def login(self, request: Request) -> Response:
        """``picker-kiosk login --to URL --code CODE``: a JSON or form body with ``code`` and ``token``."""
        if self.pairing.limited():
            return json_response(429, {"ok": False, "error": TOO_MANY}, [("Retry-After", "60")])
        form = request.form()
        secret = self.pairing.find_code(str(form.get("code", "")), "signin") if self.signin else None
        if secret is None or self.signin is None:
            self.pairing.wrong()
            return json_response(
                403, {"ok": False, "error": "Wrong or expired code: use the code the frame shows now."}
            )
        token = form.get("token")
        try:
            info = json.loads(token) if isinstance(token, str) else token
        except ValueError:
            info = None
        if not isinstance(info, dict):
            return json_response(400, {"ok": False, "error": "The token must be an authorized_user JSON object."})
        try:
            email = self.signin.accept(info)
        except KioskError as exc:
            if isinstance(exc, AuthError):
                self.pairing.wrong()
            return json_response(400 if isinstance(exc, AuthError) else 502, {"ok": False, "error": exc.message})
        self.pairing.spend(secret)
        return json_response(200, {"ok": True, "account": email})

    def _refuse(self, secret: str, purpose: str | None = None) -> Response | None:
        """429 while too many wrong guesses; 404 (counted) for a secret that is not open for this request."""
        if self.pairing.limited():
            return html_response(429, pages.message("Too many attempts", TOO_MANY), [("Retry-After", "60")])
        found = self.pairing.find(secret)
        if found is None or (purpose is not None and found != purpose) or (found == "signin" and not self.signin):
            self.pairing.wrong()
            return _stale()
        return None

    def _csrf(self, secret: str) -> str:
        return csrf_token(self.key, "signin\0" + secret)


def _stale() -> Response:
    return html_response(404, pages.message("Link expired", STALE, element_id="stale"))
