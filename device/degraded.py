"""While the library is degraded (a full or read-only disk), try to open it for writing again every few minutes.

A frame hook of the main loop: it only looks at the time; the reopen itself (disk I/O, the start-up check)
runs on a short-lived worker thread, never on the render thread. When the library is writable again, a fresh
``Boot`` goes to the machine, which drops the notice and resumes what was left (an unfinished download).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from core import flow
from core.library import Library
from core.states import State

log = logging.getLogger(__name__)

RETRY_EVERY = 180.0  # seconds between tries: a freed disk is used again within 3 minutes


class WritableAgain:
    """The frame hook (``after_frame``); never asks the loop to stop."""

    def __init__(
        self,
        library: Library,
        boot: Callable[[], flow.Boot],
        post: Callable[[flow.Event], None],
        *,
        every: float = RETRY_EVERY,
    ) -> None:
        self._library = library
        self._boot = boot
        self._post = post
        self._every = every
        self._next: float | None = None
        self._worker: threading.Thread | None = None
        self.tries = 0

    def __call__(self, state: State, now: float) -> bool:
        if self._library.degraded is None or (self._worker is not None and self._worker.is_alive()):
            return False
        if self._next is None:
            self._next = now + self._every
        if now < self._next:
            return False
        self._next = now + self._every
        self._worker = threading.Thread(target=self._try, name="library-reopen", daemon=True)
        self._worker.start()
        return False

    def _try(self) -> None:
        self.tries += 1
        try:
            writable = self._library.reopen()
        except Exception:  # a bug must not end the slideshow: log it, try again later
            log.exception("reopening the photo library failed")
            return
        if writable:
            self._post(self._boot())

    def join(self, timeout: float | None = None) -> None:
        worker = self._worker
        if worker is not None:
            worker.join(timeout)
