"""What tests and benchmarks share to run the kiosk against an emulator: its command line and its config file."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# `picker-kiosk` from the source tree, under the interpreter that runs the caller.
KIOSK: tuple[str, ...] = (sys.executable, "-m", "device")


def write_config(
    folder: Path,
    url: str,
    *,
    client_id: str,
    client_secret: str,
    google: Mapping[str, Any] | None = None,
    **sections: Mapping[str, Any],
) -> Path:
    """``folder/config.toml`` for `picker-kiosk run` against the emulator at ``url``, state under ``folder/state``.

    ``google`` adds keys to the [google] table; ``sections`` are further tables, e.g. ``download={"workers": 4}``
    or ``**{"google.desktop": {...}}``. The phone companion is off unless a ``companion`` table is given (a test
    never serves on the machine's own network address).
    """
    sections.setdefault("companion", {"enabled": False})
    folder.mkdir(parents=True, exist_ok=True)
    state = folder / "state"
    lines = [
        "[google]",
        f"client_id = {json.dumps(client_id)}",
        f"client_secret = {json.dumps(client_secret)}",
        f"auth_url = {json.dumps(url)}",
        f"picker_url = {json.dumps(url)}",
        *(f"{key} = {json.dumps(value)}" for key, value in (google or {}).items()),
        "[storage]",
        f"state_dir = {json.dumps(str(state))}",
        f"library_dir = {json.dumps(str(state / 'library'))}",
    ]
    for name, values in sections.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n")
    return path
