"""Sizes derived from the screen (type, margins, the QR card) and stacking text blocks into a column."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field, replace

import pygame

from core.record import mutable_record, record
from device.ui.qr import QUIET_MODULES
from device.ui.text import Block, Fonts, Style, fit

BIG_SCREEN_QR_SHARE = 0.80  # on a TV the QR card takes 80 % of the height: scannable from a sofa, not shouting
SMALL_SCREEN_UNIT = 4.8  # px per type unit at least: small panels are looked at from closer
TEXT_SHARE_MIN = 0.40  # on a landscape screen the text column beside the QR keeps at least this share
SQUARE_RATIO = 1.3  # sides closer than this (5:4 too) make a square screen: no room for a column beside the code
LEAST_TEXT_SHARE = 30  # no text is smaller than 1/30 of the shorter side, buttons included
QR_SHARE = 0.5  # the QR symbol (quiet zone excluded) takes at least half the shorter side...
QR_SHARE_LANDSCAPE = 0.6  # ...and 60 % of the height on a wide screen (3:2 or wider) 800 px wide or more
WIDE_RATIO = 1.5  # narrower landscape screens (4:3, 5:4) keep the code at half the height: the text needs room
PORTRAIT_QR_HEIGHT = 0.5  # on a portrait screen the QR card may grow up to half the height, the text below
LEAD_OVER = 1.25  # a lead shrunk to make room is still this much larger than the rest, else help is left out


@record
class Layout:
    """Every size on screen, from the shorter side (one unit = 1 % of it, with a floor for small panels) and
    the arrangement that suits the screen's shape: "landscape" puts the QR code beside the text, "portrait"
    and "square" stack it above the text."""

    width: int
    height: int

    @property
    def short(self) -> int:
        return min(self.width, self.height)

    @property
    def shape(self) -> str:
        if self.width >= self.height * SQUARE_RATIO:
            return "landscape"
        if self.height >= self.width * SQUARE_RATIO:
            return "portrait"
        return "square"

    @property
    def stacked(self) -> bool:
        """The QR code (or the main block) goes above the text rather than beside it."""
        return self.shape != "landscape"

    @property
    def unit(self) -> float:
        # Small panels are looked at from closer, but not that much closer: type does not shrink below this.
        return max(self.short / 100, SMALL_SCREEN_UNIT)

    @property
    def least(self) -> int:
        """The smallest text size allowed on this screen."""
        return -(-self.short // LEAST_TEXT_SHARE)

    def px(self, units: float, floor: int = 0) -> int:
        return max(floor, round(units * self.unit))

    def space(self, units: float, floor: int = 0) -> int:
        """A distance (not a type size), in 1 % of the shorter side: no small-panel floor inflating it."""
        return max(floor, round(units * self.short / 100))

    @property
    def margin(self) -> int:
        return self.space(5.0, 8)

    @property
    def gap(self) -> int:
        return self.space(2.2, 5)

    @property
    def title(self) -> int:
        return max(self.least, self.px(7.0))

    @property
    def body(self) -> int:
        return max(self.least, self.px(3.9))

    @property
    def small(self) -> int:
        return max(self.least, self.px(3.4))

    @property
    def big(self) -> int:
        return max(self.least, self.px(6.0))

    @property
    def huge(self) -> int:
        return max(self.least, self.px(12.5))

    @property
    def radius(self) -> int:
        return self.space(1.6, 4)

    def qr_target(self) -> int:
        """The smallest side the QR symbol may have on this screen."""
        wide = self.width >= 800 and self.width >= self.height * WIDE_RATIO
        share = QR_SHARE_LANDSCAPE if wide else QR_SHARE
        return -(-round(self.short * share * 100) // 100)

    def qr_card_limit(self) -> int:
        """The largest side the white QR card may grow to when there is room to spare for it."""
        if self.shape == "landscape":
            by_height = self.height - 2 * self.margin
            if self.height >= 700:
                by_height = min(by_height, int(self.height * BIG_SCREEN_QR_SHARE))
            by_width = self.width - 3 * self.margin - int(self.width * TEXT_SHARE_MIN)
            return max(1, min(by_height, by_width))
        if self.shape == "portrait":
            return max(1, min(self.width - 2 * self.margin, int(self.height * PORTRAIT_QR_HEIGHT)))
        return 1  # square: the text below needs all the rest, the QR code gets its minimum

    def qr_module(self, modules: int) -> int:
        """Whole-pixel module size: at least the shape's minimum symbol side, more when the card has room
        (symbol + quiet zone + half a module of card edge)."""
        least = -(-self.qr_target() // modules)
        return max(1, least, self.qr_card_limit() // (modules + 2 * QUIET_MODULES + 1))

    def qr_columns(self, card_side: int) -> tuple[pygame.Rect, pygame.Rect]:
        """(card, text box) by shape: landscape, the card at the right, vertically centred, the text at the
        left; portrait and square, the card at the top, centred, the text under it."""
        card = pygame.Rect(0, 0, card_side, card_side)
        if self.stacked:
            # A square screen has the least room under the code: there the edges are thin.
            edge = self.gap // 2 if self.shape == "square" else self.margin
            card.midtop = (self.width // 2, edge)
            below = card.bottom + (self.gap // 2 if self.shape == "square" else self.gap)
            text = pygame.Rect(self.margin, below, self.width - 2 * self.margin, self.height - below - edge)
            return card, text
        # Narrow edges beside the code: the text column needs every pixel the 60 % code leaves it.
        edge = self.space(3.3, 8)
        card.right = self.width - edge
        card.centery = self.height // 2
        text = pygame.Rect(edge, self.margin, card.left - 2 * edge, self.height - 2 * self.margin)
        return card, text


@record
class Item:
    """One block in a column: ``gap`` is space above it, in layout units; a ``slot`` reserves room for text
    that changes every tick (a countdown), sized by ``text`` as its longest form."""

    text: str
    style: Style
    gap: float = 0.0
    slot: str | None = None
    # Help that may be left out when the column cannot fit otherwise: the last first; an int ranks it (a higher
    # one goes before a lower one, True being 1).
    optional: bool | int = False
    lead: bool = False  # the thing to act on: no other block of the column comes out larger than it
    # A link, an address or a code that cannot be written whole (a token of it wider than the column at the
    # least size): this item is shown in its place, and a label before it (``with_next``) is left out.
    instead: Item | None = None
    with_next: bool = False  # a label for the next item: left out whenever that one is (or is replaced)


@mutable_record
class Placed:
    """A column after fitting: each block with its top, and the rects of the named slots."""

    box: pygame.Rect
    align: str
    blocks: list[tuple[Block, int]] = field(default_factory=list)
    slots: dict[str, tuple[pygame.Rect, Style]] = field(default_factory=dict)
    height: int = 0
    lead_stands_out: bool = True  # the lead's type is LEAD_OVER times the largest other's, or there is no lead


def stack(fonts: Fonts, layout: Layout, items: Sequence[Item], box: pygame.Rect, align: str = "left") -> Placed:
    """Fit ``items`` into ``box`` top to bottom, all scaled down together until the column fits its height
    (no text below ``fonts.least``); when it still does not fit, optional items are left out, the last
    first (with its label). A link that cannot be written whole gives way to its ``instead``. The column is
    centred vertically in the box."""
    shown = whole_or_instead(fonts, items, box.width)
    while True:
        placed = _stack(fonts, layout, shown, box, align, lead_shrinks=False)
        if placed.height <= box.height:
            return placed
        # A smaller lead beats a line left out, as long as it still stands out from the rest.
        shrunk = _stack(fonts, layout, shown, box, align, lead_shrinks=True)
        optional = [i for i, item in enumerate(shown) if item.optional]
        if not optional or (shrunk.height <= box.height and shrunk.lead_stands_out):
            return shrunk
        _drop(shown, max(optional, key=lambda i: (int(shown[i].optional), i)))


def whole_or_instead(fonts: Fonts, items: Sequence[Item], width: int) -> list[Item]:
    """``items`` with each one that has an ``instead`` replaced by it when its text would have to be cut inside
    a token to fit ``width`` (at any size down to the least: the size it is drawn at does not change this)."""
    shown = list(items)
    for i in reversed(range(len(shown))):
        item = shown[i]
        if item.instead is not None and fit(fonts, item.text, item.style, width).cut:
            labelled = i > 0 and shown[i - 1].with_next
            _drop(shown, i)
            shown.insert(i - 1 if labelled else i, item.instead)
    return shown


def _drop(items: list[Item], i: int) -> None:
    """Leave out ``items[i]`` and the label before it, if it has one."""
    del items[i]
    if i and items[i - 1].with_next:
        del items[i - 1]


def _stack(
    fonts: Fonts, layout: Layout, items: Sequence[Item], box: pygame.Rect, align: str, *, lead_shrinks: bool
) -> Placed:
    # Everything but the lead shrinks first (gaps too); the lead only when that is not enough (and allowed).
    scale = lead_scale = 1.0
    previous = -1
    while True:
        blocks = [fit(fonts, item.text, item.style, box.width, lead_scale if item.lead else scale) for item in items]
        leads = [b.size for b, item in zip(blocks, items, strict=True) if item.lead]
        if leads:
            most = max(fonts.least, min(leads) - 1)
            blocks = [
                fit(
                    fonts, item.text, replace(item.style, size=most, min_size=min(most, item.style.min_size)), box.width
                )
                if b.size > most and not item.lead
                else b
                for b, item in zip(blocks, items, strict=True)
            ]
        gaps = [round(item.gap * layout.unit * scale) if i else 0 for i, item in enumerate(items)]
        total = sum(b.height for b in blocks) + sum(gaps)
        if total <= box.height:
            break
        if scale >= 0.2 and total != previous:
            scale *= 0.93
        elif leads and lead_shrinks and lead_scale >= 0.2:
            lead_scale *= 0.93
        else:
            break
        previous = total
    rest = [b.size for b, item in zip(blocks, items, strict=True) if not item.lead]
    stands_out = not leads or not rest or min(leads) >= LEAD_OVER * max(rest)
    placed = Placed(box=box, align=align, height=total, lead_stands_out=stands_out)
    y = box.top + max(0, (box.height - total) // 2)
    for item, block, gap in zip(items, blocks, gaps, strict=True):
        y += gap
        if item.slot is None:
            placed.blocks.append((block, y))
        else:
            slot_style = Style(
                size=block.size, bold=block.bold, color=block.color, max_lines=1, min_size=block.size // 2
            )
            placed.slots[item.slot] = (pygame.Rect(box.left, y, box.width, block.height), slot_style)
        y += block.height
    return placed
