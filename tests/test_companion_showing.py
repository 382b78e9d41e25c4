"""The phone page's "Now showing" (previous, pause, next: the keys' own actions, reaching the real screen through
the loop) and its sign-out choice, the device's own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from core import flow
from core.clock import FakeClock
from core.config import CompanionConfig, SlideshowConfig
from core.library import Photo
from core.states import ConfirmSignOut, Slideshow, UserAction
from device.companion.server import Companion
from device.loop import Loop
from device.ui.screen import Screen
from tests.test_companion_remote import Device, paired
from tests.test_slideshow_controls import photos, settle, showing

__all__ = ["photos"]  # the fixture, shared
pytestmark = pytest.mark.usefixtures("dummy_sdl")


@pytest.fixture
def device(tmp_path: Path) -> Device:
    return Device(tmp_path / "state")


@pytest.fixture
def companion(device: Device, fake_clock: FakeClock) -> Iterator[Companion]:
    config = CompanionConfig(bind="127.0.0.1", port=0)
    parts = {"phones": device.phones, "view": device.view, "phone_settings": device.settings}
    with Companion(config, None, device.post, fake_clock.clock(), **parts) as c:
        yield c


def post(phone: requests.Session, companion: Companion, name: str) -> int:
    csrf = phone.get(companion.base_url + "/api/state", timeout=5).json()["csrf"]
    answer = phone.post(
        companion.base_url + "/action",
        data={"csrf": csrf, "action": name},
        headers={"Origin": companion.base_url},
        timeout=5,
    )
    return answer.status_code


def buttons(page: str) -> dict[str, str]:
    """The page's visible action buttons: name -> label."""
    found = re.findall(r"<form method='post' action='/action' data-action='([^']+)'>.*?>([^<>]+)</button>", page)
    return dict(found)


def test_now_showing_posts_the_keys_actions_from_the_phone(companion: Companion, device: Device) -> None:
    device.view.observe(Slideshow(count=7), 0.0)
    phone = paired(companion)
    shown = buttons(phone.get(companion.base_url + "/", timeout=5).text)
    assert {"previous", "pause", "next"} <= set(shown) and shown["pause"] == "Pause"
    for name in ("previous", "pause", "next"):
        assert post(phone, companion, name) == 200
    assert device.events == [
        flow.Action(UserAction.PREVIOUS, from_phone=True),
        flow.Action(UserAction.PAUSE, from_phone=True),
        flow.Action(UserAction.NEXT, from_phone=True),
    ]
    assert post(phone, companion, "phone") == 400  # the TV's pairing QR is not the page's to show
    assert len(device.events) == 3


def test_sign_out_offers_the_devices_choice(companion: Companion, device: Device) -> None:
    device.view.observe(ConfirmSignOut(photos=7), 0.0)
    phone = paired(companion)
    shown = buttons(phone.get(companion.base_url + "/", timeout=5).text)
    assert shown == {
        "cancel": "Cancel",
        "sign-out-keep": "Sign out, keep the photos",
        "sign-out-remove": "Sign out and remove the photos from this device",
    }
    assert post(phone, companion, "sign-out-keep") == 200
    assert post(phone, companion, "sign-out-remove") == 200
    assert device.events == [
        flow.Action(UserAction.SIGN_OUT, from_phone=True),
        flow.Action(UserAction.SIGN_OUT_REMOVE, from_phone=True),
    ]


def test_the_loop_hands_the_phones_next_and_pause_to_the_screen(photos: list[Photo]) -> None:
    clock = FakeClock(1000.0)
    scr = Screen(size=(800, 480), slideshow=SlideshowConfig(interval=60.0, fade=0.2, shuffle=False), now=clock.now)
    scr.open()
    try:
        settle(scr, clock, photos, "p0")
        machine = flow.Machine(state=Slideshow(count=3), signed_in=True, photos=3)
        loop = Loop(machine, scr, lambda effects: None, lambda wait: None, list, lambda: photos, clock=clock)
        loop.feed(flow.Action(UserAction.NEXT, from_phone=True))
        settle(scr, clock, photos, "p1")
        loop.feed(flow.Action(UserAction.PAUSE, from_phone=True))
        scr.show(Slideshow(count=3), clock.now(), photos)
        assert scr.paused
        loop.feed(flow.Action(UserAction.PREVIOUS, from_phone=True))
        settle(scr, clock, photos, "p0")
        loop.feed(flow.Action(UserAction.NEXT))  # a key's action was the screen's already: not done twice
        scr.show(Slideshow(count=3), clock.now(), photos)
        assert showing(scr) == "p0"
    finally:
        scr.close()


def test_the_check_up_runs_at_start_and_on_check_never_on_a_poll(tmp_path: Path, fake_clock: FakeClock) -> None:
    from device.companion.health import Health
    from device.doctor import Check

    results = iter([(True, [Check("network", True, "fine")]), (False, [Check("disk", False, "12 MB free")])])
    health = Health(lambda: next(results))
    device = Device(tmp_path / "state")
    device.view.sources.health = health
    health.start()  # as the kiosk's companion does when it starts
    assert health.wait(10) and health.runs == 1
    config = CompanionConfig(bind="127.0.0.1", port=0)
    parts = {"phones": device.phones, "view": device.view, "phone_settings": device.settings}
    with Companion(config, None, device.events.append, fake_clock.clock(), **parts) as companion:
        phone = paired(companion)
        for _ in range(5):
            state = phone.get(companion.base_url + "/api/state", timeout=5).json()
        assert state["doctor"] == "Everything needed is in place." and health.runs == 1  # polls ran nothing
        csrf = state["csrf"]
        good = {"Origin": companion.base_url}
        refused = requests.post(companion.base_url + "/check", data={"csrf": csrf}, headers=good, timeout=5)
        assert refused.status_code == 401 and health.runs == 1  # without the cookie: nothing runs
        assert phone.post(companion.base_url + "/check", data={"csrf": csrf}, headers=good, timeout=5).ok
        assert health.wait(10) and health.runs == 2
        page = phone.get(companion.base_url + "/", timeout=5).text
        assert "Needs fixing — disk: 12 MB free" in page and "id='do-check'" in page
