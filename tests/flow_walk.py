"""A walk through the pure flow for tests: feeds events at chosen times and collects every effect."""

from __future__ import annotations

from core import flow

T0 = 1000.0


class Walk:
    """Feeds events to ``machine`` at chosen times (from ``T0``) and collects every effect."""

    def __init__(self, machine: flow.Machine) -> None:
        self.m = machine
        self.effects: list[flow.Effect] = []
        self.now = T0

    def send(self, event: flow.Event, at: float | None = None) -> list[flow.Effect]:
        if at is not None:
            self.now = at
        self.m, out = flow.step(self.m, event, self.now)
        self.effects.extend(out)
        return out

    def tick(self, at: float) -> list[flow.Effect]:
        return self.send(flow.Tick(), at)

    def deletes(self) -> list[str]:
        """The sessions deleted so far, in order."""
        return [e.session_id for e in self.effects if isinstance(e, flow.DeleteSession)]

    def deleted(self) -> set[str]:
        return set(self.deletes())
