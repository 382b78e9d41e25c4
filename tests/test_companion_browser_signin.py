"""The phone sign-in in a real browser: the pairing page, its consent link, the emulator's Allow, the paste."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.clock import FakeClock
from core.config import CompanionConfig
from core.emulator import Emulator, Person
from device.companion.server import Companion
from tests.companion_browser import browsers, wait_for  # noqa: F401 - the fixture
from tests.companion_doubles import DESKTOP_ID, DESKTOP_SECRET, EmulatorSignIn


def test_a_phone_signs_in_through_the_pairing_page(
    make_emulator: Callable[..., Emulator],
    fake_clock: FakeClock,
    browsers: Callable[[], Any],  # noqa: F811
) -> None:
    from selenium.webdriver.common.by import By

    emulator = make_emulator(
        person=Person(consent_page=True), desktop_client_id=DESKTOP_ID, desktop_client_secret=DESKTOP_SECRET
    )
    signin = EmulatorSignIn(emulator.url)
    with Companion(CompanionConfig(bind="127.0.0.1", port=0), signin, lambda e: None, fake_clock.clock()) as server:
        link = server.pairing_url()
        phone = browsers()
        phone.get(link)
        pairing_tab = phone.current_window_handle
        phone.find_element(By.ID, "consent").click()  # opens Google's consent page in a new tab
        wait_for(phone, lambda d: len(d.window_handles) == 2)
        phone.switch_to.window(next(h for h in phone.window_handles if h != pairing_tab))
        wait_for(phone, lambda d: d.find_elements(By.ID, "allow"))
        phone.find_element(By.ID, "allow").click()
        landed = wait_for(phone, lambda d: d.current_url if d.current_url.startswith("http://127.0.0.1:1/") else None)
        assert "code=" in landed and f"state={signin.state}" in landed
        phone.close()
        phone.switch_to.window(pairing_tab)
        phone.find_element(By.ID, "address").send_keys(landed)
        phone.find_element(By.ID, "connect").click()
        shown = wait_for(phone, lambda d: d.find_elements(By.ID, "connected"))
        assert shown[0].text == "Connected as frame.owner@example.com"
        assert signin.tokens and signin.tokens[0]["refresh_token"]
        phone.get(link)  # the link was spent by the sign-in
        assert phone.find_element(By.ID, "stale").text.startswith("This link has expired")
