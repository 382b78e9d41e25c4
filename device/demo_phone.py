"""The scripted person's phone in `picker-kiosk demo --sign-in phone`: it "scans" the pairing QR and pastes.

The emulator refuses the Photos Picker scope to the device grant, so the kiosk switches to the phone sign-in
and opens a pairing (without the refusal, the demo signs in with the device grant and no pairing opens). The
device's pairing server (device/companion/, another branch) is not part of this tree yet, so the demo's
pairing desk serves no page: the phone here talks to the kiosk's PhoneSignIn directly, as the pairing page
will. It opens Google's consent link (the emulator answers "Allow" with a redirect to
http://127.0.0.1/?state=…&code=…) and hands that address to ``complete``, exactly what a person pastes into
the pairing page's one field.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import requests

from core import flow
from core.clock import Clock
from core.config import CompanionConfig
from device.pairing import CompanionServer
from device.signin.phone import PhoneSignIn

log = logging.getLogger("picker-kiosk")


class DemoPhone:
    """Makes the demo's pairing desks; each pairing is answered by the phone after ``delay`` seconds."""

    def __init__(self, delay: float = 3.0, *, announce: bool = False) -> None:
        self.delay = delay
        if announce:
            print(
                "The stand-in refuses the Photos Picker scope to the device sign-in, so the frame asks for the "
                "phone; the scripted person's phone answers the pairing."
            )
        self.signed_in = threading.Event()
        self._stop = threading.Event()

    def companion(
        self, settings: CompanionConfig, sign_in: PhoneSignIn, post: Callable[[flow.Event], None], clock: Clock
    ) -> CompanionServer:
        return _DemoDesk(settings, sign_in, self)

    def play(self, sign_in: PhoneSignIn) -> None:
        """Scan, open the consent link, tap Allow, paste the address the phone landed on."""
        if self._stop.wait(self.delay):
            return
        print("(demo) The phone scanned the pairing code, opened Google's consent page and tapped Allow.")
        reply = requests.get(sign_in.consent_url(), allow_redirects=False, timeout=10)
        address = reply.headers.get("Location", "")
        print("(demo) The phone landed on an http://127.0.0.1/… address and pasted it into the pairing page.")
        account = sign_in.complete(address)
        print(f"(demo) The phone shows: Connected as {account}")
        self.signed_in.set()

    def stop(self) -> None:
        self._stop.set()


class _DemoDesk:
    """The agreed Companion interface for the demo, without web pages (see the module docstring)."""

    def __init__(self, settings: CompanionConfig, sign_in: PhoneSignIn, phone: DemoPhone) -> None:
        self._settings = settings
        self._sign_in = sign_in
        self._phone = phone
        self._opened = 0

    def start(self) -> None:
        return None

    def stop(self) -> None:
        self._phone.stop()

    def pairing_url(self) -> str:
        self._opened += 1
        if not self._phone.signed_in.is_set():
            threading.Thread(target=self._play, name="demo-phone", daemon=True).start()
        return f"http://127.0.0.1:{self._settings.port}/p/demo-pairing-{self._opened}"

    def _play(self) -> None:
        try:
            self._phone.play(self._sign_in)
        except Exception as exc:  # shown, not raised: the kiosk's screen keeps waiting for a sign-in
            log.error("the demo's phone could not sign in: %s", exc)

    def login_code(self) -> str:
        return f"DEMO-{self._opened:04d}"
