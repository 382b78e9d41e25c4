"""What each state of the journey looks like in pygame: one builder per scene, producing the still part of a frame."""

from __future__ import annotations

from collections.abc import Sequence

import pygame

from core.flow.wording import display_url
from core.states import Choose, Connect, Downloading, Problem, SignInOnPhone, Slideshow, Starting
from device.ui.arrange import NO_BUTTON, centered_screen, link_items, qr_screen
from device.ui.frame import Context, Frame, Slot
from device.ui.layout import Item, Layout, stack
from device.ui.menu import MenuItem
from device.ui.text import Style, fit, render_block
from device.ui.widgets import (
    ACCENT,
    ALERT,
    MUTED,
    TEXT,
    draw_buttons,
    draw_column,
    draw_progress_bar,
    layout_buttons,
    panel,
)

THUMBS_MAX = 8
SAME_ACCOUNT = "the Google account this frame uses"  # when the address itself cannot be written whole
_qr_screen = qr_screen  # the names the builders of other screens knew them by
_centered_screen = centered_screen


# ---------------------------------------------------------------- one builder per state


def build_starting(ctx: Context, state: Starting) -> Frame:
    L = ctx.layout
    return centered_screen(ctx, [Item(state.message, Style(L.big, color=TEXT, max_lines=3))], (), NO_BUTTON)


def build_signed_out(ctx: Context, menu: Sequence[MenuItem], focus: int) -> Frame:
    L = ctx.layout
    line = "Signed out of Google Photos."
    return centered_screen(ctx, [Item(line, Style(L.body, color=TEXT, max_lines=3))], menu, focus)


def build_confirm_sign_out(ctx: Context, menu: Sequence[MenuItem], focus: int, photos: int) -> Frame:
    L = ctx.layout
    items = [Item("Sign out of Google Photos?", Style(L.title, bold=True, max_lines=2))]
    if photos:
        line = "Keep the photos on this device showing, or remove them and free the space."
        items.append(Item(line, Style(L.body, color=MUTED, max_lines=3), gap=3.0))
    return _centered_screen(ctx, items, menu, focus)


def build_connect(ctx: Context, state: Connect) -> Frame:
    L = ctx.layout
    items = [
        Item("Scan to connect", Style(L.title, bold=True, max_lines=2, one_line=0.75)),
        Item("On your phone, scan the code, or go to", Style(L.body, color=MUTED, max_lines=3, one_line=0.85), gap=4.5),
        Item(
            display_url(state.verification_url),
            Style(L.big, bold=True, color=ACCENT, max_lines=2, url=True, one_line=0.7),
            gap=0.8,
        ),
        # Needed on every shape: scanning opens Google's page, which asks for the code (the code shrinks instead).
        Item("and enter this code:", Style(L.body, color=MUTED, max_lines=2), gap=3.0),
        # The thing to act on: the largest text, never broken (it shrinks on one line instead).
        Item(state.user_code, Style(L.huge, bold=True, max_lines=1, token=True), gap=0.5, lead=True),
        # A nicety: an expired code is replaced on screen by a fresh one.
        Item(
            "This code expires in 00 min",
            Style(L.small, color=MUTED, max_lines=1),
            gap=4.5,
            slot="countdown",
            optional=True,
        ),
    ]
    return qr_screen(ctx, state.qr_url, items, (), NO_BUTTON)


