"""Deciding whether a downloaded file is media we can keep: a real image (or video) within safe limits."""

from __future__ import annotations

import os
from pathlib import Path

from core.errors import BadMedia
from core.jpeg import whole_jpeg
from core.record import record

# A 12 MP phone photo is the common large case; 64 MP leaves room for 48/50 MP sensors and refuses
# decompression bombs (a few KiB of PNG claiming 30000x30000 would need ~2.7 GB of RAM to decode).
MAX_PIXELS = 64_000_000

# What the screen can decode. Google serves JPEG renditions for every =wW-hH request; only original (=d)
# mode meets HEIC/HEIF (every iPhone's format), which Pillow reads through pillow-heif (see register_heif).
IMAGE_FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": (".jpg", "image/jpeg"),
    "PNG": (".png", "image/png"),
    "WEBP": (".webp", "image/webp"),
    "GIF": (".gif", "image/gif"),
    "HEIF": (".heic", "image/heic"),
}
VIDEO_EXT = ".mp4"
EXTENSIONS = frozenset({ext for ext, _ in IMAGE_FORMATS.values()} | {VIDEO_EXT})

# EXIF orientations 5-8 turn the picture a quarter; the person sees width and height swapped.
_QUARTER_TURNS = {5, 6, 7, 8}


def register_heif() -> None:
    """Teach Pillow HEIC/HEIF (idempotent; pillow-heif loads on the first picture, not at start-up)."""
    global _heif_ready
    if not _heif_ready:
        from pillow_heif import register_heif_opener

        register_heif_opener()
        _heif_ready = True


_heif_ready = False


def heif_file(head: bytes) -> bool:
    """The first bytes of a file are an ISO base media ``ftyp`` box: HEIC/HEIF, which only pillow-heif opens.

    pillow-heif (libheif and its codecs: ~8 MB resident) is then loaded only once such a picture is met;
    Google's screen-sized renditions are JPEG.
    """
    return head[4:8] == b"ftyp"


@record
class MediaInfo:
    """What validation learned about a file: its kind, extension from the real content, shown size."""

    kind: str  # "photo" | "video"
    ext: str
    mime: str
    width: int | None
    height: int | None


PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"  # the IEND chunk whole: length 0, its name, its CRC


def _png_ends_whole(path: Path) -> bool:
    """Whether the PNG at ``path`` holds its whole IEND chunk near its end (a cut file does not)."""
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        f.seek(max(0, f.tell() - 4096))
        return PNG_END in f.read()


def check_image(path: Path, *, max_pixels: int = MAX_PIXELS, decode: bool = True) -> MediaInfo:
    """Prove ``path`` is a whole image of an allowed format and size, or raise BadMedia.

    The header is read first and the pixel count checked before anything is decoded, then the
    whole image is decoded (JPEG at 1/8 scale: it still reads every byte, so truncation is caught).
    With ``decode`` False (a fresh download) a JPEG or PNG is not decoded: a JPEG's structure is walked to
    its end marker (core.jpeg), a PNG's chunks are read to IEND against their CRCs (Pillow's verify), which
    refuse the same cut or foreign files for a fraction of the CPU (0.2–0.4 ms instead of 2 ms for a JPEG
    rendition, and of ~10 ms for a PNG one). A PNG's Exif orientation is then read only from an eXIf chunk
    before its pixels (where Pillow writes it). Other formats are decoded all the same.
    """
    from PIL import Image, UnidentifiedImageError  # loaded on the first download, not at start-up

    try:
        with open(path, "rb") as head:
            if heif_file(head.read(12)):
                register_heif()
    except OSError as exc:
        raise BadMedia("The downloaded file is not a picture this device can show.") from exc
    # Pillow knows HEIF only once pillow-heif is registered (above, for a file that is one).
    formats = tuple(f for f in IMAGE_FORMATS if f != "HEIF" or _heif_ready)
    try:
        # Pillow itself raises DecompressionBombError at open() above ~179 MP (and only warns from 89 MP);
        # our own, stricter limit is checked before a single pixel is decoded.
        with Image.open(path, formats=formats) as im:
            width, height = im.size
            fmt = im.format or ""
            if width <= 0 or height <= 0 or width * height > max_pixels:
                raise BadMedia(f"The picture is {width}×{height} pixels, more than this device accepts.")
            walk = not decode and fmt in ("JPEG", "PNG")
            if walk:
                # (a PNG's getexif() without an early eXIf chunk would decode the pixels to look further)
                early = fmt == "JPEG" or "exif" in im.info
                orientation = im.getexif().get(0x0112, 1) if early else 1
            im.verify()  # a PNG: every chunk to IEND against its CRC; nothing for a JPEG
        if walk and fmt == "JPEG":
            with open(path, "rb") as whole:
                if not whole_jpeg(whole):
                    raise BadMedia("The downloaded file is not a whole picture.")
        elif walk and not _png_ends_whole(path):  # verify stops at IEND's name: a cut in its CRC is caught here
            raise BadMedia("The downloaded file is not a whole picture.")
        elif not walk:
            with Image.open(path, formats=formats) as im:
                if fmt == "JPEG":
                    im.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                im.load()
                orientation = im.getexif().get(0x0112, 1)
    except BadMedia:
        raise
    except Image.DecompressionBombError as exc:
        raise BadMedia("The picture claims to be far larger than any photo.") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow reports broken files with any of these, depending on the format and where it broke.
        raise BadMedia("The downloaded file is not a picture this device can show.") from exc
    if fmt not in IMAGE_FORMATS:
        raise BadMedia("The downloaded file is not a picture this device can show.")
    if isinstance(orientation, int) and orientation in _QUARTER_TURNS:
        width, height = height, width
    ext, mime = IMAGE_FORMATS[fmt]
    return MediaInfo(kind="photo", ext=ext, mime=mime, width=width, height=height)


def check_video(path: Path) -> MediaInfo:
    """A video is kept only if it looks like an ISO base media file (MP4/MOV: an ``ftyp`` box first)."""
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError as exc:
        raise BadMedia("The downloaded video could not be read back.") from exc
    if len(head) < 12 or head[4:8] != b"ftyp":
        raise BadMedia("The downloaded file is not a video this device can keep.")
    return MediaInfo(kind="video", ext=VIDEO_EXT, mime="video/mp4", width=None, height=None)


def check_media(path: Path, kind: str, *, max_pixels: int = MAX_PIXELS, decode: bool = True) -> MediaInfo:
    """Validate a file as the ``kind`` ("photo" or "video") that was asked for (``decode``: see check_image)."""
    if kind == "video":
        return check_video(path)
    return check_image(path, max_pixels=max_pixels, decode=decode)
