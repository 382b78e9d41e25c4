"""Real media the stand-in serves, made at run time: small H.264 MP4 clips and HEIC originals (lazy imports)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

CLIP_SECONDS = 3.0
CLIP_FPS = 16
CLIP_LONG_SIDE = 320  # small: a clip encodes in about a tenth of a second with preset ultrafast


def clip_size(width: int, height: int) -> tuple[int, int]:
    """The clip's size for a video of ``width`` x ``height``: its aspect, long side 320, even numbers (4:2:0)."""
    scale = CLIP_LONG_SIDE / max(width, height)
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def make_clip(poster: Image.Image, *, seconds: float = CLIP_SECONDS, fps: int = CLIP_FPS) -> bytes:
    """An MP4 (H.264, no sound) of ``poster`` with a bar sweeping across and the frame number: every frame differs.

    Deterministic for the same picture (one encoder thread, no creation time written).
    """
    import av
    from PIL import ImageDraw

    from core.emulator.photos import _font

    width, height = poster.size
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "threads": "1"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        frames = max(1, round(seconds * fps))
        font = _font(max(8, height // 6))
        bar = max(4, width // 12)
        for n in range(frames):
            img = poster.convert("RGB")
            draw = ImageDraw.Draw(img)
            x = round((width - bar) * n / max(1, frames - 1))
            draw.rectangle((x, 0, x + bar, height), fill=(255, 255, 255))
            draw.text((8, 8), f"{n + 1}", font=font, fill=(255, 255, 0), stroke_width=2, stroke_fill=(0, 0, 0))
            frame = av.VideoFrame.from_image(img)  # type: ignore[no-untyped-call]
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


def encode_heic(img: Image.Image, *, exif: bytes | None = None, quality: int = 80) -> bytes:
    """``img`` as a HEIC file (x265 through pillow-heif), with ``exif`` (orientation included) when given."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    if exif is not None:
        img.save(out, "HEIF", quality=quality, exif=exif)
    else:
        img.save(out, "HEIF", quality=quality)
    return out.getvalue()
