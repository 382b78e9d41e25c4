"""The night: when the frame sleeps, from ``[schedule] sleep``. Pure: the time of day is always handed in.

``sleep = "22:30-07:00"`` is every night; ``sleep = { fri = "23:30-08:30", sat = "23:30-09:00" }`` names the
nights that differ, and ``default`` (or a plain string) the others; ``""`` or ``"off"`` is a night awake. A
night belongs to the day it starts on: ``fri = "23:30-08:30"`` ends on Saturday morning. A window whose end
is not after its start runs past midnight; one that ends when it starts is refused.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, time, timedelta

from core.errors import ConfigError
from core.record import record

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@record
class Window:
    """One night: from ``start`` on its day to ``end`` (the next morning when ``end <= start``)."""

    start: time
    end: time

    def span(self, day: datetime) -> tuple[datetime, datetime]:
        """The window's start and end for the night starting on ``day``'s date."""
        begin = datetime.combine(day.date(), self.start, tzinfo=day.tzinfo)
        finish = datetime.combine(day.date(), self.end, tzinfo=day.tzinfo)
        if finish <= begin:
            finish += timedelta(days=1)
        return begin, finish


@record
class Schedule:
    """The window of each weekday (Monday first; None: awake that night)."""

    nights: tuple[Window | None, ...] = (None,) * 7

    @property
    def enabled(self) -> bool:
        return any(self.nights)

    def _spans(self, now: datetime) -> list[tuple[datetime, datetime]]:
        """The windows that started yesterday, start today or tomorrow, in order."""
        spans = []
        for offset in (-1, 0, 1):
            day = now + timedelta(days=offset)
            window = self.nights[day.weekday()]
            if window is not None:
                spans.append(window.span(day))
        return spans

    def asleep(self, now: datetime) -> bool:
        """The frame should be dark at ``now``."""
        return self.window_at(now) is not None

    def window_at(self, now: datetime) -> tuple[datetime, datetime] | None:
        """The start and end of the night ``now`` is in, or None in the day."""
        return next(((a, b) for a, b in self._spans(now) if a <= now < b), None)

    def next_change(self, now: datetime) -> datetime | None:
        """When ``asleep`` next changes (None: never, the schedule is off)."""
        window = self.window_at(now)
        if window is not None:
            return window[1]
        starts = [a for a, _b in self._spans(now) if a > now]
        if starts:
            return min(starts)
        for offset in range(2, 9):
            day = now + timedelta(days=offset)
            night = self.nights[day.weekday()]
            if night is not None:
                return night.span(day)[0]
        return None


def parse_window(text: str, key: str) -> Window | None:
    """``"22:30-07:00"`` (or ``""``/``"off"``: None), refusing anything else by ``key``."""
    if text.strip().lower() in ("", "off"):
        return None
    match = _WINDOW.match(text)
    if match is None:
        raise ConfigError(f'{key} must look like "22:30-07:00" (or "off"), not {text!r}.')
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if not (h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60):
        raise ConfigError(f"{key}: hours run 0-23 and minutes 0-59, not {text!r}.")
    if (h1, m1) == (h2, m2):
        raise ConfigError(f"{key}: a night must end at another time than it starts, not {text!r}.")
    return Window(time(h1, m1), time(h2, m2))


def parse_schedule(value: object, key: str = "schedule.sleep") -> Schedule:
    """``[schedule] sleep``: a string for every night, or a table of weekdays (and ``default``)."""
    if isinstance(value, str):
        night = parse_window(value, key)
        return Schedule((night,) * 7)
    if isinstance(value, Mapping):
        unknown = [k for k in value if k not in (*DAYS, "default")]
        if unknown:
            raise ConfigError(f"{key} knows the days {', '.join(DAYS)} and default, not {unknown[0]!r}.")
        for k, v in value.items():
            if not isinstance(v, str):
                raise ConfigError(f'{key}.{k} must be a string like "22:30-07:00", not {v!r}.')
        default = parse_window(str(value.get("default", "")), f"{key}.default")
        return Schedule(tuple(parse_window(value[d], f"{key}.{d}") if d in value else default for d in DAYS))
    raise ConfigError(f'{key} must be a string like "22:30-07:00" or a table of weekdays, not {value!r}.')


def window_text(window: Window | None) -> str:
    return "off" if window is None else f"{window.start:%H:%M}-{window.end:%H:%M}"


def schedule_text(schedule: Schedule) -> str:
    """The schedule in one line, as the phone page shows it: ``"22:30-07:00"`` (every night), ``"off"``, or the
    nights that differ after the most common one: ``"default=22:30-07:00, fri=23:30-08:30, sat=off"``."""
    counts = Counter(schedule.nights)
    common = max(counts, key=lambda w: (counts[w], w is not None))
    if counts[common] == len(DAYS):
        return window_text(common)
    others = [f"{day}={window_text(w)}" for day, w in zip(DAYS, schedule.nights, strict=True) if w != common]
    return ", ".join([f"default={window_text(common)}", *others])


def parse_schedule_text(text: str, key: str) -> Schedule:
    """schedule_text's line back into a schedule, by the config's rules (parse_schedule): one window (or
    ``"off"``) for every night, or comma-separated ``day=window`` entries (and ``default=``)."""
    if "=" not in text:
        return parse_schedule(text, key)
    table: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        name, sep, value = part.partition("=")
        name = name.strip().lower()
        if not part:
            continue
        if not sep:
            raise ConfigError(f'{key}: {part!r} is not day=time, like "fri=23:30-08:30".')
        if name in table:
            raise ConfigError(f"{key} names {name!r} twice.")
        table[name] = value.strip()
    return parse_schedule(table, key)
