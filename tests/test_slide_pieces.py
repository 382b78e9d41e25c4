"""A slide made as pieces (compose_pieces) and copied into its surface one piece at a time (to_surface): the
same pixels and pixel format as the whole frame converted at once, and no piece kept once it is copied."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pygame
import pytest
from PIL import Image, ImageDraw

from device.ui.compose import compose_pieces, compose_slide
from device.ui.decode import Pieces, to_surface

pytestmark = pytest.mark.usefixtures("dummy_sdl")


@pytest.fixture
def photos(tmp_path: Path) -> list[str]:
    """A landscape, two portraits, a square and a panorama: one alone, a pair, backdrop bands of every kind."""
    paths = []
    for i, (w, h) in enumerate([(1200, 800), (600, 900), (700, 1000), (1000, 1000), (4000, 1000)]):
        img = Image.new("RGB", (w, h), (40 + 40 * i, 90, 200 - 40 * i))
        ImageDraw.Draw(img).ellipse((w // 4, h // 4, 3 * w // 4, 3 * h // 4), fill=(240, 220, 180))
        path = tmp_path / f"p{i}.jpg"
        img.save(path, quality=90)
        paths.append(str(path))
    return paths


@pytest.fixture(params=[(800, 480), (480, 801), (641, 640)], ids=["landscape", "portrait", "square"])
def display(request: pytest.FixtureRequest) -> Iterator[pygame.Surface]:
    pygame.display.init()
    yield pygame.display.set_mode(request.param)
    pygame.quit()


@pytest.mark.parametrize("which", [[0], [1], [4], [1, 2], [0, 3]], ids=["one", "portrait", "panorama", "pair", "two"])
def test_pieces_make_the_slide_of_the_whole_frame(display: pygame.Surface, photos: list[str], which: list[int]) -> None:
    size = display.get_size()
    paths = [photos[i] for i in which]
    for blend in (True, False):
        whole = to_surface(compose_slide(paths, size), size, blend=blend)
        pieces = compose_pieces(paths, size)
        made = to_surface(pieces, size, blend=blend)
        assert made.get_size() == whole.get_size()
        assert (made.get_bitsize(), made.get_masks()) == (whole.get_bitsize(), whole.get_masks())
        assert made.get_flags() & pygame.SRCALPHA == whole.get_flags() & pygame.SRCALPHA
        assert pygame.image.tobytes(made, "RGBA") == pygame.image.tobytes(whole, "RGBA")
        assert len(pieces) == 0  # every piece was handed over


def test_no_piece_is_kept_once_copied_into_the_surface(display: pygame.Surface) -> None:
    """The player's future still holds the slide's pieces after the surface is made: they must be empty by then,
    each piece's bytes referenced by nothing of the slide's (the surface has pixels of its own)."""
    w, h = display.get_size()
    rows = [(0, h // 3), (h // 3, h - h // 3), (h - h // 3, h)]
    chunks = [bytes([40 * i + 10, 200, 90]) * (w * (bottom - top)) for i, (top, bottom) in enumerate(rows)]
    pieces = Pieces((w, h))
    for (top, bottom), chunk in zip(rows, chunks, strict=True):
        pieces.add((0, top, w, bottom - top), chunk)
    before = [sys.getrefcount(chunk) for chunk in chunks]
    slide = to_surface(pieces, (w, h), blend=True)
    assert len(pieces) == 0
    assert [sys.getrefcount(chunk) for chunk in chunks] == [n - 1 for n in before]  # only this test's list left
    for i, (top, _bottom) in enumerate(rows):
        assert tuple(slide.get_at((w // 2, top))) == (40 * i + 10, 200, 90, 255)
