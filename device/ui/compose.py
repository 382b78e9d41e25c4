"""The compositor (runs in the decode thread): one photo, or a pair, on a blurred backdrop, as a full-screen frame;
and the square thumbnails of the download screen."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from device.ui.decode import Pieces, Rect, load_fitted, put_rows

if TYPE_CHECKING:
    from PIL import Image

BACKDROP_SHRINK = 16  # the blurred backdrop is made at 1/16 size: the blur is nearly free, nobody sees detail
BACKDROP_BLUR = 2.5  # Gaussian radius at that small size (~40 px on the screen)
BACKDROP_DIM = 0.42  # how bright the backdrop stays: the photo must stand out from its own reflection
PAIR_GAP = 0.012  # the gap between the two photos of a pair, as a share of the screen's longer side


class UnreadablePhoto(Exception):
    """Photo number ``index`` of a slide could not be decoded (``cause`` says why)."""

    def __init__(self, index: int, cause: Exception) -> None:
        super().__init__(f"photo {index + 1} of the slide: {cause}")
        self.index = index
        self.cause = cause


def compose_slide(paths: str | Sequence[str], size: tuple[int, int], strips: int = 16) -> bytearray:
    """One full-screen RGB frame: one photo fitted and centred, or two sharing the screen along its longer side
    (side by side on a landscape screen, stacked on a portrait one), on a blurred, dimmed copy of themselves.

    The frame is made strip by strip straight into the bytes handed over (see ``compose_pieces``).
    """
    w, h = size
    out = bytearray(w * 3 * h)
    _compose(paths, size, strips, lambda rect, data: put_rows(out, w, rect, data))
    return out


def compose_pieces(paths: str | Sequence[str], size: tuple[int, int], strips: int = 16) -> Pieces:
    """The slide of ``compose_slide`` (the same pixels), as pieces for ``to_surface`` to copy one at a time."""
    pieces = Pieces(size)
    _compose(paths, size, strips, pieces.add)
    return pieces


def _compose(
    paths: str | Sequence[str], size: tuple[int, int], strips: int, emit: Callable[[Rect, bytes], None]
) -> None:
    """Hand ``emit`` the frame's RGB rectangles: each photo's box strip by strip (each strip of its backdrop
    scaled from its small blurred copy, the photo's rows pasted on it), then the black gap of a pair.

    One photo is held at a time (a pair's first is let go before the second is decoded), and no full-screen
    picture besides it and the pieces made so far (Pillow keeps RGB at 4 bytes a pixel, and ``tobytes()`` of a
    whole screen would hold its chunks and their joined copy too).
    """
    from PIL import Image

    files = [paths] if isinstance(paths, str) else list(paths)
    w, h = size
    gap_rect: Rect | None = None
    if len(files) == 1:
        boxes = [(0, 0, w, h)]
    else:
        gap = round(max(w, h) * PAIR_GAP)
        if w >= h:
            half = (w - gap) // 2
            boxes = [(0, 0, half, h), (w - half, 0, half, h)]
            gap_rect = (half, 0, w - 2 * half, h)
        else:
            half = (h - gap) // 2
            boxes = [(0, 0, w, half), (0, h - half, w, half)]
            gap_rect = (0, half, w, h - 2 * half)
    step = max(1, -(-h // strips))
    for index, (path, (x, y, bw, bh)) in enumerate(zip(files, boxes, strict=True)):
        try:
            photo = load_fitted(path, (bw, bh), cover=False)
        except Exception as exc:
            raise UnreadablePhoto(index, exc) from exc
        # A pair leans together at the gap between them; one photo sits in the middle.
        if len(files) == 1:
            px, py = (bw - photo.width) // 2, (bh - photo.height) // 2
        elif w >= h:
            px, py = (bw - photo.width if index == 0 else 0), (bh - photo.height) // 2
        else:
            px, py = (bw - photo.width) // 2, (bh - photo.height if index == 0 else 0)
        px, py = x + px, y + py
        # A photo of its box's shape covers it all: no backdrop of it would be seen, so none is made (the blur
        # and ImageFilter's import are ~5 ms of the first photo).
        back = _backdrop(photo, (bw, bh)) if _uncovered((x, y, x + bw, y + bh), photo.size, (px, py)) else None
        for top in range(0, h, step):
            r_top, r_bottom = max(top, y), min(top + step, h, y + bh)
            if r_top >= r_bottom:
                continue
            strip = Image.new("RGB", (bw, r_bottom - r_top), (0, 0, 0))
            if back is not None:  # None: the photo covers its whole box
                _paste_backdrop(strip, (x, r_top), back, (x, y, bw, bh), photo.size, (px, py))
            first, last = max(r_top, py), min(r_bottom, py + photo.height)
            if first < last:
                strip.paste(photo.crop((0, first - py, photo.width, last - py)), (px - x, first - r_top))
            emit((x, r_top, bw, r_bottom - r_top), strip.tobytes())
            del strip
        del photo, back
    if gap_rect is not None and gap_rect[2] > 0 and gap_rect[3] > 0:
        emit(gap_rect, bytes(gap_rect[2] * gap_rect[3] * 3))  # black


def _paste_backdrop(
    strip: Image.Image,
    origin: tuple[int, int],
    back: Image.Image,
    area: tuple[int, int, int, int],
    size: tuple[int, int],
    at: tuple[int, int],
) -> None:
    """Paste onto ``strip`` (its top left at ``origin`` on the screen) the backdrop of the box ``area`` (x, y,
    width, height), scaled up from ``back``, where a photo of ``size`` placed ``at`` leaves it to be seen."""
    from PIL import Image

    ox, oy = origin
    x, y, bw, bh = area
    sw, sh = back.size
    for r0, r1, c0, c1 in _uncovered((ox, oy, ox + strip.width, oy + strip.height), size, at):
        # The pixels of scaling the whole backdrop, to within rounding (Pillow reads around a box too); only
        # where the photo leaves it to be seen (a photo of the screen's shape covers it all).
        box = ((c0 - x) * sw / bw, (r0 - y) * sh / bh, (c1 - x) * sw / bw, (r1 - y) * sh / bh)
        piece = back.resize((c1 - c0, r1 - r0), Image.Resampling.BILINEAR, box=box)  # blurred: bilinear
        strip.paste(piece, (c0 - ox, r0 - oy))


def _uncovered(
    area: tuple[int, int, int, int], size: tuple[int, int], at: tuple[int, int]
) -> list[tuple[int, int, int, int]]:
    """The parts of ``area`` (left, top, right, bottom) that a photo of ``size`` placed ``at`` leaves uncovered,
    as (top, bottom, left, right) bands: above it, below it, and beside it."""
    left, top, right, bottom = area
    if top >= bottom:
        return []
    (pw, ph), (px, py) = size, at
    first, last = max(top, py), min(bottom, py + ph)
    if first >= last:
        return [(top, bottom, left, right)]
    bands = [(top, first, left, right), (last, bottom, left, right)]
    bands += [(first, last, left, min(right, px)), (first, last, max(left, px + pw), right)]
    return [(r0, r1, c0, c1) for r0, r1, c0, c1 in bands if r0 < r1 and c0 < c1]


def _backdrop(photo: Image.Image, box: tuple[int, int]) -> Image.Image:
    """``photo`` blurred and dimmed, small (1/BACKDROP_SHRINK of ``box``): scaled up to ``box`` strip by strip."""
    from PIL import Image, ImageFilter, ImageOps

    small = (max(1, box[0] // BACKDROP_SHRINK), max(1, box[1] // BACKDROP_SHRINK))
    back = ImageOps.fit(photo, small, Image.Resampling.BILINEAR)
    back = back.filter(ImageFilter.GaussianBlur(BACKDROP_BLUR))
    return Image.blend(Image.new("RGB", small, (0, 0, 0)), back, BACKDROP_DIM)


def compose_thumb(path: str, side: int) -> bytes:
    """A ``side`` × ``side`` square, upright, cropped from the middle of the photo."""
    from PIL import Image, ImageOps

    img = load_fitted(path, (side, side), cover=True)
    return ImageOps.fit(img, (side, side), Image.Resampling.BICUBIC).tobytes()
