"""The synthetic photo catalog (PhotoCatalog): deterministic items from a seed, drawn with Pillow lazily, LRU-cached."""

from __future__ import annotations

import base64
import colorsys
import functools
import hashlib
import io
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

from PIL import Image, ImageDraw

from core.emulator.clips import clip_size, encode_heic, make_clip
from core.emulator.font import label_font
from core.emulator.media import Spec, cover_size, fit_size, pad_jpeg, pad_png

MAX_PHOTOS = 50_000  # a big frame library; items are cheap metadata until drawn
_EPOCH_FIRST = datetime(2009, 1, 1, tzinfo=UTC).timestamp()
_EPOCH_LAST = datetime(2025, 12, 31, tzinfo=UTC).timestamp()

# (upright width, upright height, format, EXIF orientation), by index % 20. The mix guarantees every block
# of 20 items holds each aspect, a 12 MP original, PNGs, rotated JPEGs and one video of each status.
_KINDS: tuple[tuple[int, int, str, int], ...] = (
    (1600, 1200, "JPEG", 1),  # landscape 4:3
    (1200, 1600, "JPEG", 1),  # portrait 3:4
    (4000, 1000, "JPEG", 1),  # panorama 4:1
    (1200, 1500, "HEIC", 6),  # an iPhone original: stored 1500x1200, upright once rotated (JPEG renditions)
    (4000, 3000, "JPEG", 1),  # 12 MP
    (1200, 1600, "JPEG", 6),  # stored 1600x1200, upright once rotated 90° clockwise
    (1280, 960, "PNG", 1),
    (1600, 1200, "JPEG", 8),  # stored 1200x1600, upright once rotated 90° counter-clockwise
    (1600, 1200, "JPEG", 3),  # stored upside down
    (1920, 1080, "MP4", 1),
    (1920, 1080, "JPEG", 1),  # 16:9
    (1080, 1920, "MP4", 1),
    (1080, 1920, "PNG", 1),  # a phone screenshot
    (640, 480, "JPEG", 1),
    (1280, 720, "MP4", 1),
    (2048, 1536, "JPEG", 1),
    (3000, 4000, "JPEG", 1),  # 12 MP portrait
    (6000, 1500, "JPEG", 1),
    (1080, 1080, "JPEG", 1),
    (1024, 768, "JPEG", 1),
)
_VIDEO_STATUS = {9: "READY", 11: "PROCESSING", 14: "FAILED"}
_CAMERAS = (
    ("Google", "Pixel 8"),
    ("Apple", "iPhone 15 Pro"),
    ("samsung", "SM-S918B"),
    ("Canon", "Canon EOS R6"),
    ("FUJIFILM", "X-T4"),
)
_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "MP4": "video/mp4", "HEIC": "image/heic"}


@dataclass(frozen=True)
class LibraryItem:
    """One photo or video of the person's library. ``width``/``height`` are as it looks (upright)."""

    index: int
    id: str
    filename: str
    mime: str
    width: int
    height: int
    type: str  # "PHOTO" | "VIDEO"
    video_status: str | None  # READY | PROCESSING | FAILED for videos
    orientation: int  # EXIF orientation of the original file: 1, 3, 6 or 8
    create_time: float  # epoch seconds
    camera_make: str | None
    camera_model: str | None
    format: str  # JPEG | PNG | MP4 | HEIC (only its original: renditions are JPEG)
    label: str  # the big text drawn on it, e.g. "Photo 17"
    hue: float

    @property
    def stored_size(self) -> tuple[int, int]:
        """Pixel size of the original file (rotated JPEGs store width and height swapped)."""
        if self.orientation in (6, 8):
            return self.height, self.width
        return self.width, self.height


