"""A panel hung on its side: the picture drawn in the viewer's orientation, turned at present, taps turned back."""

from __future__ import annotations

from collections.abc import Iterable

import pygame

_POINTER = (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP, pygame.MOUSEMOTION)
_FINGER = (pygame.FINGERDOWN, pygame.FINGERUP, pygame.FINGERMOTION)


def turned(size: tuple[int, int], rotate: int) -> tuple[int, int]:
    """``size`` after a quarter turn or three (the viewer's size from the panel's, and back)."""
    return (size[1], size[0]) if rotate in (90, 270) else size


def present(view: pygame.Surface, panel: pygame.Surface, rotate: int) -> None:
    """Copy the viewer's picture onto the panel, turned ``rotate`` degrees clockwise."""
    # pygame turns counter-clockwise for a positive angle; quarter turns are exact (no smoothing, no border).
    panel.blit(pygame.transform.rotate(view, -rotate), (0, 0))


def to_view(pos: tuple[float, float], panel: tuple[float, float], rotate: int) -> tuple[float, float]:
    """A point on the panel (pixels, or 0..1 with ``panel`` (1, 1)) where the viewer sees it."""
    x, y = pos
    w, h = panel
    if rotate == 90:  # the viewer's top edge is on the panel's right
        return (y, w - 1 - x) if w > 1 else (y, 1 - x)
    if rotate == 180:
        return (w - 1 - x, h - 1 - y) if w > 1 else (1 - x, 1 - y)
    if rotate == 270:  # the viewer's top edge is on the panel's left
        return (h - 1 - y, x) if w > 1 else (1 - y, x)
    return (x, y)


def events_to_view(
    events: Iterable[pygame.event.Event], panel: tuple[int, int], rotate: int
) -> list[pygame.event.Event]:
    """The events with every click, motion and touch position turned into the viewer's coordinates."""
    if rotate == 0:
        return list(events)
    out = []
    for event in events:
        if event.type in _POINTER:
            attrs = dict(event.dict)
            x, y = to_view(event.pos, panel, rotate)
            attrs["pos"] = (round(x), round(y))
            if "rel" in attrs:
                dx, dy = attrs["rel"]
                attrs["rel"] = {90: (dy, -dx), 180: (-dx, -dy), 270: (-dy, dx)}[rotate]
            event = pygame.event.Event(event.type, attrs)
        elif event.type in _FINGER:
            attrs = dict(event.dict)
            attrs["x"], attrs["y"] = to_view((event.x, event.y), (1, 1), rotate)
            event = pygame.event.Event(event.type, attrs)
        out.append(event)
    return out
