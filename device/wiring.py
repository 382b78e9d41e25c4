"""The one place core and device are wired together: library, token store, runner, events and the loop.

device.app builds a kiosk with it, and so do the tests that run the real wiring on a fake clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from core import flow
from core.clock import REAL, Clock
from core.config import Config
from core.errors import ConfigError, KioskError, LibraryError
from core.library import Library
from core.record import mutable_record
from device.degraded import WritableAgain
from device.loop import FrameHook, Loop, Renderer, WakesLoop
from device.pairing import CompanionFactory, companion_server
from device.runner import EventQueue, Runner
from device.signin.token import TokenStore

log = logging.getLogger("picker-kiosk")


@mutable_record
class Kiosk:
    """The parts of one running picker-kiosk, wired; ``close`` is the caller's (see device.journey.run_journey)."""

    config: Config
    clock: Clock
    library: Library
    store: TokenStore
    events: EventQueue
    runner: Runner
    writable_again: WritableAgain  # while the library is degraded, tries to reopen it every few minutes

    def machine(self, *, once: bool) -> flow.Machine:
        """The journey's first machine, signing in the way the config allows (see sign_in_way)."""
        return flow.Machine(once=once, sign_in=sign_in_way(self.config))

    def boot(self) -> flow.Boot:
        """The machine's first event: what the device knows at start (sign-in, photos, sessions left open)."""
        token = self.runner.load_token()
        left = tuple(flow.LeftOpen(s.id, s.has_pending, s.replace, s.listed) for s in self.library.open_sessions())
        return flow.Boot(
            signed_in=token is not None,
            account=token.account if token else None,
            photos=self.library.count(),
            left_open=left,
            degraded=self.library.degraded,
        )

    def check_library(self) -> None:
        """The library's start-up check that ``build_kiosk(check_later=True)`` left, on the caller's thread (a
        worker's, once the first screen is up); a failure is logged (whatever writes next runs it again)."""
        try:
            self.library.check()
        except KioskError as exc:
            log.warning("the photo library's start-up check did not finish: %s", exc.message)

    def loop(
        self,
        machine: flow.Machine,
        renderer: Renderer,
        *,
        next_event: Callable[[float], flow.Event | None] | None = None,
        on_first_frame: Callable[[], None] | None = None,
        after_frame: Sequence[FrameHook] = (),
    ) -> Loop:
        """The main loop over these parts; ``next_event`` waits for the next event (the queue's by default)."""
        if next_event is None and isinstance(renderer, WakesLoop):  # a decoded photo ends the queue's wait
            renderer.wake_loop_with(lambda: self.events.post(flow.Tick()))
        return Loop(
            machine,
            renderer,
            self.runner.run,
            next_event or self.events.get,
            self.events.drain,
            self.library.snapshot,
            clock=self.clock,
            on_first_frame=on_first_frame,
            after_frame=(*after_frame, self.writable_again),
        )


def sign_in_way(config: Config) -> str:
    """``google.sign_in``, except that "auto" without a "Desktop app" client can only use the device grant."""
    if config.google.sign_in == "auto" and config.google.desktop is None:
        return "device"
    return config.google.sign_in


def build_kiosk(
    config: Config,
    *,
    screen: tuple[int, int] = (1920, 1080),
    clock: Clock = REAL,
    companion: CompanionFactory = companion_server,
    check_later: bool = False,
) -> Kiosk:
    """Open the library (ConfigError when its folder cannot be used) and wire the runner to it; with
    ``check_later`` its start-up check is left for ``Kiosk.check_library`` (see core.library.Library.open)."""
    state_dir = config.storage.state_dir
    library = Library(state_dir, config.storage.library_dir, download=config.download, screen=screen, clock=clock)
    try:
        state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        library.open(check_later=check_later)
    except OSError as exc:
        raise ConfigError(f"Cannot use the state folder {state_dir}: {exc.strerror}.") from exc
    except LibraryError as exc:
        if isinstance(exc.__cause__, PermissionError):  # a folder this user may not use: a set-up problem, exit 2
            raise ConfigError(f"{exc.message} ({exc.__cause__.strerror}: check its owner and mode)") from exc
        raise
    log.info("library: %d photos%s", library.count(), " (read-only)" if library.degraded else "")
    store = TokenStore(state_dir)
    events = EventQueue()
    runner = Runner(config, library, store, events.post, clock=clock, companion=companion)
    kiosk = Kiosk(
        config=config,
        clock=clock,
        library=library,
        store=store,
        events=events,
        runner=runner,
        writable_again=WritableAgain(library, lambda: kiosk.boot(), events.post),
    )
    return kiosk
