"""Injectable time: the real monotonic/wall clocks and a fake one that tests advance by hand."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import field

from core.record import mutable_record, record

Now = Callable[[], float]
Sleep = Callable[[float], None]


@record
class Clock:
    """A pair of functions: ``now()`` in seconds (monotonic), ``sleep(seconds)``."""

    now: Now = time.monotonic
    sleep: Sleep = time.sleep


REAL = Clock()


@mutable_record
class FakeClock:
    """A clock that only moves when slept on or advanced; safe to share between threads.

    ``sleep`` advances time instantly, so a 30-minute timeout takes microseconds in a test.
    """

    t: float = 1_000_000.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def now(self) -> float:
        with self._lock:
            return self.t

    def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.t += seconds

    def clock(self) -> Clock:
        return Clock(now=self.now, sleep=self.sleep)
