"""QR codes as pygame surfaces: error correction M, whole-pixel modules, a white quiet zone of 4 modules."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pygame
import qrcode
import qrcode.constants

QUIET_MODULES = 4  # the minimum ISO 18004 asks for; scanners lose the code without it
DARK = (0, 0, 0)
LIGHT = (255, 255, 255)


@lru_cache(maxsize=8)
def qr_matrix(text: str) -> tuple[tuple[bool, ...], ...]:
    """The modules of the smallest QR code (level M) holding ``text``, without a quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(text)
    code.make(fit=True)
    return tuple(tuple(bool(cell) for cell in row) for row in code.get_matrix())


@dataclass(frozen=True)
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


def modules_with_quiet_zone(text: str) -> int:
    return len(qr_matrix(text)) + 2 * QUIET_MODULES


def module_size(text: str, max_px: int) -> int:
    """The largest whole-pixel module size whose code (quiet zone included) fits in ``max_px``; at least 1."""
    return max(1, max_px // modules_with_quiet_zone(text))


def render_qr(text: str, module: int) -> QrImage:
    """Draw ``text`` as a QR code with square ``module``-pixel modules, each a filled rect: no scaling."""
    matrix = qr_matrix(text)
    n = len(matrix)
    side = (n + 2 * QUIET_MODULES) * module
    surface = pygame.Surface((side, side))
    surface.fill(LIGHT)
    origin = QUIET_MODULES * module
    for y, row in enumerate(matrix):
        x = 0
        while x < n:
            if not row[x]:
                x += 1
                continue
            # Runs of dark modules as one rect: fewer fill calls, same pixels.
            start = x
            while x < n and row[x]:
                x += 1
            surface.fill(DARK, (origin + start * module, origin + y * module, (x - start) * module, module))
    return QrImage(surface=surface, module=module, modules=n)
