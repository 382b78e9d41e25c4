"""The emulator's OAuth side against google-apis.md §1: device code, every token-poll row, refresh, revoke."""

from __future__ import annotations

import base64
import json
from typing import Any

import requests

from core.clock import FakeClock
from core.emulator import PICKER_SCOPE, Emulator, Fault, Person

GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SCOPES = f"{PICKER_SCOPE} openid email"


def ask_code(emu: Emulator, *, client_id: str = "cid", scope: str = SCOPES) -> requests.Response:
    return requests.post(f"{emu.url}/device/code", data={"client_id": client_id, "scope": scope}, timeout=5)


def poll(emu: Emulator, device_code: str, *, client_id: str = "cid", secret: str = "sec") -> requests.Response:
    form = {"client_id": client_id, "client_secret": secret, "device_code": device_code, "grant_type": GRANT}
    return requests.post(f"{emu.url}/token", data=form, timeout=5)


def refresh(emu: Emulator, token: str, *, client_id: str = "cid", secret: str = "sec") -> requests.Response:
    form = {"client_id": client_id, "client_secret": secret, "refresh_token": token, "grant_type": "refresh_token"}
    return requests.post(f"{emu.url}/token", data=form, timeout=5)


def sign_in(emu: Emulator) -> dict[str, Any]:
    code = ask_code(emu).json()["device_code"]
    assert emu.fake_clock is not None
    emu.fake_clock.advance(emu.person.approve_after + 0.1)
    answer = poll(emu, code)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def list_sessions(emu: Emulator, access_token: str) -> requests.Response:
    """Any Picker call that needs the token; create is the cheapest that proves it works."""
    return requests.post(
        f"{emu.url}/v1/sessions", json={}, headers={"Authorization": f"Bearer {access_token}"}, timeout=5
    )


# -- /device/code -----------------------------------------------------------------------------------------


def test_device_code_answer_has_googles_fields(emulator: Emulator) -> None:
    r = ask_code(emulator)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"device_code", "user_code", "verification_url", "expires_in", "interval"}
    assert body["verification_url"] == f"{emulator.url}/device"
    assert body["expires_in"] == 1800 and body["interval"] == 5
    assert isinstance(body["interval"], int)
    assert len(body["user_code"]) == 9 and body["user_code"][4] == "-"
    assert emulator.device_codes_issued == 1
    assert requests.get(body["verification_url"], timeout=5).status_code == 200


def test_device_code_complete_uri_is_rfc_style(make_emulator: Any) -> None:
    emu = make_emulator(complete_uri=True, interval=7, code_expires_in=600)
    body = ask_code(emu).json()
    assert body["verification_uri"] == body["verification_url"]
    assert body["verification_uri_complete"] == f"{body['verification_uri']}?user_code={body['user_code']}"
    assert (body["interval"], body["expires_in"]) == (7, 600)


def test_device_code_refused_scope_answers_invalid_scope(emulator: Emulator) -> None:
    emulator.refuse_scope = True
    r = ask_code(emulator)
    assert r.status_code == 400 and r.json()["error"] == "invalid_scope"
    assert ask_code(emulator, scope="openid email").status_code == 200  # only the Picker scope is refused


def test_device_code_rate_limit_uses_error_code(emulator: Emulator) -> None:
    emulator.add_fault(Fault(endpoint="device_code", error="rate_limit_exceeded"))
    r = ask_code(emulator)
    assert r.status_code == 403
    assert r.json() == {"error_code": "rate_limit_exceeded"}
    assert ask_code(emulator).status_code == 200  # times=1: only once


def test_device_code_wrong_client_is_invalid_client(make_emulator: Any) -> None:
    emu = make_emulator(client_id="right", client_secret="secret")
    r = ask_code(emu, client_id="wrong")
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    assert ask_code(emu, client_id="right").status_code == 200


# -- token polling: one test per row ----------------------------------------------------------------------


def test_poll_pending_is_428_authorization_pending(emulator: Emulator) -> None:
    code = ask_code(emulator).json()["device_code"]
    r = poll(emulator, code)
    assert r.status_code == 428 and r.json()["error"] == "authorization_pending"


