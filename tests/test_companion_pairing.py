"""The pairing server's rules over plain HTTP on 127.0.0.1: secrets, Host, Origin, limits, headers, logs."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests

from core.clock import FakeClock
from core.config import CompanionConfig
from device.companion.address import device_address, interface_addresses, served_addresses
from device.companion.pairing import short_code
from device.companion.server import Companion
from tests.companion_doubles import GOOD_ADDRESS, ScriptedSignIn

LOCAL = CompanionConfig(enabled=True, bind="127.0.0.1", port=0)


@pytest.fixture
def signin() -> ScriptedSignIn:
    return ScriptedSignIn()


@pytest.fixture
def companion(signin: ScriptedSignIn, fake_clock: FakeClock) -> Iterator[Companion]:
    with Companion(LOCAL, signin, lambda event: None, fake_clock.clock()) as server:
        yield server


def origin(companion: Companion) -> dict[str, str]:
    return {"Origin": companion.base_url}


def csrf_of(page: str) -> str:
    found = re.search(r"name='csrf' value='([^']+)'", page)
    assert found is not None
    return found.group(1)


def paste(companion: Companion, link: str, address: str, **headers: str) -> requests.Response:
    page = requests.get(link, timeout=5).text
    return requests.post(
        link, data={"address": address, "csrf": csrf_of(page)}, headers=headers or origin(companion), timeout=5
    )


def test_the_link_shows_the_signin_page_with_the_consent_link_and_one_form(companion: Companion) -> None:
    link = companion.pairing_url()
    secret = link.rsplit("/", 1)[1]
    assert link.startswith(f"http://127.0.0.1:{companion.port}/p/")
    assert len(secret) >= 22  # >= 128 bits of token_urlsafe
    answer = requests.get(link, timeout=5)
    assert answer.status_code == 200
    assert "http://127.0.0.1:9/o/oauth2/v2/auth?state=s" in answer.text
    assert answer.text.count("<form") == 1 and "name='address'" in answer.text
    assert "http://127.0.0.1" in answer.text and "iPhone" in answer.text and "Android" in answer.text
    assert secret not in answer.text


def test_every_response_carries_the_security_headers(companion: Companion) -> None:
    for answer in (
        requests.get(companion.pairing_url(), timeout=5),
        requests.get(f"{companion.base_url}/p/wrong", timeout=5),
        requests.get(f"{companion.base_url}/static/companion.css", timeout=5),
    ):
        csp = answer.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["Referrer-Policy"] == "same-origin"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_a_good_paste_connects_and_spends_the_secret(companion: Companion, signin: ScriptedSignIn) -> None:
    link = companion.pairing_url()
    answer = paste(companion, link, GOOD_ADDRESS)
    assert answer.status_code == 200 and "Connected as owner@example.com" in answer.text
    assert signin.pasted == [GOOD_ADDRESS]
    assert requests.get(link, timeout=5).status_code == 404  # reused
    spent = requests.post(link, data={"address": GOOD_ADDRESS}, headers=origin(companion), timeout=5)
    assert spent.status_code == 404 and signin.pasted == [GOOD_ADDRESS]


def test_a_refused_paste_keeps_the_secret_and_says_why(companion: Companion) -> None:
    link = companion.pairing_url()
    answer = paste(companion, link, "not an address")
    assert answer.status_code == 400 and "not the address Google sent" in answer.text
    assert paste(companion, link, GOOD_ADDRESS).status_code == 200


def test_a_wrong_secret_is_refused(companion: Companion) -> None:
    link = companion.pairing_url()
    wrong = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    assert requests.get(wrong, timeout=5).status_code == 404
    assert requests.get(f"{companion.base_url}/p/", timeout=5).status_code == 404


def test_the_secret_expires_after_ten_minutes(companion: Companion, fake_clock: FakeClock) -> None:
    link = companion.pairing_url()
    fake_clock.advance(599)
    assert requests.get(link, timeout=5).status_code == 200
    fake_clock.advance(1)
    assert requests.get(link, timeout=5).status_code == 404


def test_a_restart_forgets_the_secret(signin: ScriptedSignIn, fake_clock: FakeClock) -> None:
    with Companion(LOCAL, signin, lambda event: None, fake_clock.clock()) as first:
        link = first.pairing_url()
        port = first.port
    with Companion(CompanionConfig(bind="127.0.0.1", port=port), signin, lambda e: None, fake_clock.clock()) as again:
        assert requests.get(link, timeout=5).status_code == 404
        assert requests.get(again.pairing_url(), timeout=5).status_code == 200


def test_a_new_link_replaces_the_old_one(companion: Companion) -> None:
    old = companion.pairing_url()
    new = companion.pairing_url()
    assert requests.get(old, timeout=5).status_code == 404
    assert requests.get(new, timeout=5).status_code == 200


def test_a_foreign_host_is_refused_even_with_the_right_secret(companion: Companion) -> None:
    link = companion.pairing_url()
    for host in ("evil.example", f"evil.example:{companion.port}", "127.0.0.1:1", ""):
        answer = requests.get(link, headers={"Host": host}, timeout=5)
        assert answer.status_code == 421, host
    assert requests.get(link, timeout=5).status_code == 200


def test_a_post_without_or_with_a_foreign_origin_is_refused(companion: Companion, signin: ScriptedSignIn) -> None:
    link = companion.pairing_url()
    form = {"address": GOOD_ADDRESS, "csrf": csrf_of(requests.get(link, timeout=5).text)}
    for headers in ({}, {"Origin": "http://evil.example"}, {"Origin": "null"}, {"Origin": "http://127.0.0.1:1"}):
        answer = requests.post(link, data=form, headers=headers, timeout=5)
        assert answer.status_code == 403, headers
    assert signin.pasted == []
    assert requests.post(link, data=form, headers=origin(companion), timeout=5).status_code == 200


def test_a_post_without_the_csrf_field_is_refused(companion: Companion, signin: ScriptedSignIn) -> None:
    link = companion.pairing_url()
    for form in ({"address": GOOD_ADDRESS}, {"address": GOOD_ADDRESS, "csrf": "0" * 64}):
        assert requests.post(link, data=form, headers=origin(companion), timeout=5).status_code == 403
    assert signin.pasted == []


def test_ten_wrong_secrets_in_a_minute_answer_429(companion: Companion, fake_clock: FakeClock) -> None:
    link = companion.pairing_url()
    for n in range(10):
        assert requests.get(f"{companion.base_url}/p/guess{n}", timeout=5).status_code == 404
    answer = requests.get(link, timeout=5)
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "60"
    fake_clock.advance(60)
    assert requests.get(link, timeout=5).status_code == 200


def test_refused_pastes_count_toward_the_limit(companion: Companion) -> None:
    link = companion.pairing_url()
    for _ in range(10):
        assert paste(companion, link, "http://127.0.0.1:9/?state=other&code=x").status_code == 400
    assert requests.get(link, timeout=5).status_code == 429


def test_an_oversized_body_is_refused(companion: Companion, signin: ScriptedSignIn) -> None:
    link = companion.pairing_url()
    answer = requests.post(link, data={"address": "x" * 70_000}, headers=origin(companion), timeout=5)
    assert answer.status_code == 413
    assert signin.pasted == []


def test_login_from_a_computer_needs_the_short_code(companion: Companion, signin: ScriptedSignIn) -> None:
    link = companion.pairing_url()
    code = short_code(link.rsplit("/", 1)[1])
    assert code == companion.login_code(link) == companion.login_code() and len(code) == 8
    token = {"client_id": "c", "client_secret": "s", "refresh_token": "r"}
    url = f"{companion.base_url}/login"
    assert requests.post(url, json={"code": "WRONGCOD", "token": token}, headers=origin(companion)).status_code == 403
    assert requests.post(url, json={"code": code, "token": token}).status_code == 403  # no Origin
    assert signin.accepted == []
    answer = requests.post(url, json={"code": code.lower(), "token": token}, headers=origin(companion), timeout=5)
    assert answer.status_code == 200 and answer.json() == {"ok": True, "account": "owner@example.com"}
    assert signin.accepted == [token]
    again = requests.post(url, json={"code": code, "token": token}, headers=origin(companion), timeout=5)
    assert again.status_code == 403  # the code went with the spent secret


def test_no_secret_in_any_log_line(
    companion: Companion, signin: ScriptedSignIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    link = companion.pairing_url()
    secret = link.rsplit("/", 1)[1]
    requests.get(link + "?x=1", timeout=5)
    paste(companion, link, "wrong")
    paste(companion, link, GOOD_ADDRESS)
    requests.get(link, timeout=5)
    server_side = [r for r in caplog.records if not r.name.startswith("urllib3")]  # the client logs its own URLs
    logged = "\n".join(r.getMessage() for r in server_side)
    assert "/p/[secret]" in logged  # the requests were logged...
    assert secret not in logged and short_code(secret) not in logged  # ...without the secret


def test_the_server_is_not_imported_before_it_starts() -> None:
    code = "import sys, device.companion.server as s; print('waitress' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    # A kiosk imports only the companion's settings before its first frame; the server waits for it.
    code = "import sys, device.companion.kiosk; print([m for m in sys.modules if m.startswith('device.companion')])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "device.companion.server" not in out.stdout and "device.companion.settings" in out.stdout


def test_the_device_address_comes_from_the_interfaces() -> None:
    assert "127.0.0.1" in interface_addresses()
    assert device_address("127.0.0.1") == "127.0.0.1"
    assert served_addresses("127.0.0.1") == ["127.0.0.1"]
    everywhere = served_addresses("0.0.0.0")
    assert "127.0.0.1" in everywhere
    assert device_address("0.0.0.0") in everywhere
