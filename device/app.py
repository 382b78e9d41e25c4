"""The `picker-kiosk` command: reads the config, wires core and device together, and runs the loop."""

from __future__ import annotations

from device import startup

if __name__ == "__main__":  # `python -m device.app`: the same fast start as `python -m device`
    startup.pause()

import argparse
import logging
import math
import os
import shutil
import sys
import threading
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from core import flow
from core.clock import REAL
from core.config import (
    CompanionConfig,
    Config,
    DesktopClient,
    GoogleConfig,
    StorageConfig,
    parse_config,
    secret_file_path,
)
from core.errors import ConfigError, KioskError
from device import logs
from device.loop import FrameHook, Renderer
from device.pairing import CompanionFactory, companion_server
from device.screenshots import JOURNEY_SCREENS, ScreenshotPlan, Screenshots
from device.signin.token import TokenStore
from device.wiring import build_kiosk

log = logging.getLogger("picker-kiosk")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # pygame's banner is no news to the person watching

DEFAULT_CONFIG = Path("/etc/picker-kiosk/config.toml")
DEMO_CLIENT_ID = "picker-kiosk-demo.apps.googleusercontent.com"
DEMO_CLIENT_SECRET = "demo-client-secret"  # the emulator's; not a Google secret
DEMO_DESKTOP_ID = "picker-kiosk-demo-desktop.apps.googleusercontent.com"
# After the loop ends, workers get this long to notice the cancel; a request stalled longer is abandoned.
WORKER_GRACE = 0.5


# ---- configuration -------------------------------------------------------------------------------


def config_path(arg: str | None) -> Path:
    """--config, else $PICKER_KIOSK_CONFIG, else /etc/picker-kiosk/config.toml."""
    if arg:
        return Path(arg)
    env = os.environ.get("PICKER_KIOSK_CONFIG")
    return Path(env) if env else DEFAULT_CONFIG


def load_config(path: Path) -> Config:
    """Read and validate the TOML config; every problem is a ConfigError in plain words."""
    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"No config file at {path} (use --config FILE or $PICKER_KIOSK_CONFIG).") from exc
    except PermissionError as exc:
        raise ConfigError(f"The config file {path} cannot be read by this user.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The config file {path} is not valid TOML: {exc}") from exc
    google = data.get("google", {})
    secret_text = _secret_file(google, "google")
    desktop = google.get("desktop") if isinstance(google, dict) else None
    desktop_secret = _secret_file(desktop, "google.desktop")
    if desktop_secret is not None and isinstance(desktop, dict):
        data = {**data, "google": {**google, "desktop": {**desktop, "client_secret": desktop_secret}}}
    config = parse_config(data, client_secret_text=secret_text)
    logs.register_secret(config.google.client_secret)
    if config.google.desktop is not None:
        logs.register_secret(config.google.desktop.client_secret)
    return config


def _secret_file(table: object, where: str) -> str | None:
    """The text of ``[where] client_secret_file`` when the table names one instead of a client_secret."""
    if not isinstance(table, dict) or "client_secret" in table or "client_secret_file" not in table:
        return None
    # systemd's LoadCredential= puts the secret under $CREDENTIALS_DIRECTORY.
    path = secret_file_path(str(table["client_secret_file"]), os.environ, f"{where}.client_secret_file")
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{where}.client_secret_file {path} cannot be read ({exc.strerror}).") from exc


# ---- displays -------------------------------------------------------------------------------------


@dataclass
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

    screen = Screen(size=size, slideshow=config.slideshow, rotate=config.screen.rotate)
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
    kiosk = build_kiosk(config, screen=size or (1920, 1080), companion=companion)
    library, runner = kiosk.library, kiosk.runner
    after_frame: list[FrameHook] = []
    plan = None
    if screenshots is not None:
        screenshots.mkdir(parents=True, exist_ok=True)
        plan = ScreenshotPlan(folder=screenshots, stop_after=JOURNEY_SCREENS if once else frozenset())
    display: OpenRenderer | None = None
    try:
        boot = kiosk.boot()
        # The first request (a sign-in code, a session) goes out now, while the display starts up.
        start = REAL.now()
        first = replace(
            kiosk.machine(once=once and plan is None),
            deadline=start + deadline if deadline is not None else None,
            deadline_flag=deadline,
        )
        machine, effects = flow.step(first, boot, start)
        runner.run(effects)
        display = open_renderer(config, headless=headless, size=size, screenshots=screenshots is not None)
        if size is None and display.size is not None:
            library.screen = display.size  # downloads are asked for at the size of the screen that shows them
        if plan is not None:
            after_frame.append(Screenshots(plan, display.renderer))
        loop = kiosk.loop(machine, display.renderer, on_first_frame=startup.first_frame, after_frame=after_frame)
        loop.install_signal_handlers()
        result = loop.run()
        photos = library.count()
    finally:
        if not runner.close(wait=False, grace=WORKER_GRACE):
            # A request is stuck on the network; main() leaves without it, so its temp file goes now.
            library.discard_temp_files()
        if display is not None:
            display.close()
        library.close()
    if result.message:
        print(result.message, file=sys.stderr if result.code else sys.stdout)
    if once and result.code == 0:
        print(
            f"Done: {photos} photos in {config.storage.library_dir}.",
            file=sys.stdout,
        )
    return result.code


