"""The slideshow's "Phone" button and P key: the companion's pairing QR, owned by the flow, shown by shape,
opening a real pairing; none of it with the companion off."""

from __future__ import annotations

import os
import tomllib
from dataclasses import replace
from pathlib import Path

import pygame
import pytest
import requests
import zxingcpp
from PIL import Image

from core import flow
from core.clock import FakeClock
from core.config import parse_config
from core.emulator import Emulator, testing
from core.states import Slideshow, UserAction
from device.companion.kiosk import KioskCompanion
from device.companion.phones import COOKIE
from device.ui.input import Controls
from device.ui.scenes import scene_for
from device.ui.screen import Screen
from device.wiring import build_kiosk
from tests.companion_kiosk import free_port
from tests.helpers import CLIENT_ID, CLIENT_SECRET
from tests.test_screen_render import check_text_layout

pytestmark = pytest.mark.usefixtures("dummy_sdl")
LINK = "http://192.168.1.23:8080/p/q9vM3ovLX6O-pEx9lP7F95xY2zW4"


def showing(companion: bool) -> flow.Machine:
    """A signed-in machine on the slideshow, with the companion running or not."""
    m = flow.Machine(companion=companion)
    m, _ = flow.step(m, flow.Boot(signed_in=True, account="a@example.com", photos=5), 0.0)
    assert isinstance(m.state, Slideshow)
    return m


# ---- the flow owns it --------------------------------------------------------------------------------


def test_phone_opens_pairing_and_its_qr_shows_for_ten_minutes_then_goes() -> None:
    m = showing(companion=True)
    assert isinstance(m.state, Slideshow) and m.state.phone and m.state.pairing_url is None
    m, effects = flow.step(m, flow.Action(UserAction.PHONE), 1.0)
    assert effects == [flow.OpenPhonePairing()]
    m, _ = flow.step(m, flow.PhonePairingOpened(LINK, 600.0), 2.0)
    assert isinstance(m.state, Slideshow) and m.state.pairing_url == LINK
    m, _ = flow.step(m, flow.Tick(), 601.0)
    assert isinstance(m.state, Slideshow) and m.state.pairing_url == LINK  # still open
    m, _ = flow.step(m, flow.Tick(), 602.0)
    assert isinstance(m.state, Slideshow) and m.state.pairing_url is None and m.state.phone


def test_back_or_phone_again_hides_the_qr() -> None:
    for action in (UserAction.CANCEL, UserAction.PHONE):
        m = showing(companion=True)
        m, _ = flow.step(m, flow.PhonePairingOpened(LINK, 600.0), 1.0)
        m, effects = flow.step(m, flow.Action(action), 2.0)
        assert effects == []
        assert isinstance(m.state, Slideshow) and m.state.pairing_url is None


def test_a_phone_pairing_spends_the_code_so_it_leaves_the_slideshow() -> None:
    m = showing(companion=True)
    m, _ = flow.step(m, flow.PhonePairingOpened(LINK, 600.0), 1.0)
    m, effects = flow.step(m, flow.PhonePaired(), 2.0)
    assert effects == [] and isinstance(m.state, Slideshow) and m.state.pairing_url is None and m.state.phone


def test_adding_photos_from_the_qr_screen_leaves_it() -> None:
    m = showing(companion=True)
    m, _ = flow.step(m, flow.PhonePairingOpened(LINK, 600.0), 1.0)
    m, effects = flow.step(m, flow.Action(UserAction.ADD), 2.0)
    assert flow.CreateSession() in effects and not isinstance(m.state, Slideshow)


def test_a_pairing_that_cannot_open_is_a_note_and_nothing_on_screen() -> None:
    m = showing(companion=True)
    before = m.state
    m, effects = flow.step(m, flow.Failed(flow.OpenPhonePairing(), flow_error("port taken")), 1.0)
    assert m.state == before
    assert [type(e) for e in effects] == [flow.Note] and "port taken" in str(effects[0])


def flow_error(message: str) -> Exception:
    from core.errors import KioskError

    return KioskError(message)


