"""A bound on one file's transfer: a photo that trickles must not hold a download slot for ever.

Over each window of ``window`` seconds (on the injected clock) a file must arrive at ``min_rate`` bytes a
second or more; one that does not is given up (SlowDownload) and counted as failed for this session. A
transfer that stops altogether is ended by the transport's read timeout; chunks are handed on as they
arrive (core.transport), so this check runs at least at every piece the server sends.
"""

from __future__ import annotations

from core.clock import Clock
from core.errors import SlowDownload


class Pace:
    """Counts one file's bytes as they arrive; ``add`` raises SlowDownload when a window was too slow."""

    def __init__(self, clock: Clock, min_rate: int, window: float) -> None:
        self._clock = clock
        self._min_rate = min_rate
        self._window = window
        self._since = clock.now()
        self._bytes = 0

    def add(self, received: int) -> None:
        if self._min_rate <= 0:
            return
        self._bytes += received
        now = self._clock.now()
        elapsed = now - self._since
        if elapsed < self._window:
            return
        rate = self._bytes / elapsed
        if rate < self._min_rate:
            raise SlowDownload(
                f"A photo arrived too slowly ({rate:.0f} bytes/s for {elapsed:.0f} s, under the "
                f"{self._min_rate} of download.min_rate); it was given up for now and is tried again next time."
            )
        self._since, self._bytes = now, 0
