"""The scripted person's phone in `picker-kiosk demo --sign-in phone`: it "scans" the pairing QR and signs in.

The emulator refuses the Photos Picker scope to the device grant, so the kiosk switches to the phone sign-in
and opens a pairing on the device's real pairing server (device/companion/, on 127.0.0.1). The demo watches
that server hand out its pairing link, and the phone (core/emulator/phone.py, the tests' phone too) plays it
through the real pages: it opens the link, follows the page's consent link to the emulator (which answers
"Allow" with a redirect to http://127.0.0.1/?state=…&code=…) and posts the page's one form with that address,
exactly what a person pastes. Without the refusal the demo signs in with the device grant and no pairing opens.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from core import flow
from core.clock import Clock
from core.config import CompanionConfig
from core.emulator.phone import ScriptedPhone
from device.pairing import CompanionServer, companion_server
from device.signin.phone import PhoneSignIn

log = logging.getLogger("picker-kiosk")


class DemoPhone:
    """Builds the demo's pairing server (the real one); each pairing link is played by the phone after ``delay``."""

    def __init__(self, delay: float = 3.0, *, announce: bool = False) -> None:
        self.delay = delay
        if announce:
            print(
                "The stand-in refuses the Photos Picker scope to the device sign-in, so the frame asks for the "
                "phone; the scripted person's phone opens the pairing page and signs in there."
            )
        self.signed_in = threading.Event()
        self._stop = threading.Event()

    def companion(
        self, settings: CompanionConfig, sign_in: PhoneSignIn, post: Callable[[flow.Event], None], clock: Clock
    ) -> CompanionServer:
        return _WatchedCompanion(companion_server(settings, sign_in, post, clock), self)

    def play(self, link: str) -> None:
        """Scan the link, open Google's consent from the page, tap Allow, paste the address it landed on."""
        if self._stop.wait(self.delay):
            return
        phone = ScriptedPhone()
        page = phone.open_pairing(link)
        print("(demo) The phone scanned the pairing code and opened the frame's pairing page.")
        landed = phone.allow(page.link("consent"))
        print("(demo) From there it opened Google's consent page, tapped Allow and pasted the address it landed on.")
        print(f"(demo) The phone shows: {phone.paste(page, landed)}")
        self.signed_in.set()

    def stop(self) -> None:
        self._stop.set()


class _WatchedCompanion:
    """The device's pairing server, whose pairing links the demo's phone is handed as they are opened."""

    def __init__(self, server: CompanionServer, phone: DemoPhone) -> None:
        self._server = server
        self._phone = phone

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._phone.stop()
        self._server.stop()

    def pairing_url(self) -> str:
        link = self._server.pairing_url()
        if not self._phone.signed_in.is_set():
            threading.Thread(target=self._play, args=(link,), name="demo-phone", daemon=True).start()
        return link

    def _play(self, link: str) -> None:
        try:
            self._phone.play(link)
        except Exception as exc:  # shown, not raised: the kiosk's screen keeps waiting for a sign-in
            log.error("the demo's phone could not sign in: %s", exc)

    def login_code(self) -> str:
        return self._server.login_code()
