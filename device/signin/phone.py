"""Signing in from the phone: Google's consent link, then the address the phone lands on, pasted back.

``PhoneSignIn`` is the agreed interface the companion server (device/companion/) calls; ``PhoneSignInFlow``
implements it with the "Desktop app" client (pkce.py). The verifier of each consent link stays in this
object; a pasted address is checked (an address at all, a ``state`` this device made, an error from Google)
before its code is exchanged. Every failure is a core.errors AuthError whose message can be shown on the
phone as it is.
"""

from __future__ import annotations

import hmac
import logging
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol
from urllib.parse import parse_qs, urlsplit

import requests

from core.clock import REAL, Clock
from core.config import GoogleConfig, is_loopback_host
from core.errors import AccessDenied, AddressRefused, AuthError
from core.proxies import ProxiesOnce
from core.record import mutable_record, record
from core.transport import Transport
from device.signin import pkce
from device.signin.imported import token_from_authorized_user
from device.signin.token import StoredToken, TokenStore

if TYPE_CHECKING:
    from google_auth_oauthlib.flow import Flow

log = logging.getLogger(__name__)

LINK_LIFETIME = 600.0  # a consent link's verifier is kept this long (Google's codes live minutes)
MAX_LINKS = 8  # consent links kept at once (the page opened on several phones, or reloaded)
MAX_PASTE = 4096

NOT_AN_ADDRESS = (
    "That is not the address your phone landed on. After tapping Allow, copy the whole address from the "
    "address bar (it starts with http://127.0.0.1) and paste it here."
)
WRONG_STATE = (
    "This address belongs to another sign-in attempt (or one that is too old). Tap the Google sign-in link "
    "on this page again and paste the new address."
)


class PhoneSignIn(Protocol):
    """What the companion server calls (the agreed interface; see docs in /work/wt/prompts)."""

    def consent_url(self) -> str: ...

    def complete(self, pasted_address: str) -> str: ...

    def accept(self, token_info: Mapping[str, object]) -> str: ...


@mutable_record
class _Link:
    state: str
    flow: Flow
    made_at: float


@record
class Landed:
    """What a pasted address holds: ``state`` and either ``code`` or Google's ``error``."""

    state: str
    code: str | None
    error: str | None


def read_address(pasted: str) -> Landed:
    """The parts of the address the phone landed on; AddressRefused("not-an-address") for anything else."""
    text = pasted.strip()
    if not text or len(text) > MAX_PASTE or any(ch.isspace() for ch in text):
        raise AddressRefused("not-an-address", NOT_AN_ADDRESS)
    if "://" not in text:
        text = "http://" + text  # phone browsers often hide the scheme
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
    except ValueError as exc:
        raise AddressRefused("not-an-address", NOT_AN_ADDRESS) from exc
    query = parse_qs(parts.query)
    state, code, error = (query.get(k, [None])[0] for k in ("state", "code", "error"))
    if parts.scheme not in ("http", "https") or not is_loopback_host(host) or not state or not (code or error):
        raise AddressRefused("not-an-address", NOT_AN_ADDRESS)
    return Landed(state=state, code=code, error=error)


class PhoneSignInFlow:
    """PhoneSignIn with the config's "Desktop app" client; ``on_signed_in`` gets each new StoredToken (saved)."""

    def __init__(
        self,
        google: GoogleConfig,
        store: TokenStore,
        on_signed_in: Callable[[StoredToken], None],
        *,
        http: requests.Session | None = None,
        clock: Clock = REAL,
    ) -> None:
        self._google = google
        self._store = store
        self._on_signed_in = on_signed_in
        self._clock = clock
        self._transport = Transport(http or ProxiesOnce(), clock=clock)
        self._links: list[_Link] = []
        self._lock = threading.Lock()

    def consent_url(self) -> str:
        """A fresh consent link: its own state and PKCE verifier (S256), kept here for LINK_LIFETIME seconds."""
        flow = pkce.new_flow(self._google, pkce.PHONE_REDIRECT)
        url, state = pkce.consent_url(flow, self._google)
        with self._lock:
            self._forget_old()
            self._links = [*self._links[-(MAX_LINKS - 1) :], _Link(state, flow, self._clock.now())]
        return url

    def _forget_old(self) -> None:
        now = self._clock.now()
        self._links = [link for link in self._links if now - link.made_at < LINK_LIFETIME]

    def _take(self, state: str) -> _Link:
        """The link ``state`` belongs to, removed (one use); AddressRefused("wrong-state") if none."""
        with self._lock:
            self._forget_old()
            found = None
            for link in self._links:
                if hmac.compare_digest(link.state.encode(), state.encode()):
                    found = link
            if found is None:
                raise AddressRefused("wrong-state", WRONG_STATE)
            self._links.remove(found)
            return found

    def complete(self, pasted_address: str) -> str:
        """Check the pasted address, exchange its code with the link's verifier, keep the token; the email."""
        landed = read_address(pasted_address)
        link = self._take(landed.state)
        if landed.error == "access_denied":
            raise AccessDenied("Access to Google Photos was not allowed. Tap the Google sign-in link to try again.")
        if landed.error or not landed.code:
            name = "".join(ch for ch in (landed.error or "")[:40] if ch.isalnum() or ch == "_")
            raise AuthError(f"Google did not sign you in ({name or 'no code'}). Tap the sign-in link to try again.")
        token = pkce.exchange(link.flow, self._google, landed.code)
        return self._keep(token)

    def accept(self, token_info: Mapping[str, object]) -> str:
        """A sign-in made on a computer (`picker-kiosk login --to`): checked at Google, kept; the email."""
        return self._keep(token_from_authorized_user(token_info, self._google, self._transport))

    def _keep(self, token: StoredToken) -> str:
        self._store.save(token)
        with self._lock:
            self._links = []  # one sign-in per pairing: the other links of this pairing are spent with it
        log.info("signed in with the phone%s", f" as {token.account}" if token.account else "")
        self._on_signed_in(token)
        return token.account or "your Google account"
