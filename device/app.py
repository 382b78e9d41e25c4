"""The `picker-kiosk` command: reads the config, wires core and device together, and runs the loop."""

from __future__ import annotations

from device import startup

if __name__ == "__main__":  # `python -m device.app`: the same fast start as `python -m device`
    startup.pause()

import argparse
import logging
import math
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from core.errors import ConfigError, KioskError
from device import logs
from device.cli import build_parser as build_cli
from device.config_file import DEFAULT_CONFIG, config_path, load_config
from device.journey import parse_size, run_journey
from device.signin.token import TokenStore

__all__ = ["DEFAULT_CONFIG", "build_parser", "config_path", "load_config", "main", "run_journey"]

log = logging.getLogger("picker-kiosk")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # pygame's banner is no news to the person watching


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
    from core.proxies import ProxiesOnce
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
        DeviceAuth(config.google, ProxiesOnce()).revoke(token)
        revoked = True
    except KioskError as exc:
        print(f"Could not revoke the token at Google ({exc.message}); forgetting it here anyway.", file=sys.stderr)
        revoked = False
    store.clear()
    print("Signed out." if revoked else "Signed out on this device.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from device.demo import cmd_demo as run_demo

    return run_demo(args)


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
    """The CLI (device/cli.py) with this module's commands behind its subcommands."""
    commands = {
        "demo": cmd_demo,
        "run": cmd_run,
        "signout": cmd_signout,
        "login": cmd_login,
        "doctor": cmd_doctor,
        "emulator": cmd_emulator,
    }
    return build_cli(commands, argv)


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
