"""The main loop: feeds events to the state machine, hands effects to the runner, draws, sleeps."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Protocol, runtime_checkable

from core import flow
from core.clock import REAL, Clock
from core.library import Photo
from core.states import Downloading, Starting, State, UserAction
from device import notify

log = logging.getLogger(__name__)

# Keys and taps are read at least this often, even when the screen is still.
INPUT_POLL = 0.1
# "Starting…" is not drawn in the first moments of a run: the first real screen (usually the QR code)
# arrives within this time, and drawing a screen only to replace it delays the one that matters.
QUIET_START = 0.5
# While downloading, progress arrives many times a second; the screen follows at most this often, so that a
# Pi's CPU goes to the downloads (a frame after a new photo also reads the library's new photo list).
PROGRESS_FRAME = 0.25
# After SIGTERM the open session is deleted and the state saved within this time (systemd waits 10 s).
SHUTDOWN_GRACE = 4.0


class Renderer(Protocol):
    """What the loop needs of a screen: device.ui.screen.Screen and device.ui.terminal.Terminal both fit."""

    def handle_events(self) -> list[UserAction]: ...

    def show(self, state: State, now: float, photos: Sequence[Photo]) -> None: ...

    def next_wake(self, now: float) -> float: ...


@runtime_checkable
class ShowsPhotos(Protocol):
    """A renderer that shows photos (device.ui.screen.Screen): which one is on screen now."""

    @property
    def showing(self) -> Photo | None: ...


@runtime_checkable
class Sleeps(Protocol):
    """A renderer that can be asleep (device.ui.screen.Screen at night): it reads keys less often then."""

    def input_poll(self) -> float | None: ...


@runtime_checkable
class WorksPhotos(Protocol):
    """A renderer whose slideshow moves by itself (device.ui.screen.Screen): previous/next/pause sent from the
    phone page reach it here, on the loop's thread, as its own keys do."""

    def photo_action(self, action: UserAction) -> None: ...


@runtime_checkable
class WakesLoop(Protocol):
    """A renderer that finishes work off the loop's thread (device.ui.screen.Screen's decoding): it calls the
    given function when there is something new to draw."""

    def wake_loop_with(self, wake: Callable[[], None]) -> None: ...


# Called after each frame with the state on screen and the time; True asks the loop to end.
FrameHook = Callable[[State, float], bool]


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
        on_first_frame: Callable[[], None] | None = None,
        after_frame: Sequence[FrameHook] = (),
    ) -> None:
        self.machine = machine
        self._renderer = renderer
        self._run_effects = run_effects
        self._next_event = next_event
        self._drain = drain
        self._photos = photos
        self._clock = clock
        self._on_first_frame = on_first_frame
        self._after_frame = tuple(after_frame)
        self._shows_photos = renderer if isinstance(renderer, ShowsPhotos) else None
        self._sleeps = renderer if isinstance(renderer, Sleeps) else None
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
        if isinstance(event, flow.Action) and event.from_phone and isinstance(self._renderer, WorksPhotos):
            self._renderer.photo_action(event.action)  # the screen's own (next/previous/pause); others: nothing
        now = self._clock.now()
        self.machine, effects = flow.step(self.machine, event, now)
        if effects:
            self._run_effects(effects)

    def run(self, boot: flow.Boot | None = None) -> flow.Exit:
        """Run until the machine exits; ``boot`` is fed first unless the caller already stepped it."""
        started = self._clock.now()
        first_frame = True
        last_shown: State | None = None
        shown_at = started
        if boot is not None:
            self.feed(boot)
        notify.ready()
        watchdog = notify.Watchdog(notify.notifier(), now=self._clock.now)
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
            drawn = not (quiet or throttled)
            if drawn:
                self._renderer.show(state, now, self._photos())
                last_shown, shown_at = state, now
                self._note_first_draw(state)
            for hook in self._after_frame:
                if hook(state, now):
                    self.request_stop()
            watchdog.tick()
            poll = self._sleeps.input_poll() if self._sleeps is not None else None
            poll = poll if poll is not None else INPUT_POLL
            if quiet:
                # Nothing is on the screen yet, so it asks to be drawn at once; the start is held back until
                # Google's first answer (an event wakes the loop) or the quiet time is over, without a turn
                # of the loop between (a busy loop while the first request is out takes the worker's GIL).
                wait = min(poll, max(0.0, started + QUIET_START - now))
            else:
                wait = min(self._renderer.next_wake(now), poll)
            if throttled:
                wait = min(wait, max(0.0, shown_at + PROGRESS_FRAME - now))
            if first_frame and drawn:
                # Once the first screen is up (not after a quiet turn, before it): what start-up put off (see
                # device.startup, the companion's server) need not delay it.
                first_frame = False
                if self._on_first_frame is not None:
                    self._on_first_frame()
            incoming = self._next_event(wait)
            if incoming is not None:
                self.feed(incoming)
                if self.machine.exit is not None:
                    # The screen the run ends on is shown, as it is when that event comes a moment earlier (and
                    # is taken with the others at the top): a --once failure's problem, the last count.
                    self._renderer.show(self.machine.state, self._clock.now(), self._photos())
        assert self.machine.exit is not None
        return self.machine.exit

    def _note_first_draw(self, state: State) -> None:
        # One line the first time each screen (and the first photo) is on show: start-up and pick-to-photo
        # latencies can then be read from the journal, and bench/ reads them from stderr.
        name = state.screen_name
        if name not in self._drawn:
            self._drawn.add(name)
            log.info("drawn: %s", name)
        photos = self._shows_photos
        if "first photo" not in self._drawn and photos is not None and photos.showing is not None:
            self._drawn.add("first photo")
            log.info("drawn: first photo")
