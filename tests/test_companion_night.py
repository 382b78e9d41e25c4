"""The phone page's night schedule (`[schedule] sleep`): checked as the config file's is, saved on the device,
locked by the config, refused without what every form needs, and taken up by the running screen (it goes dark,
the TV to standby)."""

from __future__ import annotations

import json
import time
import tomllib
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image

from core.clock import FakeClock
from core.config import CompanionConfig, ConfigError, SlideshowConfig, parse_config
from core.emulator import testing
from core.library import Photo
from core.schedule import parse_schedule
from core.states import Slideshow
from device.companion.phone_page import phone_page
from device.companion.server import Companion
from device.companion.settings import FILE_NAME, PhoneSettings, SettingsRefused
from device.standby import Standby
from device.ui.screen import Screen
from tests.companion_browser import browsers, wait_for  # noqa: F401 - the fixture
from tests.helpers import CLIENT_ID, CLIENT_SECRET
from tests.test_companion_layout_clock import _state
from tests.test_companion_remote import Device, paired

FORM = {"interval": "10", "fade": "1", "shuffle": "on"}
LATE = datetime(2026, 11, 30, 23, 30)  # a Monday, half past eleven at night
LOCKED_NIGHT = parse_schedule("23:00-06:00")


def test_the_night_is_saved_atomically_and_survives_a_restart(tmp_path: Path) -> None:
    settings = PhoneSettings(tmp_path, SlideshowConfig(), locked=())
    told: list[object] = []
    settings.on_night = told.append
    settings.update({**FORM, "sleep": " 22:00 - 07:00 "})
    assert told == [parse_schedule("22:00-07:00")]  # the running screen is told at once
    assert json.loads((tmp_path / FILE_NAME).read_text())["sleep"] == "22:00-07:00"
    assert not [p for p in tmp_path.iterdir() if p.name != FILE_NAME], "a temp file was left behind"
    again = PhoneSettings(tmp_path, SlideshowConfig(), locked=())
    assert again.night() == parse_schedule("22:00-07:00") and again.shown()["values"]["sleep"] == "22:00-07:00"
    assert again.current().interval == 10.0  # the slideshow's settings beside it
    again.update({**FORM, "sleep": "off"})
    assert not PhoneSettings(tmp_path, SlideshowConfig(), locked=()).night().enabled


def test_weekday_nights_as_the_config_file_has_them(tmp_path: Path) -> None:
    config = parse_schedule({"default": "22:30-07:00", "fri": "23:30-08:30", "sat": "off"})
    settings = PhoneSettings(tmp_path, SlideshowConfig(), locked=(), night=config)
    assert settings.shown()["values"]["sleep"] == "default=22:30-07:00, fri=23:30-08:30, sat=off"
    settings.update({**FORM, "sleep": "default=22:00-06:30, sun=off"})
    assert settings.night() == parse_schedule({"default": "22:00-06:30", "sun": "off"})


@pytest.mark.parametrize(
    ("value", "toml", "words"),
    [
        ("25:00-07:00", '"25:00-07:00"', "hours run 0-23 and minutes 0-59"),
        ("22:00", '"22:00"', 'must look like "22:30-07:00"'),
        ("22:00-22:00", '"22:00-22:00"', "must end at another time than it starts"),
        ("noon=12:00-13:00", '{ noon = "12:00-13:00" }', "knows the days mon"),
        ("fri=23:30-8:61", '{ fri = "23:30-8:61" }', "hours run 0-23 and minutes 0-59"),
        ("mon=22:00-07:00, mon=off", None, "names 'mon' twice"),  # TOML itself refuses a key given twice
    ],
)
def test_a_night_the_config_file_would_refuse_is_refused_in_plain_words(
    tmp_path: Path, value: str, toml: str | None, words: str
) -> None:
    if toml is not None:
        with pytest.raises(ConfigError, match=words.replace("(", r"\(")):  # the config file's own rule
            parse_config(tomllib.loads(f"[google]\nclient_id = 'x'\n[schedule]\nsleep = {toml}\n"))
    settings = PhoneSettings(tmp_path, SlideshowConfig(), locked=())
    with pytest.raises(SettingsRefused, match=words.replace("(", r"\(")) as refused:
        settings.update({**FORM, "sleep": value})
    assert str(refused.value).startswith("Night")
    assert not (tmp_path / FILE_NAME).exists() and not settings.night().enabled  # nothing saved


def test_a_locked_night_stays_the_config_files_and_the_page_says_so(tmp_path: Path) -> None:
    path = testing.write_config(
        tmp_path,
        "http://127.0.0.1:9",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        schedule={"sleep": "23:00-06:00"},
        companion={"enabled": False, "locked": ["sleep"]},
    )
    config = parse_config(tomllib.loads(path.read_text()))
    assert config.companion.locked == ("sleep",)
    settings = PhoneSettings(tmp_path, config.slideshow, config.companion.locked, config.schedule.sleep)
    settings.update({**FORM, "sleep": "off"})
    assert settings.night() == parse_schedule("23:00-06:00")
    page = phone_page(_state(), "csrf", settings.shown())
    assert "<input type='text' id='set-sleep' name='sleep' value='23:00-06:00'" in page
    assert "autocomplete='off' spellcheck='false' disabled>" in page
    locked = "<span class='locked'>(locked by the frame's config file)</span>"
    assert f"Night: when the frame sleeps (like 22:30-07:00, or off) {locked}" in page


