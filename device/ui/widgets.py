"""The few things every screen is drawn from: theme colours, backdrop, panels, buttons, bar, QR code and card."""

from __future__ import annotations

from collections.abc import Sequence

import pygame

from core.record import record
from core.states import UserAction
from device.ui.layout import Layout, Placed
from device.ui.menu import MenuItem
from device.ui.qr import QUIET_MODULES, qr_matrix
from device.ui.text import Fonts, render_block

Color = tuple[int, int, int]

BG_TOP: Color = (15, 20, 28)
BG_BOTTOM: Color = (29, 36, 48)
TEXT: Color = (242, 241, 236)
MUTED: Color = (170, 179, 192)
ACCENT: Color = (246, 196, 110)  # warm amber: the code to type, the link, the focused button
ALERT: Color = (240, 128, 112)  # soft coral: marks a problem without shouting
ON_ACCENT: Color = (24, 22, 18)
CARD: Color = (255, 255, 255)
QR_DARK: Color = (0, 0, 0)
QR_LIGHT: Color = (255, 255, 255)

TextRects = list[tuple[str, pygame.Rect]]


def backdrop(size: tuple[int, int], into: pygame.Surface | None = None) -> pygame.Surface:
    """A calm vertical gradient, dark enough to vanish in a dim room; drawn ``into`` that surface when it has
    this size and the gradient's pixel format (no new full-screen buffer), else on a new one."""
    # Two pixels, stretched smoothly: bilinear scaling is the gradient, in C; a row-by-row fill in Python
    # costs milliseconds on the way to the first screen.
    ends = pygame.Surface((1, 2), depth=32)
    ends.set_at((0, 0), BG_TOP)
    ends.set_at((0, 1), BG_BOTTOM)
    column = pygame.transform.smoothscale(ends, (1, size[1]))
    if (
        into is not None
        and into.get_size() == size
        and into.get_bitsize() == column.get_bitsize()
        and into.get_masks() == column.get_masks()
    ):
        return pygame.transform.scale(column, size, into)
    return pygame.transform.scale(column, size)


def panel(size: tuple[int, int], radius: int, alpha: int = 190) -> pygame.Surface:
    """A translucent dark rounded panel for text over a photo."""
    surface = pygame.Surface(size, pygame.SRCALPHA)
    pygame.draw.rect(surface, (10, 12, 16, alpha), surface.get_rect(), border_radius=radius)
    return surface


def draw_column(fonts: Fonts, placed: Placed, surface: pygame.Surface, offset: tuple[int, int] = (0, 0)) -> TextRects:
    """Draw a stacked column; rects are returned in screen coordinates (``offset`` is where ``surface`` is)."""
    drawn: TextRects = []
    for block, y in placed.blocks:
        for text, rect in render_block(fonts, block, surface, placed.box.left, y, placed.box.width, placed.align):
            drawn.append((text, rect.move(offset)))
    return drawn


@record
class QrImage:
    """A drawn QR code: ``surface`` includes the quiet zone; ``module`` is the whole-pixel module size."""

    surface: pygame.Surface
    module: int
    modules: int  # modules across the symbol, quiet zone excluded

    @property
    def symbol_px(self) -> int:
        return self.module * self.modules

    @property
    def total_px(self) -> int:
        return self.surface.get_width()


def render_qr(text: str, module: int) -> QrImage:
    """Draw ``text`` as a QR code with square ``module``-pixel modules: one pixel a module, then each pixel
    repeated ``module`` times each way (pygame's scale is nearest-neighbour: whole squares, no blending)."""
    matrix = qr_matrix(text)
    n = len(matrix)
    dark, light = bytes(QR_DARK), bytes(QR_LIGHT)
    symbol = pygame.image.frombytes(b"".join(dark if cell else light for row in matrix for cell in row), (n, n), "RGB")
    side = (n + 2 * QUIET_MODULES) * module
    surface = pygame.Surface((side, side))
    surface.fill(QR_LIGHT)
    surface.blit(pygame.transform.scale(symbol, (n * module, n * module)), (QUIET_MODULES * module,) * 2)
    return QrImage(surface=surface, module=module, modules=n)


