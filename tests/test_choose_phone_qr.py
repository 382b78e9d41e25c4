"""The choose screen's "Use your phone as the remote": the same pairing QR as the slideshow's "Phone", opened
by a button or P, shown in place of the picker's code (which comes back on Close or Back, the session kept);
none of it with the companion off or when a phone already has the link."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pygame
import pytest
import requests
import zxingcpp

from core import flow
from core.clock import FakeClock
from core.config import parse_config
from core.emulator import Emulator, testing
from core.states import Choose, UserAction
from device.companion.kiosk import KioskCompanion
from device.companion.phones import COOKIE
from device.ui.scenes import scene_for
from device.ui.screen import Screen
from device.wiring import build_kiosk
from tests.companion_kiosk import free_port
from tests.helpers import CLIENT_ID, CLIENT_SECRET
from tests.screen_events import click, press
from tests.test_screen_render import check_text_layout, screenshot

pytestmark = pytest.mark.usefixtures("dummy_sdl")
LINK = "http://192.168.1.23:8080/p/q9vM3ovLX6O-pEx9lP7F95xY2zW4"
PICKER = "https://photos.google.com/picker/AF1QipNnZx7kTq2hWl0cD9vR3sYb8uJm4eKa6oPiG5fLt1Xw"
REMOTE = "Phone remote"


def choosing(companion: bool, photos: int = 5, on_phone: bool = False) -> flow.Machine:
    """A signed-in machine on the choose screen (started on the TV, or from the phone page)."""
    m = flow.Machine(companion=companion)
    m, _ = flow.step(m, flow.Boot(signed_in=True, account="a@example.com", photos=photos), 0.0)
    m, effects = flow.step(m, flow.Action(UserAction.ADD, from_phone=on_phone), 0.5)
    assert effects == [flow.CreateSession()]
    m, _ = flow.step(m, flow.SessionCreated("s1", PICKER, poll_interval=5.0, timeout_in=1800.0), 1.0)
    assert isinstance(m.state, Choose) and m.state.on_phone == on_phone
    return m


def labels(m: flow.Machine) -> list[str]:
    return [item.label for item in scene_for(m.state).menu(m.state)]


# ---- the flow owns it --------------------------------------------------------------------------------


def test_the_choose_screen_offers_the_pairing_qr_which_replaces_the_code_then_gives_it_back() -> None:
    m = choosing(companion=True)
    assert isinstance(m.state, Choose) and m.state.phone and m.state.pairing_url is None
    assert labels(m) == ["Cancel", "New link", REMOTE]
    m, effects = flow.step(m, flow.Action(UserAction.PHONE), 2.0)
    assert effects == [flow.OpenPhonePairing()]
    m, _ = flow.step(m, flow.PhonePairingOpened(LINK, 600.0), 3.0)
    assert isinstance(m.state, Choose) and m.state.pairing_url == LINK and labels(m) == ["Close"]
    # The picking session goes on underneath: polled as before, the pairing QR still on show after a poll.
    m, effects = flow.step(m, flow.Tick(), 6.0)
    assert effects == [flow.PollSession("s1")]
    m, _ = flow.step(m, flow.SessionPolled("s1", media_items_set=False, poll_interval=5.0), 6.5)
    assert isinstance(m.state, Choose) and m.state.pairing_url == LINK and m.session is not None
    for close in (UserAction.CANCEL, UserAction.PHONE, UserAction.RETRY):  # Back, Close (or P), R
        shown, _ = flow.step(m, flow.PhonePairingOpened(LINK, 600.0), 7.0)
        back, effects = flow.step(shown, flow.Action(close), 8.0)
        assert effects == [], f"{close} did more than close the pairing QR"
        assert isinstance(back.state, Choose) and back.state.pairing_url is None and back.state.session_id == "s1"
        assert back.session is not None and labels(back) == ["Cancel", "New link", REMOTE]
    # The phone page's Cancel still cancels the picking (it is not the TV's Back on the pairing QR).
    m, effects = flow.step(m, flow.Action(UserAction.CANCEL, from_phone=True), 9.0)
    assert flow.DeleteSession("s1") in effects and not isinstance(m.state, Choose)


def test_a_phone_pairing_spends_the_code_so_it_leaves_the_screen() -> None:
    m = choosing(companion=True)
    m, _ = flow.step(m, flow.PhonePairingOpened(LINK, 600.0), 2.0)
    m, effects = flow.step(m, flow.PhonePaired(), 3.0)
    assert effects == [] and isinstance(m.state, Choose) and m.state.pairing_url is None and m.session is not None
    assert labels(m) == ["Cancel", "New link", REMOTE]
    before = m.state
    m, effects = flow.step(m, flow.PhonePaired(), 4.0)  # a phone paired with nothing on show: nothing changes
    assert m.state == before and effects == []


def test_the_pairing_qr_goes_after_its_ten_minutes_and_with_the_picking() -> None:
    m = choosing(companion=True)
    m, _ = flow.step(m, flow.PhonePairingOpened(LINK, 600.0), 2.0)
    m, _ = flow.step(m, flow.SessionPolled("s1", media_items_set=False, poll_interval=5.0), 601.0)
    assert isinstance(m.state, Choose) and m.state.pairing_url == LINK
    m, _ = flow.step(m, flow.SessionPolled("s1", media_items_set=False, poll_interval=5.0), 602.0)
    assert isinstance(m.state, Choose) and m.state.pairing_url is None and m.state.phone
    # Done on the phone while the pairing QR shows: the download's screen, no pairing QR left behind.
    m, _ = flow.step(m, flow.PhonePairingOpened(LINK, 600.0), 603.0)
    m, effects = flow.step(m, flow.SessionPolled("s1", media_items_set=True), 604.0)
    assert flow.Download("s1", False) in effects and not isinstance(m.state, Choose)


def test_with_the_companion_off_the_choose_screen_has_no_phone_button_key_or_qr() -> None:
    m = choosing(companion=False)
    assert isinstance(m.state, Choose) and not m.state.phone
    assert labels(m) == ["Cancel", "New link"]
    m, effects = flow.step(m, flow.Action(UserAction.PHONE), 2.0)
    assert effects == []
    m, _ = flow.step(m, flow.PhonePairingOpened(LINK, 600.0), 3.0)  # even a stray answer shows nothing
    assert isinstance(m.state, Choose) and m.state.pairing_url is None


def test_a_picking_the_phone_started_offers_no_pairing() -> None:
    m = choosing(companion=True, on_phone=True)
    assert isinstance(m.state, Choose) and not m.state.phone and labels(m) == ["Cancel"]
    m, effects = flow.step(m, flow.Action(UserAction.PHONE), 2.0)
    assert effects == []


# ---- the screen: the button, the key, the tap ----------------------------------------------------------


def test_the_button_a_tap_and_p_ask_for_the_pairing_qr_on_the_choose_screen(screen: tuple[Screen, FakeClock]) -> None:
    scr, clock = screen
    m = choosing(companion=True)
    scr.show(m.state, clock.now(), ())
    assert REMOTE in [t for t, _r in scr.last_texts]
    # With the keys: the first arrow shows the focus (on Cancel), two more reach the button, OK presses it.
    assert press(scr, pygame.K_RIGHT, pygame.K_RIGHT, pygame.K_RETURN) == [UserAction.RETRY]  # New link, not it
    assert press(scr, pygame.K_RIGHT, pygame.K_RETURN) == [UserAction.PHONE]
    assert press(scr, pygame.K_p) == [UserAction.PHONE]
    target = next(rect for rect, action in scr._frame.buttons if action is UserAction.PHONE) if scr._frame else None
    assert target is not None
    assert click(scr, target.center) == [UserAction.PHONE]


# ---- the device side: the code on the choose screen is a working pairing link ---------------------------


def test_the_code_shown_from_the_choose_screen_pairs_a_phone(
    tmp_path: Path, emulator: Emulator, screen: tuple[Screen, FakeClock]
) -> None:
    scr, clock = screen
    path = testing.write_config(
        tmp_path,
        emulator.url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        companion={"enabled": True, "bind": "127.0.0.1", "port": free_port()},
    )
    kiosk = build_kiosk(parse_config(tomllib.loads(path.read_text())))
    remote = KioskCompanion(kiosk)
    kiosk.runner.use_phone_pairing(remote.open_pairing)
    try:
        m = choosing(companion=True)
        scr.show(m.state, clock.now(), ())
        (action,) = press(scr, pygame.K_p)
        m, effects = flow.step(m, flow.Action(action), clock.now())
        kiosk.runner.run(effects)
        opened = kiosk.events.get(10)
        assert isinstance(opened, flow.PhonePairingOpened)
        m, _ = flow.step(m, opened, clock.now())
        scr.show(m.state, clock.now(), ())
        shown = [t for t, _r in scr.last_texts]
        assert "Control from your phone" in " ".join(shown) and "Close" in shown
        assert "The link works for 10 min" in shown
        check_text_layout(scr)
        img = screenshot(scr, tmp_path, "choose-pairing")
        (code,) = [b.text for b in zxingcpp.read_barcodes(img)]
        assert code == opened.url and code != PICKER  # the pairing link, not the picker's
        answer = requests.get(code, allow_redirects=False, timeout=5)
        assert answer.status_code == 303 and COOKIE in answer.cookies
        # Paired: the spent code leaves the screen and the picker's comes back, for the phone or anyone.
        paired = kiosk.events.get(10)
        assert isinstance(paired, flow.PhonePaired)
        m, _ = flow.step(m, paired, clock.now())
        scr.show(m.state, clock.now(), ())
        img = screenshot(scr, tmp_path, "choose-again")
        assert [b.text for b in zxingcpp.read_barcodes(img)] == [PICKER]
        # The paired phone can go on to choose the photos of the session the TV shows.
        remote.observe(m.state, clock.now())
        cookies = {COOKIE: answer.cookies[COOKIE]}
        page = requests.get(code.split("/p/")[0] + "/", cookies=cookies, timeout=5)
        assert page.status_code == 200 and "<div id='picker'>" in page.text  # "Open Google Photos", not hidden
        pick = requests.get(code.split("/p/")[0] + "/pick", cookies=cookies, allow_redirects=False, timeout=5)
        assert pick.status_code == 303 and pick.headers["Location"] == PICKER
        assert requests.get(code, allow_redirects=False, timeout=5).status_code != 303  # the secret is spent
    finally:
        remote.stop()
        kiosk.runner.close()
