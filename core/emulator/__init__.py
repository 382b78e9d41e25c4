"""A stand-in for Google on loopback: OAuth device grant, tokens, revoke, Photos Picker API and media bytes.

    from core.emulator import Emulator, Person, Fault
    with Emulator(clock=fake_clock.now, person=Person(pick_count=5)) as emu:
        emu.url   # both auth_url and picker_url

Modules: server (Emulator, routing, HTTP), oauth (device grant, tokens), picker (sessions, items, media
URLs), photos (the synthetic library), media (spec parsing, byte helpers), person (the scripted person),
faults, record (observation), wire (reply and error shapes), state (settings and run-time knobs), cli.
Every rule that takes time reads the injected ``clock``; nothing runs in the background but the server.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.emulator.faults import Fault
    from core.emulator.person import Person
    from core.emulator.photos import LibraryItem
    from core.emulator.record import Recorded
    from core.emulator.server import Emulator
    from core.emulator.state import PICKER_SCOPE

__all__ = ["PICKER_SCOPE", "Emulator", "Fault", "LibraryItem", "Person", "Recorded"]

# Loaded on first use: `picker-kiosk` imports the package for its `emulator` flags on every start, and the
# server with its synthetic library would add to the time before the first QR code is on screen.
_HOME = {
    "Fault": "faults",
    "Person": "person",
    "LibraryItem": "photos",
    "Recorded": "record",
    "Emulator": "server",
    "PICKER_SCOPE": "state",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
