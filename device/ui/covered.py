"""What the overlays of a slideshow frame cover on the screen, kept aside so that the next frame can start from
the bare photos (a crossfade blends into the picture on screen: it must not blend the overlays in with it)."""

from __future__ import annotations

from collections.abc import Iterable

import pygame


class Covered:
    """Copies of the screen's pixels under the overlays, taken just before they were drawn."""

    def __init__(self) -> None:
        self._saved: list[tuple[pygame.Surface, pygame.Rect]] = []

    def save(self, screen: pygame.Surface, rects: Iterable[pygame.Rect]) -> None:
        """Keep what ``screen`` shows inside each of ``rects`` (the buffers of the last frame are reused)."""
        bounds = screen.get_rect()
        old = {(r.topleft, buf.get_size()): buf for buf, r in self._saved}
        saved: list[tuple[pygame.Surface, pygame.Rect]] = []
        for rect in rects:
            area = rect.clip(bounds)
            if area.width <= 0 or area.height <= 0:
                continue
            buf = old.pop((area.topleft, area.size), None)
            if buf is None:
                buf = pygame.Surface(area.size, 0, screen)
            buf.blit(screen, (0, 0), area)
            saved.append((buf, area))
        self._saved = saved

    def restore(self, screen: pygame.Surface) -> None:
        """Put back what was under the overlays (every copy was taken before any overlay was drawn)."""
        for buf, area in self._saved:
            screen.blit(buf, area)

    def clear(self) -> None:
        self._saved = []
