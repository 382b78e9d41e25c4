"""Decoding off the frame loop: a photo upright and fitted to a box (Pillow, in the one decode thread), the
worker thread itself, and turning its bytes into a pygame surface."""

from __future__ import annotations

import io
import mmap
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pygame

if TYPE_CHECKING:  # Pillow loads on the decode worker's first photo, not on the way to the first QR code
    from PIL import Image

T = TypeVar("T")
Rect = tuple[int, int, int, int]  # left, top, width, height
ROTATED = {5, 6, 7, 8}  # EXIF orientations that swap width and height


def open_image(path: str) -> Image.Image:
    from PIL import Image

    from core.images import heif_file, register_heif

    # Read the bytes first: Pillow seeks while sniffing, which not every file (a pipe, a FUSE mount) allows.
    data = Path(path).read_bytes()
    if heif_file(data[:12]):
        register_heif()  # HEIC originals: the HEIF plugin loads only when one is met
    return Image.open(io.BytesIO(data))


def _oriented_size(img: Image.Image) -> tuple[int, int]:
    orientation = img.getexif().get(0x0112, 1)
    w, h = img.size
    return (h, w) if orientation in ROTATED else (w, h)


def _rgb(img: Image.Image) -> Image.Image:
    from PIL import Image

    if img.mode == "RGB":
        return img
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (0, 0, 0))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return img.convert("RGB")


def load_fitted(path: str, box: tuple[int, int], cover: bool) -> Image.Image:
    """The photo upright, scaled to fit (or cover) ``box``, decoded at reduced scale where the format allows."""
    from PIL import Image, ImageOps

    img = open_image(path)
    ow, oh = _oriented_size(img)
    scale = (max if cover else min)(box[0] / ow, box[1] / oh)
    target = (max(1, round(ow * scale)), max(1, round(oh * scale)))
    # draft() lets the JPEG decoder skip detail (1/2, 1/4, 1/8 scale): a 12 MP photo decodes at screen size.
    stored = (target[1], target[0]) if (ow, oh) != img.size else target
    img.draft("RGB", stored)
    # In place: by default an upright photo (most of them) is copied whole, two decoded photos at the peak.
    ImageOps.exif_transpose(img, in_place=True)
    img = _rgb(img)
    if img.size != target:
        # Shrinking: bilinear with reducing_gap averages every source pixel (no aliasing) at half bicubic's cost.
        # Enlarging a small photo: bicubic keeps edges crisper.
        shrinking = target[0] <= img.width
        method = Image.Resampling.BILINEAR if shrinking else Image.Resampling.BICUBIC
        img = img.resize(target, method, reducing_gap=2.0)
    return img


class Worker:
    """One decode thread; ``wake`` is called (from that thread) whenever a job finishes."""

    def __init__(self, wake: Callable[[], None] | None = None) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="picker-kiosk-decode")
        self._wake = wake

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        future = self._pool.submit(fn, *args)
        if self._wake is not None:
            wake = self._wake
            future.add_done_callback(lambda _f: wake())
        return future

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class Pieces:
    """A slide as RGB rectangles that tile its frame (strips of each photo's box, the gap between a pair), for
    ``to_surface`` to copy into the slide's surface one at a time, each let go as soon as it is copied: the
    frame's 3-byte pixels and the surface's 4-byte ones are never all held at once."""

    def __init__(self, size: tuple[int, int]) -> None:
        self.size = size
        self._parts: list[tuple[Rect, bytes]] = []

    def add(self, rect: Rect, data: bytes) -> None:
        self._parts.append((rect, data))

    def drain(self) -> Iterator[tuple[Rect, bytes]]:
        """Every piece, in order, each out of this object once handed over (a second drain yields nothing)."""
        while self._parts:
            yield self._parts.pop(0)

    def __len__(self) -> int:
        return len(self._parts)


def put_rows(out: bytearray, width: int, rect: Rect, data: bytes) -> None:
    """Write the RGB ``data`` of ``rect`` into ``out``, the RGB bytes of a frame ``width`` pixels wide."""
    x, y, w, h = rect
    row = width * 3
    if w == width:
        out[y * row : (y + h) * row] = data
        return
    view = memoryview(data)
    for r in range(h):
        out[(y + r) * row + x * 3 : (y + r) * row + (x + w) * 3] = view[r * w * 3 : (r + 1) * w * 3]


def to_surface(data: bytes | bytearray | Pieces, size: tuple[int, int], *, blend: bool = False) -> pygame.Surface:
    """The decoded RGB bytes (or a slide's pieces) as a surface in the display's format; ``blend``: with an
    opaque alpha channel beside (the same 4 bytes a pixel), which a crossfade sets to blend it in
    (device.ui.crossfade)."""
    if isinstance(data, Pieces):
        target = _blank_alpha(size) if blend else None
        if target is None:
            data = _joined(data)
        else:
            # Copied in piece by piece, each let go once copied: the surface's pages are touched only as they are
            # filled (a fresh mapping), so the frame's 3-byte pixels and the surface are never both held whole.
            for (x, y, w, h), chunk in data.drain():
                target.blit(pygame.image.frombuffer(chunk, (w, h), "RGB"), (x, y))
                del chunk
            return target
    # frombuffer wraps the decoded bytes without a copy: one full-screen buffer less at the peak of each slide.
    image = pygame.image.frombuffer(data, size, "RGB")
    if pygame.display.get_surface() is None:
        return image
    # Converted for the display, a blit is a plain copy (and this copy frees ``data``); ``blend``: the display's
    # colour channels and an alpha channel in the fourth byte (the display's is unused).
    return image.convert_alpha() if blend else image.convert()


def _blank_alpha(size: tuple[int, int]) -> pygame.Surface | None:
    """A surface of ``size`` in the format ``convert_alpha()`` gives on this display, over a fresh anonymous
    mapping (``pygame.Surface`` zeroes its pixels: all of them resident at once); None where that format is not
    one ``frombuffer`` makes (then the slide is joined and converted instead)."""
    if pygame.display.get_surface() is None:
        return None
    sample = pygame.image.frombuffer(bytes(3), (1, 1), "RGB").convert_alpha()
    probe = pygame.image.frombuffer(bytearray(4), (1, 1), "BGRA")
    if (sample.get_bitsize(), sample.get_masks()) != (probe.get_bitsize(), probe.get_masks()):
        return None
    pixels = mmap.mmap(-1, size[0] * size[1] * 4, flags=mmap.MAP_PRIVATE)
    return pygame.image.frombuffer(pixels, size, "BGRA")  # keeps ``pixels`` alive; unmapped with the surface


def _joined(pieces: Pieces) -> bytearray:
    """The whole frame's RGB bytes from its pieces."""
    w, h = pieces.size
    out = bytearray(w * 3 * h)
    for rect, chunk in pieces.drain():
        put_rows(out, w, rect, chunk)
    return out
