"""The journey's one entry point: ``step(machine, event, now)``, one exhaustive ``match`` over the events.

Nothing here does I/O or reads a clock. ``mypy --strict`` fails on an event type without a ``case``: a new
event cannot be ignored by accident. The machine's fields are in memory.py; the handlers in handlers.py and,
for failures and ticks, recovery.py.
"""

from __future__ import annotations

from typing import assert_never

from core.flow import handlers, phone, recovery
from core.flow.effects import DeleteSession, Effect
from core.flow.events import (
    Action,
    Boot,
    CodeIssued,
    DownloadFinished,
    Event,
    Failed,
    PairingOpened,
    PhonePaired,
    PhonePairingOpened,
    Progress,
    SessionCreated,
    SessionDeleted,
    SessionPolled,
    Shutdown,
    SignedIn,
    SignedOutDone,
    Tick,
    TokenPending,
)
from core.flow.memory import ActiveSession, DeleteRetry, Exit, Machine

__all__ = ["ActiveSession", "DeleteRetry", "Exit", "Machine", "step"]


def step(m: Machine, event: Event, now: float) -> tuple[Machine, list[Effect]]:
    """Advance the journey by one event."""
    m, effects = _step(m, event, now)
    return phone.settle(m, now), effects


def _step(m: Machine, event: Event, now: float) -> tuple[Machine, list[Effect]]:
    if m.exit is not None:
        return m, []
    if m.failing is not None and not _matters_while_failing(event):
        return m, []  # giving up: only the deletes still matter
    match event:
        case Boot():
            return handlers.on_boot(m, event)
        case CodeIssued():
            return handlers.on_code(m, event, now)
        case TokenPending():
            return handlers.on_pending(m, event, now)
        case PairingOpened():
            return handlers.on_pairing(m, event, now)
        case PhonePairingOpened():
            return phone.on_opened(m, event, now)
        case PhonePaired():
            return phone.hide(m), []
        case SignedIn():
            return handlers.on_signed_in(m, event)
        case SessionCreated():
            return handlers.on_created(m, event, now)
        case SessionPolled():
            return handlers.on_polled(m, event, now)
        case Progress():
            return handlers.on_progress(m, event)
        case DownloadFinished():
            return handlers.on_finished(m, event, now)
        case SessionDeleted():
            return handlers.on_deleted(m, event)
        case SignedOutDone():
            return handlers.on_signed_out(m, event, now)
        case Action():
            return handlers.on_action(m, event, now)
        case Shutdown():
            return handlers.on_shutdown(m)
        case Failed():
            return recovery.on_failed(m, event, now)
        case Tick():
            return recovery.on_tick(m, now)
        case _:
            assert_never(event)


def _matters_while_failing(event: Event) -> bool:
    """Once mode gave up: the deletes (their answers, and ticks that send them again) and a shutdown go on."""
    if isinstance(event, Failed):
        return isinstance(event.effect, DeleteSession)
    return isinstance(event, SessionDeleted | Tick | Shutdown)
