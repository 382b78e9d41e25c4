"""Media URL specs (``=w800-h600``, ``-c``, ``=d``, ``=dv``), the sizes they mean, and byte-level helpers."""

from __future__ import annotations

import hashlib
import math
import re
import struct
import zlib
from dataclasses import dataclass
from typing import Literal

_OPTION = re.compile(r"^(?:([whs])(\d{1,5})|(c)|(dv)|(d))$")
DEFAULT_FIT = 512  # a bare baseUrl (no spec) answers a small rendition, as Google's does
MAX_CROP_PIXELS = 40_000_000  # cropping may upscale; refuse absurd canvases rather than render them


@dataclass(frozen=True)
class Spec:
    """A parsed media spec: fit inside (width, height), crop to exactly it, the original, or the video."""

    kind: Literal["fit", "crop", "original", "video"]
    width: int | None = None
    height: int | None = None


def parse_spec(text: str) -> Spec:
    """Parse what follows ``=`` in a media URL; raise ValueError for anything Google would not accept."""
    if text == "":
        return Spec("fit", DEFAULT_FIT, DEFAULT_FIT)
    width = height = None
    crop = original = video = False
    for option in text.split("-"):
        m = _OPTION.match(option)
        if not m:
            raise ValueError(f"unknown media option {option[:20]!r}")
        letter, number, c, dv, d = m.groups()
        if letter:
            n = int(number)
            if n < 1:
                raise ValueError("sizes start at 1")
            if letter == "s":
                width = height = n
            elif letter == "w":
                width = n
            else:
                height = n
        crop |= bool(c)
        video |= bool(dv)
        original |= bool(d)
    if video or original:
        if width is not None or height is not None or crop or (video and original):
            raise ValueError("=d and =dv take no other options")
        return Spec("video" if video else "original")
    if crop:
        if width is None or height is None:
            raise ValueError("-c needs both w and h")
        if width * height > MAX_CROP_PIXELS:
            raise ValueError("crop too large")
        return Spec("crop", width, height)
    if width is None and height is None:
        raise ValueError("no size given")
    return Spec("fit", width, height)


def fit_size(width: int, height: int, spec: Spec) -> tuple[int, int]:
    """The size of a ``fit`` rendition: inside the box, aspect kept, never larger than the original."""
    box_w = spec.width if spec.width is not None else width
    box_h = spec.height if spec.height is not None else height
    scale = min(box_w / width, box_h / height, 1.0)
    return max(1, min(box_w, round(width * scale))), max(1, min(box_h, round(height * scale)))


def cover_size(width: int, height: int, box_w: int, box_h: int) -> tuple[int, int]:
    """The smallest size with the original's aspect that covers the box (crop renditions start from it)."""
    scale = max(box_w / width, box_h / height)
    return max(box_w, math.ceil(width * scale)), max(box_h, math.ceil(height * scale))


def fake_mp4(key: str, size: int = 48 * 1024) -> bytes:
    """A small deterministic ISO-BMFF blob (ftyp + mdat) standing in for a transcoded video."""
    ftyp = b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41"
    out = [struct.pack(">I", 8 + len(ftyp)) + b"ftyp" + ftyp]
    payload = bytearray()
    seed = key.encode()
    counter = 0
    while len(payload) < size:
        payload += hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    out.append(struct.pack(">I", 8 + size) + b"mdat" + bytes(payload[:size]))
    return b"".join(out)


def pad_jpeg(data: bytes, target: int) -> bytes:
    """Grow a JPEG to about ``target`` bytes with comment (COM) segments; it stays a valid JPEG."""
    missing = target - len(data)
    if missing <= 4 or data[:2] != b"\xff\xd8":
        return data
    segments = []
    while missing > 4:
        chunk = min(missing - 4, 65533)
        segments.append(b"\xff\xfe" + struct.pack(">H", chunk + 2) + b"\x00" * chunk)
        missing -= chunk + 4
    return data[:2] + b"".join(segments) + data[2:]


def pad_png(data: bytes, target: int) -> bytes:
    """Grow a PNG to about ``target`` bytes with a private ancillary chunk; decoders skip it."""
    missing = target - len(data) - 12
    if missing <= 0 or data[:8] != b"\x89PNG\r\n\x1a\n":
        return data
    kind = b"emPd"  # lowercase first letter: ancillary, safe to ignore
    body = b"\x00" * missing
    chunk = struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return data[:33] + chunk + data[33:]  # right after IHDR (8 signature + 25 IHDR bytes)
