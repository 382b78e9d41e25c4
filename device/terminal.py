"""Headless renderer: the journey in a terminal — QR codes as text, a countdown, a progress bar, a summary."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from typing import TextIO

import qrcode

from core.library import Photo
from core.states import (
    Choose,
    Connect,
    Downloading,
    Problem,
    SignedOut,
    Slideshow,
    Starting,
    State,
    UserAction,
)

# Dark modules black on a bright white background, set explicitly so the code scans on dark and light
# terminal themes alike (a light-on-dark QR code is inverted and many phone cameras refuse it).
_QR_COLOURS = "\x1b[30;107m"
_RESET = "\x1b[0m"
# Without a terminal (a log file, journald) the countdown is printed at most this often.
_QUIET_EVERY = 60.0


def qr_lines(data: str, *, colour: bool) -> list[str]:
    """``data`` as a QR code in half-block characters (two module rows per line), with a 4-module quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))
    lines = []
    for top, bottom in zip(matrix[0::2], matrix[1::2], strict=True):
        chars = []
        for t, b in zip(top, bottom, strict=True):
            chars.append("█" if t and b else "▀" if t else "▄" if b else " ")
        line = "".join(chars)
        lines.append(f"{_QR_COLOURS}{line}{_RESET}" if colour else line)
    return lines


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def progress_bar(done: int, total: int, width: int = 30) -> str:
    """``[#########.............]  37 of 120``."""
    if total <= 0:
        return "[" + "." * width + "]  counting…"
    filled = min(width, round(width * done / total))
    return f"[{'#' * filled}{'.' * (width - filled)}]  {done} of {total}"


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

    def _key(self, state: State) -> object:
        """What makes a state a new screen (rather than the same screen with a new count)."""
        match state:
            case Connect():
                return ("connect", state.user_code, state.qr_url)
            case Choose():
                return ("choose", state.session_id)
            case Downloading():
                return ("downloading", state.session_id)
            case Slideshow():
                return ("slideshow", state.count, state.notice)
            case Problem():
                return ("problem", state.what, state.detail)
            case _:
                return state

    def show(self, state: State, now: float, photos: Sequence[Photo]) -> None:
        key = self._key(state)
        if key != self._shown:
            self._shown = key
            self._last_quiet = -1e18
            self._draw(state)
        self._update(state, now)

    def _draw(self, state: State) -> None:
        match state:
            case Starting():
                self._print(state.message)
            case Connect():
                self._print()
                self._print("Scan to connect")
                for line in qr_lines(state.qr_url, colour=self._tty):
                    self._print("  " + line)
                self._print(f"On your phone, go to {state.verification_url} and enter the code:")
                self._print()
                self._print(f"    {state.user_code}")
                self._print()
            case Choose():
                self._print()
                self._print("Scan to choose photos")
                for line in qr_lines(state.picker_uri, colour=self._tty):
                    self._print("  " + line)
                who = f" signed in to {state.account}" if state.account else " signed in to the same Google account"
                self._print(f"Open this link on a phone{who}:")
                self._print(f"  {state.picker_uri}")
                self._print("Pick your photos, then tap Done.")
                self._print()
            case Downloading():
                self._print("Getting your photos…")
            case Slideshow():
                line = f"{state.count} photo{'s' if state.count != 1 else ''} in the library."
                self._print(line + (f" {state.notice}" if state.notice else ""))
            case Problem():
                self._print(f"! {state.title}: {state.detail}")
                self._print(f"  {state.next_step}")
            case SignedOut():
                self._print("Signed out.")

    def _update(self, state: State, now: float) -> None:
        match state:
            case Connect():
                self._set_status(f"Waiting for you to sign in… code expires in {_clock(state.expires_at - now)}", now)
            case Choose():
                self._set_status(f"Waiting for your picks… link expires in {_clock(state.expires_at - now)}", now)
            case Downloading():
                failed = f", {state.failed} failed" if state.failed else ""
                skipped = f", {state.skipped} videos skipped" if state.skipped else ""
                self._set_status(progress_bar(state.done, state.total) + failed + skipped, now)
            case Problem() if state.retry_at is not None:
                self._set_status(f"Trying again in {_clock(state.retry_at - now)}", now)
            case _:
                pass