def cmd_run(args: argparse.Namespace) -> int:
    config = load_config(config_path(args.config))
    return run_journey(
        config,
        once=args.once,
        headless=args.headless,
        size=parse_size(args.size),
        screenshots=Path(args.screenshots) if args.screenshots else None,
        deadline=parse_deadline(args.deadline, once=args.once),
    )


def parse_deadline(value: float | None, *, once: bool) -> float | None:
    """--deadline SECONDS: finite, positive, and only with --once (the kiosk itself never ends by itself)."""
    if value is None:
        return None
    if not once:
        raise ConfigError("--deadline only applies to run --once.")
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"--deadline must be a number of seconds above 0, not {value}.")
    return value


def cmd_signout(args: argparse.Namespace) -> int:
    import requests

    from device.signin.grant import DeviceAuth

    config = load_config(config_path(args.config))
    store = TokenStore(config.storage.state_dir)
    token = store.load()
    if token is None:
        print("Not signed in; nothing to do.")
        return 0
    logs.register_secret(token.access_token)
    logs.register_secret(token.refresh_token)
    try:
        DeviceAuth(config.google, requests.Session()).revoke(token)
        revoked = True
    except KioskError as exc:
        print(f"Could not revoke the token at Google ({exc.message}); forgetting it here anyway.", file=sys.stderr)
        revoked = False
    store.clear()
    print("Signed out." if revoked else "Signed out on this device.")
    return 0


def demo_state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "picker-kiosk" / "demo"


def cmd_demo(args: argparse.Namespace) -> int:
    from core.emulator import Emulator, Person

    size = parse_size(args.size)  # a bad --size is refused before anything starts
    state_dir = Path(args.state_dir) if args.state_dir else demo_state_dir()
    # Each demo is a fresh journey: a new emulator knows none of the old tokens or sessions.
    if state_dir.exists():
        shutil.rmtree(state_dir)
    state_dir.mkdir(parents=True, mode=0o700)
    person = Person(approve_after=3.0, pick_count=args.photos, pick_after=4.0)
    emulator = Emulator(
        photos=max(60, args.photos + 10),
        person=person,
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        interval=2,
        poll_interval=2.0,
        latency=args.latency,
        desktop_client_id=DEMO_DESKTOP_ID,
        desktop_client_secret=DEMO_CLIENT_SECRET,
    )
    # --sign-in phone: Google refuses the Picker scope to the device grant, and the phone signs in instead.
    emulator.refuse_scope = args.sign_in == "phone"
    if not args.verbose:
        # The emulator's request log would drown the journey on the terminal.
        logging.getLogger("core.emulator").setLevel(logging.WARNING)
    with emulator:
        print(
            f"Demo: a stand-in for Google is running at {emulator.url}; its scripted person signs in and picks "
            f"{args.photos} photos by themselves."
        )
        config = Config(
            google=GoogleConfig(
                client_id=DEMO_CLIENT_ID,
                client_secret=DEMO_CLIENT_SECRET,
                auth_url=emulator.url,
                picker_url=emulator.url,
                authorize_url=f"{emulator.url}/o/oauth2/v2/auth",
                desktop=DesktopClient(DEMO_DESKTOP_ID, DEMO_CLIENT_SECRET),
            ),
            companion=CompanionConfig(bind="127.0.0.1", port=8080),
            storage=StorageConfig(state_dir=state_dir, library_dir=state_dir / "library"),
        )
        # A demo pace: two downloads at a time, so a person watching sees the photos arrive one by one.
        config = replace(
            config,
            slideshow=replace(config.slideshow, interval=5.0),
            download=replace(config.download, workers=2),
        )
        screenshots = Path(args.screenshots) if args.screenshots else None
        headless = args.headless
        once = True
        if not headless and screenshots is None:
            from device import display

            # With a real screen the demo keeps showing the slideshow until Esc or the window is closed.
            once = display.choose_driver(os.environ) is None
        from device.demo_phone import DemoPhone

        phone = DemoPhone(announce=emulator.refuse_scope)
        code = run_journey(
            config, once=once, headless=headless, size=size, screenshots=screenshots, companion=phone.companion
        )
        left = emulator.open_sessions
        if left:
            print(f"Warning: {len(left)} picking session(s) were left open.", file=sys.stderr)
        return code