def build_sign_in_phone(ctx: Context, state: SignInOnPhone) -> Frame:
    L = ctx.layout
    items = [
        Item("Sign in with your phone", Style(L.title, bold=True, max_lines=2, one_line=0.75)),
        Item(
            "Scan the code with a phone on the same Wi-Fi, then follow the steps on the phone.",
            Style(L.body, color=MUTED, max_lines=3),
            gap=4.0,
        ),
        *link_items(L, "Or open this address:", state.pairing_url, gap=3.0),
        # Another way in, for a computer: the first thing left out (with its label) when room is short.
        Item(
            "From a computer (picker-kiosk login --to), this code:",
            Style(L.small, color=MUTED, max_lines=2),
            gap=3.0,
            with_next=True,
        ),
        Item(
            state.login_code,
            Style(L.big, bold=True, max_lines=1, min_size=round(L.big * 0.4), token=True),
            gap=0.5,
            optional=True,
        ),
        Item("This link expires in 00 min", Style(L.small, color=MUTED, max_lines=1), gap=3.5, slot="countdown"),
    ]
    return qr_screen(ctx, state.pairing_url, items, (), NO_BUTTON)


def build_choose(ctx: Context, state: Choose, menu: Sequence[MenuItem], focus: int) -> Frame:
    L = ctx.layout
    title = "Scan to choose new photos" if state.replace else "Scan to choose photos"
    account = state.account or "your Google account"
    items = [
        Item(title, Style(L.title, bold=True, max_lines=2, one_line=0.75)),
        # Needed on every shape: the picker opens only for the account that owns the session.
        Item(
            f"Open it on a phone signed in to {account}.",
            Style(L.body, max_lines=3, url=True),
            gap=4.0,
            instead=Item(f"Open it on a phone signed in to {SAME_ACCOUNT}.", Style(L.body, max_lines=3), gap=4.0),
        ),
    ]
    if state.replace:
        items.append(
            Item("They will replace the photos on this frame.", Style(L.body, color=MUTED, max_lines=2), gap=1.5)
        )
    items += [
        *link_items(L, "Or open this link:", state.picker_uri),
        # The explanation is never smaller than the countdown it explains: both at the small size.
        Item("The link expires in 00 min", Style(L.small, max_lines=1), gap=3.5, slot="countdown"),
        Item(
            "If the time runs out, choose New link.",
            Style(L.small, color=MUTED, max_lines=2),
            gap=0.8,
            optional=True,
        ),
    ]
    return qr_screen(ctx, state.picker_uri, items, menu, focus)