def _filename(i: int, fmt: str) -> str:
    slot = i % 20
    if slot == 15:
        return "../../etc/passwd"
    if slot == 16:
        return "L" * 296 + ".jpg"
    if slot == 17:
        return f"\x00\x1b[31mIMG_{1000 + i}\r\n.jpg"
    if slot == 18:
        return f"IMG_{1000 + i - 18}.JPG"  # the same name as the first item of this block
    if slot == 19:
        return f"Été à Paris 照片 ({i}).jpg"
    if fmt == "PNG":
        return f"Screenshot_{i:04d}.png"
    if fmt == "MP4":
        return f"VID_{1000 + i}.mp4"
    if fmt == "HEIC":
        return f"IMG_{1000 + i}.HEIC"
    return f"IMG_{1000 + i}.JPG"


def make_item(i: int, seed: int) -> LibraryItem:
    rng = random.Random(f"picker-kiosk-emulator:{seed}:{i}")
    width, height, fmt, orientation = _KINDS[i % 20]
    digest = hashlib.sha256(f"item:{seed}:{i}".encode()).digest()
    item_id = "AF1Qip" + base64.urlsafe_b64encode(digest).decode().rstrip("=")[:38]
    is_video = fmt == "MP4"
    camera = None if fmt == "PNG" else _CAMERAS[rng.randrange(len(_CAMERAS))]
    return LibraryItem(
        index=i,
        id=item_id,
        filename=_filename(i, fmt),
        mime=_MIME[fmt],
        width=width,
        height=height,
        type="VIDEO" if is_video else "PHOTO",
        video_status=_VIDEO_STATUS[i % 20] if is_video else None,
        orientation=orientation,
        create_time=float(int(_EPOCH_FIRST + rng.random() * (_EPOCH_LAST - _EPOCH_FIRST))),
        camera_make=camera[0] if camera else None,
        camera_model=camera[1] if camera else None,
        format=fmt,
        label=f"{'Video' if is_video else 'Photo'} {i + 1}",
        hue=rng.random(),
    )


