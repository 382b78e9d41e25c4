"""The emulator's authorization-code + PKCE flow against google-apis.md §1b: consent, exchange, clients."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from core.emulator import PICKER_SCOPE, Emulator, Fault, Person

REDIRECT = "http://127.0.0.1:53117/"
SCOPES = f"{PICKER_SCOPE} openid email"
DESKTOP = {"desktop_client_id": "desk.apps", "desktop_client_secret": "desk-secret"}


def challenge_of(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def consent(emu: Emulator, verifier: str | None, **overrides: str) -> requests.Response:
    """The browser opens the consent URL; the redirect is not followed (nothing listens at 127.0.0.1)."""
    params = {
        "client_id": "desk.apps",
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": SCOPES,
        "state": "st-123",
        "access_type": "offline",
        "prompt": "consent",
    }
    if verifier is not None:
        params |= {"code_challenge": challenge_of(verifier), "code_challenge_method": "S256"}
    params |= overrides
    return requests.get(f"{emu.url}/o/oauth2/v2/auth", params=params, allow_redirects=False, timeout=5)


def landed(reply: requests.Response) -> dict[str, str]:
    """The query of the loopback address the browser was sent to."""
    assert reply.status_code == 302, reply.text
    location = reply.headers["Location"]
    assert location.startswith(REDIRECT)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def exchange(emu: Emulator, code: str, verifier: str | None, **overrides: str) -> requests.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": "desk.apps",
        "client_secret": "desk-secret",
        "redirect_uri": REDIRECT,
    }
    if verifier is not None:
        form["code_verifier"] = verifier
    form |= overrides
    return requests.post(f"{emu.url}/token", data=form, timeout=5)


def new_verifier() -> str:
    return secrets.token_urlsafe(48)


@pytest.fixture
def desk(make_emulator: Any) -> Emulator:
    emu: Emulator = make_emulator(client_id="tv.apps", client_secret="tv-secret", **DESKTOP)
    return emu


def test_allow_redirects_with_state_code_scope_and_the_code_exchanges_for_tokens(desk: Emulator) -> None:
    verifier = new_verifier()
    query = landed(consent(desk, verifier))
    assert query["state"] == "st-123" and query["scope"] == SCOPES and query["code"]
    assert desk.auth_codes_issued == 1
    r = exchange(desk, query["code"], verifier)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"access_token", "expires_in", "refresh_token", "scope", "token_type", "id_token"}
    assert body["token_type"] == "Bearer" and body["scope"] == SCOPES and body["expires_in"] == 3600
    claims = json.loads(base64.urlsafe_b64decode(body["id_token"].split(".")[1] + "=="))
    assert claims["email"] == desk.person.email and claims["aud"] == "desk.apps"
    created = requests.post(
        f"{desk.url}/v1/sessions", json={}, headers={"Authorization": f"Bearer {body['access_token']}"}, timeout=5
    )
    assert created.status_code == 200  # the token works on the Picker API
    assert query["code"] in desk.issued_secrets and body["refresh_token"] in desk.issued_secrets


def test_no_id_token_without_openid_or_email(desk: Emulator) -> None:
    verifier = new_verifier()
    body = exchange(desk, landed(consent(desk, verifier, scope=PICKER_SCOPE))["code"], verifier).json()
    assert "id_token" not in body and body["scope"] == PICKER_SCOPE


def test_cancel_redirects_with_access_denied_and_no_code(make_emulator: Any) -> None:
    emu = make_emulator(person=Person(consent="cancel"), **DESKTOP)
    assert landed(consent(emu, new_verifier())) == {"error": "access_denied", "state": "st-123"}
    assert emu.auth_codes_issued == 0


@pytest.mark.parametrize(
    "redirect",
    [
        "http://[::1]:8080/cb",
        "http://localhost:9/",
        "http://127.0.0.1/",
        "http://127.0.0.1:53117/done?keep=1",
    ],
)
def test_loopback_redirects_are_accepted(desk: Emulator, redirect: str) -> None:
    r = consent(desk, new_verifier(), redirect_uri=redirect)
    assert r.status_code == 302 and r.headers["Location"].startswith(redirect)
    assert "&state=st-123" in r.headers["Location"] or "?state=st-123" in r.headers["Location"]


@pytest.mark.parametrize(
    "redirect",
    [
        "https://example.com/cb",
        "http://192.168.1.20:8080/",
        "http://frame.local:8080/",
        "https://127.0.0.1:8080/",
        "com.example.app:/oauth2redirect",
        "urn:ietf:wg:oauth:2.0:oob",
        "http://127.0.0.1:99999/",
    ],
)
def test_other_redirects_get_an_error_page_and_no_redirect(desk: Emulator, redirect: str) -> None:
    r = consent(desk, new_verifier(), redirect_uri=redirect)
    assert r.status_code == 400 and "Location" not in r.headers
    assert r.headers["Content-Type"].startswith("text/html")
    assert "Error 400: invalid_request" in r.text and "redirect_uri" in r.text
    assert desk.auth_codes_issued == 0


def test_bad_consent_requests_get_error_pages(desk: Emulator) -> None:
    v = new_verifier()
    assert consent(desk, v, client_id="tv.apps").status_code == 401  # the TV client is not the desktop client
    assert consent(desk, v, response_type="token").status_code == 400
    assert consent(desk, v, scope="").status_code == 400
    assert consent(desk, v, code_challenge_method="S512").status_code == 400
    assert consent(desk, v, code_challenge="short").status_code == 400
    assert desk.auth_codes_issued == 0 and desk.violations == []


def test_consent_without_pkce_is_served_but_recorded_as_a_violation(desk: Emulator) -> None:
    query = landed(consent(desk, None))
    assert exchange(desk, query["code"], None).status_code == 200
    assert desk.violations == ["authorization asked without PKCE (no code_challenge)"]


def test_wrong_or_missing_verifier_is_invalid_grant_and_spends_the_code(desk: Emulator) -> None:
    verifier = new_verifier()
    code = landed(consent(desk, verifier))["code"]
    r = exchange(desk, code, new_verifier())
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")
    assert exchange(desk, code, verifier).json()["error"] == "invalid_grant"  # single use
    code = landed(consent(desk, verifier))["code"]
    r = exchange(desk, code, None)
    assert (r.status_code, r.json()) == (400, {"error": "invalid_grant", "error_description": "Missing code verifier."})


def test_used_code_is_invalid_grant(desk: Emulator) -> None:
    verifier = new_verifier()
    code = landed(consent(desk, verifier))["code"]
    assert exchange(desk, code, verifier).status_code == 200
    r = exchange(desk, code, verifier)
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")


def test_code_expires_on_the_emulator_clock(make_emulator: Any) -> None:
    emu = make_emulator(auth_code_lifetime=300, **DESKTOP)
    assert emu.fake_clock is not None
    verifier = new_verifier()
    fresh = landed(consent(emu, verifier))["code"]
    emu.fake_clock.advance(299)
    assert exchange(emu, fresh, verifier).status_code == 200
    old = landed(consent(emu, verifier))["code"]
    emu.fake_clock.advance(300)
    r = exchange(emu, old, verifier)
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")


def test_redirect_uri_must_be_identical(desk: Emulator) -> None:
    verifier = new_verifier()
    code = landed(consent(desk, verifier))["code"]
    r = exchange(desk, code, verifier, redirect_uri="http://127.0.0.1:53117/other")
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")


def test_client_is_checked_at_the_exchange(desk: Emulator) -> None:
    verifier = new_verifier()
    code = landed(consent(desk, verifier))["code"]
    r = exchange(desk, code, verifier, client_secret="wrong")
    assert (r.status_code, r.json()["error"]) == (401, "invalid_client")
    r = exchange(desk, code, verifier, client_id="tv.apps", client_secret="tv-secret")
    assert (r.status_code, r.json()["error"]) == (401, "invalid_client")  # only the desktop client exchanges
    assert exchange(desk, code, verifier).status_code == 200  # refused clients did not spend the code


def test_token_refreshes_only_with_the_client_that_made_it(desk: Emulator) -> None:
    verifier = new_verifier()
    tokens = exchange(desk, landed(consent(desk, verifier))["code"], verifier).json()

    def refresh(client_id: str, secret: str) -> requests.Response:
        form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
        form |= {"client_id": client_id, "client_secret": secret}
        return requests.post(f"{desk.url}/token", data=form, timeout=5)

    r = refresh("tv.apps", "tv-secret")
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")
    ok = refresh("desk.apps", "desk-secret")
    assert ok.status_code == 200 and ok.json()["access_token"] != tokens["access_token"]
    assert desk.tokens_refreshed == 1


def test_device_code_with_the_desktop_client_is_invalid_client(desk: Emulator) -> None:
    r = requests.post(f"{desk.url}/device/code", data={"client_id": "desk.apps", "scope": SCOPES}, timeout=5)
    assert (r.status_code, r.json()) == (401, {"error": "invalid_client", "error_description": "Invalid client type."})


def test_consent_page_form_allow_and_cancel(make_emulator: Any) -> None:
    emu = make_emulator(person=Person(consent_page=True, consent="cancel"), **DESKTOP)
    verifier = new_verifier()
    page = consent(emu, verifier, login_hint="frame.owner@example.com")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "id='allow'" in page.text and "id='cancel'" in page.text and emu.person.email in page.text
    key = re.search(r"name='consent' value='([^']+)'", page.text)
    assert key is not None
    action = f"{emu.url}/o/oauth2/v2/auth"
    allowed = requests.post(action, data={"consent": key[1], "action": "allow"}, allow_redirects=False, timeout=5)
    query = landed(allowed)  # the button decides, not Person.consent
    assert query["state"] == "st-123" and exchange(emu, query["code"], verifier).status_code == 200
    again = requests.post(action, data={"consent": key[1], "action": "allow"}, allow_redirects=False, timeout=5)
    assert again.status_code == 400 and "Location" not in again.headers  # one answer per page
    key2 = re.search(r"name='consent' value='([^']+)'", consent(emu, verifier).text)
    assert key2 is not None
    cancelled = requests.post(action, data={"consent": key2[1], "action": "cancel"}, allow_redirects=False, timeout=5)
    assert landed(cancelled) == {"error": "access_denied", "state": "st-123"}


def test_authorize_and_exchange_are_recorded_and_faultable(desk: Emulator) -> None:
    desk.add_fault(Fault("exchange", status=503))
    verifier = new_verifier()
    code = landed(consent(desk, verifier))["code"]
    assert exchange(desk, code, verifier).status_code == 503
    assert exchange(desk, code, verifier).status_code == 200  # the fault answered instead: the code was not spent
    seen = [(r.endpoint, r.status) for r in desk.requests]
    assert seen == [("authorize", 302), ("exchange", 503), ("exchange", 200)]
    assert desk.requests[0].query["code_challenge_method"] == ["S256"]


def test_any_desktop_client_when_none_is_configured(emulator: Emulator) -> None:
    verifier = new_verifier()
    code = landed(consent(emulator, verifier, client_id="whoever"))["code"]
    assert exchange(emulator, code, verifier, client_id="whoever").status_code == 200
    assert exchange(emulator, code, verifier, client_id="someone-else").json()["error"] == "invalid_grant"


def test_unconfigured_desktop_client_refreshes_its_own_token_while_strangers_stay_unknown(make_emulator: Any) -> None:
    emu = make_emulator(client_id="tv.apps", client_secret="tv-secret")  # no desktop client configured
    verifier = new_verifier()
    code = landed(consent(emu, verifier, client_id="any.desk"))["code"]
    tokens = exchange(emu, code, verifier, client_id="any.desk", client_secret="s").json()
    device_tokens = emu.grant_token()

    def refresh(token: str, client_id: str, secret: str) -> requests.Response:
        form = {"grant_type": "refresh_token", "refresh_token": token, "client_id": client_id, "client_secret": secret}
        return requests.post(f"{emu.url}/token", data=form, timeout=5)

    assert refresh(tokens["refresh_token"], "any.desk", "s").status_code == 200
    stranger = refresh(device_tokens["refresh_token"], "stranger", "x")
    assert (stranger.status_code, stranger.json()["error"]) == (401, "invalid_client")
    assert refresh(device_tokens["refresh_token"], "tv.apps", "tv-secret").status_code == 200


def test_a_browser_following_the_redirect_lands_on_the_loopback_listener(desk: Emulator) -> None:
    """The computer path: a local server on 127.0.0.1 catches the redirect, as `picker-kiosk login` will."""
    caught: list[str] = []

    class Catch(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            caught.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    listener = HTTPServer(("127.0.0.1", 0), Catch)
    thread = threading.Thread(target=listener.handle_request, daemon=True)
    thread.start()
    redirect = f"http://127.0.0.1:{listener.server_address[1]}/callback"
    verifier = new_verifier()
    try:
        params = {
            "client_id": "desk.apps",
            "redirect_uri": redirect,
            "response_type": "code",
            "scope": SCOPES,
            "state": "xyz",
            "code_challenge": challenge_of(verifier),
            "code_challenge_method": "S256",
        }
        page = requests.get(f"{desk.url}/o/oauth2/v2/auth", params=params, timeout=5)  # follows the 302
        thread.join(timeout=5)
    finally:
        listener.server_close()
    assert page.status_code == 200 and page.text == "ok"
    assert len(caught) == 1 and caught[0].startswith("/callback?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(caught[0]).query).items()}
    assert query["state"] == "xyz"
    assert exchange(desk, query["code"], verifier, redirect_uri=redirect).status_code == 200
