"""Observation: every request the emulator received, and the protocol rules a client broke."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal

Bearer = Literal["valid", "invalid", "missing", "expired"]


@dataclass(frozen=True)
class Recorded:
    """One request as received: ``time`` on the emulator clock, ``wall`` real epoch seconds."""

    time: float
    wall: float
    method: str
    path: str
    query: dict[str, list[str]]
    endpoint: str
    bearer: Bearer
    status: int  # 0 when the connection was dropped without an answer


class Recorder:
    """Thread-safe lists of requests and violations; readers get snapshots."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[Recorded] = []
        self._violations: list[str] = []

    def request(self, rec: Recorded) -> None:
        with self._lock:
            self._requests.append(rec)

    def violation(self, text: str) -> None:
        with self._lock:
            self._violations.append(text)

    @property
    def requests(self) -> list[Recorded]:
        with self._lock:
            return list(self._requests)

    @property
    def violations(self) -> list[str]:
        with self._lock:
            return list(self._violations)
