"""Every screen at 3840×2160, 1920×1080, 1280×720 and 800×480: QR codes that decode (also from a quarter-size
copy), are big, whole-pixel and quiet-zoned; text inside the screen, apart, and saying the right things."""

from __future__ import annotations

import dataclasses
import gc
import os
import time
import weakref
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pygame
import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from core.clock import FakeClock
from core.config import SlideshowConfig
from core.library import Photo
from core.states import (
    Choose,
    Connect,
    Downloading,
    Problem,
    SignedOut,
    Slideshow,
    Starting,
    State,
)
from device.ui.arrange import SCAN_INSTEAD
from device.ui.screen import Screen
from device.ui.wording import countdown, countdown_changes_in
from tests.whole_tokens import drawn

SIZES = [(3840, 2160), (1920, 1080), (1280, 720), (800, 480)]
T0 = 0.0  # deadlines below are relative: shifted() moves them to the clock's now
LONG_PICKER = (
    "https://photos.google.com/picker/sessions/9e3b1c2a-77d4-4f1b-9a51-0b6c1f2e8d7a"
    "?authuser=0&streamlined=AEjHk1oq3VYvZ2xH8Qm4"
)
SHORT_PICKER = "http://127.0.0.1:38765/pick/3f1c3a52-2c4e-4a5b-9d61-0d2e7b1e9c11"
URL_40 = "https://" + "accounts.example-provider.com/activate"  # 40 characters once the scheme is dropped
CODE_15 = "WMWM-WMWM-WMWM-"  # 15 of the widest characters

CONNECT = Connect(
    verification_url="https://www.google.com/device",
    qr_url="https://www.google.com/device",
    user_code="GQVQ-JKEC",
    expires_at=T0 + 1800,
    interval=5,
    next_poll_at=T0 + 5,
)
CONNECT_WIDE = Connect(
    verification_url=URL_40,
    qr_url=f"{URL_40}?user_code={CODE_15}",
    user_code=CODE_15,
    expires_at=T0 + 95,
    interval=5,
    next_poll_at=T0 + 5,
)
CHOOSE = Choose(
    session_id="s1",
    picker_uri=LONG_PICKER,
    account="grandma.smith.family.photos@gmail.com",
    expires_at=T0 + 1795,
    poll_interval=5,
    next_poll_at=T0 + 5,
)
CHOOSE_SHORT = Choose(
    session_id="s2",
    picker_uri=SHORT_PICKER,
    account=None,
    expires_at=T0 + 40,
    poll_interval=5,
    next_poll_at=T0 + 5,
    replace=True,
)
QR_STATES = [CONNECT, CONNECT_WIDE, CHOOSE, CHOOSE_SHORT]
PROBLEM = Problem(
    what="signin-expired",
    title="Please sign in again",
    detail="Google stopped accepting this frame's sign-in. Apps still in 'Testing' lose it after 7 days.",
    next_step="Press OK to show a new code and sign in with your phone.",
)
PROBLEM_RETRY = Problem(
    what="offline",
    title="No network",
    detail="The frame cannot reach Google right now.",
    next_step="It will try again by itself.",
    retry_at=T0 + 12,
)
PROBLEM_OVER = Problem(
    what="busy",
    title="Google is busy",
    detail="Google asked the frame to slow down.",
    next_step="Your saved photos keep showing meanwhile.",
    retry_at=T0 + 45,
    photos_available=True,
)
OTHER_STATES: list[State] = [
    Starting(),
    Starting("Checking the sign-in…"),
    Downloading(session_id="s1", done=37, total=120, failed=2),
    Downloading(session_id="s1"),
    PROBLEM,
    PROBLEM_RETRY,
    SignedOut(),
]


