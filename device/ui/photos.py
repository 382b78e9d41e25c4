"""Photos off the frame loop, in one place to import from: the decode worker (decode.py), the compositor
(compose.py), the slideshow (player.py, pairs.py) and the download screen's thumbnails (thumbs.py)."""

from __future__ import annotations

from device.ui.compose import UnreadablePhoto, compose_slide, compose_thumb
from device.ui.decode import Worker, load_fitted, to_surface
from device.ui.player import Player
from device.ui.thumbs import Thumbs

__all__ = [
    "Player",
    "Thumbs",
    "UnreadablePhoto",
    "Worker",
    "compose_slide",
    "compose_thumb",
    "load_fitted",
    "to_surface",
]
