"""Key presses and taps posted to pygame's queue for screen tests, and the actions the screen made of them."""

from __future__ import annotations

import pygame

from core.states import UserAction
from device.ui.screen import Screen


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
