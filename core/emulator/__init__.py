"""A stand-in for Google on loopback: both sign-in flows, tokens, revoke, Photos Picker API and media bytes.

    from core.emulator import Emulator, Person, Fault
    with Emulator(clock=fake_clock.now, person=Person(pick_count=5)) as emu:
        emu.url   # auth_url, picker_url, and authorize_url = emu.url + "/o/oauth2/v2/auth"

Endpoints (fault/record names in brackets): POST /device/code [device_code]; POST /token with the device
grant [token], ``authorization_code`` [exchange] or ``refresh_token`` [refresh]; GET/POST /o/oauth2/v2/auth,
the consent page of the authorization-code + PKCE flow [authorize] (see ``consent`` for every rule);
POST /revoke [revoke]; the Picker API under /v1 [sessions.create/get/delete, mediaItems.list]; /media/…
[media]. Clients: ``client_id``/``client_secret`` (TV type) and ``desktop_client_id``/``_secret`` (Desktop
app); None accepts any. Switches: ``refuse_scope`` (the device grant refuses the Picker scope, 400
invalid_scope), ``wrong_client_type`` (/device/code answers 401 invalid_client); ``Person`` says how the
person answers both flows. Observe with ``requests``, ``violations``, ``auth_codes_issued``, ….

Modules: server (Emulator, serving), routes (endpoint names), knobs (run-time switches), oauth (device
grant, tokens, clients), consent (authorization code + PKCE), picker (sessions, items, media URLs), photos
(PhotoCatalog, the synthetic photo library), media (spec parsing, byte helpers), person (the scripted
person), faults (and their command-line syntax), record (observation), wire (reply and error shapes), state
(settings and world), httpd (HTTP plumbing), cli.
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
# server with its synthetic photo catalog would add to the time before the first QR code is on screen.
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
