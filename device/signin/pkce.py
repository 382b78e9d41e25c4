"""The authorization code + PKCE (S256) sign-in with a "Desktop app" client, on google-auth-oauthlib.

Used by the phone sign-in (phone.py: the consent link on the phone, the code pasted back) and by
`picker-kiosk login` on a computer (the browser redirected to a local server). google-auth-oauthlib and
oauthlib are imported inside the functions: the first sign-in screen needs neither. The PKCE verifier lives
in the ``Flow`` object and is sent only to the token endpoint. oauthlib's exceptions are translated into
core.errors here, at the one place that calls it; no message names a code, a token or a secret.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

from core.config import GoogleConfig, is_loopback_host
from core.errors import AccessDenied, AddressRefused, AuthError, ConfigError, InvalidClient, KioskError, TransportError
from core.records import bad_answer
from device.signin.oauth import SCOPES, token_from_answer
from device.signin.token import StoredToken

if TYPE_CHECKING:
    from google_auth_oauthlib.flow import Flow, InstalledAppFlow

# The phone's redirect: nothing listens there, so the page does not load, but its address holds the code.
PHONE_REDIRECT = "http://127.0.0.1/"
EXCHANGE_TIMEOUT = 30.0
_INSECURE = "OAUTHLIB_INSECURE_TRANSPORT"
_RELAX = "OAUTHLIB_RELAX_TOKEN_SCOPE"
_ENV_LOCK = threading.Lock()
# requests-oauthlib logs request bodies (the code, the verifier) and token answers at DEBUG: never let them through.
for _name in ("requests_oauthlib", "oauthlib", "google_auth_oauthlib"):
    logging.getLogger(_name).setLevel(logging.WARNING)

_DESKTOP_CLIENT = (
    'Google does not accept the "Desktop app" client of this device ([google.desktop] client_id and '
    'client_secret). It must be a client of type "Desktop app" in the same Google Cloud project.'
)
CODE_USED = (
    "Google did not accept the code in this address: it was already used, is too old, or belongs to another "
    "sign-in. Open the Google sign-in link again."
)


def desktop_client(google: GoogleConfig) -> tuple[str, str]:
    """The (id, secret) of the "Desktop app" client; ConfigError without one."""
    if google.desktop is None:
        raise ConfigError('Signing in this way needs a "Desktop app" client: add [google.desktop] to the config.')
    return google.desktop.client_id, google.desktop.client_secret


@contextlib.contextmanager
def oauthlib_transport(*urls: str) -> Iterator[None]:
    """Run oauthlib calls to ``urls``: plain http is allowed only when every one of them is loopback.

    oauthlib refuses http:// URLs unless OAUTHLIB_INSECURE_TRANSPORT is in os.environ, read at each call, and
    has no other switch. So the variable is set here, and only when every URL is loopback (the emulator),
    never otherwise (a value inherited from the environment is removed for the block), under a lock that all
    of picker-kiosk's oauthlib calls take, and put back as it was afterwards. OAUTHLIB_RELAX_TOKEN_SCOPE
    likewise: a grant narrower than asked is then an answer read below (ScopeRefused), not a bare Warning.
    """
    plain = [urlsplit(u) for u in urls if urlsplit(u).scheme != "https"]
    loopback_only = bool(plain) and all(is_loopback_host(parts.hostname or "") for parts in plain)
    with _ENV_LOCK:
        saved = {name: os.environ.get(name) for name in (_INSECURE, _RELAX)}
        try:
            os.environ.pop(_INSECURE, None)
            if loopback_only:
                os.environ[_INSECURE] = "1"  # loopback only: the emulator
            os.environ[_RELAX] = "1"
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def token_url(google: GoogleConfig) -> str:
    return f"{google.auth_url}/token"


def new_flow(google: GoogleConfig, redirect_uri: str) -> InstalledAppFlow:
    """A Flow for the desktop client with a fresh PKCE verifier (S256) and ``redirect_uri``."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    client_id, client_secret = desktop_client(google)
    config = {
        "installed": {
            "client_id": client_id,
            "client_secret": client_secret,
            "auth_uri": google.authorize_url,
            "token_uri": token_url(google),
        }
    }
    return InstalledAppFlow.from_client_config(
        config, scopes=list(SCOPES), redirect_uri=redirect_uri, autogenerate_code_verifier=True
    )


