"""The phone sign-in (authorization code + PKCE, "Desktop app" client) against the emulator, over real sockets."""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from core.config import DesktopClient, GoogleConfig
from core.emulator import Emulator, Person
from core.errors import AccessDenied, AddressRefused, InvalidClient
from device.signin.credentials import authorized_session
from device.signin.phone import PhoneSignInFlow
from device.signin.pkce import PHONE_REDIRECT, oauthlib_transport
from device.signin.token import StoredToken, TokenStore

DEVICE = {"client_id": "tv.apps", "client_secret": "tv-secret"}
DESKTOP = {"desktop_client_id": "desk.apps", "desktop_client_secret": "desk-secret"}


def google_for(emu: Emulator) -> GoogleConfig:
    return GoogleConfig(
        client_id="tv.apps",
        client_secret="tv-secret",
        auth_url=emu.url,
        picker_url=emu.url,
        authorize_url=f"{emu.url}/o/oauth2/v2/auth",
        desktop=DesktopClient("desk.apps", "desk-secret"),
    )


def phone_lands_on(consent_url: str) -> str:
    """What the person's phone does: open the consent link, tap Allow/Cancel; the address it is sent to."""
    reply = requests.get(consent_url, allow_redirects=False, timeout=5)
    assert reply.status_code == 302, reply.text
    return reply.headers["Location"]


@pytest.fixture
def emu(make_emulator: Callable[..., Emulator]) -> Emulator:
    return make_emulator(**DEVICE, **DESKTOP)


@pytest.fixture
def signed_in() -> list[StoredToken]:
    return []


@pytest.fixture
def phone(emu: Emulator, tmp_path: Path, signed_in: list[StoredToken]) -> PhoneSignInFlow:
    return PhoneSignInFlow(google_for(emu), TokenStore(tmp_path), signed_in.append, clock=emu.fake_clock)


