"""The terminal renderer in a real (tmux) terminal at 80×24 and 200×60: the title stays at the top, the status
line keeps the bottom row with no log record glued onto it, and each QR code decodes from the captured text,
or the screen says it does not fit and gives the link whole instead."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT
from tests.test_terminal import _decode_text_qr

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

GOOGLE_DEVICE = "https://www.google.com/device"
PICKER = "https://photos.google.com/picker/AF1QipNnZx7kTq2hWl0cD9vR3sYb8uJm4eKa6oPiG5fLt1XwQyHzVd0BcE2nMr3s"
SCRIPT = f"""
import logging, sys, threading, time
from core.states import Choose, Connect
from device import logs
from device.ui.terminal import Terminal
logs.setup()
which, ready = sys.argv[1], sys.argv[2]
states = {{
    "connect": Connect({GOOGLE_DEVICE!r}, {GOOGLE_DEVICE!r}, "HJGK-GVDV", 1800.0, 5, 5),
    "choose": Choose("s", {PICKER!r}, "frame.owner.grandparents@family-mail.com", 1795.0, 5, 5),
}}
terminal = Terminal(sys.stdout)
terminal.open()
log = logging.getLogger("device.loop")
for second in range(4):
    terminal.show(states[which], float(second), [])
    worker = threading.Thread(target=log.info, args=("drawn: %s, second %d", which, second))
    worker.start()
    worker.join()
open(ready, "w").write("ready")
time.sleep(120)
"""


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[list[str]]:
    """tmux with a server of this test's own (its own socket, no config file): one test's server shutting
    down when its last session ends cannot take the next test's new session with it ("server exited
    unexpectedly", seen once in CI when they shared the default server)."""
    command = ["tmux", "-S", str(tmp_path / "tmux.sock"), "-f", os.devnull]
    yield command
    subprocess.run([*command, "kill-server"], capture_output=True, check=False)


def run_in_tmux(tmux: list[str], tmp_path: Path, which: str, size: tuple[int, int]) -> list[str]:
    script = tmp_path / "show.py"
    script.write_text(SCRIPT)
    ready = tmp_path / "ready"
    command = f"cd {ROOT} && {sys.executable} {script} {which} {ready}"
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", "pk", "-x", str(size[0]), "-y", str(size[1]), command], check=True
    )
    deadline = time.monotonic() + 30
    while not ready.exists():
        assert time.monotonic() < deadline, "the terminal never finished drawing"
        time.sleep(0.05)
    captured = subprocess.run([*tmux, "capture-pane", "-p", "-t", "pk"], capture_output=True, text=True, check=True)
    rows = captured.stdout.split("\n")[: size[1]]
    assert len(rows) == size[1]
    return rows


def qr_rows(rows: list[str]) -> list[str]:
    block = [row[2:] for row in rows[1:] if row.startswith("  ") and set(row[2:]) <= set("█▀▄ ") and row.strip()]
    width = max(len(row) for row in block)
    return [row.ljust(width) for row in block]


@pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=["80x24", "200x60"])
@pytest.mark.parametrize("which", ["connect", "choose"])
def test_screen_in_a_real_terminal(tmux: list[str], tmp_path: Path, which: str, size: tuple[int, int]) -> None:
    rows = run_in_tmux(tmux, tmp_path, which, size)
    title = {"connect": ("Scan to connect", "Connect this frame"), "choose": ("Scan to choose photos", "Choose photos")}
    assert rows[0] in title[which], f"the title is not at the top: {rows[0]!r}"
    status = {"connect": "Waiting for you to sign in… code expires in 29:57", "choose": "Waiting for your picks…"}
    assert rows[-1].startswith(status[which]) and "INFO" not in rows[-1], f"status line: {rows[-1]!r}"
    logged = [row for row in rows if "INFO device.loop: drawn:" in row]
    assert len(logged) >= 1 and all(row.endswith(("second 0", "second 1", "second 2", "second 3")) for row in logged)
    assert rows.index(logged[-1]) == len(rows) - 2, "the newest record is just above the status line"
    link = GOOGLE_DEVICE if which == "connect" else PICKER
    if rows[0].startswith("Scan"):
        assert _decode_text_qr(qr_rows(rows)) == link
    else:
        assert any("too small for the QR code" in row for row in rows)
        assert link in "".join(rows), "the link is given whole instead"
    if size == (200, 60):
        assert rows[0].startswith("Scan"), "a 200×60 terminal has room for every QR code"
    if size == (80, 24) and which == "choose":
        assert rows[0] == "Choose photos", "a 25-row QR code cannot fit 24 rows with its title and status"
