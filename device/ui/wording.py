"""The words both renderers put on screen that are computed, not fixed: countdowns, dates, counts (links as
read are core.flow.wording.display_url, which the flow shares)."""

from __future__ import annotations

import math
from datetime import datetime

HOURS_FROM = 90 * 60  # countdowns longer than this show hours
MINUTES_FROM = 120  # ... longer than this, minutes; below, minutes and seconds


def countdown(seconds: float) -> str:
    """'2 h', then '29 min' while minutes matter, then '1:45', then '12 s': calm from afar, exact near the end."""
    s = math.ceil(max(0.0, seconds))
    if s > HOURS_FROM:
        return f"{math.ceil(s / 3600)} h"
    if s > MINUTES_FROM:
        return f"{math.ceil(s / 60)} min"
    if s >= 60:
        return f"{s // 60}:{s % 60:02d}"
    return f"{s} s"


def countdown_changes_in(seconds: float) -> float | None:
    """How long until countdown(seconds) shows something else; None once it shows 0."""
    if seconds <= 0:
        return None
    if seconds > HOURS_FROM:
        boundary = max(float(HOURS_FROM), 3600.0 * (math.ceil(seconds / 3600) - 1))
    elif seconds > MINUTES_FROM:
        boundary = max(float(MINUTES_FROM), 60.0 * (math.ceil(seconds / 60) - 1))
    else:
        boundary = math.ceil(seconds) - 1.0
    return seconds - boundary


def clock_time(seconds: float) -> str:
    """``12:05``: minutes and seconds, as the terminal's status line counts down."""
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def caption_for(created: datetime | None) -> str | None:
    """The date under a photo, in the device's time zone: '1 May 2023'."""
    if created is None:
        return None
    local = created.astimezone()
    return f"{local.day} {local:%B %Y}"


def photo_count(count: int) -> str:
    """``1 photo`` / ``12 photos``."""
    return f"{count} photo{'s' if count != 1 else ''}"


def progress_bar(done: int, total: int, width: int = 30) -> str:
    """``[#########.............]  37 of 120``."""
    if total <= 0:
        return "[" + "." * width + "]  counting…"
    filled = min(width, round(width * done / total))
    return f"[{'#' * filled}{'.' * (width - filled)}]  {done} of {total}"


def download_notes(failed: int, skipped: int) -> list[str]:
    """What the download screen says about photos it could not get and videos it leaves out."""
    notes = []
    if failed:
        noun = "photo" if failed == 1 else "photos"
        notes.append(f"{failed} {noun} could not be downloaded and will be skipped.")
    if skipped:
        noun = "video" if skipped == 1 else "videos"
        notes.append(f"{skipped} {noun} skipped: not ready at Google, or videos are off.")
    return notes
