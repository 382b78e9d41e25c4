"""Every screen at nine shapes and sizes, with Google's real-length values: the QR code big and decodable
(also shrunk), text never clipped, overlapping, tiny or broken inside a token, the thing to act on largest."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pygame
import pytest

from core.clock import FakeClock
from core.config import SlideshowConfig
from core.library import Photo
from core.states import Choose, Connect, Downloading, Problem, SignInOnPhone, Slideshow, State
from device.ui.arrange import SCAN_INSTEAD
from device.ui.layout import Layout
from device.ui.screen import Screen
from device.ui.text import Fonts
from tests.test_screen_render import check_text_layout, decode, photos, screenshot, settle, show
from tests.whole_tokens import drawn

__all__ = ["photos"]  # the module fixture, shared

# The nine sizes, then others in both orientations (4:3, 5:4, 16:10, near-square, tiny portrait).
NAMED = [
    (3840, 2160),
    (1920, 1080),
    (1280, 720),
    (1024, 600),
    (800, 480),
    (480, 320),
    (720, 720),
    (1080, 1920),
    (600, 1024),
]
OTHERS = [(320, 480), (2160, 3840), (1024, 768), (768, 1024), (1280, 1024), (1366, 768), (900, 800), (800, 900)]
OTHERS += [(1200, 1000), (540, 960), (1440, 900), (500, 480), (640, 480), (768, 1366), (2560, 1080), (1080, 1080)]
OTHERS += [(480, 480)]
SIZES = NAMED + OTHERS
GOOGLE_DEVICE = "https://www.google.com/device"
PICKER = "https://photos.google.com/picker/" + "AF1QipNnZx7kTq2hWl0cD9vR3sYb8uJm4eKa6oPiG5fLt1XwQyHzVd0BcE2nMr3s"
EMAIL_40 = "frame.owner.grandparents@family-mail.com"
WIDE_CODE = "WMWM-WMWM-WMWMW"  # 15 of the widest characters
CONNECT = Connect(GOOGLE_DEVICE, GOOGLE_DEVICE, "HJGK-GVDV", expires_at=1800, interval=5, next_poll_at=5)
CONNECT_WIDE = Connect(GOOGLE_DEVICE, GOOGLE_DEVICE, WIDE_CODE, expires_at=1800, interval=5, next_poll_at=5)
CHOOSE = Choose("s1", PICKER, EMAIL_40, expires_at=1795, poll_interval=5, next_poll_at=5)
# The companion on: the choose screen offers its pairing QR (a button), and shows it in place of the picker's.
CHOOSE_PHONE = replace(CHOOSE, phone=True)
PAIRING = "http://192.168.178.123:8080/p/" + "q9vM3ovLX6O-pEx9lP7F95xY2zW4kHs8"  # 24 random bytes, as sent
CHOOSE_PAIRING = replace(CHOOSE_PHONE, pairing_url=PAIRING, pairing_until=600)
SIGN_IN = SignInOnPhone(pairing_url=PAIRING, login_code="K7QF-2MXD", expires_at=600.0)
PAIRING_QR = Slideshow(count=3, phone=True, pairing_url=PAIRING, pairing_until=600.0)
PROBLEM = Problem(
    what="offline",
    title="No network",
    detail="The frame cannot reach Google right now.",
    next_step="It will try again by itself.",
    retry_at=12,
)
PROBLEM_OVER = Problem(
    what="busy",
    title="Google is busy",
    detail="Google asked the frame to slow down.",
    next_step="Your saved photos keep showing meanwhile.",
    retry_at=45,
    photos_available=True,
)
pytestmark = pytest.mark.usefixtures("dummy_sdl")
assert len(EMAIL_40) == 40 and len(PICKER) - len("https://photos.google.com/picker/") == 64
assert len(PAIRING.rsplit("/", 1)[1]) == 32


@pytest.fixture(scope="module", params=SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def screen(request: pytest.FixtureRequest) -> Iterator[tuple[Screen, FakeClock]]:
    clock = FakeClock(0.0)
    scr = Screen(size=request.param, slideshow=SlideshowConfig(captions=True, fade=0.2), now=clock.now)
    assert scr.open() == "dummy"
    yield scr, clock
    scr.close()


def least_height(scr: Screen) -> int:
    """The height of a line of text at the smallest size allowed (1/30 of the shorter side)."""
    pygame.font.init()
    size = -(-min(scr.size) // 30)
    return int(Fonts().get(size).size("Ag")[1])


def check_sizes(scr: Screen) -> None:
    check_text_layout(scr)
    floor = least_height(scr)
    for text, rect in scr.last_texts:
        assert rect.h >= floor, f"{text!r} is {rect.h}px tall, below 1/30 of the shorter side ({floor}px)"


def check_button_grid(scr: Screen) -> None:
    """Buttons on one row, or on rows as even as can be (2 + 2, never 3 + 1), all as wide as one another."""
    targets = [r for r, _a in scr._frame.buttons] if scr._frame else []
    assert targets
    rows: dict[int, list[pygame.Rect]] = {}
    for rect in targets:
        rows.setdefault(rect.top, []).append(rect)
    counts = [len(row) for row in rows.values()]
    assert max(counts) - min(counts) <= 1, f"buttons spilled over: {counts} a row on {scr.size}"
    if len(rows) > 1:
        assert len({r.w for r in targets}) == 1, "buttons on several rows are not a grid"


def height_of(scr: Screen, text: str) -> int:
    return dict(scr.last_texts)[text].h


@pytest.mark.parametrize(
    "state",
    [CONNECT, CONNECT_WIDE, CHOOSE, CHOOSE_PHONE, CHOOSE_PAIRING],
    ids=["connect", "connect-wide", "choose", "choose-phone", "choose-pairing"],
)
def test_qr_code_is_big_and_decodes_shrunk(screen: tuple[Screen, FakeClock], state: State, tmp_path: Path) -> None:
    scr, clock = screen
    show(scr, clock, state)
    if isinstance(state, Connect):
        url = state.qr_url
    else:
        assert isinstance(state, Choose)
        url = state.pairing_url or state.picker_uri  # one code on screen: the pairing QR in place of the picker's
        shown = " ".join(t for t, _r in scr.last_texts)
        title = "Control from your phone" if state.pairing_url else "Scan to choose photos"
        assert title in shown and ("Scan to choose" in shown) != bool(state.pairing_url), "which code is this?"
        assert ("Phone remote" in shown) == (state.phone and not state.pairing_url)
        buttons = [r for r, _a in scr._frame.buttons] if scr._frame else []
        assert buttons and all(pygame.Rect(0, 0, *scr.size).contains(r) for r in buttons)
    img = screenshot(scr, tmp_path, "qr")
    w, h = img.size
    found = decode(img)
    assert [b.text for b in found] == [url]
    pos = found[0].position
    side = min(pos.top_right.x - pos.top_left.x, pos.bottom_left.y - pos.top_left.y)
    share = 0.6 if (w, h) in ((800, 480), (1024, 600)) else 0.5
    assert side >= share * min(w, h), f"QR is {side}px on a {w}x{h} screen"
    qr = scr.last_qr
    assert qr is not None and qr.rect.w >= share * min(w, h)
    if Layout(w, h).stacked:
        assert all(rect.top >= qr.rect.bottom for _t, rect in scr.last_texts), "text beside the QR code"
    factor = 4 if w >= 800 else 2
    assert [b.text for b in decode(img.resize((w // factor, h // factor)))] == [url]
    check_sizes(scr)


def test_connect_code_and_url_whole_and_largest(screen: tuple[Screen, FakeClock]) -> None:
    scr, clock = screen
    for state in (CONNECT, CONNECT_WIDE):
        show(scr, clock, state)
        shown = [t for t, _r in scr.last_texts]
        assert state.user_code in shown, f"the code is broken: {shown}"
        assert "www.google.com/device" in shown or [t for t in shown if t in ("www.google.com/", "device")] == [
            "www.google.com/",
            "device",
        ]
        assert drawn(shown, "www.google.com/device"), f"the URL is broken: {shown}"
        code_h = height_of(scr, state.user_code)
        assert all(code_h >= r.h for t, r in scr.last_texts), "the code to type is not the largest text"
        labels = [r.h for t, r in scr.last_texts if t == "and enter this code:"]  # kept on every shape
        assert all(code_h > h for h in labels), "the code is no larger than its label"
        assert labels, "what to do with the code is left out"
        check_sizes(scr)


@pytest.mark.parametrize("state", [CHOOSE, CHOOSE_PHONE], ids=["choose", "choose-phone"])
def test_choose_email_and_link_break_only_between_tokens(screen: tuple[Screen, FakeClock], state: Choose) -> None:
    scr, clock = screen
    show(scr, clock, state)
    shown = [t for t, _r in scr.last_texts]
    # The account is needed on every shape (the picker opens only for it): whole, or broken before its "@".
    account = drawn(shown, f"Open it on a phone signed in to {EMAIL_40}.")
    assert account, f"the account line is left out or broken: {shown}"
    local, domain = EMAIL_40.split("@")
    for line in shown:
        if EMAIL_40 not in line and ("@" in line or local in line):
            assert line.endswith(local) or line.startswith("@" + domain), f"e-mail broken in {line!r}"
    # The link as text: whole, broken only after a "/" (its 64-character id on a line of its own), where that
    # fits at the least size allowed; else no piece of it at all, and the sentence on scanning in its place.
    # Nobody types such an id: a cut or a shortened one would be taken for the whole link.
    link = drawn(shown, PICKER.removeprefix("https://"))
    if link:
        host, _slash, picker_id = PICKER.removeprefix("https://").rpartition("/")
        assert link in ([f"{host}/", picker_id], [f"{host}/{picker_id}"]), link
        assert "Or open this link:" in shown
    else:
        assert "Or open this link:" not in shown, shown
        # Help, left out only where a square screen has no room under its code (the title says to scan).
        assert drawn(shown, SCAN_INSTEAD) or Layout(*scr.size).shape == "square", shown
    w, h = scr.size
    if (w, h) == (2560, 1080):
        assert link, "an ultrawide screen has room for the whole link"
    countdown = next(r for t, r in scr.last_texts if t.startswith("The link expires"))
    hint = [r for t, r in scr.last_texts if t.startswith("If the time runs out")]
    assert all(r.h >= countdown.h for r in hint), "an explanation smaller than its countdown"
    check_sizes(scr)


@pytest.mark.parametrize("state", [SIGN_IN, PAIRING_QR], ids=["sign-in-phone", "pairing"])
def test_companion_links_whole_and_their_screens_fit(screen: tuple[Screen, FakeClock], state: State) -> None:
    scr, clock = screen
    show(scr, clock, state)
    shown = [t for t, _r in scr.last_texts]
    # Help beside the QR code, whole or left out: a square screen keeps its room for what is needed.
    link = drawn(shown, PAIRING.removeprefix("http://"))
    assert link or drawn(shown, SCAN_INSTEAD) or Layout(*scr.size).shape == "square", shown
    if isinstance(state, Slideshow):
        # Needed on every shape: a phone on mobile data cannot reach the frame.
        assert drawn(shown, "Scan with a phone on the same network."), shown
    else:
        assert "K7QF-2MXD" in shown or "From a computer (picker-kiosk login --to), this code:" not in " ".join(shown)
    qr = scr.last_qr
    assert qr is not None and qr.rect.w >= min(scr.size) // 2
    check_sizes(scr)


@pytest.mark.parametrize("state", [Downloading(session_id="s", done=37, total=120, failed=2), PROBLEM], ids=str)
def test_full_screens_fit(screen: tuple[Screen, FakeClock], state: State) -> None:
    scr, clock = screen
    show(scr, clock, state)
    check_sizes(scr)
    if isinstance(state, Problem):
        assert height_of(scr, "It will try again by itself.") >= height_of(scr, "Trying again in 12 s")


def test_thumbnails_stay_on_screen(screen: tuple[Screen, FakeClock], photos: list[Photo], tmp_path: Path) -> None:
    scr, clock = screen
    show(scr, clock, Downloading(session_id="t", done=0, total=3))
    for done in range(1, 4):  # thumbnails are of the photos that arrive while the screen shows
        settle(scr, clock, Downloading(session_id="t", done=done, total=3), photos[:done])
    img = screenshot(scr, tmp_path, "thumbs")
    w, h = img.size
    # The photos' light ellipse (240, 220, 180) shows in the thumbnails, and none runs off the bottom.
    light = [y for y in range(0, h, 2) for x in range(0, w, 4) if img.getpixel((x, y)) == (240, 220, 180)]
    assert light, "no thumbnail on screen"
    assert max(light) < h - 4, "a thumbnail runs off the bottom"
    bottom_row = [img.getpixel((x, h - 2)) for x in range(0, w, 4)]
    assert all(max(p) < 80 for p in bottom_row), "a thumbnail runs off the bottom"  # type: ignore[arg-type]
    check_sizes(scr)


def test_slideshow_bar_and_problem_banner_fit(screen: tuple[Screen, FakeClock], photos: list[Photo]) -> None:
    scr, clock = screen
    settle(scr, clock, Slideshow(count=3, notice="No network — showing saved photos", phone=True), photos)
    assert {"Add photos", "Replace photos", "Phone", "Sign out"} <= {t for t, _r in scr.last_texts}
    check_sizes(scr)
    check_button_grid(scr)
    settle(scr, clock, PROBLEM_OVER, photos)
    assert "Google is busy" in {t for t, _r in scr.last_texts}
    check_sizes(scr)
    buttons = [r for r, _a in scr._frame.buttons] if scr._frame else []
    assert buttons and all(pygame.Rect(0, 0, *scr.size).contains(r) for r in buttons)
