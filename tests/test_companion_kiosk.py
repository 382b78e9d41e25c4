"""The phone companion of a running headless kiosk, driven by headless chromium phones over 127.0.0.1."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from core.emulator import Emulator, Person
from tests.companion_browser import browsers, wait_for  # noqa: F401 - the fixture
from tests.companion_kiosk import RunningKiosk, free_port
from tests.helpers import kiosk_emulator

PICKS = 5


@pytest.fixture
def google() -> Iterator[Emulator]:
    # The person picks only once the phone has opened pickerUri (streamlined=False), a moment later.
    person = Person(approve_after=0.5, pick_count=PICKS, pick_after=0.5, streamlined=False, include_videos=False)
    with kiosk_emulator(photos=40, person=person, poll_interval=0.5) as emulator:
        yield emulator


@pytest.fixture
def kiosk(tmp_path: Path, google: Emulator, browsers: Callable[[], Any]) -> Iterator[RunningKiosk]:  # noqa: F811
    # ``browsers`` first: without chromium the test skips before a kiosk is started (and stopped mid-start).
    running = RunningKiosk(tmp_path, google, free_port()).start()
    yield running
    assert running.stop() == 0, "\n".join(running.seen)


def by_id(phone: Any, element_id: str) -> Any:
    from selenium.webdriver.common.by import By

    return phone.find_element(By.ID, element_id)


def shown(phone: Any, element_id: str) -> bool:
    from selenium.common.exceptions import NoSuchElementException

    try:
        return bool(by_id(phone, element_id).is_displayed())
    except NoSuchElementException:
        return False


def test_a_phone_paired_from_the_printed_link_adds_photos_through_the_picker_link(
    kiosk: RunningKiosk,
    google: Emulator,
    browsers: Callable[[], Any],  # noqa: F811
) -> None:
    phone = browsers()
    phone.get(kiosk.link())
    assert phone.current_url == f"http://127.0.0.1:{kiosk.port}/"  # the secret left the address bar
    wait_for(phone, lambda d: shown(d, "open-picker"))  # signed in; the device made a picking session
    page_tab = phone.current_window_handle
    by_id(phone, "open-picker").click()  # opens Google Photos' picker in a new tab; the person picks there
    wait_for(phone, lambda d: len(d.window_handles) == 2)
    phone.switch_to.window(page_tab)
    wait_for(phone, lambda d: by_id(d, "photos").text == str(PICKS), timeout=40)
    wait_for(phone, lambda d: shown(d, "do-add"))
    assert by_id(phone, "status").text.strip() != ""
    wait_for(phone, lambda d: google.open_sessions == [])
    files = [f for f in (kiosk.config.parent / "state" / "library").iterdir() if not f.name.startswith(".")]
    assert len(files) == PICKS


def test_an_unpaired_phone_and_a_stale_link_are_refused(
    kiosk: RunningKiosk,
    browsers: Callable[[], Any],  # noqa: F811
) -> None:
    first = kiosk.link()
    stranger = browsers()
    stranger.get(f"http://127.0.0.1:{kiosk.port}/")
    assert by_id(stranger, "unpaired").text.startswith("This phone is not paired")
    kiosk.press_enter()  # a fresh link; the one printed before no longer works
    second = kiosk.link()
    assert second != first
    stranger.get(first)
    assert by_id(stranger, "stale").text.startswith("This link has expired")
    stranger.get(second)
    wait_for(stranger, lambda d: shown(d, "status"))
    assert "Forget all phones" in stranger.page_source
    stranger.get(second)  # spent by the pairing
    assert shown(stranger, "stale")


def test_two_phones_then_forget_all(kiosk: RunningKiosk, browsers: Callable[[], Any]) -> None:  # noqa: F811
    one, two = browsers(), browsers()
    one.get(kiosk.link())
    wait_for(one, lambda d: shown(d, "status"))
    kiosk.press_enter()
    two.get(kiosk.link())
    wait_for(two, lambda d: shown(d, "status"))
    one.refresh()
    assert shown(one, "status")  # pairing the second phone did not unpair the first
    interval = by_id(one, "set-interval")  # one phone changes a setting; the other sees it after a reload
    interval.clear()
    interval.send_keys("42")
    by_id(one, "do-save").click()
    wait_for(one, lambda d: by_id(d, "set-interval").get_attribute("value") == "42")
    two.refresh()
    assert by_id(two, "set-interval").get_attribute("value") == "42"
    assert '"interval": 42.0' in (kiosk.config.parent / "state" / "settings.json").read_text()
    by_id(two, "do-forget").click()
    wait_for(two, lambda d: shown(d, "forgotten"))
    for phone in (one, two):
        phone.get(f"http://127.0.0.1:{kiosk.port}/")
        assert shown(phone, "unpaired")


def test_the_page_survives_the_frame_restarting_under_it(
    tmp_path: Path,
    google: Emulator,
    browsers: Callable[[], Any],  # noqa: F811
) -> None:
    port = free_port()
    first = RunningKiosk(tmp_path, google, port).start()
    phone = browsers()
    try:
        phone.get(first.link())
        wait_for(phone, lambda d: shown(d, "status"))
    finally:
        assert first.stop() == 0
    wait_for(phone, lambda d: shown(d, "offline"))  # the page says the frame is not answering
    again = RunningKiosk(tmp_path, google, port).start()
    try:
        again.link()
        wait_for(phone, lambda d: not shown(d, "offline"))  # back, still paired (the cookie's hash was kept)
        answer = requests.get(f"http://127.0.0.1:{port}/api/state", timeout=5)
        assert answer.status_code == 401  # ...and only that phone is
    finally:
        assert again.stop() == 0


def test_companion_disabled_serves_nothing_and_prints_no_link(tmp_path: Path, google: Emulator) -> None:
    port = free_port()
    kiosk = RunningKiosk(tmp_path, google, port, enabled=False).start()
    try:
        kiosk.wait_line(re.compile(r"Open this link on a phone"))  # the kiosk is up and asking for photos
        kiosk.press_enter()
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/", timeout=5)
    finally:
        assert kiosk.stop() == 0
    while not kiosk.lines.empty():
        kiosk.seen.append(kiosk.lines.get())
    assert not any("Control from your phone" in line for line in kiosk.seen)
