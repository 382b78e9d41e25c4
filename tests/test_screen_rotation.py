"""A landscape panel hung in portrait: ``[screen] rotate`` turns the picture, taps turn back with it, and the
size asked for and the screenshots are the viewer's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pygame
import pytest

from core.clock import FakeClock
from core.config import parse_config
from core.errors import ConfigError
from core.states import Choose, UserAction
from device.ui.rotation import to_view
from device.ui.screen import Screen
from tests.test_screen_render import decode, screenshot, show

pytestmark = pytest.mark.usefixtures("dummy_sdl")
PICKER = "https://photos.google.com/picker/AF1QipNnZx7kTq2hWl0cD9vR3sYb8uJm4eKa6oPiG5fLt1XwQyHzVd0BcE2nMr3s"
CHOOSE = Choose("s1", PICKER, "frame.owner@example.com", expires_at=1795, poll_interval=5, next_poll_at=5)
GOOGLE = {"client_id": "x", "client_secret": "y"}


def test_rotate_is_read_and_checked() -> None:
    assert parse_config({"google": GOOGLE}).screen.rotate == 0
    assert parse_config({"google": GOOGLE, "screen": {"rotate": 270}}).screen.rotate == 270
    for bad in (45, -90, 360, True, "90"):
        with pytest.raises(ConfigError, match=r"screen\.rotate"):
            parse_config({"google": GOOGLE, "screen": {"rotate": bad}})
    with pytest.raises(ConfigError, match="flip"):
        parse_config({"google": GOOGLE, "screen": {"flip": True}})


@pytest.fixture(params=[90, 180, 270], ids=lambda r: f"rotate{r}")
def turned(request: pytest.FixtureRequest) -> Iterator[tuple[Screen, FakeClock, int]]:
    clock = FakeClock(0.0)
    scr = Screen(size=(600, 1024), now=clock.now, rotate=request.param)
    scr.open()
    yield scr, clock, request.param
    scr.close()


def test_the_panel_shows_the_viewers_picture_turned(turned: tuple[Screen, FakeClock, int], tmp_path: Path) -> None:
    scr, clock, rotate = turned
    panel = pygame.display.get_surface()
    assert scr.size == (600, 1024), "--size is the viewer's"
    assert panel.get_size() == ((1024, 600) if rotate in (90, 270) else (600, 1024))
    show(scr, clock, CHOOSE)
    view = screenshot(scr, tmp_path, "view")
    assert view.size == (600, 1024), "screenshots are the viewer's"
    assert [b.text for b in decode(view)] == [PICKER]
    # The panel holds that same picture turned clockwise by ``rotate``: the viewer's top-left corner pixel
    # and the QR code's corner land where a clockwise turn puts them.
    qr = scr.last_qr
    assert qr is not None
    w, h = panel.get_size()
    corner = (qr.rect.left + 1, qr.rect.top + 1)  # inside the top-left finder pattern: black
    where = {90: (w - 1 - corner[1], corner[0]), 180: (w - 1 - corner[0], h - 1 - corner[1])}
    where[270] = (corner[1], h - 1 - corner[0])
    assert to_view(where[rotate], (w, h), rotate) == corner
    assert tuple(panel.get_at(where[rotate]))[:3] == (0, 0, 0)
    assert where[rotate] == _turn(corner, scr.size, rotate)
    rotated = pygame.transform.rotate(pygame.image.load(str(tmp_path / "view.png")), -rotate)
    assert pygame.image.tobytes(rotated, "RGB") == pygame.image.tobytes(panel, "RGB")


def _turn(pos: tuple[int, int], view: tuple[int, int], rotate: int) -> tuple[int, int]:
    """Where a viewer's point lands on the panel (the inverse of to_view)."""
    x, y = pos
    vw, vh = view
    return {90: (vh - 1 - y, x), 180: (vw - 1 - x, vh - 1 - y), 270: (y, vw - 1 - x)}[rotate]


def test_a_tap_on_the_panel_hits_the_button_the_viewer_sees(turned: tuple[Screen, FakeClock, int]) -> None:
    scr, clock, rotate = turned
    show(scr, clock, CHOOSE)
    scr.handle_events()
    cancel = dict(scr.last_texts)["Cancel"]
    at = _turn(cancel.center, scr.size, rotate)
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=at))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=at))
    assert scr.handle_events() == [UserAction.CANCEL]
    # Not turned back, the same tap would have missed: the panel's point is elsewhere on the viewer's picture.
    assert not pygame.Rect(cancel).collidepoint(at)
