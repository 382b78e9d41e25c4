"""Fitting a link or an address into a line width: broken only after a "/" or before an "@", never inside a
token; a token too wide for any line at the least size is reported (Block.cut), and then gives way on screen."""

from __future__ import annotations

from collections.abc import Iterator

import pygame
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from device.ui.layout import Item, Layout, stack
from device.ui.text import Fonts, Style, fit
from tests.whole_tokens import drawn, spelled_by

pytestmark = pytest.mark.usefixtures("dummy_sdl")

ID_64 = "AF1QipNnZx7kTq2hWl0cD9vR3sYb8uJm4eKa6oPiG5fLt1XwQyHzVd0BcE2nMr3s"


@pytest.fixture(scope="module")
def fonts() -> Iterator[Fonts]:
    pygame.font.init()
    fonts = Fonts()
    fonts.least = 16  # 1/30 of a 480-pixel side
    yield fonts


segment = st.text(alphabet="abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ0123456789-._~", min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(segment, min_size=1, max_size=5), width=st.integers(min_value=60, max_value=900))
def test_a_link_is_broken_only_after_a_slash_or_reported_cut(fonts: Fonts, parts: list[str], width: int) -> None:
    link = "/".join(parts)
    block = fit(fonts, link, Style(24, url=True, max_lines=3, min_size=18), width)
    if not block.cut:
        assert spelled_by(block.lines, link), block.lines
        assert block.size >= fonts.least
        assert all(fonts.get(block.size).size(line)[0] <= width for line in block.lines)
    else:  # only when one token alone is wider than the line at the least size
        widest = max(fonts.get(fonts.least).size(t)[0] for t in [p + "/" for p in parts[:-1]] + parts[-1:])
        assert widest > width


def test_an_address_breaks_before_its_at(fonts: Fonts) -> None:
    text = "Open it on a phone signed in to frame.owner.grandparents@family-mail.com."
    width = fonts.get(16).size("frame.owner.grandparents")[0] + 4
    block = fit(fonts, text, Style(16, url=True, max_lines=4), width)
    assert not block.cut and spelled_by(block.lines, text)
    assert "frame.owner.grandparents" in block.lines and "@family-mail.com." in block.lines


def test_a_link_too_long_for_any_line_gives_way_with_its_label(fonts: Fonts) -> None:
    layout = Layout(480, 480)
    scan = Item("Scan the code instead.", Style(16))
    items = [
        Item("Title", Style(24)),
        Item("Or open this link:", Style(16), with_next=True),
        Item(f"photos.google.com/picker/{ID_64}", Style(18, url=True, max_lines=3), instead=scan),
    ]
    for width, whole in ((400, False), (2000, True)):
        placed = stack(fonts, layout, items, pygame.Rect(0, 0, width, 400))
        shown = [line for block, _y in placed.blocks for line in block.lines]
        if whole:
            assert drawn(shown, items[2].text) and "Or open this link:" in shown
        else:
            assert shown == ["Title", "Scan the code instead."]
