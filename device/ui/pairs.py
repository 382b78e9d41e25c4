"""Slideshow pairs (not the phone pairing of device.pairing): a photo whose shape fights the screen's is paired
with another of its shape.

Pure (no pygame, no clock): the slideshow hands the order it shows photos in (the library's, or its shuffle)
and takes slides off the front. A slide is one photo, or two: two portrait photos side by side on a landscape
screen, two landscape photos stacked on a portrait one. A photo that matches the screen's shape (or whose shape
is unknown, or any photo with ``layout = "single"``) is shown alone. The partner of a photo is the one of its
shape within ``WINDOW`` places ahead that was taken closest in time to it; if none is that near, the first one
of its shape further on is brought forward. Every photo is taken off the order exactly once, so pairing changes
*when* a photo is shown, never *how often*.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from enum import Enum
from typing import overload

from core.record import record

WINDOW = 6  # how far ahead in the order a partner taken close in time is looked for
SQUARE_TOLERANCE = 0.1  # within 10 % of square, a photo fits either screen: it is shown alone


class Shape(Enum):
    """A photo's (or a screen's) orientation."""

    PORTRAIT = "portrait"
    LANDSCAPE = "landscape"
    SQUARE = "square"  # or unknown: never paired


@record
class Shot:
    """What pairing needs of a photo: its id, its shape, when it was taken (None: unknown)."""

    id: str
    shape: Shape
    taken: datetime | None = None


class Upcoming(Sequence[Shot]):
    """The shots of the photos ``ids`` in order, each made by ``shot`` when first looked at: most slides look
    at the front of the order only (a photo alone), so the rest of a long order is never made."""

    def __init__(self, ids: Sequence[str], shot: Callable[[str], Shot]) -> None:
        self._ids, self._shot = ids, shot
        self._made: dict[int, Shot] = {}

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, index: int) -> Shot: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Shot]: ...

    def __getitem__(self, index: int | slice) -> Shot | Sequence[Shot]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self._ids)
        if not 0 <= index < len(self._ids):
            raise IndexError("shot index out of range")
        made = self._made.get(index)
        if made is None:
            made = self._made[index] = self._shot(self._ids[index])
        return made


def shape_of(width: int | None, height: int | None) -> Shape:
    """The shape of a ``width`` × ``height`` picture; unknown sizes count as square (shown alone)."""
    if not width or not height or width <= 0 or height <= 0:
        return Shape.SQUARE
    ratio = width / height
    if ratio > 1 + SQUARE_TOLERANCE:
        return Shape.LANDSCAPE
    if ratio < 1 / (1 + SQUARE_TOLERANCE):
        return Shape.PORTRAIT
    return Shape.SQUARE


def pairs_with(screen: Shape) -> Shape | None:
    """Which photos are paired on a screen of shape ``screen``: the opposite shape (None on a square screen)."""
    if screen is Shape.LANDSCAPE:
        return Shape.PORTRAIT
    if screen is Shape.PORTRAIT:
        return Shape.LANDSCAPE
    return None


def _gap(a: Shot, b: Shot) -> float:
    if a.taken is None or b.taken is None:
        return float("inf")
    try:
        return abs((a.taken - b.taken).total_seconds())
    except TypeError:  # one aware, one naive: no way to compare, so no preference
        return float("inf")


def take_slide(
    upcoming: Sequence[Shot], paired: Shape | None, window: int = WINDOW, avoid: frozenset[str] = frozenset()
) -> tuple[tuple[Shot, ...], int]:
    """The next slide from the front of ``upcoming``, and the index of the partner taken from further on (-1: none).

    ``paired`` is the shape that is shown two at a time (``pairs_with(screen)``; None: every photo alone).
    ``upcoming`` should reach far enough (the rest of this round and the next) that a partner is found
    whenever another photo of the shape exists at all. A partner is never the first photo again, never a
    later copy of a photo still waiting nearer the front (the next round's), and never one in ``avoid`` (the
    slide on screen now): a photo is not shown twice in a row, nor twice in one round.
    """
    if not upcoming:
        return (), -1
    first = upcoming[0]
    if paired is None or first.shape is not paired:
        return (first,), -1
    waiting = {first.id}
    near: list[int] = []
    for i in range(1, len(upcoming)):  # as far as needed only: the order may be long, its shots made lazily
        if i > window and near:
            break
        shot = upcoming[i]
        if shot.shape is paired and shot.id not in waiting and shot.id not in avoid:
            if i > window:
                return _ordered(first, shot), i  # none near: the first one further on
            near.append(i)
        waiting.add(shot.id)
    if not near:
        return (first,), -1
    best = min(near, key=lambda i: (_gap(first, upcoming[i]), i))
    return _ordered(first, upcoming[best]), best


def _ordered(a: Shot, b: Shot) -> tuple[Shot, Shot]:
    """The earlier photo first (left, or top): a pair reads like a page of an album."""
    if a.taken is not None and b.taken is not None and _gap(a, b) != float("inf") and b.taken < a.taken:
        return (b, a)
    return (a, b)


def plan(order: Sequence[Shot], paired: Shape | None, window: int = WINDOW) -> list[tuple[Shot, ...]]:
    """Every slide of one pass over ``order`` (each photo exactly once), for tests and previews."""
    rest = list(order)
    slides: list[tuple[Shot, ...]] = []
    while rest:
        slide, partner = take_slide(rest, paired, window)
        if partner >= 0:
            del rest[partner]
        del rest[0]
        slides.append(slide)
    return slides
