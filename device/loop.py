"""The main loop: feeds events to the state machine, hands effects to the runner, draws, sleeps."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Protocol

from core import flow
from core.clock import REAL, Clock
from core.library import Photo
from core.states import Downloading, Starting, State, UserAction
from device import notify, startup

log = logging.getLogger(__name__)

# Keys and taps are read at least this often, even when the screen is still.
INPUT_POLL = 0.1
# "Starting…" is not drawn in the first moments of a run: the first real screen (usually the QR code)
# arrives within this time, and drawing a screen only to replace it delays the one that matters.
QUIET_START = 0.5
# While downloading, progress arrives many times a second; the screen follows at most this often, so that a
# Pi's CPU goes to the downloads (each frame also re-reads the library's photo list).
PROGRESS_FRAME = 0.25
# After SIGTERM the open session is deleted and the state saved within this time (systemd waits 10 s).
SHUTDOWN_GRACE = 4.0
# Buffers at least this big (full-screen frames, decoded photos) get their own mapping, returned when freed.
MMAP_THRESHOLD = 128 * 1024
_M_MMAP_THRESHOLD = -3  # glibc's mallopt() parameter number


def keep_heap_flat() -> None:
    """Make glibc give full-screen buffers back to the system when they are freed (a no-op on other libcs).

    By default glibc raises its mmap threshold each time such a buffer is freed, so later 8 MB frames come
    from the heap, which fragments and never shrinks: a slideshow over a big library grew the process by
    ~60 MB (bench/memory.py). Setting the threshold once also turns that adjustment off.
    """
    import ctypes  # only here: it is not worth its import time before the first screen

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError):
        return
    mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)


class Renderer(Protocol):
    """What the loop needs of a screen: device.screen.Screen and device.terminal.Terminal both fit."""

    def handle_events(self) -> list[UserAction]: ...

    def show(self, state: State, now: float, photos: Sequence[Photo]) -> None: ...

    def next_wake(self, now: float) -> float: ...


class Screenshots(Protocol):
    def save_screenshot(self, path: Path) -> None: ...


@dataclass
class ScreenshotPlan:
    """Save one PNG the first time each screen appears; optionally stop once the journey's last one is saved."""

    folder: Path
    stop_after: frozenset[str] = frozenset()  # the journey's screens; the run ends once the last is saved
    last: str = "slideshow"
    settle: float = 1.5  # seconds a photo screen is shown before it is saved (photos decode, fades finish)
    saved: set[str] = field(default_factory=set)
    _first_seen: dict[str, float] = field(default_factory=dict)

    def due(self, state: State, now: float) -> str | None:
        name = state.screen_name
        if name in self.saved:
            return None
        if isinstance(state, Downloading) and state.done == 0:
            return None  # a progress bar with something on it says more
        first = self._first_seen.setdefault(name, now)
        wait = {"slideshow": self.settle, "downloading": 0.3}.get(name, 0.2)
        return name if now - first >= wait else None

    @property
    def complete(self) -> bool:
        return bool(self.stop_after) and self.last in self.saved

    @property
    def missing(self) -> frozenset[str]:
        return self.stop_after - self.saved