def test_a_form_without_its_locked_fields_saves(tmp_path: Path) -> None:
    # A browser sends no disabled field: the locked ones are missing from its form, and the config's stand.
    settings = PhoneSettings(tmp_path, SlideshowConfig(fade=2.0), locked=("fade", "sleep"), night=LOCKED_NIGHT)
    saved = settings.update({"interval": "15", "layout": "single", "clock": "off"})
    assert (saved.interval, saved.fade, saved.layout) == (15.0, 2.0, "single") and settings.night() == LOCKED_NIGHT


# ---- over HTTP: the form's rules, as every other form's ------------------------------------------------


@pytest.fixture
def device(tmp_path: Path) -> Device:
    return Device(tmp_path / "state")


@pytest.fixture
def companion(device: Device, fake_clock: FakeClock) -> Iterator[Companion]:
    config = CompanionConfig(bind="127.0.0.1", port=0)
    parts = {"phones": device.phones, "view": device.view, "phone_settings": device.settings}
    with Companion(config, None, device.post, fake_clock.clock(), **parts) as c:
        yield c


def test_the_night_form_needs_the_cookie_the_csrf_token_and_the_origin(companion: Companion, device: Device) -> None:
    phone = paired(companion)
    csrf = phone.get(companion.base_url + "/api/state", timeout=5).json()["csrf"]
    url, good = companion.base_url + "/settings", {"Origin": companion.base_url}
    form = {**FORM, "csrf": csrf, "sleep": "22:00-07:00"}
    assert requests.post(url, data=form, headers=good, timeout=5).status_code == 401  # no cookie
    assert phone.post(url, data={**form, "csrf": "0" * 64}, headers=good, timeout=5).status_code == 403
    assert phone.post(url, data=form, headers={"Origin": "http://evil.example"}, timeout=5).status_code == 403
    assert not device.settings.night().enabled and device.applied == []  # nothing refused was saved
    bad = phone.post(url, data={**form, "sleep": "22:00-31:00"}, headers=good, timeout=5)
    assert bad.status_code == 400
    assert "id='settings-error' role='alert'>Night: hours run 0-23 and minutes 0-59" in bad.text
    assert not device.settings.night().enabled
    saved = phone.post(url, data=form, headers=good, timeout=5)
    assert saved.status_code == 200 and "value='22:00-07:00'" in saved.text  # followed back to the page
    assert device.settings.night() == parse_schedule("22:00-07:00")
    answer = phone.post(url, json={**form, "sleep": "off"}, headers=good, timeout=5)
    assert answer.json()["saved"]["values"]["sleep"] == "off"


# ---- in a browser: the page changes the night, the running screen goes dark and the TV to standby ---------


@pytest.mark.usefixtures("dummy_sdl")
def test_the_page_sets_a_night_and_the_frame_goes_dark(
    tmp_path: Path,
    device: Device,
    companion: Companion,
    browsers: Callable[[], Any],  # noqa: F811
) -> None:
    from selenium.webdriver.common.by import By

    image = tmp_path / "p.jpg"
    Image.new("RGB", (640, 480), (220, 180, 40)).save(image)
    photos = [Photo(id="p", path=str(image), width=640, height=480)]
    cec = tmp_path / "cec0"
    cec.write_text("")
    sent: list[str] = []

    def cec_ctl(argv: Sequence[str]) -> int:
        sent.append(argv[-1])
        return 0

    tv = Standby(run=cec_ctl, which=lambda name: "/usr/bin/cec-ctl", cec_device=cec, backlights=tmp_path / "none")
    clock = FakeClock(1000.0)
    scr = Screen(size=(800, 480), slideshow=SlideshowConfig(fade=0.0), now=clock.now, wall=lambda: LATE, standby=tv)
    scr.open()
    device.settings.on_night = scr.use_night  # as device.companion.kiosk wires the running kiosk's screen
    phone = browsers()

    def dark() -> bool:
        scr.show(Slideshow(count=1), clock.now(), photos)
        clock.advance(0.05)
        time.sleep(0.01)
        return scr.dark

    try:
        assert not dark() and not dark()
        phone.get(companion.pairing_url("pair"))  # the link a person scans
        night = wait_for(phone, lambda d: d.find_element(By.ID, "set-sleep"))
        assert night.get_attribute("value") == "off"
        night.clear()
        night.send_keys("22:00-7:00")
        phone.find_element(By.ID, "do-save").click()
        wait_for(phone, lambda d: d.find_element(By.ID, "set-sleep").get_attribute("value") == "22:00-07:00")
        wait_for(phone, lambda d: dark(), timeout=20)
        wait_for(phone, lambda d: sent == ["--standby"], timeout=20)  # the TV went to standby by HDMI-CEC
        saved = json.loads((device.settings.path).read_text())
        assert saved["sleep"] == "22:00-07:00"
        night = phone.find_element(By.ID, "set-sleep")
        night.clear()
        night.send_keys("7:00")  # a bad time: said on the page, nothing changes on the frame
        phone.find_element(By.ID, "do-save").click()
        error = wait_for(phone, lambda d: d.find_element(By.ID, "settings-error"))
        assert 'Night must look like "22:30-07:00" (or "off")' in error.text
        assert dark() and json.loads((device.settings.path).read_text())["sleep"] == "22:00-07:00"
        night = phone.find_element(By.ID, "set-sleep")
        night.clear()
        night.send_keys("off")
        phone.find_element(By.ID, "do-save").click()
        wait_for(phone, lambda d: not dark(), timeout=20)  # awake again, the TV back on
        wait_for(phone, lambda d: sent == ["--standby", "--image-view-on"], timeout=20)
    finally:
        scr.close()
