"""Fonts and fitting text into boxes: wrap, then shrink, never clip; lines pre-rendered for cheap redraws."""

from __future__ import annotations

import logging
from pathlib import Path

import pygame

from core.record import record

log = logging.getLogger(__name__)

ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets"
REGULAR = "DejaVuSans.ttf"
BOLD = "DejaVuSans-Bold.ttf"
SHRINK = 0.93  # each step down is 7 % smaller: fine enough to use the width, few enough steps to be fast
SMALLEST = 6  # below this nothing is readable anyway; only reached for absurd inputs
# A link or an address is broken only between its tokens, so the break shows: after a "/" (which ends the
# line) or before an "@" (which starts the next one). A token wider than a whole line at the smallest size
# allowed is never cut: the block says so (Block.cut) and the screen shows something else in its place.
BREAK_AFTER = "/"
BREAK_BEFORE = "@"


class Fonts:
    """The shipped DejaVu fonts by size; pygame's own font when the files are missing (logged once)."""

    def __init__(self, fonts_dir: Path | None = None) -> None:
        folder = fonts_dir if fonts_dir is not None else ASSETS_DIR / "fonts"
        self._paths: dict[bool, Path | None] = {}
        for bold, name in ((False, REGULAR), (True, BOLD)):
            path = folder / name
            if path.is_file():
                self._paths[bold] = path
            else:
                log.warning("screen: font %s not found; using pygame's default font instead", path)
                self._paths[bold] = None
        self._cache: dict[tuple[int, bool], pygame.font.Font] = {}
        # The smallest size any text is fitted down to (the layout sets 1/30 of the screen's shorter side).
        self.least = SMALLEST

    def get(self, size: int, bold: bool = False) -> pygame.font.Font:
        size = max(SMALLEST, int(size))
        key = (size, bold)
        font = self._cache.get(key)
        if font is None:
            path = self._paths[bold]
            font = pygame.font.Font(str(path) if path else None, size)
            if path is None and bold:
                font.set_bold(True)
            if len(self._cache) > 64:  # sizes follow the screen; a few dozen at most are ever live
                self._cache.clear()
            self._cache[key] = font
        return font


@record
class Style:
    """How one block of text wants to look; ``size`` is the preferred pixel size, ``min_size`` the floor
    before the block wraps onto more lines than ``max_lines``."""

    size: int
    bold: bool = False
    color: tuple[int, int, int] = (240, 240, 235)
    max_lines: int = 2
    min_size: int = 0
    url: bool = False  # a link or an address: may break between tokens (see BREAK_AFTER), never inside one
    token: bool = False  # a code to type: shrinks on one line down to Fonts.least rather than ever breaking
    one_line: float = 0.0  # shrink to this share of ``size`` on one line before wrapping at all


@record
class Block:
    """Text fitted to a width: the lines and the font size that made them fit."""

    lines: tuple[str, ...]
    size: int
    bold: bool
    color: tuple[int, int, int]
    line_height: int
    width: int
    cut: bool = False  # a word did not fit a line even at the least size and was cut inside (see fit)

    @property
    def height(self) -> int:
        return self.line_height * len(self.lines)


def _token_cuts(word: str) -> list[int]:
    """Where ``word`` may be cut between tokens: after a "/", before an "@"."""
    return [i for i in range(1, len(word)) if word[i - 1] in BREAK_AFTER or word[i] in BREAK_BEFORE]


def _break_word(word: str, font: pygame.font.Font, max_w: int, anywhere: bool) -> list[str] | None:
    """Cut a word wider than ``max_w`` between its tokens into pieces that fit; None when a token alone is
    too wide, unless ``anywhere`` (then that token is cut where it must)."""
    pieces: list[str] = []
    rest = word
    while rest:
        if font.size(rest)[0] <= max_w:
            pieces.append(rest)
            break
        # Longest prefix that fits (binary search on character count).
        lo, hi = 1, len(rest)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if font.size(rest[:mid])[0] <= max_w:
                lo = mid
            else:
                hi = mid - 1
        cuts = [c for c in _token_cuts(rest) if c <= lo]
        if cuts:
            cut = cuts[-1]
        elif anywhere:
            cut = lo
        else:
            return None
        pieces.append(rest[:cut])
        rest = rest[cut:]
    return pieces


