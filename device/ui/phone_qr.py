"""The phone companion's screens on the TV: "Control from your phone" (the pairing QR, from the slideshow's
"Phone" button) and "Choosing on a phone…" (a picking session the phone page started: the phone has the link)."""

from __future__ import annotations

from collections.abc import Sequence

from device.ui.arrange import centered_screen, link_items, qr_screen
from device.ui.frame import Context, Frame
from device.ui.layout import Item
from device.ui.menu import MenuItem
from device.ui.text import Style
from device.ui.widgets import MUTED

TITLE = "Control from your phone"
CHOOSING = "Choosing on a phone…"


def build_phone_pairing(ctx: Context, url: str, menu: Sequence[MenuItem], focus: int) -> Frame:
    """The pairing QR by the screen's shape (arrange.qr_screen), the link as text, its countdown, a Close button."""
    L = ctx.layout
    items = [
        Item(TITLE, Style(L.title, bold=True, max_lines=2, one_line=0.75)),
        # Needed on every shape: a phone on mobile data cannot reach the frame.
        Item("Scan with a phone on the same network.", Style(L.body, max_lines=2), gap=4.0),
        Item(
            "It adds photos, changes the settings and works the slideshow.",
            Style(L.body, max_lines=3),
            gap=0.8,
            optional=3,  # the first to go when room is short
        ),
        # Then the link's label, then its time; the link as text goes last (help beside its QR code).
        *link_items(L, "Or open this link:", url, label_rank=3),
        Item("The link works for 00 min", Style(L.small, max_lines=1), gap=3.5, slot="countdown", optional=2),
    ]
    return qr_screen(ctx, url, items, menu, focus)


def build_choosing_on_phone(ctx: Context, replacing: bool, menu: Sequence[MenuItem], focus: int) -> Frame:
    """No QR: the phone that asked already opened the picker; the TV says so, with the link's countdown."""
    L = ctx.layout
    items = [
        Item(CHOOSING, Style(L.title, bold=True, max_lines=2)),
        Item("Pick the photos on the phone, then tap Done there.", Style(L.body, max_lines=3), gap=3.0),
    ]
    if replacing:
        items.append(
            Item("They will replace the photos on this frame.", Style(L.body, color=MUTED, max_lines=2), gap=1.5)
        )
    items.append(Item("The link expires in 00 min", Style(L.small, max_lines=1), gap=3.5, slot="countdown"))
    return centered_screen(ctx, items, menu, focus)
