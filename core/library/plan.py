"""What to fetch for a picked item: the size to ask Google for, what kind of file it is, a video's poster."""

from __future__ import annotations

from core.config import DownloadConfig
from core.records import MediaType, PickedMediaItem


def still_processing(item: PickedMediaItem, cfg: DownloadConfig) -> bool:
    """A video wanted (videos are on) that Google has not finished processing: listed again later."""
    return cfg.videos and item.type is MediaType.VIDEO and item.video_status == "PROCESSING"


def plan_fetch(
    item: PickedMediaItem, screen: tuple[int, int], cfg: DownloadConfig, *, posters: bool = False
) -> tuple[str, str, str | None] | None:
    """(spec, kind, poster spec) to fetch ``item`` with, or None when it is not something we keep.

    A video comes with its poster: the ``=wW-hH`` picture of it at screen size, kept beside it. With
    ``posters`` (the session's last listing), a video still processing is kept as that picture alone: a still.
    """
    if not item.base_url:
        return None
    width, height = screen
    screen_spec = f"w{width}-h{height}"
    if item.type is MediaType.VIDEO:
        if cfg.videos and item.video_status == "READY":
            return "dv", "video", screen_spec
        if posters and still_processing(item, cfg):
            return screen_spec, "photo", None
        return None
    if item.type is MediaType.UNSPECIFIED and not item.mime_type.lower().startswith("image/"):
        return None
    if cfg.original:
        return "d", "photo", None
    return screen_spec, "photo", None
