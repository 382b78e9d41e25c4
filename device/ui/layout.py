"""Sizes derived from the screen (type, margins, the QR card) and stacking text blocks into a column."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pygame

from device.ui.qr import QUIET_MODULES
from device.ui.text import Block, Fonts, Style, fit

BIG_SCREEN_QR_SHARE = 0.80  # on a TV the QR card takes 80 % of the height: scannable from a sofa, not shouting
SMALL_SCREEN_UNIT = 5.4  # px per layout unit at least (800×480 would otherwise get 4.8)
TEXT_SHARE_MIN = 0.42  # the text column beside the QR keeps at least this share of the width


@dataclass(frozen=True)
class Layout:
    """Every size on screen, from the screen height (one unit = 1 % of it) with floors for small panels."""

    width: int
    height: int

    @property
    def unit(self) -> float:
        # Small panels are looked at from closer, but not that much closer: type does not shrink below this.
        return max(self.height / 100, SMALL_SCREEN_UNIT)

    def px(self, units: float, floor: int = 0) -> int:
        return max(floor, round(units * self.unit))

    @property
    def margin(self) -> int:
        return self.px(5.5, 12)

    @property
    def gap(self) -> int:
        return self.px(2.2, 6)

    @property
    def title(self) -> int:
        return self.px(7.0, 28)

    @property
    def body(self) -> int:
        return self.px(3.9, 19)

    @property
    def small(self) -> int:
        return self.px(3.0, 15)

    @property
    def big(self) -> int:
        return self.px(6.0, 26)

    @property
    def huge(self) -> int:
        return self.px(12.5, 44)

    @property
    def radius(self) -> int:
        return self.px(1.6, 6)

    def qr_card_limit(self) -> int:
        """The largest side the white QR card may take, beside a text column that stays readable."""
        by_height = self.height - 2 * self.margin
        if self.height >= 700:
            by_height = min(by_height, int(self.height * BIG_SCREEN_QR_SHARE))
        by_width = self.width - 3 * self.margin - int(self.width * TEXT_SHARE_MIN)
        return max(1, min(by_height, by_width))

    def qr_module(self, modules: int) -> int:
        """Whole-pixel module size so that symbol + quiet zone + half a module of card edge fits the limit."""
        return max(1, self.qr_card_limit() // (modules + 2 * QUIET_MODULES + 1))

    def qr_columns(self, card_side: int) -> tuple[pygame.Rect, pygame.Rect]:
        """(card, text column): the card at the right, vertically centred; the text fills the rest."""
        card = pygame.Rect(0, 0, card_side, card_side)
        card.right = self.width - self.margin
        card.centery = self.height // 2
        text = pygame.Rect(self.margin, self.margin, card.left - 2 * self.margin, self.height - 2 * self.margin)
        return card, text


@dataclass(frozen=True)
class Item:
    """One block in a column: ``gap`` is space above it, in layout units; a ``slot`` reserves room for text
    that changes every tick (a countdown), sized by ``text`` as its longest form."""

    text: str
    style: Style
    gap: float = 0.0
    slot: str | None = None


@dataclass
class Placed:
    """A column after fitting: each block with its top, and the rects of the named slots."""

    box: pygame.Rect
    align: str
    blocks: list[tuple[Block, int]] = field(default_factory=list)
    slots: dict[str, tuple[pygame.Rect, Style]] = field(default_factory=dict)
    height: int = 0


def stack(fonts: Fonts, layout: Layout, items: Sequence[Item], box: pygame.Rect, align: str = "left") -> Placed:
    """Fit ``items`` into ``box`` top to bottom, all scaled down together until the column fits its height,
    then centred vertically in the box."""
    scale = 1.0
    while True:
        blocks = [fit(fonts, item.text, item.style, box.width, scale) for item in items]
        gaps = [round(item.gap * layout.unit * scale) if i else 0 for i, item in enumerate(items)]
        total = sum(b.height for b in blocks) + sum(gaps)
        if total <= box.height or scale < 0.2:
            break
        scale *= 0.93
    placed = Placed(box=box, align=align, height=total)
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