class Loop:
    """Owns the machine; everything else talks to it through events."""

    def __init__(
        self,
        machine: flow.Machine,
        renderer: Renderer,
        run_effects: Callable[[list[flow.Effect]], None],
        next_event: Callable[[float], flow.Event | None],
        drain: Callable[[], list[flow.Event]],
        photos: Callable[[], Sequence[Photo]],
        *,
        clock: Clock = REAL,
        screenshots: ScreenshotPlan | None = None,
    ) -> None:
        self.machine = machine
        self._renderer = renderer
        self._run_effects = run_effects
        self._next_event = next_event
        self._drain = drain
        self._photos = photos
        self._clock = clock
        self._screenshots = screenshots
        self._stop_requested = threading.Event()
        self._stop_deadline: float | None = None
        self._last_state: State | None = None
        self._drawn: set[str] = set()

    def request_stop(self) -> None:
        """Thread- and signal-safe: ask the loop to shut down gracefully."""
        self._stop_requested.set()

    def install_signal_handlers(self) -> None:
        def handler(signum: int, frame: FrameType | None) -> None:
            self.request_stop()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    def feed(self, event: flow.Event) -> None:
        now = self._clock.now()
        self.machine, effects = flow.step(self.machine, event, now)
        if effects:
            self._run_effects(effects)

    def run(self, boot: flow.Boot | None = None) -> flow.Exit:
        """Run until the machine exits; ``boot`` is fed first unless the caller already stepped it."""
        started = self._clock.now()
        heap_flat = False
        last_shown: State | None = None
        shown_at = started
        if boot is not None:
            self.feed(boot)
        notify.ready()
        watchdog = notify.watchdog_interval()
        last_ping = 0.0
        while self.machine.exit is None:
            now = self._clock.now()
            if self._stop_requested.is_set() and not self.machine.stopping:
                log.info("stopping: deleting any open picking session")
                notify.stopping()
                self._stop_deadline = now + SHUTDOWN_GRACE
                self.feed(flow.Shutdown())
                continue
            if self._stop_deadline is not None and now >= self._stop_deadline:
                log.warning("stopping before every open picking session was deleted; the next start deletes it")
                self.machine = flow.Machine(exit=flow.Exit(0))
                break
            for action in self._renderer.handle_events():
                if action is UserAction.QUIT:
                    self.request_stop()
                else:
                    self.feed(flow.Action(action))
            for event in self._drain():
                self.feed(event)
            self.feed(flow.Tick())
            state = self.machine.state
            if state != self._last_state:
                log.debug("screen: %s", state.screen_name)
                self._last_state = state
            now = self._clock.now()
            quiet = isinstance(state, Starting) and now - started < QUIET_START
            throttled = (
                isinstance(state, Downloading)
                and isinstance(last_shown, Downloading)
                and now - shown_at < PROGRESS_FRAME
            )
            if not (quiet or throttled):
                self._renderer.show(state, now, self._photos())
                last_shown, shown_at = state, now
                self._note_first_draw(state)
            self._maybe_screenshot(state, now)
            if self._screenshots is not None and self._screenshots.complete:
                if self._screenshots.missing:
                    log.warning(
                        "these screens went by too fast to be saved: %s", ", ".join(sorted(self._screenshots.missing))
                    )
                log.info("the journey's screens are saved in %s", self._screenshots.folder)
                self.request_stop()
            if watchdog is not None and now - last_ping >= watchdog / 2:
                notify.watchdog()
                last_ping = now
            wait = min(self._renderer.next_wake(now), INPUT_POLL)
            if throttled:
                wait = min(wait, max(0.0, shown_at + PROGRESS_FRAME - now))
            if not heap_flat:
                # Once the first screen is up: setting it loads ctypes, which that screen need not wait for.
                keep_heap_flat()
                heap_flat = True
                startup.finished()
            incoming = self._next_event(wait)
            if incoming is not None:
                self.feed(incoming)
        assert self.machine.exit is not None
        return self.machine.exit

    def _note_first_draw(self, state: State) -> None:
        # One line the first time each screen (and the first photo) is on show: start-up and pick-to-photo
        # latencies can then be read from the journal, and bench/ reads them from stderr.
        name = state.screen_name
        if name not in self._drawn:
            self._drawn.add(name)
            log.info("drawn: %s", name)
        if "first photo" not in self._drawn and getattr(self._renderer, "showing", None) is not None:
            self._drawn.add("first photo")
            log.info("drawn: first photo")

    def _maybe_screenshot(self, state: State, now: float) -> None:
        plan = self._screenshots
        if plan is None or not hasattr(self._renderer, "save_screenshot"):
            return
        name = plan.due(state, now)
        if name is None:
            return
        path = plan.folder / f"{name}.png"
        try:
            self._renderer.save_screenshot(path)
        except OSError as exc:
            log.warning("could not save the screenshot %s: %s", path, exc)
            return
        plan.saved.add(name)
        log.info("saved %s", path)
