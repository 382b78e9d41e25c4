"""The `picker-kiosk` command line: its subcommands and their flags (the commands themselves live elsewhere)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence

from device.config_file import DEFAULT_CONFIG

Command = Callable[[argparse.Namespace], int]


def build_parser(commands: Mapping[str, Command], argv: Sequence[str] = ()) -> argparse.ArgumentParser:
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
    demo.set_defaults(func=commands["demo"])

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
    run.set_defaults(func=commands["run"])

    signout = sub.add_parser("signout", help="revoke the token at Google and forget it")
    signout.add_argument("--config", metavar="FILE")
    signout.set_defaults(func=commands["signout"])

    login = sub.add_parser("login", help="sign in on a computer with a browser, for the device (or send it there)")
    if "login" in argv:
        from device import login as login_cli

        login_cli.add_arguments(login)
    login.set_defaults(func=commands["login"])

    doctor = sub.add_parser("doctor", help="check the config, Google's answers, the sign-in, library, display, disk")
    doctor.add_argument("--config", metavar="FILE")
    doctor.add_argument("--json", action="store_true", help='one JSON object: {"ok": …, "checks": [...]}')
    doctor.set_defaults(func=commands["doctor"])

    emulator = sub.add_parser("emulator", help="the stand-in for Google on its own, for app developers")
    if "emulator" in argv:
        from core.emulator import cli as emulator_cli

        emulator_cli.add_arguments(emulator)
    emulator.set_defaults(func=commands["emulator"])
    return parser
