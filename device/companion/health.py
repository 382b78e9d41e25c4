"""doctor's summary for the phone page: computed in the background when the companion starts and when a phone
asks ("Check"), never on a poll of the page."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

log = logging.getLogger("picker-kiosk.companion")


class CheckResult(Protocol):
    """One of doctor's checks (device.doctor.Check)."""

    @property
    def name(self) -> str: ...
    @property
    def ok(self) -> bool: ...
    @property
    def detail(self) -> str: ...


Checks = Callable[[], tuple[bool, Sequence[CheckResult]]]


class Health:
    """The last check-up's summary; ``start`` runs one on a thread of its own unless one is running."""

    def __init__(self, checks: Checks) -> None:
        self._checks = checks
        self._lock = threading.Lock()
        self._running: threading.Thread | None = None
        self._summary = "Not checked yet."
        self._stopping = False
        self.runs = 0  # check-ups finished (for the tests: a page poll never starts one)

    def start(self) -> None:
        with self._lock:
            if self._running is not None:
                return
            self._summary = "Checking…"
            self._running = threading.Thread(target=self._run, name="companion-doctor", daemon=True)
            self._running.start()

    def stop(self) -> None:
        """The frame is stopping: a check-up cut short by it (its network, its interpreter going) is no bug."""
        with self._lock:
            self._stopping = True

    def summary(self) -> str:
        with self._lock:
            return self._summary

    def wait(self, timeout: float) -> bool:
        """Until the check-up running (if any) is over; False when it still runs after ``timeout``."""
        with self._lock:
            running = self._running
        if running is not None:
            running.join(timeout)
            return not running.is_alive()
        return True

    def _run(self) -> None:
        try:
            ok, checks = self._checks()
            failed = [f"{c.name}: {c.detail}" for c in checks if not c.ok]
            summary = "Everything needed is in place." if ok else "Needs fixing — " + "; ".join(failed)
        except Exception as exc:  # a bug in a check must not take the companion down
            with self._lock:
                stopping = self._stopping
            if stopping:
                log.info("companion: the check-up was cut short: the frame is stopping (%s)", type(exc).__name__)
            else:
                log.exception("companion: the check-up failed")
            summary = "The check-up could not run (see the frame's log)."
        with self._lock:
            self._summary = summary
            self._running = None
            self.runs += 1
