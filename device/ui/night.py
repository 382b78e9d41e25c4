"""Whether the slideshow is dark now: the night schedule, unless the person (or the phone) woke the frame, which
keeps it awake until that night is over. No pygame; the time of day is handed in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from core.schedule import Schedule


class Night:
    """The schedule, and the one night the frame was woken in (it sleeps again the next night)."""

    def __init__(self, schedule: Schedule, wall: Callable[[], datetime]) -> None:
        self._schedule = schedule
        self._wall = wall
        self._woken: tuple[datetime, datetime] | None = None

    @property
    def enabled(self) -> bool:
        return self._schedule.enabled

    def asleep(self) -> bool:
        if not self._schedule.enabled:
            return False
        window = self._schedule.window_at(self._wall())
        if window is None:
            self._woken = None
        return window is not None and window != self._woken

    def wake(self) -> None:
        """Awake until the end of this night (nothing to do in the day)."""
        if self._schedule.enabled:
            self._woken = self._schedule.window_at(self._wall())

    def changes_in(self) -> float | None:
        """Seconds until the frame sleeps or wakes by the clock; None: never."""
        if not self._schedule.enabled:
            return None
        now = self._wall()
        change = self._schedule.next_change(now)
        return None if change is None else max(0.0, (change - now).total_seconds())
