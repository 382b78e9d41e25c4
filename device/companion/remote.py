"""The phone companion's routes: pairing a phone, its page, the live state, the buttons, "Forget all phones".

Every route here but the pairing link needs a paired phone's cookie; every POST also needs that phone's CSRF
token (the Origin rule is checked before any route, in device.companion.app). Buttons post the same
core.flow ``Action`` events the keys send, on the loop's queue: the flow decides, the server never waits on it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from core import flow
from device.companion import pages
from device.companion.pairing import Pairing
from device.companion.phone_page import phone_page
from device.companion.phones import COOKIE, Phones, clear_cookie, set_cookie
from device.companion.settings import PhoneSettings, SettingsRefused
from device.companion.status import BY_NAME, DeviceView
from device.companion.web import Request, Response, Router, html_response, json_response

UNPAIRED = "This phone is not paired with the frame. Choose “Control from your phone” on the frame and scan its code."


def csrf_for(phone: str) -> str:
    """A paired phone's CSRF token: an HMAC keyed by its stored hash (stable across restarts, nothing stored)."""
    return hmac.new(bytes.fromhex(phone), b"picker-kiosk csrf", hashlib.sha256).hexdigest()


class RemoteRoutes:
    """The paired phone's page and API."""

    def __init__(
        self,
        pairing: Pairing,
        phones: Phones,
        view: DeviceView,
        post: Callable[[flow.Event], None],
        settings: PhoneSettings | None = None,
    ) -> None:
        self.settings = settings
        self.pairing = pairing
        self.phones = phones
        self.view = view
        self.post = post

    def add_to(self, router: Router) -> None:
        router.add("GET", "/", self.page)
        router.add("GET", "/api/state", self.state)
        router.add("GET", "/pick", self.pick)
        router.add("POST", "/action", self.action)
        router.add("POST", "/forget", self.forget)
        router.add("POST", "/settings", self.save_settings)
        router.add("POST", "/check", self.check)

    # -- pairing (the one route without the cookie: the one-time secret stands in for it) ------------------

    def pair(self, request: Request, secret: str) -> Response:
        """``GET /p/<secret>`` of a "pair" link: this phone gets its cookie, the secret is spent."""
        self.pairing.spend(secret)
        cookie = self.phones.pair()
        self.post(flow.PhonePaired())  # the QR code on the frame is spent: it goes
        return Response(303, b"", headers=[("Location", "/"), set_cookie(cookie)])

    def cookie_headers(self, request: Request) -> list[tuple[str, str]]:
        """After a phone signed the frame in: pair that phone too, so it can go on to the page."""
        return [set_cookie(self.phones.pair())]

    # -- the paired page ---------------------------------------------------------------------------------

    def _phone(self, request: Request) -> str | None:
        return self.phones.known(request.cookies.get(COOKIE))

    def _refused(self, request: Request) -> Response:
        if request.path.startswith("/api/"):
            return json_response(401, {"error": UNPAIRED})
        return html_response(401, pages.message("Not paired", UNPAIRED, element_id="unpaired"))

    def page(self, request: Request) -> Response:
        phone = self._phone(request)
        if phone is None:
            return self._refused(request)
        return html_response(200, self._page(phone))

    def _page(self, phone: str, settings_error: str | None = None) -> str:
        shown = self.settings.shown() if self.settings else None
        return phone_page(self.view.describe(), csrf_for(phone), shown, settings_error)

    def state(self, request: Request) -> Response:
        phone = self._phone(request)
        if phone is None:
            return self._refused(request)
        settings = {"settings": self.settings.shown()} if self.settings else {}
        return json_response(200, {**self.view.describe(), **settings, "csrf": csrf_for(phone)})

    def pick(self, request: Request) -> Response:
        """The page's big button: on to Google Photos' picker on this phone (the TV says a phone is choosing)."""
        if self._phone(request) is None:
            return self._refused(request)
        uri = self.view.picker_uri()
        if uri is None:
            return Response(303, b"", headers=[("Location", "/")])
        return Response(303, b"", headers=[("Location", uri)])

    def action(self, request: Request) -> Response:
        form = self._checked_form(request)
        if isinstance(form, Response):
            return form
        action = BY_NAME.get(str(form.get("action", "")))
        if action is None:
            return html_response(400, pages.message("Not a button", "The frame has no such button."))
        self.post(flow.Action(action, from_phone=True))
        return self._done(request, {"posted": action.value})

    def forget(self, request: Request) -> Response:
        form = self._checked_form(request)
        if isinstance(form, Response):
            return form
        self.phones.forget_all()
        if _wants_json(request):
            return json_response(200, {"forgotten": True}, [clear_cookie()])
        text = "Every phone is forgotten, this one too. To use a phone again, pair it from the frame."
        return html_response(200, pages.message("Phones forgotten", text, element_id="forgotten"), [clear_cookie()])

    def save_settings(self, request: Request) -> Response:
        form = self._checked_form(request)
        if isinstance(form, Response):
            return form
        phone = self._phone(request)
        if self.settings is None or phone is None:
            return html_response(404, pages.message("Not here", "This frame has no settings to change."))
        try:
            self.settings.update(form)
        except SettingsRefused as exc:
            if _wants_json(request):
                return json_response(400, {"error": str(exc)})
            return html_response(400, self._page(phone, str(exc)))
        return self._done(request, {"saved": self.settings.shown()})

    def check(self, request: Request) -> Response:
        """The page's "Check": doctor's check-up again, in the background; the page shows "Checking…" till done."""
        form = self._checked_form(request)
        if isinstance(form, Response):
            return form
        health = self.view.sources.health
        if health is not None:
            health.start()
        return self._done(request, {"checking": health is not None})

    def _checked_form(self, request: Request) -> dict[str, object] | Response:
        phone = self._phone(request)
        if phone is None:
            return self._refused(request)
        form = request.form()
        given = form.get("csrf")
        if not isinstance(given, str) or not hmac.compare_digest(given.encode(), csrf_for(phone).encode()):
            return html_response(403, pages.message("Refused", "This page is out of date. Reload it."))
        return form

    def _done(self, request: Request, answer: dict[str, object]) -> Response:
        if _wants_json(request):
            return json_response(200, answer)
        return Response(303, b"", headers=[("Location", "/")])


def _wants_json(request: Request) -> bool:
    return request.content_type.startswith("application/json")
