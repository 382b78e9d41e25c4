"""A scripted phone without a browser: opens a page, follows a link, posts the page's one form (loopback HTTP).

It plays the person's phone in the phone sign-in for the demo and the tests: open the device's pairing page,
follow its consent link to Google (the emulator), tap Allow, come back and paste the address it landed on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests

from core.errors import KioskError

TIMEOUT = 10.0


@dataclass
class Form:
    """One ``<form>``: where it posts, its hidden fields and the names of the fields a person fills in."""

    action: str
    method: str
    hidden: dict[str, str] = field(default_factory=dict)
    fields: list[str] = field(default_factory=list)


@dataclass
class Page:
    """A page the phone opened: its address, status, HTML, the elements that have an id, and its forms."""

    url: str
    status: int
    html: str
    ids: dict[str, tuple[dict[str, str], str]]  # id -> (attributes, text inside)
    forms: list[Form]

    def text_of(self, element_id: str) -> str | None:
        found = self.ids.get(element_id)
        return found[1].strip() if found else None

    def link(self, element_id: str) -> str:
        """The absolute address of the link with this id."""
        found = self.ids.get(element_id)
        if found is None or not found[0].get("href"):
            raise KioskError(f"The page at {_where(self.url)} has no link {element_id!r}.")
        return urljoin(self.url, found[0]["href"])

    def form(self) -> Form:
        """The page's one form."""
        if len(self.forms) != 1:
            raise KioskError(f"The page at {_where(self.url)} has {len(self.forms)} forms, not one.")
        return self.forms[0]


class ScriptedPhone:
    """Opens pages and posts forms like a phone's browser (one cookie jar), without running any JavaScript."""

    def __init__(self, session: requests.Session | None = None, timeout: float = TIMEOUT) -> None:
        self.session = session or requests.Session()
        self.timeout = timeout

    def open(self, url: str) -> Page:
        reply = self.session.get(url, timeout=self.timeout)
        return parse(reply.url, reply.status_code, reply.text)

    def submit(self, page: Page, **values: str) -> requests.Response:
        """Post ``page``'s one form with ``values`` typed in (and the Origin header a browser sends)."""
        form = page.form()
        target = urljoin(page.url, form.action) if form.action else page.url
        parts = urlsplit(page.url)
        data = {**form.hidden, **values}
        return self.session.post(
            target,
            data=data,
            headers={"Origin": f"{parts.scheme}://{parts.netloc}"},
            allow_redirects=False,
            timeout=self.timeout,
        )

    def allow(self, consent_url: str) -> str:
        """Open Google's consent link, tap Allow when a consent page asks; the address the phone is sent to."""
        reply = self.session.get(consent_url, allow_redirects=False, timeout=self.timeout)
        if reply.status_code == 200:  # a consent page with its Allow button
            page = parse(reply.url, reply.status_code, reply.text)
            button = page.ids.get("allow")
            if button is None or not button[0].get("name"):
                raise KioskError("Google's consent page has no Allow button.")
            reply = self.submit(page, **{button[0]["name"]: button[0].get("value", "")})
        location = reply.headers.get("Location")
        if reply.status_code not in (301, 302, 303, 307) or not location:
            raise KioskError(f"Google's consent page answered {reply.status_code} without sending the phone on.")
        return location

    def sign_in(self, pairing_link: str) -> str:
        """The whole phone sign-in on the device's pairing page: what the phone shows at the end."""
        page = self.open_pairing(pairing_link)
        return self.paste(page, self.allow(page.link("consent")))

    def open_pairing(self, pairing_link: str) -> Page:
        page = self.open(pairing_link)
        if page.status != 200:
            raise KioskError(f"The pairing page answered {page.status}.")
        return page

    def paste(self, page: Page, address: str) -> str:
        """Paste ``address`` into the pairing page's one field and send it; what the phone shows then."""
        reply = self.submit(page, **{page.form().fields[0]: address})
        answer = parse(reply.url, reply.status_code, reply.text)
        shown = answer.text_of("connected")
        if reply.status_code != 200 or shown is None:
            problem = answer.text_of("error") or f"status {reply.status_code}"
            raise KioskError(f"The pairing page refused the address: {problem}")
        return shown


def parse(url: str, status: int, html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return Page(url=url, status=status, html=html, ids=reader.ids, forms=reader.forms)


def _where(url: str) -> str:
    """An address without its path (a pairing link's path is a secret)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class _Reader(HTMLParser):
    """Collects the elements with an id (attributes, text) and the forms with their inputs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: dict[str, tuple[dict[str, str], str]] = {}
        self.forms: list[Form] = []
        self._open: list[tuple[str, str, dict[str, str], list[str]]] = []  # tag, id, attrs, text
        self._form: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = Form(action=values.get("action", ""), method=values.get("method", "get").lower())
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea") and values.get("name"):
            kind = values.get("type", "text").lower()
            if kind == "hidden":
                self._form.hidden[values["name"]] = values.get("value", "")
            elif kind not in ("submit", "button", "checkbox", "radio"):
                self._form.fields.append(values["name"])
        if tag in ("input", "br", "img", "meta", "link"):  # void elements hold no text
            if values.get("id"):
                self.ids[values["id"]] = (values, "")
            return
        self._open.append((tag, values.get("id", ""), values, []))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        while self._open:
            name, element_id, values, text = self._open.pop()
            if element_id:
                self.ids[element_id] = (values, "".join(text))
            if self._open:
                self._open[-1][3].extend(text)
            if name == tag:
                return

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1][3].append(data)
