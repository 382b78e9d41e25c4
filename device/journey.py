"""One run of the kiosk: open the screen (or the terminal), wire the kiosk, run the loop, close it all."""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core import flow
from core.clock import REAL
from core.config import Config
from core.errors import ConfigError, KioskError
from core.record import mutable_record
from core.states import Slideshow, Starting, State
from device import startup
from device.loop import FrameHook, Renderer, ShowsPhotos
from device.pairing import CompanionFactory, companion_server
from device.wiring import build_kiosk

if TYPE_CHECKING:
    from device.screenshots import ScreenshotPlan

log = logging.getLogger("picker-kiosk")

# After the loop ends, workers get this long to notice the cancel; a request stalled longer is abandoned.
WORKER_GRACE = 0.5
# The library's start-up check waits for the first photo to be on the screen (it would slow its decoding down),
# but no longer than this after the start (a slideshow whose photos all fail to decode).
CHECK_WAIT = 5.0


# ---- displays -------------------------------------------------------------------------------------


@mutable_record
class OpenRenderer:
    """The open screen or terminal, its name for the log, and how to close it."""

    renderer: Renderer
    name: str
    close: Any
    size: tuple[int, int] | None = None  # the pygame screen's pixels; None in a terminal


def parse_size(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError as exc:
        raise ConfigError(f"--size must look like 1920x1080, not {text!r}.") from exc
    if not (160 <= w <= 16384 and 120 <= h <= 16384):
        raise ConfigError(f"--size {text} is out of range.")
    return w, h


def open_renderer(config: Config, *, headless: bool, size: tuple[int, int] | None, screenshots: bool) -> OpenRenderer:
    """The pygame screen when there is a display (or screenshots are wanted), else the terminal."""
    if headless and not screenshots:
        return _terminal()
    from device import display

    driver = display.choose_driver(os.environ)
    if driver is None:
        if not screenshots:
            log.info("No display found (no DISPLAY/WAYLAND_DISPLAY, no /dev/dri card): showing the journey here")
            return _terminal()
        # Screens can be produced anywhere: SDL's dummy driver draws into memory.
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
        size = size or (1920, 1080)
    elif driver:
        os.environ["SDL_VIDEODRIVER"] = driver
    from device.ui.screen import Screen

    night = config.schedule
    # A phone may set a night schedule later: the display's standby is found beforehand too.
    standby = None
    if night.sleep.enabled or config.companion.enabled:
        from device.standby import Standby  # it runs commands (subprocess): only a device that may sleep needs it

        standby = Standby(night.standby)
    if standby is not None and night.sleep.enabled:
        log.info("night: at the times of schedule.sleep %s", standby.describe())
    screen = Screen(
        size=size, slideshow=config.slideshow, rotate=config.screen.rotate, schedule=night.sleep, standby=standby
    )
    try:
        actual = screen.open()
    except KioskError as exc:
        if screenshots:
            raise
        log.error("%s — showing the journey in the terminal instead", exc.message)
        return _terminal()
    log.info("display driver: %s", actual)
    return OpenRenderer(renderer=screen, name=actual, close=screen.close, size=screen.size)


def _terminal() -> OpenRenderer:
    from device.ui.terminal import Terminal  # a screen start does not need it

    terminal = Terminal()
    terminal.open()  # from here log records go to the rows above its status line
    return OpenRenderer(renderer=terminal, name="terminal", close=terminal.close)


# ---- running ----------------------------------------------------------------------------------------


def check_after_first_photo(checking: threading.Thread, renderer: Renderer, start: float) -> FrameHook:
    """A frame hook that starts ``checking`` (the library's start-up check) once the first photo is on the
    screen, or another first screen is (not "Starting…", which the first QR code follows at once), or
    CHECK_WAIT has passed."""

    def hook(state: State, now: float) -> bool:
        if checking.ident is None:
            photos = renderer if isinstance(renderer, ShowsPhotos) and isinstance(state, Slideshow) else None
            waiting = isinstance(state, Starting) or (photos is not None and photos.showing is None)
            if not waiting or now - start >= CHECK_WAIT:
                checking.start()
        return False

    return hook


def prepare_qr_while_asking(asking: bool) -> FrameHook:
    """A frame hook that, at the loop's first turn, loads the QR encoder if the start is ``asking`` Google for a
    sign-in code (or a pairing link) and is still waiting for it (Google takes 100–300 ms to answer): the
    Connect screen then need not load it once the code has come. A start that has its code already, or a
    signed-in one (its slideshow shows no QR code), loads nothing."""
    first = True

    def hook(state: State, now: float) -> bool:
        nonlocal first
        if first:
            first = False
            if asking and isinstance(state, Starting):
                from device.ui import qr

                qr.prepare()
        return False

    return hook


def run_journey(
    config: Config,
    *,
    once: bool,
    headless: bool,
    size: tuple[int, int] | None = None,
    screenshots: Path | None = None,
    companion: CompanionFactory = companion_server,
    deadline: float | None = None,
) -> int:
    """Sign in if needed, pick, download, show. Returns the exit code (``deadline``: --once's --deadline)."""
    # The library's start-up check (a stat per photo) runs once the first screen is up, on its own thread.
    kiosk = build_kiosk(config, screen=size or (1920, 1080), companion=companion, check_later=True)
    library, runner = kiosk.library, kiosk.runner
    checking = threading.Thread(target=kiosk.check_library, name="library-check", daemon=True)
    after_frame: list[FrameHook] = []
    plan: ScreenshotPlan | None = None
    if screenshots is not None:
        from device.screenshots import JOURNEY_SCREENS, ScreenshotPlan  # only a run that saves screens needs it

        screenshots.mkdir(parents=True, exist_ok=True)
        plan = ScreenshotPlan(folder=screenshots, stop_after=JOURNEY_SCREENS if once else frozenset())
    display: OpenRenderer | None = None
    remote = None  # the phone companion; a caller with a companion of its own (the demo's) goes without it
    if config.companion.enabled and companion is companion_server:
        from device.companion.kiosk import KioskCompanion  # its server is imported after the first frame

        remote = KioskCompanion(kiosk)
        after_frame.append(remote.observe)
        runner.use_companion(remote.signin_server)  # one server for the phone sign-in and the phone page
        runner.use_phone_pairing(remote.open_pairing)  # the slideshow's "Phone" button
    try:
        boot = kiosk.boot()
        # The first request (a sign-in code, a session) goes out now, while the display starts up.
        start = REAL.now()
        first = replace(
            kiosk.machine(once=once and plan is None),
            deadline=start + deadline if deadline is not None else None,
            deadline_flag=deadline,
            companion=remote is not None,
        )
        machine, effects = flow.step(first, boot, start)
        runner.prepare(effects)
        runner.run(effects)
        asking = any(isinstance(e, (flow.StartSignIn, flow.OpenPairing)) for e in effects)
        # The slideshow settings and the night a phone saved apply over the config file's (the default).
        shown = config
        if remote is not None:
            night = replace(config.schedule, sleep=remote.settings.night())
            shown = replace(config, slideshow=remote.settings.current(), schedule=night)
        display = open_renderer(shown, headless=headless, size=size, screenshots=screenshots is not None)
        if size is None and display.size is not None:
            library.screen = display.size  # downloads are asked for at the size of the screen that shows them
        if plan is not None:
            from device.screenshots import Screenshots

            after_frame.append(Screenshots(plan, display.renderer))
        first_frame: Callable[[], None] = startup.first_frame
        if remote is not None:
            remote.observe_renderer(display.renderer, headless=display.name == "terminal")
            first_frame = remote.after_first_frame

        after_frame.append(check_after_first_photo(checking, display.renderer, start))
        after_frame.append(prepare_qr_while_asking(asking))
        loop = kiosk.loop(machine, display.renderer, on_first_frame=first_frame, after_frame=after_frame)
        loop.install_signal_handlers()
        result = loop.run()
        kept = library.snapshot()
        videos = sum(1 for p in kept if p.video is not None)
        photos = len(kept) - videos
    finally:
        if remote is not None:
            remote.stop()
        if not runner.close(wait=False, grace=WORKER_GRACE):
            # A request is stuck on the network; main() leaves without it, so its temp file goes now.
            library.discard_temp_files()
        if display is not None:
            display.close()
        if checking.is_alive():
            checking.join()  # the check is bounded (no network): the index stays open until it is done
        library.close()
    if result.message:
        print(result.message, file=sys.stderr if result.code else sys.stdout)
    if once and result.code == 0:
        print(f"Done: {done_count(photos, videos)} in {config.storage.library_dir}.", file=sys.stdout)
    return result.code


def done_count(photos: int, videos: int) -> str:
    """What the library holds in words: "10 photos", "9 photos and 1 video"."""
    words = f"{photos} photo{'' if photos == 1 else 's'}"
    return words + (f" and {videos} video{'' if videos == 1 else 's'}" if videos else "")