def cmd_login(args: argparse.Namespace) -> int:
    from device.login import cmd_login as run_login

    return run_login(args, load_config(config_path(args.config)))


def cmd_doctor(args: argparse.Namespace) -> int:
    from device.doctor import cmd_doctor as run_doctor

    return run_doctor(args, config_path(args.config), load_config)


def cmd_emulator(args: argparse.Namespace) -> int:
    from core.emulator import cli

    return cli.run(args)


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The CLI. The emulator's own flags are only loaded when ``argv`` asks for it (it costs start-up time)."""
    parser = argparse.ArgumentParser(
        prog="picker-kiosk",
        description="Pick photos from Google Photos with a phone; show them on this screen.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level (secrets stay redacted)")
    sub = parser.add_subparsers(dest="command", required=True)

    def screen_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--headless", action="store_true", help="no screen: show the journey in this terminal")
        p.add_argument("--size", metavar="WxH", help="a window of this size instead of fullscreen")
        p.add_argument("--screenshots", metavar="DIR", help="save a PNG of each screen the first time it appears")

    demo = sub.add_parser("demo", help="the whole journey offline, against the built-in stand-in for Google")
    screen_options(demo)
    demo.add_argument("--photos", type=int, default=12, metavar="N", help="how many photos the person picks (12)")
    demo.add_argument("--state-dir", metavar="DIR", help="where the demo keeps its library (wiped at start)")
    demo.add_argument(
        "--sign-in",
        choices=("device", "phone"),
        default="device",
        help="device: the code-and-QR sign-in (default); phone: Google refuses it and the phone signs in instead",
    )
    # The stand-in answers with a little delay so that a person watching sees the progress bar move.
    demo.add_argument("--latency", type=float, default=0.3, help=argparse.SUPPRESS)
    demo.set_defaults(func=cmd_demo)

    run = sub.add_parser("run", help="run the kiosk")
    run.add_argument("--config", metavar="FILE", help=f"TOML config (default $PICKER_KIOSK_CONFIG or {DEFAULT_CONFIG})")
    screen_options(run)
    run.add_argument(
        "--once", action="store_true", help="sign in if needed, one picking session, download, delete it, exit"
    )
    run.add_argument(
        "--deadline",
        type=float,
        metavar="SECONDS",
        help="with --once: stop (session deleted, exit 1) after this long; default the picking link's time + 30 min",
    )
    run.set_defaults(func=cmd_run)

    signout = sub.add_parser("signout", help="revoke the token at Google and forget it")
    signout.add_argument("--config", metavar="FILE")
    signout.set_defaults(func=cmd_signout)

    login = sub.add_parser("login", help="sign in on a computer with a browser, for the device (or send it there)")
    if "login" in argv:
        from device import login as login_cli

        login_cli.add_arguments(login)
    login.set_defaults(func=cmd_login)

    doctor = sub.add_parser("doctor", help="check the config, Google's answers, the sign-in, library, display, disk")
    doctor.add_argument("--config", metavar="FILE")
    doctor.add_argument("--json", action="store_true", help='one JSON object: {"ok": …, "checks": [...]}')
    doctor.set_defaults(func=cmd_doctor)

    emulator = sub.add_parser("emulator", help="the stand-in for Google on its own, for app developers")
    if "emulator" in argv:
        from core.emulator import cli as emulator_cli

        emulator_cli.add_arguments(emulator)
    emulator.set_defaults(func=cmd_emulator)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(words)
    args = parser.parse_args(words)
    if args.command == "demo" and args.photos < 0:
        parser.error("--photos must be 0 or more")
    logs.setup(verbose=args.verbose)
    if args.command not in ("run", "demo"):
        startup.finished()  # only the kiosk's loop turns collection back on by itself
    try:
        code: int = args.func(args)
    except KioskError as exc:
        print(f"picker-kiosk: {exc.message}", file=sys.stderr)
        return 2 if isinstance(exc, ConfigError) else 1
    except KeyboardInterrupt:
        return 130
    if argv is None:  # the program itself, not a caller in this process
        leave_stuck_threads(code)
    return code


def leave_stuck_threads(code: int) -> None:
    """Exit now if worker threads are still blocked on the network.

    Python joins worker threads at exit, so one stalled answer would hold a SIGTERM'd kiosk for up to the
    request timeout (systemd would then SIGKILL it). Everything worth keeping is saved by now.
    """
    main = threading.main_thread()
    if not any(t is not main and not t.daemon and t.is_alive() for t in threading.enumerate()):
        return
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    try:
        code = main()
    finally:
        startup.finished()
    sys.exit(code)