pytestmark = pytest.mark.usefixtures("dummy_sdl")


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> list[Photo]:
    folder = tmp_path_factory.mktemp("library")
    out = []
    for i, (w, h) in enumerate([(1200, 800), (600, 900), (1000, 1000)]):
        img = Image.new("RGB", (w, h), (40 + 60 * i, 90, 160 - 40 * i))
        ImageDraw.Draw(img).ellipse((w // 4, h // 4, 3 * w // 4, 3 * h // 4), fill=(240, 220, 180))
        path = folder / f"p{i}.jpg"
        img.save(path, quality=90)
        out.append(Photo(id=f"p{i}", path=str(path), created=datetime(2023, 5, 1 + i, 12, tzinfo=UTC)))
    return out


@pytest.fixture(scope="module", params=SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def screen(request: pytest.FixtureRequest) -> Iterator[tuple[Screen, FakeClock]]:
    clock = FakeClock(T0)
    scr = Screen(size=request.param, slideshow=SlideshowConfig(captions=True, fade=0.2), now=clock.now)
    assert scr.open() == "dummy"
    yield scr, clock
    scr.close()


def shifted(state: State, now: float) -> State:
    """``state`` with its deadlines moved from relative seconds to the monotonic clock's ``now``."""
    moves = {
        f.name: getattr(state, f.name) + now
        for f in dataclasses.fields(state)
        if f.name in ("expires_at", "next_poll_at", "retry_at", "pairing_until") and getattr(state, f.name) is not None
    }
    return dataclasses.replace(state, **moves)


def show(scr: Screen, clock: FakeClock, state: State, photos: Sequence[Photo] = ()) -> State:
    state = shifted(state, clock.now())
    scr.show(state, clock.now(), photos)
    return state


def screenshot(scr: Screen, tmp_path: Path, name: str) -> Image.Image:
    path = tmp_path / f"{name}.png"
    scr.save_screenshot(path)
    with Image.open(path) as img:
        return img.convert("RGB")


def settle(scr: Screen, clock: FakeClock, state: State, photos: Sequence[Photo]) -> None:
    """Show ``state`` until the photos it needs are decoded and any crossfade is over (bounded)."""
    deadline = time.monotonic() + 20
    state = shifted(state, clock.now())
    while time.monotonic() < deadline:
        scr.show(state, clock.now(), photos)
        if not scr.decoding and scr.next_wake(clock.now()) > 0.1:
            return
        time.sleep(0.01)
        clock.advance(0.05)
    raise AssertionError("the screen never settled")


def decode(img: Image.Image) -> list[Any]:
    return list(zxingcpp.read_barcodes(img))


def check_text_layout(scr: Screen) -> None:
    w, h = scr.size
    whole = pygame.Rect(0, 0, w, h)
    texts = scr.last_texts
    assert texts, "nothing was written on the screen"
    for text, rect in texts:
        assert whole.contains(rect), f"{text!r} at {rect} is not inside the {w}x{h} screen"
    for i, (text_a, a) in enumerate(texts):
        for text_b, b in texts[i + 1 :]:
            assert not a.colliderect(b), f"{text_a!r} {a} overlaps {text_b!r} {b}"
    qr = scr.last_qr
    if qr is not None:
        quiet = qr.rect.inflate(8 * qr.module, 8 * qr.module)
        for text, rect in texts:
            assert not rect.colliderect(quiet), f"{text!r} is drawn over the QR code"


# ------------------------------------------------------------------------- QR codes


@pytest.mark.parametrize("state", QR_STATES, ids=["connect", "connect-wide", "choose", "choose-short"])
def test_qr_code_scans_full_size_and_from_a_quarter(
    screen: tuple[Screen, FakeClock], state: Connect | Choose, tmp_path: Path
) -> None:
    scr, clock = screen
    show(scr, clock, state)
    url = state.qr_url if isinstance(state, Connect) else state.picker_uri
    img = screenshot(scr, tmp_path, state.screen_name)
    w, h = img.size

    found = decode(img)
    assert [b.text for b in found] == [url]
    pos = found[0].position
    symbol_h = pos.bottom_left.y - pos.top_left.y
    assert symbol_h >= h / 2, f"QR is {symbol_h}px tall on a {h}px screen"

    quarter = img.resize((w // 4, h // 4))  # a phone camera across the room
    assert [b.text for b in decode(quarter)] == [url]
    check_text_layout(scr)


@pytest.mark.parametrize("state", [CONNECT, CHOOSE], ids=["connect", "choose"])
def test_qr_modules_are_whole_pixels_with_a_white_quiet_zone(
    screen: tuple[Screen, FakeClock], state: Connect | Choose, tmp_path: Path
) -> None:
    scr, clock = screen
    show(scr, clock, state)
    img = screenshot(scr, tmp_path, "qr")
    pos = decode(img)[0].position
    x0, y0 = pos.top_left.x, pos.top_left.y
    side = pos.top_right.x - x0
    symbol = img.crop((x0, y0, x0 + side, y0 + side))
    # Never smoothed: only pure black and pure white inside the symbol.
    assert {c for _n, c in symbol.getcolors(1 << 20) or []} <= {(0, 0, 0), (255, 255, 255)}
    # The finder pattern's top edge is 7 dark modules: that gives the module size, which must divide the symbol.
    top = [symbol.getpixel((x, 0)) for x in range(side)]
    dark = next(i for i, c in enumerate(top) if c != (0, 0, 0))
    assert dark % 7 == 0
    module = dark // 7
    assert module >= 2 and side % module == 0 and (side // module - 17) % 4 == 0
    # Every edge in every module row falls on the module grid.
    for row in range(module // 2, side, module):
        line = [symbol.getpixel((x, row)) for x in range(side)]
        edges = [x for x in range(1, side) if line[x] != line[x - 1]]
        assert all(e % module == 0 for e in edges), f"row {row}: an edge off the {module}px grid"
    # Quiet zone: 4 modules of white all around.
    band = img.crop((x0 - 4 * module, y0 - 4 * module, x0 + side + 4 * module, y0 + side + 4 * module))
    inner = (4 * module, 4 * module, 4 * module + side, 4 * module + side)
    for y in range(0, band.height, max(1, module // 2)):
        for x in range(0, band.width, max(1, module // 2)):
            if not (inner[0] <= x < inner[2] and inner[1] <= y < inner[3]):
                assert band.getpixel((x, y)) == (255, 255, 255), "dark pixel in the quiet zone"
    assert scr.last_qr is not None and scr.last_qr.module == module


# ------------------------------------------------------------------------- words on every screen


@pytest.mark.parametrize("state", OTHER_STATES, ids=lambda s: s.screen_name)
def test_text_fits_on_every_screen(screen: tuple[Screen, FakeClock], state: State) -> None:
    scr, clock = screen
    show(scr, clock, state)
    check_text_layout(scr)
    assert scr.last_qr is None


def lines(scr: Screen) -> list[str]:
    return [text for text, _rect in scr.last_texts]


def test_connect_shows_code_url_countdown(screen: tuple[Screen, FakeClock]) -> None:
    scr, clock = screen
    show(scr, clock, CONNECT_WIDE)
    shown = lines(scr)
    assert CODE_15 in shown  # exactly as given, on one line
    start = next(i for i, line in enumerate(shown) if line.endswith("go to")) + 1
    url_lines = shown[start : shown.index("and enter this code:")]
    assert "".join(url_lines) == URL_40.removeprefix("https://")  # scheme dropped, wrapped, never clipped
    assert "This code expires in 1:35" in shown
    check_text_layout(scr)
    show(scr, clock, CONNECT)
    code_rect = dict(scr.last_texts)["GQVQ-JKEC"]
    assert code_rect.h >= scr.size[1] * 0.08, "the user code must be very large"
    assert "This code expires in 30 min" in lines(scr)


def test_choose_shows_link_account_and_what_to_do(screen: tuple[Screen, FakeClock]) -> None:
    scr, clock = screen
    show(scr, clock, CHOOSE)
    shown = lines(scr)
    # A link is never cut inside a token: this one's last (81 characters, "?" and "&" are no breaks) fits no
    # line at the least size, so none of it is written and the sentence on scanning takes its place.
    assert not drawn(shown, LONG_PICKER.removeprefix("https://")) and "Or open this link:" not in shown
    assert drawn(shown, SCAN_INSTEAD), shown
    assert any("grandma.smith.family.photos@gmail.com" in line for line in shown)
    assert "The link expires in 30 min" in shown
    assert any("choose New link" in line for line in shown), "the sentence names the button that does it"
    show(scr, clock, CHOOSE_SHORT)  # a link that fits is written whole, broken only after a "/"
    shown = lines(scr)
    assert drawn(shown, SHORT_PICKER.removeprefix("http://")) and "Or open this link:" in shown, shown


def test_qr_codes_are_let_go_once_a_screen_without_one_is_up(screen: tuple[Screen, FakeClock], tmp_path: Path) -> None:
    """A drawn QR code is megabytes (4 bytes a pixel): the download and the slideshow after the sign-in and the
    choosing must not keep the codes of those screens; a QR screen that comes back draws its code again."""
    scr, clock = screen
    show(scr, clock, CONNECT)
    show(scr, clock, CHOOSE)
    assert scr._ctx is not None
    codes = [weakref.ref(code.surface) for code in scr._ctx.qr_cache.values()]
    assert codes
    show(scr, clock, Downloading(session_id="s", done=3, total=10))
    gc.collect()
    assert [code() for code in codes] == [None] * len(codes)
    show(scr, clock, CHOOSE)
    assert scr.last_qr is not None and scr.last_qr.text == LONG_PICKER
    assert [r.text for r in decode(screenshot(scr, tmp_path, "choose-again"))] == [LONG_PICKER]


def test_downloading_and_problem_words(screen: tuple[Screen, FakeClock]) -> None:
    scr, clock = screen
    show(scr, clock, Downloading(session_id="s", done=37, total=120))
    assert {"Getting your photos…", "37 of 120"} <= set(lines(scr))
    problem = show(scr, clock, PROBLEM_RETRY)
    assert {"No network", "Trying again in 12 s", "Try again now"} <= set(lines(scr))
    clock.advance(13)
    scr.show(problem, clock.now(), [])
    assert "Trying again now…" in lines(scr)


def test_slideshow_overlays_fit(screen: tuple[Screen, FakeClock], photos: list[Photo], tmp_path: Path) -> None:
    scr, clock = screen
    state = Slideshow(count=len(photos), notice="No network — showing saved photos")
    settle(scr, clock, state, photos)
    assert scr.showing is not None
    shown = lines(scr)
    assert "No network — showing saved photos" in shown
    assert {"Add photos", "Replace photos", "Sign out"} <= set(shown)
    created = scr.showing.created
    assert created is not None and f"{created.day} {created:%B %Y}" in shown
    check_text_layout(scr)
    settle(scr, clock, PROBLEM_OVER, photos)
    assert scr.showing is not None, "the slideshow keeps running under a problem"
    assert "Google is busy" in lines(scr)
    assert any(line.startswith("Trying again in 4") for line in lines(scr))
    check_text_layout(scr)
    img = screenshot(scr, tmp_path, "over")
    # The photo is still there above the banner: not the plain dark backdrop.
    w, h = img.size
    r, g, b = img.getpixel((w // 2, h // 3))  # type: ignore[misc]
    assert max(r, g, b) > 60


def test_screenshot_is_written_atomically_as_png(screen: tuple[Screen, FakeClock], tmp_path: Path) -> None:
    scr, clock = screen
    show(scr, clock, CONNECT)
    target = tmp_path / "connect.png"
    target.write_bytes(b"old")
    scr.save_screenshot(target)
    with Image.open(target) as img:
        assert img.format == "PNG" and img.size == scr.size
    assert os.listdir(tmp_path) == ["connect.png"]  # no temporary file left behind


HOSTILE: list[State] = [
    Connect(
        verification_url="https://" + "very-long-subdomain." * 5 + "example.com/device/activate?x=1",
        qr_url="https://example.com/d?" + "c=WMWMWMWM&" * 20,
        user_code="WMWMWMWMWMWMWMWMWMWMWMWMWMWMWM",
        expires_at=T0 + 86400,
        interval=5,
        next_poll_at=T0 + 5,
    ),
    Choose(
        session_id="s",
        picker_uri="https://photos.google.com/picker/" + "x" * 400,
        account="someone.with.an.extraordinarily.long.address@a-very-long-company-domain.example.com",
        expires_at=T0 + 5,
        poll_interval=5,
        next_poll_at=T0 + 5,
        replace=True,
    ),
    Problem(
        what="unexpected",
        title="Something unexpected happened " * 4,
        detail="Supercalifragilisticexpialidocious" * 3 + " and a very long explanation. " * 12,
        next_step="It will try again by itself, and if that does not help, restart the frame. " * 3,
        retry_at=T0 + 7200,
    ),
    Problem(
        what="busy",
        title="Google is busy " * 6,
        detail="Words " * 60,
        next_step="More words " * 20,
        retry_at=T0 + 10,
        photos_available=True,
    ),
    Slideshow(count=0, notice="A notice that goes on and on " * 8),
    Downloading(session_id="s", done=123456, total=999999, failed=876543),
]


@pytest.mark.parametrize("state", HOSTILE, ids=lambda s: s.screen_name)
def test_absurd_texts_still_fit(screen: tuple[Screen, FakeClock], state: State, tmp_path: Path) -> None:
    scr, clock = screen
    shown = show(scr, clock, state)
    check_text_layout(scr)
    if isinstance(shown, Choose):
        # The link as text: never a piece of it (a cut link would be taken for the whole); the QR code has it.
        assert not drawn(lines(scr), shown.picker_uri.removeprefix("https://"))
        assert drawn(lines(scr), SCAN_INSTEAD)
        found = decode(screenshot(scr, tmp_path, "long"))
        assert [b.text for b in found] == [shown.picker_uri]


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=0.001, max_value=200_000, allow_nan=False))
def test_countdown_wakes_exactly_when_its_text_changes(seconds: float) -> None:
    # next_wake relies on this: sleeping until the change never skips a second and never wakes for nothing.
    change = countdown_changes_in(seconds)
    assert change is not None and 0 < change <= max(seconds, 1) and change <= 3600
    assert countdown(seconds - change * 0.999) == countdown(seconds)
    assert countdown(seconds - change - 1e-6) != countdown(seconds)
    assert countdown_changes_in(0) is None and countdown(0) == "0 s"
