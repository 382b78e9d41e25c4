"""The slideshow's clock and date, in the locale's words (stdlib ``locale`` and ``time.strftime``; no pygame).

``[slideshow] locale`` names the locale ("de_DE.UTF-8"); "" takes it from the environment (LC_ALL, LC_TIME,
LANG). A locale that is not installed falls back to the C locale, with one log line. The locale is set for
LC_TIME only, once, when the screen opens: the kiosk is one process with one language.
"""

from __future__ import annotations

import locale
import logging
import time
from datetime import datetime

log = logging.getLogger(__name__)

_TWELVE_HOUR_PROBE = (2000, 1, 1, 15, 0, 0, 5, 1, -1)  # 15:00: a 12-hour locale writes 3 and PM


def use_locale(name: str) -> str:
    """Set LC_TIME to ``name`` ("" = from the environment); the locale in use."""
    try:
        return locale.setlocale(locale.LC_TIME, name)
    except locale.Error:
        log.warning("clock: the locale %r is not installed; dates are in English (C locale)", name or "from $LANG")
        return locale.setlocale(locale.LC_TIME, "C")


def _twelve_hour() -> bool:
    """The locale writes its time with AM/PM (from its own ``%X``)."""
    text = time.strftime("%X", _TWELVE_HOUR_PROBE)
    return "15" not in text and bool(time.strftime("%p", _TWELVE_HOUR_PROBE).strip())


def time_text(now: datetime) -> str:
    """Hours and minutes as the locale writes them ("15:04", or "3:04 PM")."""
    if _twelve_hour():
        return now.strftime("%I:%M %p").lstrip("0")
    return now.strftime("%H:%M")


def date_text(now: datetime) -> str:
    """The weekday, day and month in the locale's words ("Tuesday 1 December")."""
    return f"{now.strftime('%A')} {now.day} {now.strftime('%B')}"


def next_minute_in(now: datetime) -> float:
    """Seconds until the clock's text changes."""
    return 60.0 - now.second - now.microsecond / 1e6