def wrap(text: str, font: pygame.font.Font, max_w: int, *, breaks: str = "none") -> list[str] | None:
    """Greedy word wrap; a word wider than the line is cut between tokens (``breaks`` "tokens") or, a token
    too wide for a line, anywhere (``breaks`` "any"); None when that is not allowed and a word is too wide."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if font.size(candidate)[0] <= max_w:
                line = candidate
                continue
            if line:
                lines.append(line)
            if font.size(word)[0] <= max_w:
                line = word
                continue
            pieces = None if breaks == "none" else _break_word(word, font, max_w, breaks == "any")
            if pieces is None:
                return None
            lines.extend(pieces[:-1])
            line = pieces[-1]
        lines.append(line)
    return lines


def fit(fonts: Fonts, text: str, style: Style, max_w: int, scale: float = 1.0) -> Block:
    """The largest size (from ``style.size * scale`` down) at which ``text`` wraps into ``max_lines`` lines of
    ``max_w``; at ``min_size`` it may take more lines, breaking a link between its tokens; a word or token that
    still does not fit shrinks further, down to ``fonts.least``, and only then is cut where it must, the block
    marked ``cut`` (a link or a code so cut must not be shown: layout.Item.instead says what is)."""
    max_w = max(1, max_w)
    least = max(SMALLEST, fonts.least)
    size = max(least, round(style.size * scale))
    floor = max(least, round((style.min_size or style.size * 0.6) * scale))
    if style.token:
        floor = least
    if style.one_line:
        # A title or a link reads best whole: a little smaller on one line beats two lines.
        single = max(floor, round(style.size * style.one_line * scale))
        while size > single:
            font = fonts.get(size, style.bold)
            if font.size(text)[0] <= max_w and "\n" not in text:
                return Block((text,), size, style.bold, style.color, _line_height(font), font.size(text)[0])
            size = max(single, int(size * SHRINK))
    # A bare link breaks between its tokens at any size; a sentence holding an address shrinks first.
    breaks = "tokens" if style.url and " " not in text else "none"
    lines: list[str] | None = None
    cut = False
    while True:
        font = fonts.get(size, style.bold)
        lines = wrap(text, font, max_w, breaks=breaks)
        if lines is not None and len(lines) <= style.max_lines:
            break
        if size <= floor:
            # Smaller would be unreadable from across a room: take more lines instead, breaking a link only
            # between its tokens; a word that fits on no line shrinks on, down to the least size.
            lines = wrap(text, font, max_w, breaks="none" if style.token else "tokens")
            if lines is not None:
                break
            if size <= least:
                lines = wrap(text, font, max_w, breaks="any") or [text]
                cut = True
                break
            floor = least
        size = max(floor, int(size * SHRINK))
    width = max((font.size(line)[0] for line in lines), default=0)
    return Block(tuple(lines), size, style.bold, style.color, _line_height(font), width, cut)


def _line_height(font: pygame.font.Font) -> int:
    # At some sizes a font's line spacing is a pixel less than its glyph box: lines would overlap.
    return max(int(font.get_linesize()), int(font.get_height()), int(font.size("ÅÉgjy|")[1]))


def render_block(
    fonts: Fonts, block: Block, surface: pygame.Surface, x: int, y: int, width: int, align: str = "left"
) -> list[tuple[str, pygame.Rect]]:
    """Draw ``block`` with its top-left at (x, y) inside a column ``width`` wide; return each line's rect."""
    font = fonts.get(block.size, block.bold)
    drawn: list[tuple[str, pygame.Rect]] = []
    for i, line in enumerate(block.lines):
        if not line:
            continue
        image = font.render(line, True, block.color)
        lx = x
        if align == "center":
            lx = x + (width - image.get_width()) // 2
        elif align == "right":
            lx = x + width - image.get_width()
        rect = pygame.Rect(lx, y + i * block.line_height, image.get_width(), image.get_height())
        surface.blit(image, rect)
        # The unclipped rect: blit() would report only the visible part and hide a clipped line. It is the
        # line's full height: at a few sizes a descender makes one image a pixel taller than its neighbour's.
        rect.h = max(rect.h, block.line_height)
        drawn.append((line, rect))
    return drawn