def qr_card(surface: pygame.Surface, qr: QrImage, card: pygame.Rect, radius: int) -> pygame.Rect:
    """The QR on a white rounded card; the rounding stays outside the 4-module quiet zone. Returns the
    symbol's rect (quiet zone excluded)."""
    pygame.draw.rect(surface, CARD, card, border_radius=radius)
    top_left = (card.x + (card.w - qr.total_px) // 2, card.y + (card.h - qr.total_px) // 2)
    surface.blit(qr.surface, top_left)
    quiet = (qr.total_px - qr.symbol_px) // 2
    return pygame.Rect(top_left[0] + quiet, top_left[1] + quiet, qr.symbol_px, qr.symbol_px)


def draw_progress_bar(surface: pygame.Surface, rect: pygame.Rect, fraction: float) -> None:
    radius = rect.h // 2
    pygame.draw.rect(surface, (58, 66, 80), rect, border_radius=radius)
    filled = rect.copy()
    filled.w = round(rect.w * max(0.0, min(1.0, fraction)))
    if filled.w > 0:
        filled.w = max(filled.w, rect.h)  # a sliver narrower than it is tall would draw as a blob
        pygame.draw.rect(surface, ACCENT, filled, border_radius=radius)


@record
class ButtonRow:
    """A laid-out row of buttons: where each one is, at which font size."""

    rects: tuple[pygame.Rect, ...]
    size: int

    @property
    def bounds(self) -> pygame.Rect:
        return self.rects[0].unionall(list(self.rects[1:])) if self.rects else pygame.Rect(0, 0, 0, 0)


def layout_buttons(fonts: Fonts, layout: Layout, items: Sequence[MenuItem], max_w: int, size: int) -> ButtonRow:
    """Buttons in a row at (0, 0), shrinking the type until the row fits ``max_w``; at the least type size
    allowed (``fonts.least``) they go on as few centred rows as they need, as even as can be (2 + 2, not
    3 + 1), all as wide as the widest when that fits: a grid, not a row that spilled over."""
    least = max(8, fonts.least)
    while True:
        size = max(least, size)
        font = fonts.get(size, True)
        pad_x, pad_y = round(size * 1.0), round(size * 0.55)
        gap = round(size * 0.8)
        widths = [font.size(item.label)[0] + 2 * pad_x for item in items]
        height = font.get_height() + 2 * pad_y
        if sum(widths) + gap * (len(widths) - 1) <= max_w or size <= least:
            break
        size = int(size * 0.92)
    rows = _even_rows(widths, gap, max_w)
    if len(rows) > 1 and max(len(row) for row in rows) * (max(widths) + gap) - gap <= max_w:
        widths = [max(widths)] * len(widths)
    widest = max((sum(widths[j] for j in row) + gap * (len(row) - 1) for row in rows), default=0)
    rects: list[pygame.Rect] = [pygame.Rect(0, 0, 0, 0)] * len(widths)
    for r, row in enumerate(rows):
        x = (widest - (sum(widths[j] for j in row) + gap * (len(row) - 1))) // 2
        for j in row:
            rects[j] = pygame.Rect(x, r * (height + gap), widths[j], height)
            x += widths[j] + gap
    return ButtonRow(tuple(rects), size)


def _even_rows(widths: Sequence[int], gap: int, max_w: int) -> list[list[int]]:
    """The buttons' indices by row: the fewest rows in which each fits ``max_w``, as many on each as can be."""
    n = len(widths)
    for count in range(1, n + 1):
        per_row = -(-n // count)
        rows = [list(range(start, min(n, start + per_row))) for start in range(0, n, per_row)]
        if all(sum(widths[j] for j in row) + gap * (len(row) - 1) <= max_w for row in rows):
            return rows
    return [[j] for j in range(n)]


def draw_buttons(
    fonts: Fonts,
    surface: pygame.Surface,
    items: Sequence[MenuItem],
    row: ButtonRow,
    origin: tuple[int, int],
    focus: int,
    screen_offset: tuple[int, int] = (0, 0),
) -> tuple[TextRects, list[tuple[pygame.Rect, UserAction]]]:
    """Draw a row laid out by layout_buttons at ``origin``; return its text rects and tap targets (screen
    coordinates)."""
    font = fonts.get(row.size, True)
    texts: TextRects = []
    targets: list[tuple[pygame.Rect, UserAction]] = []
    for i, (item, rect) in enumerate(zip(items, row.rects, strict=True)):
        r = rect.move(origin)
        focused = i == focus
        # Drawn on its own alpha surface: pygame.draw writes alpha instead of blending it.
        button = pygame.Surface(r.size, pygame.SRCALPHA)
        whole = button.get_rect()
        if focused:
            pygame.draw.rect(button, (*ACCENT, 255), whole, border_radius=r.h // 2)
        else:
            pygame.draw.rect(button, (255, 255, 255, 40), whole, border_radius=r.h // 2)
            pygame.draw.rect(button, (255, 255, 255, 120), whole, width=max(1, row.size // 12), border_radius=r.h // 2)
        label = font.render(item.label, True, ON_ACCENT if focused else TEXT)
        at = label.get_rect(center=whole.center)
        button.blit(label, at)
        surface.blit(button, r)
        texts.append((item.label, at.move(r.topleft).move(screen_offset)))
        targets.append((r.move(screen_offset), item.action))
    return texts, targets
