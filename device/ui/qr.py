"""The QR matrix (error correction M), built once for both renderers; as text for the terminal."""

from __future__ import annotations

from functools import lru_cache

QUIET_MODULES = 4  # the minimum ISO 18004 asks for; scanners lose the code without it


@lru_cache(maxsize=8)
def qr_matrix(text: str) -> tuple[tuple[bool, ...], ...]:
    """The modules of the smallest QR code (level M) holding ``text``, without a quiet zone."""
    import qrcode  # with the first QR code: a slideshow's start does not need it
    import qrcode.constants

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(text)
    code.make(fit=True)
    return tuple(tuple(bool(cell) for cell in row) for row in code.get_matrix())


def prepare() -> None:
    """Load the QR encoder now (~15 ms here, ~5× that on a Pi: most of it the Pillow modules it imports), while a
    sign-in code is still on its way from Google, rather than once it has come and the person is waiting."""
    import qrcode
    import qrcode.constants  # noqa: F401


# Dark modules black on a bright white background, set explicitly so the code scans on dark and light
# terminal themes alike (a light-on-dark QR code is inverted and many phone cameras refuse it).
_TEXT_COLOURS = "\x1b[30;107m"
_RESET = "\x1b[0m"


def qr_lines(data: str, *, colour: bool) -> list[str]:
    """``data`` as a QR code in half-block characters (two module rows per line), with a 4-module quiet zone."""
    symbol = qr_matrix(data)
    width = len(symbol) + 2 * QUIET_MODULES
    quiet = [[False] * width for _ in range(QUIET_MODULES)]
    matrix = quiet + [[False] * QUIET_MODULES + list(row) + [False] * QUIET_MODULES for row in symbol] + quiet
    if len(matrix) % 2:
        matrix.append([False] * width)
    lines = []
    for top, bottom in zip(matrix[0::2], matrix[1::2], strict=True):
        chars = []
        for t, b in zip(top, bottom, strict=True):
            chars.append("█" if t and b else "▀" if t else "▄" if b else " ")
        line = "".join(chars)
        lines.append(f"{_TEXT_COLOURS}{line}{_RESET}" if colour else line)
    return lines
