"""Screen tests' shared parts: a dummy-driver screen at three sizes (the ``screen`` fixture), and key presses and
taps posted to pygame's queue with the actions the screen made of them."""

from __future__ import annotations

from collections.abc import Iterator

import pygame
import pytest

from core.clock import FakeClock
from core.config import SlideshowConfig
from core.states import UserAction
from device.ui.screen import Screen


@pytest.fixture(params=[(1920, 1080), (800, 480), (1080, 1920)], ids=lambda s: f"{s[0]}x{s[1]}")
def screen(request: pytest.FixtureRequest) -> Iterator[tuple[Screen, FakeClock]]:
    """An open Screen on SDL's dummy driver, with the fake clock it reads."""
    clock = FakeClock(0.0)
    scr = Screen(size=request.param, slideshow=SlideshowConfig(), now=clock.now)
    assert scr.open() == "dummy"
    yield scr, clock
    scr.close()


def press(scr: Screen, *keys: int) -> list[UserAction]:
    for key in keys:
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode="", scancode=0))
        pygame.event.post(pygame.event.Event(pygame.KEYUP, key=key, mod=0, unicode="", scancode=0))
    return scr.handle_events()


def click(scr: Screen, pos: tuple[int, int]) -> list[UserAction]:
    """A left-button tap at ``pos``."""
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=pos))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=pos))
    return scr.handle_events()
