"""What the phone page shows of the device: the screen the loop last drew, the library, the account, the disk."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from core.record import mutable_record
from core.states import (
    Choose,
    ConfirmSignOut,
    Connect,
    Downloading,
    Problem,
    SignedOut,
    Slideshow,
    Starting,
    State,
    UserAction,
)
from device.companion.health import Health

# The buttons the page offers in each screen, by name; the flow still decides what an action does there.
# The slideshow's previous/pause/next are the screen's own, as its keys are (the loop hands them to it).
ACTIONS: dict[type, tuple[str, ...]] = {
    Slideshow: ("add", "replace", "previous", "pause", "next", "sign-out"),
    Choose: ("cancel",),
    Problem: ("retry", "sign-out"),
    SignedOut: ("retry",),
    ConfirmSignOut: ("cancel", "sign-out-keep", "sign-out-remove"),  # the device's own choice, asked the same
}
# A button's name -> the UserAction it sends: the actions' own names, and "Sign out, keep the photos".
BY_NAME = {a.value: a for a in UserAction if a not in (UserAction.QUIT, UserAction.PHONE)}
BY_NAME["sign-out-keep"] = UserAction.SIGN_OUT


def version() -> str:
    try:
        return metadata.version("picker-kiosk")
    except metadata.PackageNotFoundError:
        return "unknown"


def disk_free(folder: Path) -> str:
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return "unknown"
    return f"{free / 1e9:.1f} GB free"


@mutable_record
class DeviceSources:
    """Where the numbers come from (each a cheap call, made when a phone asks)."""

    photos: Callable[[], int]
    account: Callable[[], str | None]
    library_dir: Path
    showing: Callable[[], datetime | None] = lambda: None
    health: Health | None = None  # doctor's summary (computed in the background, never on a poll)


class DeviceView:
    """The latest state the loop drew (an ``after_frame`` hook keeps it) and a description of it for phones."""

    def __init__(self, sources: DeviceSources) -> None:
        self.sources = sources
        self._lock = threading.Lock()
        self._state: State = Starting()
        self._last_sync: float | None = None  # wall clock: the end of the last download seen
        self.phone_choosing: str | None = None  # the session whose pickerUri a phone opened
        self.changed = threading.Condition(self._lock)
        self._version: str | None = None

    def _read_version(self) -> str:
        self._version = version()  # importlib.metadata is slow: read once, when a phone first asks
        return self._version

    def observe(self, state: State, now: float) -> bool:
        """The loop's after_frame hook: remember the state on screen (never asks the loop to stop)."""
        if state is self._state:
            return False
        with self._lock:
            if isinstance(self._state, Downloading) and not isinstance(state, Downloading):
                self._last_sync = time.time()
            if not isinstance(state, Choose):
                self.phone_choosing = None
            self._state = state
            self.changed.notify_all()
        return False

    @property
    def state(self) -> State:
        with self._lock:
            return self._state

    def picker_uri(self) -> str | None:
        """The open picking session's pickerUri (and the phone that opens it is remembered as choosing)."""
        with self._lock:
            if not isinstance(self._state, Choose):
                return None
            self.phone_choosing = self._state.session_id
            return self._state.picker_uri

    def describe(self) -> dict[str, Any]:
        """Everything the page shows, as JSON-able values: never a token, a secret or the pickerUri itself."""
        with self._lock:
            state, choosing, last_sync = self._state, self.phone_choosing, self._last_sync
        sources = self.sources
        shown = sources.showing()
        return {
            "screen": state.screen_name,
            "text": _words(state, choosing),
            "picking": isinstance(state, Choose),
            "replace": bool(getattr(state, "replace", False)),
            "progress": [state.done, state.total] if isinstance(state, Downloading) else None,
            "actions": list(ACTIONS.get(type(state), ())),
            "photos": sources.photos(),
            "account": sources.account() or "not signed in",
            "disk": disk_free(sources.library_dir),
            "last_sync": _when(last_sync),
            "version": self._version or self._read_version(),
            "doctor": sources.health.summary() if sources.health is not None else None,
            "showing": shown.strftime("%d %B %Y").lstrip("0") if shown else None,
        }


def _words(state: State, choosing: str | None) -> str:
    match state:
        case Choose(session_id=session):
            return "Choosing on a phone…" if choosing == session else "Waiting for photos to be chosen…"
        case Downloading(done=done, total=total):
            return f"Getting your photos… {done} of {total}" if total else "Getting your photos…"
        case Slideshow(count=count, notice=notice):
            return notice or f"Showing {count} photos."
        case Problem(title=title, detail=detail):
            return f"{title}: {detail}"
        case Connect():
            return "The frame is waiting for a Google sign-in."
        case SignedOut():
            return "Signed out."
        case ConfirmSignOut():
            return "Sign out? The frame asks whether to keep its photos."
        case _:
            return "Starting…"


def _when(wall: float | None) -> str:
    if wall is None:
        return "not since the frame started"
    return datetime.fromtimestamp(wall).strftime("%H:%M, %d %B").replace(" 0", " ")