def test_consent_url_asks_for_s256_and_a_loopback_redirect(phone: PhoneSignInFlow, emu: Emulator) -> None:
    query = parse_qs(urlsplit(phone.consent_url()).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert "code_verifier" not in query  # the verifier never leaves the device
    assert query["redirect_uri"] == [PHONE_REDIRECT]
    assert query["client_id"] == ["desk.apps"] and query["access_type"] == ["offline"]
    assert "photospicker.mediaitems.readonly" in query["scope"][0]


def test_pasted_address_signs_in_with_the_desktop_client_and_refreshes_with_it(
    phone: PhoneSignInFlow, emu: Emulator, tmp_path: Path, signed_in: list[StoredToken]
) -> None:
    address = phone_lands_on(phone.consent_url())
    # Phones often hide the scheme; the person pastes what the address bar shows.
    assert phone.complete(" " + address.removeprefix("http://") + "\n") == "frame.owner@example.com"
    stored = TokenStore(tmp_path).load()
    assert stored is not None and stored.client_id == "desk.apps" and signed_in == [stored]
    assert stat.S_IMODE(os.stat(tmp_path / "token.json").st_mode) == 0o600
    assert json.loads((tmp_path / "token.json").read_text())["client_id"] == "desk.apps"
    # The token refreshes only with the client that made it (the emulator refuses another: invalid_grant).
    emu.expire_access_tokens()
    session = authorized_session(stored, google_for(emu), TokenStore(tmp_path))
    assert session.post(f"{emu.url}/v1/sessions", json={}, timeout=5).status_code == 200
    assert emu.tokens_refreshed == 1
    assert not emu.violations


def test_consent_denied_is_access_denied(phone: PhoneSignInFlow, emu: Emulator, tmp_path: Path) -> None:
    emu.person = Person(consent="cancel")
    address = phone_lands_on(phone.consent_url())
    assert "error=access_denied" in address
    with pytest.raises(AccessDenied, match="not allowed"):
        phone.complete(address)
    assert TokenStore(tmp_path).load() is None


def test_address_with_another_state_is_refused_and_does_not_spend_the_link(
    phone: PhoneSignInFlow, emu: Emulator
) -> None:
    address = phone_lands_on(phone.consent_url())
    parts = urlsplit(address)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    forged = f"http://127.0.0.1/?state=someone-elses&code={query['code']}"
    with pytest.raises(AddressRefused, match="another sign-in attempt") as refused:
        phone.complete(forged)
    assert refused.value.reason == "wrong-state"
    assert emu.auth_codes_issued == 1
    assert phone.complete(address) == "frame.owner@example.com"  # the right address still works


@pytest.mark.parametrize(
    "pasted",
    ["", "hello", "frame.owner@example.com", "https://photos.google.com/?state=a&code=b", "http://127.0.0.1/"],
)
def test_text_that_is_not_the_address_is_refused_in_plain_words(phone: PhoneSignInFlow, pasted: str) -> None:
    phone.consent_url()
    with pytest.raises(AddressRefused, match="not the address your phone landed on") as refused:
        phone.complete(pasted)
    assert refused.value.reason == "not-an-address"


def test_a_code_already_used_is_refused(phone: PhoneSignInFlow, emu: Emulator) -> None:
    url = phone.consent_url()
    address = phone_lands_on(url)
    assert phone.complete(address)
    # The same address again: its link is spent on the device.
    with pytest.raises(AddressRefused) as again:
        phone.complete(address)
    assert again.value.reason == "wrong-state"
    # A code spent at Google under a live link: Google answers invalid_grant.
    url2 = phone.consent_url()
    address2 = phone_lands_on(url2)
    query = {k: v[0] for k, v in parse_qs(urlsplit(address2).query).items()}
    reused = f"http://127.0.0.1/?state={query['state']}&code={parse_qs(urlsplit(address).query)['code'][0]}"
    with pytest.raises(AddressRefused, match="already used") as used:
        phone.complete(reused)
    assert used.value.reason == "code-used"


def test_a_wrong_desktop_secret_is_invalid_client_and_nothing_leaks(
    emu: Emulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    google = google_for(emu)
    google = GoogleConfig(**{**google.__dict__, "desktop": DesktopClient("desk.apps", "not-the-secret")})
    phone = PhoneSignInFlow(google, TokenStore(tmp_path), lambda token: None)
    address = phone_lands_on(phone.consent_url())
    with pytest.raises(InvalidClient, match="Desktop app") as refused:
        phone.complete(address)
    code = parse_qs(urlsplit(address).query)["code"][0]
    for text in (str(refused.value), caplog.text):
        assert code not in text and "not-the-secret" not in text


def test_insecure_transport_is_allowed_for_loopback_only_and_put_back() -> None:
    os.environ.pop("OAUTHLIB_INSECURE_TRANSPORT", None)
    with oauthlib_transport("http://127.0.0.1:9/token"):
        assert os.environ.get("OAUTHLIB_INSECURE_TRANSPORT") == "1"
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ
    with oauthlib_transport("http://127.0.0.1:9/token", "http://example.com/auth"):
        assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ
    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
    try:
        with oauthlib_transport("https://oauth2.googleapis.com/token"):
            assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ  # never for anything but loopback
        assert os.environ["OAUTHLIB_INSECURE_TRANSPORT"] == "1"
    finally:
        del os.environ["OAUTHLIB_INSECURE_TRANSPORT"]


def test_the_first_qr_does_not_wait_for_oauthlib() -> None:
    import subprocess
    import sys

    code = (
        "import sys, device.app, device.wiring, device.runner, device.signin.phone, device.pairing\n"
        "print(sorted(m for m in sys.modules if 'oauthlib' in m or 'waitress' in m))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"


def test_an_old_token_file_without_its_client_is_the_device_clients(emu: Emulator, tmp_path: Path) -> None:
    from device.signin.grant import DeviceAuth, Granted

    auth = DeviceAuth(google_for(emu), requests.Session(), clock=emu.fake_clock)
    code = auth.start()
    emu.fake_clock.advance(5)
    granted = auth.poll_once(code)
    assert isinstance(granted, Granted)
    token = granted.token
    assert token.client_id == "tv.apps"
    old = json.loads(token.to_json())
    del old["client_id"]  # written before the client was recorded
    (tmp_path / "token.json").write_text(json.dumps(old))
    loaded = TokenStore(tmp_path).load()
    assert loaded is not None and loaded.client_id is None
    emu.expire_access_tokens()
    session = authorized_session(loaded, google_for(emu), TokenStore(tmp_path))
    assert session.post(f"{emu.url}/v1/sessions", json={}, timeout=5).status_code == 200
    assert emu.tokens_refreshed == 1  # refreshed with the device client (the desktop one would be refused)
    assert TokenStore(tmp_path).load().client_id is None  # type: ignore[union-attr]
