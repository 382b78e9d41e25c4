"""#10's judged journey with the real pieces: Google refuses the Picker scope to the device grant, so
`picker-kiosk run --headless --once` (sign_in = "auto") prints a pairing link; a phone (headless chromium)
opens it, follows the page's consent link, taps Allow and pastes the address it landed on; the photos arrive."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.emulator import Emulator, Person, testing
from tests.companion_browser import browsers, wait_for  # noqa: F401 - the fixture
from tests.companion_doubles import DESKTOP_ID, DESKTOP_SECRET
from tests.companion_kiosk import Output, free_port
from tests.helpers import CLIENT_ID, CLIENT_SECRET, KIOSK, ROOT

SIGNIN_LINK = re.compile(r"^\s+(http://127\.0\.0\.1:\d+/p/\S+)$")
PICKS = 4


def config_file(folder: Path, url: str, port: int) -> Path:
    return testing.write_config(
        folder,
        url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        google={"authorize_url": f"{url}/o/oauth2/v2/auth", "sign_in": "auto"},
        companion={"bind": "127.0.0.1", "port": port},
        **{"google.desktop": {"client_id": DESKTOP_ID, "client_secret": DESKTOP_SECRET}},
    )


def redirected(url: str, google: str) -> bool:
    """Whether ``url`` is where the consent page's Allow leads: a loopback address with the code, not Google's."""
    return url.startswith("http://127.0.0.1") and not url.startswith(google) and "code=" in url


def test_refused_scope_signs_in_from_the_phone_page_and_the_journey_completes(
    tmp_path: Path,
    browsers: Callable[[], Any],  # noqa: F811
) -> None:
    from selenium.webdriver.common.by import By

    person = Person(consent_page=True, pick_count=PICKS, pick_after=0.5, include_videos=False)
    google = Emulator(
        photos=30,
        person=person,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        desktop_client_id=DESKTOP_ID,
        desktop_client_secret=DESKTOP_SECRET,
        interval=1,
        poll_interval=0.5,
    )
    google.refuse_scope = True
    with google:
        config = config_file(tmp_path, google.url, free_port())
        kiosk = subprocess.Popen(
            [*KIOSK, "run", "--headless", "--once", "--config", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
        )
        assert kiosk.stdout is not None
        output = Output()
        output.follow(kiosk.stdout)  # all along, so the kiosk never waits on a full pipe
        try:
            # the terminal shows the sign-in's QR code and its link as text
            link = output.wait_line(SIGNIN_LINK, 60).group(1)
            phone = browsers()
            phone.get(link)
            pairing_tab = phone.current_window_handle
            phone.find_element(By.ID, "consent").click()
            wait_for(phone, lambda d: len(d.window_handles) == 2)
            phone.switch_to.window(next(h for h in phone.window_handles if h != pairing_tab))
            wait_for(phone, lambda d: d.find_elements(By.ID, "allow"))
            phone.find_element(By.ID, "allow").click()
            # Google's pages are on 127.0.0.1 too: wait for the loopback address Allow sends the browser to (before
            # this, a read right after the click could return the consent page's own address).
            landed = wait_for(phone, lambda d: d.current_url if redirected(d.current_url, google.url) else None)
            phone.close()
            phone.switch_to.window(pairing_tab)
            phone.find_element(By.ID, "address").send_keys(landed)
            phone.find_element(By.ID, "connect").click()
            shown = wait_for(phone, lambda d: d.find_elements(By.ID, "connected"))
            assert shown[0].text == f"Connected as {person.email}"
            kiosk.wait(timeout=90)
        except BaseException:
            kiosk.kill()
            print("the kiosk's output:\n" + output.drain())  # shown by pytest when the test fails
            raise
        said = output.drain()
        rest = said[said.index(link) + len(link) :]
        assert kiosk.returncode == 0, said
        assert f"Done: {PICKS} photos" in said
        assert google.open_sessions == []
        assert CLIENT_SECRET not in said and DESKTOP_SECRET not in said
        assert link.rsplit("/", 1)[1] not in rest  # the secret was never logged (only the screen shows it)