def test_with_the_companion_off_there_is_no_phone_button_key_or_qr() -> None:
    m = showing(companion=False)
    assert isinstance(m.state, Slideshow) and not m.state.phone
    assert UserAction.PHONE not in [item.action for item in scene_for(m.state).menu(m.state)]
    m, effects = flow.step(m, flow.Action(UserAction.PHONE), 1.0)
    assert effects == []
    m, _ = flow.step(m, flow.PhonePairingOpened(LINK, 600.0), 2.0)  # even a stray answer shows nothing
    assert isinstance(m.state, Slideshow) and m.state.pairing_url is None


def test_the_bar_offers_phone_and_p_sends_it() -> None:
    m = showing(companion=True)
    assert isinstance(m.state, Slideshow)
    labels = [item.label for item in scene_for(m.state).menu(m.state)]
    assert labels == ["Add photos", "Replace photos", "Phone", "Sign out"]  # sign-out stays last
    controls = Controls()
    controls.enter(scene_for(m.state).menu(m.state), sleeps=True, was_sleeping=False, now=0.0)
    key = pygame.event.Event(pygame.KEYDOWN, key=pygame.K_p, mod=0, unicode="p")
    assert controls.handle([key], 1.0, []) == [UserAction.PHONE]  # on the photos, the bar asleep


# ---- the screen, by shape ----------------------------------------------------------------------------


def test_the_pairing_screen_shows_a_big_decodable_qr_the_link_and_its_time(
    screen: tuple[Screen, FakeClock], tmp_path: Path
) -> None:
    scr, clock = screen
    state = Slideshow(count=5, phone=True, pairing_url=LINK, pairing_until=600.0)
    scr.show(state, clock.now(), ())
    shown = [text for text, _ in scr.last_texts]
    assert "Control from your phone" in " ".join(shown)
    assert "The link works for 10 min" in shown
    assert "Close" in shown
    start = shown.index("Or open this link:") + 1 if "Or open this link:" in shown else None
    if start is not None:
        assert "".join(shown[start : start + 3]).startswith(LINK.removeprefix("http://"))
    check_text_layout(scr)
    qr = scr.last_qr
    assert qr is not None and min(qr.rect.size) >= min(scr.size) // 2
    out = Path(os.environ.get("PK_SHOTS", tmp_path)) / f"phone-pairing-{scr.size[0]}x{scr.size[1]}.png"
    scr.save_screenshot(out)
    with Image.open(out) as img:
        assert [b.text for b in zxingcpp.read_barcodes(img.convert("RGB"))] == [LINK]
    gone = replace(state, pairing_url=None)
    scr.show(gone, clock.now(), ())
    assert scr.last_qr is None and "Control from your phone" not in " ".join(t for t, _ in scr.last_texts)


# ---- the device side: a real pairing --------------------------------------------------------------------


def test_the_runner_opens_a_pairing_link_that_pairs_a_phone(tmp_path: Path, emulator: Emulator) -> None:
    path = testing.write_config(
        tmp_path,
        emulator.url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        companion={"enabled": True, "bind": "127.0.0.1", "port": free_port()},
    )
    kiosk = build_kiosk(parse_config(tomllib.loads(path.read_text())))
    remote = KioskCompanion(kiosk)
    try:
        kiosk.runner.run([flow.OpenPhonePairing()])  # no companion handed to the runner yet: it fails
        failed = kiosk.events.get(10)
        assert isinstance(failed, flow.Failed) and isinstance(failed.effect, flow.OpenPhonePairing)
        kiosk.runner.use_phone_pairing(remote.open_pairing)
        kiosk.runner.run([flow.OpenPhonePairing()])
        opened = kiosk.events.get(10)
        assert isinstance(opened, flow.PhonePairingOpened) and opened.expires_in == 600.0
        answer = requests.get(opened.url, allow_redirects=False, timeout=5)
        assert answer.status_code == 303 and COOKIE in answer.cookies
        again = requests.get(opened.url, allow_redirects=False, timeout=5)
        assert again.status_code != 303  # spent once a phone is paired
    finally:
        remote.stop()
        kiosk.runner.close()