def thumb_geometry(layout: Layout) -> tuple[int, int]:
    """(side, how many fit in a row) for the thumbnails under the progress bar."""
    side = layout.px(21, 64)
    gap = layout.px(1.5, 4)
    count = max(1, min(THUMBS_MAX, (layout.width - 2 * layout.margin + gap) // (side + gap)))
    return side, count


def build_downloading(
    ctx: Context, state: Downloading, thumbs: Sequence[pygame.Surface], notes: Sequence[str]
) -> Frame:
    L = ctx.layout
    base = ctx.base()
    frame = Frame(base=base)
    width = L.width - 2 * L.margin
    title = fit(ctx.fonts, "Getting your photos…", Style(L.title, bold=True, max_lines=2), width)
    count_text = f"{state.done} of {state.total}" if state.total else "Looking at what you picked…"
    count = fit(ctx.fonts, count_text, Style(L.big, bold=True, color=ACCENT, max_lines=2), width)
    failed = None
    if notes:
        failed = fit(ctx.fonts, " ".join(notes), Style(L.small, color=MUTED, max_lines=2), width)
    bar = pygame.Rect(0, 0, min(width, L.px(105)), L.px(1.7, 8))
    side, per_row = thumb_geometry(L)
    thumb_gap = L.px(1.5, 4)
    gaps = [L.gap, round(L.gap * 1.6), L.gap, L.gap * 2]
    # The thumbnail row is kept free from the first count on, so nothing jumps when the first photo lands.
    heights = [title.height, count.height, bar.h, failed.height if failed else 0, 0]
    # Thumbnails take what height is left on a small screen rather than running off its bottom.
    side = max(1, min(side, L.height - 2 * L.margin - sum(heights) - sum(gaps)))
    if state.total:
        heights[-1] = side
    total = sum(heights) + sum(gaps)
    y = max(L.margin, (L.height - total) // 2)
    frame.texts += render_block(ctx.fonts, title, base, L.margin, y, width, "center")
    y += title.height + gaps[0]
    frame.texts += render_block(ctx.fonts, count, base, L.margin, y, width, "center")
    y += count.height + gaps[1]
    bar.centerx, bar.top = L.width // 2, y
    draw_progress_bar(base, bar, state.done / state.total if state.total else 0.0)
    y += bar.h + gaps[2]
    if failed:
        frame.texts += render_block(ctx.fonts, failed, base, L.margin, y, width, "center")
        y += failed.height
    y += gaps[3]
    shown = list(thumbs)[-per_row:]
    row_w = len(shown) * side + max(0, len(shown) - 1) * thumb_gap
    x = (L.width - row_w) // 2
    for surface in shown:
        tile = pygame.Surface((side, side), pygame.SRCALPHA)
        if surface.get_size() != (side, side):  # a small screen left less height than thumb_geometry's side
            surface = pygame.transform.smoothscale(surface, (side, side))
        tile.blit(surface, (0, 0))
        # Rounded corners by masking: keep only the pixels inside a rounded rect.
        mask = pygame.Surface((side, side), pygame.SRCALPHA)
        pygame.draw.rect(mask, (255, 255, 255, 255), mask.get_rect(), border_radius=L.radius)
        tile.blit(mask, (0, 0), special_flags=pygame.BLEND_RGBA_MIN)
        base.blit(tile, (x, y))
        x += side + thumb_gap
    return frame


def build_slideshow(
    ctx: Context,
    state: Slideshow,
    menu: Sequence[MenuItem],
    *,
    caption: str | None,
    menu_visible: bool,
    focus: int,
    placeholder: str | None,
    paused: bool = False,
    clock: tuple[str, str] | None = None,
    clock_style: str = "corner",
) -> Frame:
    """Overlays for the slideshow: the notice banner, the date caption, the hint bar (when awake) with a line on
    the keys, and a small mark while paused."""
    L = ctx.layout
    frame = Frame()
    pad = L.px(1.4, 6)
    menu_rect: pygame.Rect | None = None
    if placeholder:
        _overlay_text(ctx, frame, placeholder, Style(L.big, color=TEXT, max_lines=3), center=True)
    top = L.margin // 2
    if state.notice:
        top = _banner(ctx, frame, state.notice, top=L.margin // 2, pad=pad).bottom + pad // 2
    if clock:
        _clock(ctx, frame, clock, large=clock_style == "large", top=top, pad=pad)
    if menu_visible:
        row = layout_buttons(ctx.fonts, L, menu, L.width - 2 * L.margin - 2 * pad, L.small)
        # Rounded like one button: on two rows, a pill's round ends would cut into the corner buttons.
        one_h = min((r.h for r in row.rects), default=0)
        surface = panel((row.bounds.w + 2 * pad, row.bounds.h + 2 * pad), one_h // 2 + pad)
        at = ((L.width - surface.get_width()) // 2, L.height - L.margin // 2 - surface.get_height())
        texts, targets = draw_buttons(ctx.fonts, surface, menu, row, (pad, pad), focus, at)
        frame.overlays.append((surface, at))
        frame.texts += texts
        frame.buttons += targets
        menu_rect = surface.get_rect(topleft=at)
        hint = BAR_HINT if focus >= 0 else PHOTOS_HINT
        quiet = round(L.small * 0.8)  # a reminder, quieter than the buttons
        block = fit(ctx.fonts, hint, Style(quiet, color=TEXT, max_lines=1, min_size=quiet // 2), L.width - 2 * L.margin)
        plate = panel((block.width + 2 * pad, block.height + pad), L.radius, alpha=150)
        where = plate.get_rect(midbottom=(L.width // 2, menu_rect.top - pad // 2))
        texts = render_block(ctx.fonts, block, plate, pad, pad // 2, block.width, "center")
        frame.overlays.append((plate, where.topleft))
        frame.texts += [(t, r.move(where.topleft)) for t, r in texts]
        menu_rect = menu_rect.union(where)
    if paused:
        _paused_mark(ctx, frame, pad)
    if caption:
        block = fit(ctx.fonts, caption, Style(L.small, color=TEXT, max_lines=1), L.width // 2)
        surface = panel((block.width + 2 * pad, block.height + pad), L.radius, alpha=140)
        where = surface.get_rect(bottomleft=(L.margin // 2, L.height - L.margin // 2))
        if menu_rect is not None and where.colliderect(menu_rect):
            where.bottom = menu_rect.top - pad  # on a narrow screen the date sits above the hint bar
        texts = render_block(ctx.fonts, block, surface, pad, pad // 2, block.width)
        frame.overlays.append((surface, where.topleft))
        frame.texts += [(t, r.move(where.topleft)) for t, r in texts]
    return frame


def build_problem(ctx: Context, state: Problem, menu: Sequence[MenuItem], focus: int, *, over_photos: bool) -> Frame:
    L = ctx.layout
    if not over_photos:
        items = [
            Item(state.title, Style(L.title, bold=True, max_lines=2)),
            Item(state.detail, Style(L.body, color=MUTED, max_lines=4), gap=3.0),
            Item(state.next_step, Style(L.body, max_lines=3), gap=3.0),
        ]
        if state.retry_at is not None:
            items.append(
                Item("Trying again in 00 min", Style(L.body, color=ACCENT, max_lines=1), gap=2.5, slot="retry")
            )
        return centered_screen(ctx, items, menu, focus, mark=pygame.Color(*ALERT))
    # Over the slideshow: a banner at the bottom; the photos keep going above it. On a landscape screen the
    # buttons sit at the banner's right, on a portrait or square one under its text.
    frame = Frame()
    pad = L.space(2.0, 6)
    width = L.width - 2 * L.margin
    left = pad + pad // 2  # room for the coral mark
    beside = not L.stacked
    full_w = width - left - pad
    row = layout_buttons(ctx.fonts, L, menu, width // 3 if beside else full_w, L.small) if menu else None
    text_w = full_w - (row.bounds.w + pad if row and beside else 0)
    # Over family photos: one short sentence for everyone, then a small line of details for the owner; the
    # countdown is no louder than the details.
    fine = round(L.small * 0.85)
    items = [
        Item(state.title, Style(L.body, bold=True, max_lines=2)),
        Item(f"Details: {state.detail} {state.next_step}", Style(fine, color=MUTED, max_lines=2), gap=0.8),
    ]
    if state.retry_at is not None:
        items.append(Item("Trying again in 00 min", Style(fine, color=MUTED, max_lines=1), gap=0.5, slot="retry"))
    placed = stack(ctx.fonts, L, items, pygame.Rect(left, pad, text_w, L.height // 2), "left")
    under = row.bounds.h + pad if row and not beside else 0
    inner_h = max(placed.height, row.bounds.h if row and beside else 0) + under
    box = pygame.Rect(left, pad + (inner_h - under - placed.height) // 2, text_w, placed.height)
    placed = stack(ctx.fonts, L, items, box, "left")
    surface = panel((width, inner_h + 2 * pad), L.radius, alpha=215)
    pygame.draw.rect(surface, (*ALERT, 255), (pad // 2, pad, max(3, pad // 3), inner_h), border_radius=2)
    at = (L.margin, L.height - L.margin // 2 - surface.get_height())
    frame.texts += draw_column(ctx.fonts, placed, surface, at)
    for name, (rect, style) in placed.slots.items():
        frame.slots[name] = Slot(rect.move(at), style)
    if row is not None:
        if beside:
            origin = (width - pad - row.bounds.w, pad + (inner_h - row.bounds.h) // 2)
        else:
            origin = (left, pad + inner_h - row.bounds.h)
        texts, targets = draw_buttons(ctx.fonts, surface, menu, row, origin, focus, at)
        frame.texts += texts
        frame.buttons += targets
    frame.overlays.append((surface, at))
    return frame


PHOTOS_HINT = "◀ ▶ photos · OK pause · ▲ menu"  # the keys while the focus is on the photos
BAR_HINT = "◀ ▶ choose · OK select · Back photos"  # the keys while the focus is in the bar


def _paused_mark(ctx: Context, frame: Frame, pad: int) -> None:
    """Two bars and "Paused" on a small plate in the top right corner."""
    L = ctx.layout
    block = fit(ctx.fonts, "Paused", Style(L.small, color=TEXT, max_lines=1), L.width // 3)
    bar_h = block.height * 2 // 3
    bar_w = max(2, bar_h // 4)
    plate = panel((block.width + 2 * pad + 3 * bar_w + pad // 2, block.height + pad), L.radius, alpha=170)
    for x in (pad, pad + 2 * bar_w):
        pygame.draw.rect(plate, TEXT, (x, (plate.get_height() - bar_h) // 2, bar_w, bar_h))
    texts = render_block(ctx.fonts, block, plate, pad + 3 * bar_w + pad // 2, pad // 2, block.width)
    at = (L.width - L.margin // 2 - plate.get_width(), L.margin // 2)
    frame.overlays.append((plate, at))
    frame.texts += [(t, r.move(at)) for t, r in texts]


def _clock(ctx: Context, frame: Frame, texts: tuple[str, str], *, large: bool, top: int, pad: int) -> None:
    """The time over the date, on a soft plate at the top left (clear of the bar at the bottom)."""
    L = ctx.layout
    size = min(L.huge if large else L.big, L.width // 6 if large else L.width // 10)
    hour = fit(ctx.fonts, texts[0], Style(size, bold=True, color=TEXT, max_lines=1), L.width // 2)
    day = fit(ctx.fonts, texts[1], Style(L.body if large else L.small, color=TEXT, max_lines=1), L.width // 2)
    width = max(hour.width, day.width)
    plate = panel((width + 2 * pad, hour.height + day.height + pad), L.radius, alpha=120)
    drawn = render_block(ctx.fonts, hour, plate, pad, pad // 2, width)
    drawn += render_block(ctx.fonts, day, plate, pad, pad // 2 + hour.height, width)
    at = (L.margin // 2, top)
    frame.overlays.append((plate, at))
    frame.texts += [(t, r.move(at)) for t, r in drawn]


def _banner(ctx: Context, frame: Frame, text: str, *, top: int, pad: int) -> pygame.Rect:
    L = ctx.layout
    block = fit(ctx.fonts, text, Style(L.small, color=TEXT, max_lines=2), L.width - 2 * L.margin - 2 * pad)
    surface = panel((block.width + 2 * pad, block.height + pad), L.radius, alpha=200)
    at = ((L.width - surface.get_width()) // 2, top)
    texts = render_block(ctx.fonts, block, surface, pad, pad // 2, block.width, "center")
    frame.overlays.append((surface, at))
    frame.texts += [(t, r.move(at)) for t, r in texts]
    return surface.get_rect(topleft=at)


def _overlay_text(ctx: Context, frame: Frame, text: str, style: Style, *, center: bool) -> None:
    L = ctx.layout
    block = fit(ctx.fonts, text, style, L.width - 2 * L.margin)
    surface = pygame.Surface((L.width - 2 * L.margin, block.height), pygame.SRCALPHA)
    texts = render_block(ctx.fonts, block, surface, 0, 0, surface.get_width(), "center" if center else "left")
    at = (L.margin, (L.height - block.height) // 2)
    frame.overlays.append((surface, at))
    frame.texts += [(t, r.move(at)) for t, r in texts]
