"""The still part of a frame (what a builder returns) and the context every builder draws with."""

from __future__ import annotations

from dataclasses import field

import pygame

from core.record import mutable_record, record
from core.states import UserAction
from device.ui.layout import Layout
from device.ui.text import Fonts, Style
from device.ui.widgets import QrImage, TextRects, backdrop, render_qr


@record
class Slot:
    """Where a text that changes with time (a countdown) is drawn, and how."""

    rect: pygame.Rect
    style: Style
    align: str = "left"


@record
class QrPlacement:
    """Where the QR symbol is (quiet zone excluded), and its whole-pixel module size."""

    rect: pygame.Rect
    module: int
    modules: int
    text: str


@mutable_record
class Frame:
    """The still part of a screen: an opaque ``base`` (None over the slideshow), translucent ``overlays``
    drawn on top, and what a test or a tap needs to know about it."""

    base: pygame.Surface | None = None
    overlays: list[tuple[pygame.Surface, tuple[int, int]]] = field(default_factory=list)
    texts: TextRects = field(default_factory=list)
    slots: dict[str, Slot] = field(default_factory=dict)
    buttons: list[tuple[pygame.Rect, UserAction]] = field(default_factory=list)
    qr: QrPlacement | None = None


@mutable_record
class Context:
    """Everything the builders draw with; one per screen size."""

    fonts: Fonts
    layout: Layout
    qr_cache: dict[tuple[str, int], QrImage] = field(default_factory=dict)
    # When set, the next base() is this surface (the screen itself): see base().
    canvas: pygame.Surface | None = field(default=None, repr=False)
    _background: pygame.Surface | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.fonts.least = self.layout.least  # no text on this screen smaller than its layout allows

    @property
    def background(self) -> pygame.Surface:
        """The plain backdrop, made on first use (the first screen paints its own base instead, see base())."""
        if self._background is None:
            self._background = backdrop((self.layout.width, self.layout.height))
        return self._background

    def paint_background(self, target: pygame.Surface) -> None:
        """The plain backdrop over all of ``target`` (the screen): drawn straight into it where the pixel
        formats agree, so no full-screen copy of it is kept; else copied from one made once."""
        size = (self.layout.width, self.layout.height)
        painted = self._background if self._background is not None else backdrop(size, into=target)
        if painted is not target:
            self._background = painted
            target.blit(painted, (0, 0))

    def forget_background(self) -> None:
        """Let go of the plain backdrop (a full-screen buffer) while photos cover it; made again if needed."""
        self._background = None

    def base(self) -> pygame.Surface:
        """An opaque surface showing the backdrop, for a screen to draw its still part on: ``canvas`` once
        (the caller then owns telling that base from the screen), else a new one."""
        canvas, self.canvas = self.canvas, None
        if canvas is not None:
            size = (self.layout.width, self.layout.height)
            painted = self._background if self._background is not None else backdrop(size, into=canvas)
            if painted is not canvas:
                canvas.blit(painted, (0, 0))
            return canvas
        if self._background is None:
            # One full-screen buffer instead of two (the backdrop and a copy of it): each new one costs
            # milliseconds of page faults, on the way to the first screen.
            return backdrop((self.layout.width, self.layout.height))
        return self._background.copy()

    def forget_qrs(self) -> None:
        """Let go of the QR codes drawn so far (a screen without one is up): each is a few megabytes at 4 bytes
        a pixel (2.6–2.9 MB on a 1920×1080 screen), and the download and the slideshow that follow the sign-in
        and the choosing never show them again; a QR screen that comes back draws its code again (~1 ms)."""
        self.qr_cache.clear()

    def qr(self, text: str, module: int) -> QrImage:
        key = (text, module)
        if key not in self.qr_cache:
            if len(self.qr_cache) > 4:
                self.qr_cache.clear()
            self.qr_cache[key] = render_qr(text, module)
        return self.qr_cache[key]
