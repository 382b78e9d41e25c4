"""Faults on demand: which requests to bend (by endpoint, with skip/times) and how."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any

ENDPOINTS = frozenset(
    {
        "device_code",
        "token",
        "refresh",
        "authorize",
        "exchange",
        "revoke",
        "sessions.create",
        "sessions.get",
        "sessions.delete",
        "mediaItems.list",
        "media",
        "*",
    }
)


@dataclass(frozen=True)
class Fault:
    """One way to misbehave for the next ``times`` matching requests, after letting ``skip`` through.

    ``status``/``google_status``/``error`` answer with an error instead of running the endpoint;
    ``garbage`` answers with these bytes instead; ``drop`` closes the connection without an answer;
    ``truncate`` runs the endpoint and sends half its body; ``latency`` waits real seconds first;
    ``retry_after`` adds that header to whatever is answered; ``trickle`` sends the body at that many bytes
    per second (one piece a second, real time). ``times=None`` means forever.
    """

    endpoint: str = "*"
    status: int | None = None
    google_status: str | None = None
    error: str | None = None
    latency: float = 0.0
    drop: bool = False
    truncate: bool = False
    garbage: bytes | None = None
    retry_after: int | float | str | None = None
    trickle: int | None = None
    times: int | None = 1
    skip: int = 0

    def __post_init__(self) -> None:
        if self.endpoint not in ENDPOINTS:
            raise ValueError(f"unknown fault endpoint {self.endpoint!r}; one of {sorted(ENDPOINTS)}")
        if self.times is not None and self.times < 0:
            raise ValueError("times must be >= 0 or None")
        if self.skip < 0:
            raise ValueError("skip must be >= 0")
        if self.trickle is not None and self.trickle <= 0:
            raise ValueError("trickle must be > 0 bytes per second")

    @property
    def answers_instead(self) -> bool:
        """True when the fault replaces the endpoint's answer (the endpoint does not run)."""
        return self.garbage is not None or any(v is not None for v in (self.status, self.google_status, self.error))


class _Armed:
    """A fault and how many matching requests it has seen/bent so far."""

    def __init__(self, fault: Fault) -> None:
        self.fault = fault
        self.skipped = 0
        self.applied = 0

    def exhausted(self) -> bool:
        return self.fault.times is not None and self.applied >= self.fault.times


class FaultSet:
    """The armed faults; ``take`` picks the first one that applies to a request and counts it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: list[_Armed] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._armed.append(_Armed(fault))

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()

    def take(self, endpoint: str) -> Fault | None:
        """The fault for one request to ``endpoint``, or None. Every matching fault counts the request."""
        chosen: Fault | None = None
        with self._lock:
            for armed in self._armed:
                f = armed.fault
                if f.endpoint not in ("*", endpoint) or armed.exhausted():
                    continue
                if armed.skipped < f.skip:
                    armed.skipped += 1
                    continue
                if chosen is None:
                    armed.applied += 1
                    chosen = f
            self._armed = [a for a in self._armed if not a.exhausted()]
        return chosen


FAULT_SYNTAX = f"""\
ENDPOINT:ITEM[,ITEM...], ENDPOINT one of: {", ".join(sorted(ENDPOINTS))} (* = any);
ITEM one of: NNN (answer this HTTP status), error=NAME (an OAuth error, e.g. invalid_grant),
google=STATUS (a Google status, e.g. UNAVAILABLE), drop (close the connection unanswered),
truncate (send half the body), trickle=BYTES_PER_S (send the body that slowly),
latency=SECONDS, retry-after=VALUE, times=N|forever (default 1), skip=N.
Examples: sessions.get:503,times=3  media:drop,skip=2  token:latency=1.5,times=forever  media:trickle=200
sessions.create:429,retry-after=30  refresh:error=invalid_grant,times=forever"""


def parse_fault(text: str) -> Fault:
    """A Fault from the command line's compact syntax (FAULT_SYNTAX); ValueError names what is wrong."""
    endpoint, colon, rest = text.partition(":")
    if not colon or not rest:
        raise ValueError(f"{text!r}: expected ENDPOINT:ITEM[,ITEM...]")
    fault = Fault(endpoint)
    for item in (part.strip() for part in rest.split(",")):
        try:
            fault = replace(fault, **_fault_item(item))
        except ValueError:
            raise ValueError(f"{text!r}: cannot read {item!r}") from None
    return fault


def _fault_item(item: str) -> dict[str, Any]:
    """The Fault fields one ITEM of FAULT_SYNTAX sets; ValueError when it is not one."""
    name, eq, value = item.partition("=")
    if not eq and name.isdigit() and 100 <= int(name) <= 599:
        return {"status": int(name)}
    if not eq and name in ("drop", "truncate"):
        return {name: True}
    if eq and value and name in ("error", "google", "retry-after"):
        return {{"error": "error", "google": "google_status", "retry-after": "retry_after"}[name]: value}
    if eq and name == "latency" and 0 <= float(value) < float("inf"):
        return {"latency": float(value)}
    if eq and name == "times":
        return {"times": None if value == "forever" else int(value)}
    if eq and name == "skip":
        return {"skip": int(value)}
    if eq and name == "trickle" and int(value) > 0:
        return {"trickle": int(value)}
    raise ValueError(item)
