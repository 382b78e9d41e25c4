"""The paired phone page's security rules over plain HTTP: every form and API replayed without what it needs."""

from __future__ import annotations

import hashlib
import json
import re
import stat
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from core import flow
from core.clock import FakeClock
from core.config import CompanionConfig, SlideshowConfig, parse_config
from core.errors import ConfigError
from core.states import Choose, UserAction
from device.companion.phones import COOKIE, FILE_NAME, Phones
from device.companion.server import Companion
from device.companion.settings import FILE_NAME as SETTINGS_FILE
from device.companion.settings import PhoneSettings
from device.companion.status import DeviceSources, DeviceView
from device.signin.token import StoredToken, TokenStore

FAKE_TOKEN = "ya29.fake-access-token-that-must-never-show"
FAKE_REFRESH = "1//fake-refresh-token-that-must-never-show"


class Device:
    """The device side as the companion sees it: the events posted and the state on show."""

    def __init__(self, state_dir: Path) -> None:
        self.events: list[flow.Event] = []
        self.pairings = 0  # PhonePaired events (a phone spent a pairing link), apart from the buttons' events
        self.phones = Phones(state_dir)
        store = TokenStore(state_dir)  # a signed-in device: the page reads the account from the token file
        store.save(StoredToken(FAKE_TOKEN, FAKE_REFRESH, None, ("scope",), "owner@example.com"))
        account = lambda: token.account if (token := store.load()) else None  # noqa: E731
        self.view = DeviceView(DeviceSources(photos=lambda: 7, account=account, library_dir=state_dir))
        self.settings = PhoneSettings(state_dir, SlideshowConfig(), locked=("fade",))  # the config file locks fade
        self.applied: list[SlideshowConfig] = []
        self.settings.on_change = self.applied.append

    def post(self, event: flow.Event) -> None:
        if isinstance(event, flow.PhonePaired):
            self.pairings += 1
        else:
            self.events.append(event)


@pytest.fixture
def device(tmp_path: Path) -> Device:
    return Device(tmp_path)


@pytest.fixture
def companion(device: Device, fake_clock: FakeClock) -> Iterator[Companion]:
    config = CompanionConfig(bind="127.0.0.1", port=0)
    parts = {"phones": device.phones, "view": device.view, "phone_settings": device.settings}
    with Companion(config, None, device.post, fake_clock.clock(), **parts) as c:
        yield c


def paired(companion: Companion) -> requests.Session:
    """A phone that opened a fresh pairing link."""
    phone = requests.Session()
    answer = phone.get(companion.pairing_url("pair"), allow_redirects=False, timeout=5)
    assert answer.status_code == 303 and answer.headers["Location"] == "/"
    return phone


def forms_of(page: str) -> list[tuple[str, dict[str, str]]]:
    """Every POST form on a page: its action and its hidden fields."""
    found = []
    for action, inner in re.findall(r"<form method='post' action='([^']+)'[^>]*>(.*?)</form>", page, re.S):
        fields = dict(re.findall(r"<input type='hidden' name='(\w+)' value='([^']*)'>", inner))
        found.append((action, fields))
    return found


def test_opening_the_link_pairs_with_a_long_lived_httponly_cookie_kept_only_as_a_hash(
    companion: Companion, device: Device, tmp_path: Path
) -> None:
    answer = requests.get(companion.pairing_url("pair"), allow_redirects=False, timeout=5)
    header = answer.headers["Set-Cookie"]
    cookie = answer.cookies[COOKIE]
    assert len(cookie) >= 43  # 256 bits of token_urlsafe
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Max-Age=34560000" in header
    stored = (tmp_path / FILE_NAME).read_text()
    assert cookie not in stored
    assert hashlib.sha256(b"picker-kiosk phone\0" + cookie.encode()).hexdigest() in stored
    assert stat.S_IMODE((tmp_path / FILE_NAME).stat().st_mode) == 0o600
    assert Phones(tmp_path).known(cookie) is not None  # survives a restart


