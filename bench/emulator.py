"""`python -m bench.emulator SETTINGS_JSON`: the emulator in its own process, so its CPU is not the measured one's.

It prints one JSON line when ready (``url``, and ``token``: a granted token answer), then serves until its
stdin closes. A line ``requests`` on stdin prints one JSON line listing every request it received so far.
``warm`` (a media spec such as "w1920-h1080") renders every photo at that size before ready, so the first
timed download does not pay for drawing the pictures.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from typing import Any

from core.emulator import Emulator, Person


def _requests(emu: Emulator) -> list[dict[str, Any]]:
    return [
        {"time": r.time, "wall": r.wall, "method": r.method, "path": r.path, "endpoint": r.endpoint, "status": r.status}
        for r in emu.requests
    ]


def main(argv: list[str]) -> int:
    settings: dict[str, Any] = json.loads(argv[1]) if len(argv) > 1 else {}
    person = Person(**settings.pop("person", {}))
    warm = settings.pop("warm", None)
    emu = Emulator(person=person, **settings)
    if warm:
        for item in emu.items:
            if item.type == "PHOTO":
                emu.rendition_bytes(item.id, warm)
    emu.start()
    ready = {"url": emu.url, "token": emu.grant_token(), "person": asdict(person), "monotonic": time.monotonic()}
    print(json.dumps(ready), flush=True)
    try:
        for line in sys.stdin:
            if line.strip() == "requests":
                print(json.dumps(_requests(emu)), flush=True)
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
