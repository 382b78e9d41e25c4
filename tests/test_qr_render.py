"""The QR code on screen: each module a whole square of its colour, the quiet zone light, at any module size."""

from __future__ import annotations

from collections.abc import Iterator

import pygame
import pytest

from device.ui.qr import QUIET_MODULES, qr_matrix
from device.ui.widgets import QR_DARK, QR_LIGHT, render_qr

pytestmark = pytest.mark.usefixtures("dummy_sdl")


@pytest.fixture(autouse=True)
def display() -> Iterator[pygame.Surface]:
    pygame.display.init()
    yield pygame.display.set_mode((64, 64))
    pygame.quit()


@pytest.mark.parametrize("module", [1, 2, 5, 9])
def test_every_pixel_is_its_modules_colour(module: int) -> None:
    text = "https://www.google.com/device?user_code=WDJB-MJHT"
    matrix = qr_matrix(text)
    qr = render_qr(text, module)
    n = len(matrix)
    assert qr.modules == n and qr.total_px == (n + 2 * QUIET_MODULES) * module
    pixels = pygame.image.tobytes(qr.surface, "RGB")
    side = qr.total_px
    for y in range(side):
        for x in range(side):
            my, mx = y // module - QUIET_MODULES, x // module - QUIET_MODULES
            dark = 0 <= my < n and 0 <= mx < n and matrix[my][mx]
            at = (y * side + x) * 3
            assert tuple(pixels[at : at + 3]) == (QR_DARK if dark else QR_LIGHT), (x, y)
