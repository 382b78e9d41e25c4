"""Thumbnails while downloading: the newest arrivals, decoded one at a time on the decode worker."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future

import pygame

from core.library import Photo, PhotoList
from device.ui.compose import compose_thumb
from device.ui.decode import Worker, to_surface

log = logging.getLogger(__name__)

THUMB_REFRESH = 1.0  # once the row of thumbnails is full, a new one at most this often
POLL = 0.1  # how often the loop looks for a finished decode when it has nothing else to do


class Thumbs:
    """Square thumbnails of the photos that arrive while this screen is up, newest last; at most ``limit``.

    The library lists photos by date taken, not by arrival, so arrivals are told apart from the photos
    that were already there when the screen appeared. One thumbnail is decoded at a time, and once the row
    is full a new one replaces the oldest at most every ``THUMB_REFRESH`` seconds: decoding every arrival
    of a 2,000-photo download would make the download wait on the CPU of a Pi.
    """

    def __init__(self, worker: Worker, now: Callable[[], float] | None = None) -> None:
        import time

        self._worker = worker
        self._now = now or time.monotonic
        self._known: set[str] | None = None  # ids present before (or already counted as arrived)
        self._waiting: list[Photo] = []  # arrivals not decoded yet, newest last (at most ``limit``)
        self._row: list[str] = []  # ids shown, in arrival order
        self._ready: dict[str, pygame.Surface] = {}
        self._pending: dict[str, Future[bytes]] = {}
        self._last_submit = -1e18
        self._side = 0
        self.version = 0  # changes whenever the row of ready thumbnails changes

    @property
    def busy(self) -> bool:
        return bool(self._pending) or bool(self._waiting)

    @property
    def active(self) -> bool:
        return self._known is not None

    def clear(self) -> None:
        for future in self._pending.values():
            future.cancel()
        self._pending.clear()
        self._ready.clear()
        self._waiting.clear()
        self._row.clear()
        self._known = None
        self.version += 1

    def update(self, photos: Sequence[Photo], limit: int, side: int) -> None:
        if side != self._side:
            self.clear()
            self._side = side
        # The ids alone: the library's packed list makes a Photo only for an arrival.
        ids = photos.ids if isinstance(photos, PhotoList) else [p.id for p in photos]
        if self._known is None:
            self._known = set(ids)
        elif len(photos) > len(self._known):  # only arrivals can make the list longer
            for at, pid in enumerate(ids):
                if pid not in self._known:
                    self._known.add(pid)
                    self._waiting.append(photos[at])
            del self._waiting[:-limit]
        for pid in [pid for pid, f in self._pending.items() if f.done()]:
            future = self._pending.pop(pid)
            if future.cancelled():
                continue
            try:
                data = future.result()
            except Exception as exc:
                log.warning("screen: no thumbnail for photo %s: it cannot be decoded (%s)", pid, exc)
                continue
            self._ready[pid] = to_surface(data, (side, side))
            self._row.append(pid)
            for old in self._row[:-limit]:
                self._ready.pop(old, None)
            del self._row[:-limit]
            self.version += 1
        now = self._now()
        full = len(self._row) >= limit
        if self._waiting and not self._pending and (not full or now - self._last_submit >= THUMB_REFRESH):
            photo = self._waiting.pop(0) if not full else self._waiting.pop()
            if full:
                self._waiting.clear()  # a full row only ever shows the newest arrival next
            self._pending[photo.id] = self._worker.submit(compose_thumb, photo.path, side)
            self._last_submit = now

    def next_wake(self, now: float) -> float | None:
        """When update() has something to do: a decode to collect, or the next arrival's turn."""
        if self._pending:
            return POLL
        if self._waiting:
            return max(POLL, self._last_submit + THUMB_REFRESH - now)
        return None

    def shown(self) -> list[pygame.Surface]:
        """The ready thumbnails, in the order their photos arrived."""
        return [self._ready[pid] for pid in self._row if pid in self._ready]