def consent_url(flow: Flow, google: GoogleConfig) -> tuple[str, str]:
    """(Google's consent URL, its ``state``): S256 challenge, offline access, a fresh refresh token."""
    with oauthlib_transport(google.authorize_url):
        url, state = flow.authorization_url(access_type="offline", prompt="consent")
    return str(url), str(state)


def exchange(flow: Flow, google: GoogleConfig, code: str) -> StoredToken:
    """Trade ``code`` and the flow's verifier for a token of the desktop client."""
    with oauthlib_transport(token_url(google)), translated():
        flow.fetch_token(code=code, timeout=EXCHANGE_TIMEOUT)
    return stored_token(flow, google)


def run_in_browser(google: GoogleConfig, open_url: Callable[[str], object], *, timeout: float = 600.0) -> StoredToken:
    """The computer's way: ``open_url`` shows the consent page; the redirect is caught on 127.0.0.1 (any port)."""
    import webbrowser

    class Opener(webbrowser.BaseBrowser):
        """Hands the consent URL to ``open_url`` on a thread: the local server must be free to answer."""

        def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
            threading.Thread(target=open_url, args=(url,), name="browser", daemon=True).start()
            return True

    name = f"picker-kiosk-{id(Opener)}"
    webbrowser.register(name, None, Opener(name))
    flow = new_flow(google, "http://127.0.0.1/")
    with oauthlib_transport(google.authorize_url, token_url(google)), translated():
        flow.run_local_server(
            host="127.0.0.1",
            port=0,
            browser=name,
            # The consent URL holds no secret (the PKCE challenge is public by design); shown on this terminal.
            authorization_prompt_message="If no browser opened, open this address on this computer:\n{url}",
            success_message="picker-kiosk is signed in. You can close this window.",
            timeout_seconds=int(timeout),
            access_type="offline",
            prompt="consent",
        )
    return stored_token(flow, google)


def stored_token(flow: Flow, google: GoogleConfig) -> StoredToken:
    """The StoredToken of the flow's answer; ScopeRefused when the Google Photos box was left unticked."""
    answer: Mapping[str, Any] = flow.oauth2session.token
    scope = answer.get("scope")
    body = {
        "access_token": answer.get("access_token"),
        "refresh_token": answer.get("refresh_token"),
        "expires_in": answer.get("expires_in"),
        "scope": " ".join(scope) if isinstance(scope, list | tuple) else scope,
        "id_token": answer.get("id_token"),
    }
    client_id, _ = desktop_client(google)
    return token_from_answer(body, client_id, again="Open the sign-in link again")


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """oauthlib's, requests' and google-auth-oauthlib's errors as core.errors, in plain words."""
    from google_auth_oauthlib.flow import WSGITimeoutError
    from oauthlib.oauth2.rfc6749 import errors

    try:
        yield
    except KioskError:
        raise
    except errors.AccessDeniedError as exc:
        raise AccessDenied("Access to Google Photos was not allowed on the consent page.") from exc
    except errors.MismatchingStateError as exc:
        raise AddressRefused("wrong-state", "The answer from Google belongs to another sign-in attempt.") from exc
    except errors.InvalidGrantError as exc:
        raise AddressRefused("code-used", CODE_USED) from exc
    except errors.InvalidClientError as exc:
        raise InvalidClient(_DESKTOP_CLIENT) from exc
    except errors.OAuth2Error as exc:
        name = "".join(ch for ch in str(exc.error)[:40] if ch.isalnum() or ch == "_")
        raise AuthError(f"Google refused the sign-in ({name or 'unknown reason'}).") from exc
    except WSGITimeoutError as exc:
        raise AuthError("Nobody finished signing in in the browser in time.") from exc
    except requests.Timeout as exc:
        raise TransportError("Google's sign-in service did not answer in time.") from exc
    except requests.RequestException as exc:
        raise TransportError("No connection to Google's sign-in service.") from exc
    except (ValueError, TypeError, KeyError) as exc:
        raise bad_answer("the token answer") from exc
