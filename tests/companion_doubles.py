"""Stand-ins for the sign-in side of the companion (device/signin's PhoneSignIn) used by the companion's tests.

``ScriptedSignIn`` knows one good pasted address; ``EmulatorSignIn`` really runs the authorization-code flow with
PKCE against the emulator's consent endpoints (until branch `signin`'s PhoneSignIn is on main).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from core.errors import AuthError

GOOD_ADDRESS = "http://127.0.0.1:9/?state=s&code=good"
DESKTOP_ID = "desktop-client.apps.googleusercontent.com"
DESKTOP_SECRET = "desktop-secret-XYZ"


@dataclass
class ScriptedSignIn:
    """Accepts GOOD_ADDRESS and a token with a refresh_token; refuses anything else with an AuthError."""

    pasted: list[str] = field(default_factory=list)
    accepted: list[Mapping[str, object]] = field(default_factory=list)

    def consent_url(self) -> str:
        return "http://127.0.0.1:9/o/oauth2/v2/auth?state=s"

    def complete(self, pasted_address: str) -> str:
        self.pasted.append(pasted_address)
        if pasted_address != GOOD_ADDRESS:
            raise AuthError("That is not the address Google sent you to. Copy it again.")
        return "owner@example.com"

    def accept(self, token_info: Mapping[str, object]) -> str:
        if not token_info.get("refresh_token"):
            raise AuthError("That token has no refresh_token.")
        self.accepted.append(token_info)
        return "owner@example.com"


class EmulatorSignIn:
    """The PKCE loopback flow against the emulator, as PhoneSignIn does it against Google."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.redirect_uri = "http://127.0.0.1:1/"
        self.state = ""
        self.verifier = ""
        self.tokens: list[dict[str, object]] = []

    def consent_url(self) -> str:
        self.state = secrets.token_urlsafe(16)
        self.verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(self.verifier.encode()).digest()).rstrip(b"=").decode()
        query = {
            "client_id": DESKTOP_ID,
            "redirect_uri": self.redirect_uri,
            "response_type": "code",
            "scope": "openid email https://www.googleapis.com/auth/photospicker.mediaitems.readonly",
            "state": self.state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        return f"{self.url}/o/oauth2/v2/auth?{urlencode(query)}"

    def complete(self, pasted_address: str) -> str:
        query = parse_qs(urlsplit(pasted_address).query)
        if query.get("state") != [self.state] or "code" not in query:
            raise AuthError("That is not the address Google sent you to. Copy it again.")
        answer = requests.post(
            f"{self.url}/token",
            data={
                "grant_type": "authorization_code",
                "code": query["code"][0],
                "client_id": DESKTOP_ID,
                "client_secret": DESKTOP_SECRET,
                "redirect_uri": self.redirect_uri,
                "code_verifier": self.verifier,
            },
            timeout=10,
        )
        if answer.status_code != 200:
            raise AuthError("Google refused the sign-in.")
        self.tokens.append(answer.json())
        return "frame.owner@example.com"

    def accept(self, token_info: Mapping[str, object]) -> str:
        raise AuthError("not used here")
