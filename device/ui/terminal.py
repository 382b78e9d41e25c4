"""Headless renderer: the journey in a terminal — QR codes as text, a countdown, a progress bar, a summary.

On a terminal each new screen is drawn from the top (so its title is always in view), the live status line
keeps the bottom row to itself, and log records scroll in the rows between (a scrolling region) instead of
landing on the status line: the logging handlers writing to this same terminal are pointed at it while it is
open. When the screen with its QR code does not fit, the scene is asked for its version without one, which
says why and gives the link as text.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TextIO

from core.library import Photo
from core.states import State, UserAction
from device.ui.scenes import scene_for

# Without a terminal (a log file, journald) the countdown is printed at most this often.
_QUIET_EVERY = 60.0
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
LOG_ROWS_MIN = 1  # a screen that leaves fewer rows than this for log records is shown without its QR code


def visible_width(line: str) -> int:
    return len(_ANSI.sub("", line))


def rows_needed(lines: Sequence[str], columns: int) -> int:
    """How many terminal rows ``lines`` take, long ones wrapping."""
    return sum(max(1, -(-visible_width(line) // max(1, columns))) for line in lines)


def _same_terminal(a: object, b: TextIO) -> bool:
    try:
        fa, fb = a.fileno(), b.fileno()  # type: ignore[attr-defined]
        return bool(os.isatty(fa) and os.isatty(fb) and os.path.samestat(os.fstat(fa), os.fstat(fb)))
    except (AttributeError, OSError, ValueError):
        return False


class _AboveStatus:
    """A stream for a logging handler: each record is written into the log rows, never onto the status line."""

    def __init__(self, terminal: Terminal) -> None:
        self._terminal = terminal

    def write(self, text: str) -> int:
        self._terminal.log_record(text)
        return len(text)

    def flush(self) -> None:
        pass


class Terminal:
    """Prints each new screen once and keeps a live status line under it when stdout is a terminal."""

    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out or sys.stdout
        self._tty = self._out.isatty()
        self._shown: object = None
        self._status = ""
        self._last_quiet = -1e18
        self._lock = threading.RLock()
        self._size = (80, 24)
        self._log_rows: tuple[int, int] | None = None  # first and last row (1-based) records scroll in
        self._handlers: list[tuple[logging.StreamHandler[TextIO], TextIO]] = []

    def open(self) -> str:
        if self._tty:
            for handler in logging.getLogger().handlers:
                if isinstance(handler, logging.StreamHandler) and _same_terminal(handler.stream, self._out):
                    old = handler.setStream(_AboveStatus(self))
                    if old is not None:
                        self._handlers.append((handler, old))
        return "terminal"

    def close(self) -> None:
        with self._lock:
            for handler, stream in self._handlers:
                handler.setStream(stream)
            self._handlers.clear()
            if self._tty and self._log_rows is not None:
                self._out.write(f"\x1b[r\x1b[{self._size[1]};1H")  # the whole terminal scrolls again
                self._log_rows = None
            self._end_status()

    def handle_events(self) -> list[UserAction]:
        return []

    def next_wake(self, now: float) -> float:
        return 1.0

    def show(self, state: State, now: float, photos: Sequence[Photo]) -> None:
        scene = scene_for(state)
        key = scene.terminal_key(state)
        with self._lock:
            if key != self._shown:
                self._shown = key
                self._last_quiet = -1e18
                if self._tty:
                    self._draw_screen(
                        scene.terminal_lines(state, True), lambda: scene.terminal_lines(state, True, qr=False)
                    )
                else:
                    for line in scene.terminal_lines(state, False):
                        self._print(line)
            status = scene.terminal_status(state, now)
            if status is not None:
                self._set_status(status, now)

    def log_record(self, text: str) -> None:
        """Write a log record where it belongs: the log rows (or above the status line) on a terminal."""
        with self._lock:
            text = text.rstrip("\n")
            rows = self._size[1]
            if self._log_rows is not None and self._log_rows[0] == self._log_rows[1]:
                # One row (a terminal cannot scroll a region that small): the newest record replaces the last.
                last = text.split("\n")[-1]
                self._out.write(f"\x1b[{self._log_rows[0]};1H\x1b[2K{self._fit(last)}\x1b[{rows};1H")
            elif self._log_rows is not None:
                # At the region's last row a newline scrolls only the region; then the status row is redrawn.
                self._out.write(f"\x1b[{self._log_rows[1]};1H\n{text}\x1b[{rows};1H\x1b[2K{self._fit(self._status)}")
            else:
                self._out.write(f"\r\x1b[2K{text}\n{self._fit(self._status)}")
            self._out.flush()

    # ------------------------------------------------------------ inside

    def _measure(self) -> tuple[int, int]:
        try:
            size = os.get_terminal_size(self._out.fileno())
            return (size.columns, size.lines)
        except (AttributeError, OSError, ValueError):
            return (80, 24)

    def _fit(self, text: str) -> str:
        return text[: max(1, self._size[0] - 1)]

    def _draw_screen(self, lines: list[str], without_qr: Callable[[], list[str]]) -> None:
        self._size = columns, rows = self._measure()
        self._status = ""  # the last screen's status line goes with it
        if rows_needed(lines, columns) + 1 + LOG_ROWS_MIN > rows or max(map(visible_width, lines), default=0) > columns:
            lines = without_qr()
        height = rows_needed(lines, columns)
        self._out.write("\x1b[r\x1b[2J\x1b[H" + "\n".join(lines))
        if height + 1 + LOG_ROWS_MIN <= rows:
            self._log_rows = (height + 1, rows - 1)
            if height + 1 < rows - 1:
                self._out.write(f"\x1b[{height + 1};{rows - 1}r")
        else:
            self._log_rows = None
            self._out.write("\n")
        self._out.write(f"\x1b[{rows};1H\x1b[2K{self._fit(self._status)}")
        self._out.flush()

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
            self._status = text
            self._out.write(f"\x1b[{self._size[1]};1H\x1b[2K" + self._fit(text))
            self._out.flush()
        elif now - self._last_quiet >= _QUIET_EVERY:
            self._out.write(text + "\n")
            self._out.flush()
            self._last_quiet = now