def test_a_spent_or_stale_pairing_link_is_refused(companion: Companion, fake_clock: FakeClock, device: Device) -> None:
    link = companion.pairing_url("pair")
    assert requests.get(link, allow_redirects=False, timeout=5).status_code == 303
    assert device.pairings == 1  # the frame is told: the spent code leaves its screen
    assert requests.get(link, allow_redirects=False, timeout=5).status_code == 404  # spent by the first phone
    stale = companion.pairing_url("pair")
    fake_clock.advance(600)
    assert requests.get(stale, allow_redirects=False, timeout=5).status_code == 404
    assert device.pairings == 1 and device.events == []


def test_pairing_attempts_are_rate_limited(companion: Companion) -> None:
    link = companion.pairing_url("pair")
    for n in range(10):
        requests.get(f"{companion.base_url}/p/guess{n}", timeout=5)
    assert requests.get(link, allow_redirects=False, timeout=5).status_code == 429


def test_every_page_and_api_needs_the_cookie(companion: Companion) -> None:
    for path in ("/", "/api/state", "/pick"):
        answer = requests.get(companion.base_url + path, allow_redirects=False, timeout=5)
        assert answer.status_code == 401, path
        assert "not paired" in answer.text


def test_every_form_of_the_paired_page_replayed_without_what_it_needs_is_refused(
    companion: Companion, device: Device
) -> None:
    phone = paired(companion)
    page = phone.get(companion.base_url + "/", timeout=5).text
    forms = forms_of(page)
    assert {a for a, _ in forms} == {"/action", "/forget", "/settings", "/check"}
    assert {f.get("action") for a, f in forms if a == "/action"} >= {"add", "replace", "sign-out", "cancel"}
    good = {"Origin": companion.base_url}
    for action, fields in forms:
        url = companion.base_url + action
        no_csrf = {k: v for k, v in fields.items() if k != "csrf"}
        replays = [
            (requests.post(url, data=fields, headers=good, allow_redirects=False, timeout=5), 401),  # no cookie
            (phone.post(url, data=no_csrf, headers=good, allow_redirects=False, timeout=5), 403),
            (phone.post(url, data={**fields, "csrf": "0" * 64}, headers=good, allow_redirects=False), 403),
            (phone.post(url, data=fields, headers={"Origin": "http://evil.example"}, allow_redirects=False), 403),
            (phone.post(url, data=fields, allow_redirects=False, timeout=5), 403),  # no Origin
            (phone.post(url, data=fields, headers={**good, "Host": "evil.example"}, allow_redirects=False), 421),
        ]
        for answer, status in replays:
            assert answer.status_code == status, (action, fields.get("action"), status)
    assert device.events == [] and device.applied == []  # nothing refused reached the flow or the settings
    for path in ("/", "/api/state", "/pick"):
        assert phone.get(companion.base_url + path, headers={"Host": "evil.example"}, timeout=5).status_code == 421


def test_the_buttons_post_the_same_events_as_the_keys(companion: Companion, device: Device) -> None:
    phone = paired(companion)
    csrf = phone.get(companion.base_url + "/api/state", timeout=5).json()["csrf"]
    good = {"Origin": companion.base_url}
    for name in ("add", "replace", "sign-out", "cancel", "retry"):
        answer = phone.post(companion.base_url + "/action", data={"csrf": csrf, "action": name}, headers=good)
        assert answer.status_code == 200  # followed the 303 back to the page
    assert device.events == [
        flow.Action(UserAction.ADD, from_phone=True),
        flow.Action(UserAction.REPLACE, from_phone=True),
        flow.Action(UserAction.SIGN_OUT, from_phone=True),
        flow.Action(UserAction.CANCEL, from_phone=True),
        flow.Action(UserAction.RETRY, from_phone=True),
    ]
    refused = phone.post(companion.base_url + "/action", data={"csrf": csrf, "action": "quit"}, headers=good)
    assert refused.status_code == 400 and len(device.events) == 5