@functools.lru_cache(maxsize=64)
def _rgb(h: float, s: float, v: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return round(r * 255), round(g * 255), round(b * 255)


def draw_scene(item: LibraryItem, width: int, height: int) -> Image.Image:
    """The item as it looks upright, drawn directly at ``width`` x ``height`` (no big intermediate)."""
    rng = random.Random(f"scene:{item.id}")
    # A small grid of colours blown up smoothly: a gradient at any size for the cost of one resize.
    grid = Image.new("RGB", (4, 4))
    for gx in range(4):
        for gy in range(4):
            t = (gx + gy) / 6
            grid.putpixel((gx, gy), _rgb(item.hue + 0.25 * t, 0.55 + 0.3 * t, 0.95 - 0.45 * t))
    img = grid.resize((width, height), Image.Resampling.BILINEAR)
    draw = ImageDraw.Draw(img)
    unit = min(width, height)
    for _ in range(3 + item.index % 4):
        cx, cy = rng.random() * width, rng.random() * height
        r = (0.08 + rng.random() * 0.22) * unit
        colour = _rgb(item.hue + 0.5 + rng.random() * 0.2, 0.7, 0.9)
        box = (cx - r, cy - r, cx + r, cy + r)
        shape = rng.randrange(3)
        if shape == 0:
            draw.ellipse(box, fill=colour)
        elif shape == 1:
            draw.rectangle(box, fill=colour)
        else:
            draw.polygon([(cx, cy - r), (cx + r, cy + r), (cx - r, cy + r)], fill=colour)
    # As big as fits: about a third of the height, or most of the width for long labels on narrow pictures.
    font = label_font(max(8, int(min(height * 0.3, width * 0.8 / (0.6 * len(item.label))))))
    stroke = max(1, unit // 120)
    draw.text(
        (width / 2, height / 2),
        item.label,
        font=font,
        fill=(255, 255, 255),
        anchor="mm",
        stroke_width=stroke,
        stroke_fill=(0, 0, 0),
    )
    if item.video_status:
        small = label_font(max(8, int(unit * 0.06)))
        draw.text((width / 2, height * 0.8), item.video_status, font=small, fill=(255, 255, 0), anchor="mm")
    return img


# Stored pixels are the upright picture turned the opposite way, so only applying the tag shows it upright.
_STORE_TRANSPOSE = {
    3: Image.Transpose.ROTATE_180,
    6: Image.Transpose.ROTATE_90,
    8: Image.Transpose.ROTATE_270,
}


def _exif(item: LibraryItem) -> bytes:
    exif = Image.Exif()
    if item.camera_make:
        exif[0x010F] = item.camera_make
        exif[0x0110] = item.camera_model or ""
    exif[0x0112] = item.orientation
    stamp = datetime.fromtimestamp(item.create_time, UTC).strftime("%Y:%m:%d %H:%M:%S")
    exif[0x0132] = stamp
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = stamp  # DateTimeOriginal
    sub[0x8827] = 100  # ISO
    # No GPS IFD (0x8825): Google strips location from =d downloads.
    return exif.tobytes()


def _encode(img: Image.Image, fmt: str, *, exif: bytes | None = None, quality: int = 85) -> bytes:
    out = io.BytesIO()
    if fmt == "PNG":
        img.save(out, "PNG", compress_level=1)
    elif exif is not None:
        img.save(out, "JPEG", quality=quality, exif=exif)
    else:
        img.save(out, "JPEG", quality=quality)
    return out.getvalue()


class PhotoCatalog:
    """The person's library: item metadata is cheap and made up front; pixels are drawn on request."""

    def __init__(
        self, count: int, seed: int, *, photo_kib: float | None = None, cache_bytes: int = 192 * 2**20
    ) -> None:
        if not 1 <= count <= MAX_PHOTOS:
            raise ValueError(f"photos must be between 1 and {MAX_PHOTOS}")
        self.seed = seed
        self.items = [make_item(i, seed) for i in range(count)]
        self._by_id = {item.id: item for item in self.items}
        self._photo_bytes = int(photo_kib * 1024) if photo_kib else None
        self._cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._cache_size = 0
        self._cache_limit = cache_bytes
        self._lock = threading.Lock()

    def get(self, item_id: str) -> LibraryItem | None:
        return self._by_id.get(item_id)

    def bytes_for(self, item: LibraryItem, spec: Spec) -> tuple[bytes, str]:
        """The bytes and Content-Type served for ``spec``; callers have already refused =dv on photos."""
        key = (item.id, f"{spec.kind}:{spec.width}:{spec.height}")
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
        if hit is None:
            hit = self._render(item, spec)
            with self._lock:
                if key not in self._cache:
                    self._cache[key] = hit
                    self._cache_size += len(hit)
                while self._cache_size > self._cache_limit and len(self._cache) > 1:
                    _, old = self._cache.popitem(last=False)
                    self._cache_size -= len(old)
        return hit, self._content_type(item, spec)

    def _content_type(self, item: LibraryItem, spec: Spec) -> str:
        if spec.kind == "video":
            return "video/mp4"
        if spec.kind == "original" and item.format == "HEIC":
            return "image/heic"
        return "image/png" if item.format == "PNG" else "image/jpeg"

    def _render(self, item: LibraryItem, spec: Spec) -> bytes:
        if spec.kind == "video":
            return make_clip(draw_scene(item, *clip_size(item.width, item.height)))
        fmt = "PNG" if item.format == "PNG" else "JPEG"
        if spec.kind == "original":
            img = draw_scene(item, item.width, item.height)
            if item.orientation in _STORE_TRANSPOSE:
                img = img.transpose(_STORE_TRANSPOSE[item.orientation])
            if item.format == "HEIC":
                return encode_heic(img, exif=_exif(item))
            return _encode(img, fmt, exif=_exif(item) if fmt == "JPEG" else None, quality=92)
        if spec.kind == "crop":
            assert spec.width is not None and spec.height is not None
            cw, ch = cover_size(item.width, item.height, spec.width, spec.height)
            img = draw_scene(item, cw, ch)
            left, top = (cw - spec.width) // 2, (ch - spec.height) // 2
            img = img.crop((left, top, left + spec.width, top + spec.height))
        else:
            img = draw_scene(item, *fit_size(item.width, item.height, spec))
        data = _encode(img, fmt)
        if self._photo_bytes:
            data = pad_png(data, self._photo_bytes) if fmt == "PNG" else pad_jpeg(data, self._photo_bytes)
        return data
