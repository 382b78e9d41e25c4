"""The reusable arrangements of a screen by its shape: "QR + title + text" (qr_screen) and a centred column
(centered_screen), each with an optional row of buttons under the text."""

from __future__ import annotations

from collections.abc import Sequence

import pygame

from core.flow.wording import display_url
from device.ui.frame import Context, Frame, QrPlacement, Slot
from device.ui.layout import Item, Layout, Placed, stack
from device.ui.menu import MenuItem
from device.ui.qr import qr_matrix
from device.ui.text import Style
from device.ui.widgets import ACCENT, MUTED, ButtonRow, draw_buttons, draw_column, layout_buttons, qr_card

NO_BUTTON = -1
SCAN_INSTEAD = "Point your phone's camera at the code, then tap the link it shows."


def link_items(L: Layout, label: str, url: str, gap: float = 3.5, label_rank: int = 1) -> list[Item]:
    """``label`` and the link of a QR screen as text (scheme dropped), broken only after a "/" or before an "@".
    Where a token of it cannot fit the column even at the least size (a picker link's 64-character id, on all
    but an ultrawide screen), both give way to a sentence on scanning the code: nobody types such a link, and
    one cut or shortened would be taken for the whole. Both are help beside the QR code: left out when the column
    has no room for them (see layout.Item.optional; the label alone may go first, ranked ``label_rank``)."""
    scan = Item(SCAN_INSTEAD, Style(L.small, color=MUTED, max_lines=2), gap=gap, optional=True)
    return [
        Item(label, Style(L.small, color=MUTED, max_lines=1), gap=gap, optional=label_rank, with_next=True),
        Item(
            display_url(url),
            Style(round(L.small * 1.1), color=ACCENT, max_lines=3, url=True, min_size=round(L.small * 0.75)),
            gap=0.5,
            optional=True,
            instead=scan,
        ),
    ]


def group(
    ctx: Context,
    items: Sequence[Item],
    box: pygame.Rect,
    align: str,
    menu: Sequence[MenuItem],
    above: int = 0,
) -> tuple[Placed, ButtonRow | None, int, int]:
    """A text column with optional buttons under it, centred together in ``box``; ``above`` is room kept over
    the text (for a mark). Returns the column, the button row, the top of the group and of the buttons."""
    L = ctx.layout
    row = layout_buttons(ctx.fonts, L, menu, box.width, L.small) if menu else None
    below = row.bounds.h + round(L.gap * 1.6) if row else 0
    first = stack(ctx.fonts, L, items, pygame.Rect(box.left, box.top, box.width, box.height - above - below), align)
    total = above + first.height + below
    top = box.top + max(0, (box.height - total) // 2)
    placed = stack(ctx.fonts, L, items, pygame.Rect(box.left, top + above, box.width, first.height), align)
    return placed, row, top, top + above + placed.height + (below - row.bounds.h if row else 0)


def draw_group(
    ctx: Context,
    frame: Frame,
    surface: pygame.Surface,
    placed: Placed,
    menu: Sequence[MenuItem],
    row: ButtonRow | None,
    buttons_top: int,
    focus: int,
    offset: tuple[int, int] = (0, 0),
) -> None:
    frame.texts += draw_column(ctx.fonts, placed, surface, offset)
    for name, (rect, style) in placed.slots.items():
        frame.slots[name] = Slot(rect.move(offset), style, placed.align)
    if row is not None:
        x = placed.box.left
        if placed.align == "center":
            x += (placed.box.width - row.bounds.w) // 2
        texts, targets = draw_buttons(ctx.fonts, surface, menu, row, (x, buttons_top), focus, offset)
        frame.texts += texts
        frame.buttons += targets


def qr_screen(
    ctx: Context, url: str, items: Sequence[Item], menu: Sequence[MenuItem] = (), focus: int = NO_BUTTON
) -> Frame:
    """A QR code for ``url`` with a column of ``items`` (title first) and ``menu`` buttons under them, by the
    screen's shape: on a landscape screen the code at the right and the text left-aligned beside it; on a
    portrait or square one the code at the top, centred, and the text centred under it. The code is at least
    half the shorter side (60 % of the height on landscape screens 800 px wide or more), whole-pixel modules,
    quiet zone on a white card; the text shrinks to fit (down to 1/30 of the shorter side) and leaves out
    ``Item(optional=True)`` help, last first, when it still cannot fit. Give a link as link_items and a code
    to type ``Style(token=True)``: they are never broken inside a token. Used by connect, choose, the phone
    sign-in and the pairing screens."""
    L = ctx.layout
    base = ctx.base()
    module = L.qr_module(len(qr_matrix(url)))
    qr = ctx.qr(url, module)
    pad = max(2, module // 2)
    card, column = L.qr_columns(qr.total_px + 2 * pad)
    align = "center" if L.stacked else "left"
    # The rounding must stay inside the card's own edge, outside the quiet zone (depth 0.29 r < pad).
    symbol = qr_card(base, qr, card, min(L.radius, 3 * pad))
    frame = Frame(base=base, qr=QrPlacement(symbol, qr.module, qr.modules, url))
    placed, row, _top, buttons_top = group(ctx, items, column, align, menu)
    draw_group(ctx, frame, base, placed, menu, row, buttons_top, focus)
    return frame


def centered_screen(
    ctx: Context, items: Sequence[Item], menu: Sequence[MenuItem], focus: int, mark: pygame.Color | None = None
) -> Frame:
    """A centred column of ``items`` (with a short coloured ``mark`` bar above it) and ``menu`` under it."""
    L = ctx.layout
    base = ctx.base()
    frame = Frame(base=base)
    width = L.width - 2 * L.margin if L.stacked else min(L.width - 2 * L.margin, round(L.width * 0.78))
    box = pygame.Rect((L.width - width) // 2, L.margin, width, L.height - 2 * L.margin)
    mark_h = L.px(0.9, 4) if mark is not None else 0
    above = mark_h + L.gap * 2 if mark is not None else 0
    placed, row, top, buttons_top = group(ctx, items, box, "center", menu, above)
    if mark is not None:
        bar = pygame.Rect(0, top, L.px(7, 28), mark_h)
        bar.centerx = L.width // 2
        pygame.draw.rect(base, mark, bar, border_radius=mark_h // 2)
    draw_group(ctx, frame, base, placed, menu, row, buttons_top, focus)
    return frame