def test_the_picker_button_leads_to_the_sessions_picker_uri(companion: Companion, device: Device) -> None:
    phone = paired(companion)
    assert phone.get(companion.base_url + "/pick", allow_redirects=False, timeout=5).headers["Location"] == "/"
    uri = "http://127.0.0.1:9/pick/session-1"
    device.view.observe(Choose("session-1", uri, "owner@example.com", 2e6, 5.0, 0.0), 0.0)
    state = phone.get(companion.base_url + "/api/state", timeout=5).json()
    assert state["picking"] is True and state["text"] == "Waiting for photos to be chosen…"
    assert phone.get(companion.base_url + "/pick", allow_redirects=False, timeout=5).headers["Location"] == uri
    assert phone.get(companion.base_url + "/api/state", timeout=5).json()["text"] == "Choosing on a phone…"


def test_forget_all_phones_unpairs_every_phone(companion: Companion, device: Device, tmp_path: Path) -> None:
    one, two = paired(companion), paired(companion)
    csrf = two.get(companion.base_url + "/api/state", timeout=5).json()["csrf"]
    answer = two.post(companion.base_url + "/forget", data={"csrf": csrf}, headers={"Origin": companion.base_url})
    assert answer.status_code == 200 and "Every phone is forgotten" in answer.text
    for phone in (one, two):
        assert phone.get(companion.base_url + "/api/state", timeout=5).status_code == 401
    assert not (tmp_path / FILE_NAME).exists()


def test_no_response_holds_a_token_or_secret(companion: Companion, device: Device) -> None:
    link = companion.pairing_url("pair")
    secret = link.rsplit("/", 1)[1]
    phone = requests.Session()
    first = phone.get(link, timeout=5)
    cookie = phone.cookies[COOKIE]
    bodies = [first.text]
    for path in ("/", "/api/state", "/pick", "/static/companion.js", "/static/companion.css"):
        bodies.append(phone.get(companion.base_url + path, timeout=5).text)
    state = json.loads(bodies[2])
    assert set(state) >= {"account", "photos", "disk", "last_sync", "version", "csrf"}
    assert state["account"] == "owner@example.com"
    for body in bodies:
        for value in (secret, cookie, FAKE_TOKEN, FAKE_REFRESH):
            assert value not in body


def test_settings_are_saved_on_the_device_and_the_config_file_locks_its_own(
    companion: Companion, device: Device, tmp_path: Path
) -> None:
    phone = paired(companion)
    page = phone.get(companion.base_url + "/", timeout=5).text
    assert re.search(r"id='set-fade'[^>]*disabled", page) and "locked by the frame's config file" in page
    csrf = phone.get(companion.base_url + "/api/state", timeout=5).json()["csrf"]
    form = {"csrf": csrf, "interval": "25", "fade": "5", "captions": "on"}  # shuffle unticked
    answer = phone.post(companion.base_url + "/settings", data=form, headers={"Origin": companion.base_url})
    assert answer.status_code == 200
    expected = SlideshowConfig(interval=25.0, shuffle=False, captions=True, fade=1.0)  # fade stays the file's
    assert device.applied == [expected]  # the screen gets them at once
    assert PhoneSettings(tmp_path, SlideshowConfig(), locked=("fade",)).current() == expected  # and after a reboot
    assert stat.S_IMODE((tmp_path / SETTINGS_FILE).stat().st_mode) == 0o600
    assert phone.get(companion.base_url + "/api/state", timeout=5).json()["settings"]["values"]["interval"] == 25.0
    refused = phone.post(
        companion.base_url + "/settings", data={**form, "interval": "0.5"}, headers={"Origin": companion.base_url}
    )
    assert refused.status_code == 400 and "Seconds per photo must be between 1 and 86400" in refused.text
    assert device.applied == [expected]


def test_the_config_file_locks_only_settings_the_page_has() -> None:
    google = '[google]\nclient_id = "a"\nclient_secret = "b"\n'
    config = parse_config(tomllib.loads(google + '[companion]\nlocked = ["interval", "captions"]\n'))
    assert config.companion.locked == ("interval", "captions")
    with pytest.raises(ConfigError, match=r"companion\.locked names 'intervl'.*did you mean interval"):
        parse_config(tomllib.loads(google + '[companion]\nlocked = ["intervl"]\n'))