def test_poll_granted_after_approval(emulator: Emulator, fake_clock: FakeClock) -> None:
    emulator.person = Person(approve_after=12.0)
    code = ask_code(emulator).json()["device_code"]
    for _ in range(2):  # 0 s and 5 s: still waiting
        assert poll(emulator, code).status_code == 428
        fake_clock.advance(5)
    fake_clock.advance(2)
    r = poll(emulator, code)
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == SCOPES  # echoes what was asked
    assert body["access_token"] and body["refresh_token"] and body["access_token"] != body["refresh_token"]
    header, payload, signature = body["id_token"].split(".")
    assert json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["typ"] == "JWT"
    assert signature
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["email"] == "frame.owner@example.com" and claims["aud"] == "cid"
    assert claims["iss"] == "https://accounts.google.com" and claims["sub"] and claims["exp"] > claims["iat"]
    assert list_sessions(emulator, body["access_token"]).status_code == 200
    # A used code is gone: invalid_grant.
    fake_clock.advance(5)
    again = poll(emulator, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_no_id_token_without_openid_or_email(emulator: Emulator, fake_clock: FakeClock) -> None:
    code = ask_code(emulator, scope=PICKER_SCOPE).json()["device_code"]
    fake_clock.advance(3)
    body = poll(emulator, code).json()
    assert "id_token" not in body and body["scope"] == PICKER_SCOPE


def test_poll_too_fast_is_slow_down_and_adds_5s_for_good(emulator: Emulator, fake_clock: FakeClock) -> None:
    emulator.person = Person(answer="never")
    clock = fake_clock
    code = ask_code(emulator).json()["device_code"]
    assert poll(emulator, code).status_code == 428
    clock.advance(2)
    r = poll(emulator, code)
    assert r.status_code == 403 and r.json()["error"] == "slow_down"
    assert len(emulator.violations) == 1 and "token polled" in emulator.violations[0]
    clock.advance(5)  # the old interval is no longer enough: it is 10 s now
    assert poll(emulator, code).json()["error"] == "slow_down"
    clock.advance(15)  # now 15 s (two slow_downs)
    assert poll(emulator, code).status_code == 428
    clock.advance(15)
    assert poll(emulator, code).status_code == 428
    assert len(emulator.violations) == 2


def test_poll_denied_is_403_access_denied(emulator: Emulator, fake_clock: FakeClock) -> None:
    emulator.person = Person(answer="deny", approve_after=1.0)
    code = ask_code(emulator).json()["device_code"]
    assert poll(emulator, code).status_code == 428  # has not answered yet
    fake_clock.advance(5)
    r = poll(emulator, code)
    assert r.status_code == 403 and r.json()["error"] == "access_denied"


def test_poll_bad_client_is_401_invalid_client(make_emulator: Any) -> None:
    emu = make_emulator(client_id="cid", client_secret="right")
    code = ask_code(emu).json()["device_code"]
    r = poll(emu, code, secret="wrong")
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"


def test_poll_unknown_code_is_400_invalid_grant(emulator: Emulator) -> None:
    r = poll(emulator, "4/not-a-code")
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_poll_expired_code_is_400_expired_token(emulator: Emulator, fake_clock: FakeClock) -> None:
    code = ask_code(emulator).json()["device_code"]
    fake_clock.advance(1800)
    r = poll(emulator, code)
    assert r.status_code == 400 and r.json()["error"] == "expired_token"


def test_never_answering_person_keeps_pending_until_expiry(emulator: Emulator, fake_clock: FakeClock) -> None:
    emulator.person = Person(answer="never")
    code = ask_code(emulator).json()["device_code"]
    fake_clock.advance(1795)
    assert poll(emulator, code).status_code == 428


def test_person_can_change_their_mind_mid_flow(emulator: Emulator, fake_clock: FakeClock) -> None:
    emulator.person = Person(answer="never")
    code = ask_code(emulator).json()["device_code"]
    fake_clock.advance(10)
    assert poll(emulator, code).status_code == 428
    emulator.person = Person(answer="approve", approve_after=0)
    fake_clock.advance(5)
    assert poll(emulator, code).status_code == 200


def test_other_token_errors(emulator: Emulator) -> None:
    r = requests.post(f"{emulator.url}/token", data={"client_id": "c", "grant_type": "password"}, timeout=5)
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    for error, status in (("admin_policy_enforced", 400), ("org_internal", 403)):
        emulator.add_fault(Fault(endpoint="token", error=error))
        r = poll(emulator, "4/x")
        assert (r.status_code, r.json()["error"]) == (status, error)


# -- refresh and revoke ------------------------------------------------------------------------------------


def test_refresh_gives_a_new_access_token(emulator: Emulator) -> None:
    tokens = sign_in(emulator)
    r = refresh(emulator, tokens["refresh_token"])
    assert r.status_code == 200
    body = r.json()
    assert body["access_token"] != tokens["access_token"] and body["expires_in"] == 3600
    assert "refresh_token" not in body
    assert emulator.tokens_refreshed == 1
    assert list_sessions(emulator, body["access_token"]).status_code == 200


def test_expired_access_token_is_401_until_refreshed(emulator: Emulator) -> None:
    tokens = sign_in(emulator)
    emulator.expire_access_tokens()
    r = list_sessions(emulator, tokens["access_token"])
    assert r.status_code == 401 and r.json()["error"]["status"] == "UNAUTHENTICATED"
    assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    assert emulator.requests[-1].bearer == "expired"
    fresh = refresh(emulator, tokens["refresh_token"]).json()["access_token"]
    assert list_sessions(emulator, fresh).status_code == 200


def test_access_token_expires_on_the_clock(emulator: Emulator, fake_clock: FakeClock) -> None:
    tokens = sign_in(emulator)
    fake_clock.advance(3600)
    assert list_sessions(emulator, tokens["access_token"]).status_code == 401


def test_dead_refresh_token_is_invalid_grant(emulator: Emulator) -> None:
    tokens = sign_in(emulator)
    emulator.kill_refresh_tokens()
    r = refresh(emulator, tokens["refresh_token"])
    assert r.status_code == 400
    assert r.json() == {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
    assert list_sessions(emulator, tokens["access_token"]).status_code == 200  # until it expires


def test_revoke_access_token_revokes_both(emulator: Emulator) -> None:
    tokens = sign_in(emulator)
    r = requests.post(f"{emulator.url}/revoke", params={"token": tokens["access_token"]}, timeout=5)
    assert r.status_code == 200
    assert list_sessions(emulator, tokens["access_token"]).status_code == 401
    assert refresh(emulator, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    again = requests.post(f"{emulator.url}/revoke", params={"token": tokens["refresh_token"]}, timeout=5)
    assert again.status_code == 400 and again.json()["error"] == "invalid_token"


def test_revoke_refresh_token_in_form_body(emulator: Emulator) -> None:
    tokens = sign_in(emulator)
    r = requests.post(f"{emulator.url}/revoke", data={"token": tokens["refresh_token"]}, timeout=5)
    assert r.status_code == 200
    assert list_sessions(emulator, tokens["access_token"]).status_code == 401


def test_revoke_all_and_grant_token_hook(emulator: Emulator) -> None:
    tokens = emulator.grant_token()
    assert list_sessions(emulator, tokens["access_token"]).status_code == 200
    emulator.revoke_all()
    assert list_sessions(emulator, tokens["access_token"]).status_code == 401
    assert refresh(emulator, tokens["refresh_token"], client_id="emulator-client").status_code == 400


def test_device_code_refused_scope_uses_googles_exact_words(emulator: Emulator) -> None:
    emulator.refuse_scope = True
    r = ask_code(emulator)
    assert (r.status_code, r.json()) == (
        400,
        {"error": "invalid_scope", "error_description": f"Invalid device flow scope: {PICKER_SCOPE}"},
    )
    assert emulator.device_codes_issued == 0
    assert [(rec.endpoint, rec.status) for rec in emulator.requests] == [("device_code", 400)]


def test_device_code_wrong_client_type_switch(emulator: Emulator) -> None:
    emulator.wrong_client_type = True
    r = ask_code(emulator)
    assert (r.status_code, r.json()) == (401, {"error": "invalid_client", "error_description": "Invalid client type."})
    emulator.wrong_client_type = False
    assert ask_code(emulator).status_code == 200
    assert [rec.status for rec in emulator.requests] == [401, 200]
