"""Headless renderer: the journey in a terminal — QR codes as text, a countdown, a progress bar, a summary."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from typing import TextIO

from core.library import Photo
from core.states import State, UserAction
from device.ui.scenes import scene_for

# Without a terminal (a log file, journald) the countdown is printed at most this often.
_QUIET_EVERY = 60.0


class Terminal:
    """Prints each new screen once and keeps a live status line under it when stdout is a terminal."""

    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out or sys.stdout
        self._tty = self._out.isatty()
        self._shown: object = None
        self._status = ""
        self._last_quiet = -1e18

    def open(self) -> str:
        return "terminal"

    def close(self) -> None:
        self._end_status()

    def handle_events(self) -> list[UserAction]:
        return []

    def next_wake(self, now: float) -> float:
        return 1.0

    def show(self, state: State, now: float, photos: Sequence[Photo]) -> None:
        scene = scene_for(state)
        key = scene.terminal_key(state)
        if key != self._shown:
            self._shown = key
            self._last_quiet = -1e18
            for line in scene.terminal_lines(state, self._tty):
                self._print(line)
        status = scene.terminal_status(state, now)
        if status is not None:
            self._set_status(status, now)

    def _print(self, text: str = "") -> None:
        self._end_status()
        self._out.write(text + "\n")
        self._out.flush()

    def _end_status(self) -> None:
        if self._status and self._tty:
            self._out.write("\n")
            self._out.flush()
        self._status = ""

    def _set_status(self, text: str, now: float) -> None:
        if text == self._status:
            return
        if self._tty:
            width = shutil.get_terminal_size((80, 24)).columns - 1
            self._out.write("\r\x1b[K" + text[:width])
            self._out.flush()
            self._status = text
        elif now - self._last_quiet >= _QUIET_EVERY:
            self._out.write(text + "\n")
            self._out.flush()
            self._last_quiet = now
