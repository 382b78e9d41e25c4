"""The one font the stand-in draws its pictures' and clips' labels with (the bundled DejaVu, else Pillow's own)."""

from __future__ import annotations

from pathlib import Path

from PIL import ImageFont

FONT_FILE = Path(__file__).resolve().parents[2] / "assets" / "fonts" / "DejaVuSans-Bold.ttf"


def label_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The bold label font at ``size`` pixels."""
    try:
        return ImageFont.truetype(str(FONT_FILE), size)
    except OSError:  # installed without the assets folder: Pillow's own scalable font
        return ImageFont.load_default(size)
