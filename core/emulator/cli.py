"""`picker-kiosk emulator`: run the stand-in Google on its own, for app developers and manual tests."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from types import FrameType

from core.emulator.faults import FAULT_SYNTAX, Fault, parse_fault
from core.emulator.person import Answer, Person
from core.emulator.photos import MAX_PHOTOS

WILDCARD_HOSTS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # listen everywhere → say loopback


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port: use 0..65535 (0 = any free port)")
    return port


def _fault(text: str) -> Fault:
    try:
        return parse_fault(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The emulator's command-line flags."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=8765, help="port (default 8765; 0 = any free port)")
    parser.add_argument("--photos", type=int, default=60, help=f"library size, 1..{MAX_PHOTOS} (default 60)")
    parser.add_argument("--approve-after", type=float, default=2.0, help="seconds until a code is approved")
    answer = parser.add_mutually_exclusive_group()
    answer.add_argument("--deny", action="store_true", help="the person says no to every code")
    answer.add_argument("--never-answer", action="store_true", help="the person never answers")
    parser.add_argument("--pick-count", type=int, default=12, help="items picked per session (default 12)")
    parser.add_argument("--no-videos", action="store_true", help="the person picks photos only")
    parser.add_argument(
        "--new-picks",
        action="store_true",
        help="each session picks items no earlier one picked (to grow a big library session by session)",
    )
    parser.add_argument("--pick-after", type=float, default=3.0, help="seconds until the person taps Done")
    parser.add_argument("--interval", type=int, default=5, help="device-grant poll interval in seconds")
    parser.add_argument("--poll-interval", type=float, default=5.0, help="sessions pollInterval in seconds")
    parser.add_argument("--session-timeout", type=float, default=1800.0, help="sessions timeoutIn in seconds")
    parser.add_argument("--client-id", default=None, help="accept only this client id (default: any)")
    parser.add_argument("--client-secret", default=None, help="accept only this client secret (default: any)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every answer")
    parser.add_argument("--complete-uri", action="store_true", help="also send verification_uri_complete")
    parser.add_argument("--desktop-client-id", default=None, help='the "Desktop app" client (default: any id)')
    parser.add_argument("--desktop-client-secret", default=None, help="its secret (default: any)")
    parser.add_argument(
        "--refuse-picker-scope",
        action="store_true",
        help="the device grant refuses the Picker scope as Google may: 400 invalid_scope on /device/code",
    )
    parser.add_argument(
        "--wrong-client-type",
        action="store_true",
        help='/device/code answers 401 invalid_client, as for a client not of type "TVs and Limited Input"',
    )
    parser.add_argument(
        "--consent-page",
        action="store_true",
        help="/o/oauth2/v2/auth shows an Allow/Cancel page (default: it redirects at once, for scripts)",
    )
    parser.add_argument("--cancel-consent", action="store_true", help='the person taps "Cancel" on the consent')
    parser.add_argument(
        "--fault",
        type=_fault,
        action="append",
        default=[],
        metavar="ENDPOINT:ITEM[,ITEM...]",
        help=f"misbehave on an endpoint; repeatable. {FAULT_SYNTAX}",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request (never tokens)")


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT or SIGTERM; 0 on a clean stop, 2 when the settings cannot be used."""
    from core.emulator.server import Emulator  # here: `picker-kiosk run` reads these flags, never serves

    logging.basicConfig(level=logging.INFO, format="%(message)s")  # unless the caller set up logging already
    # Requests are logged at INFO: quiet unless -v, whatever the root logger's level.
    logging.getLogger("core.emulator").setLevel(logging.INFO if args.verbose else logging.WARNING)
    answer: Answer = "deny" if args.deny else "never" if args.never_answer else "approve"
    person = Person(
        answer=answer,
        approve_after=args.approve_after,
        pick_count=args.pick_count,
        pick_after=args.pick_after,
        include_videos=not args.no_videos,
        new_picks=args.new_picks,
        consent="cancel" if args.cancel_consent else "allow",
        consent_page=args.consent_page,
    )
    try:
        emu = Emulator(
            args.host,
            args.port,
            photos=args.photos,
            person=person,
            clock=time.monotonic,
            client_id=args.client_id,
            client_secret=args.client_secret,
            desktop_client_id=args.desktop_client_id,
            desktop_client_secret=args.desktop_client_secret,
            interval=args.interval,
            poll_interval=args.poll_interval,
            session_timeout=args.session_timeout,
            complete_uri=args.complete_uri,
            latency=args.latency,
        )
        emu.refuse_scope = args.refuse_picker_scope
        emu.wrong_client_type = args.wrong_client_type
        for fault in args.fault:
            emu.add_fault(fault)
        emu.start()
    except (ValueError, OSError, OverflowError) as exc:
        print(f"picker-kiosk emulator: cannot start: {exc}")
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        text, warning = announcement(args, emu.url, emu.port)
        if warning:
            print(warning, file=sys.stderr, flush=True)
        print(text, flush=True)
        print("Stop with Ctrl+C.", flush=True)
        stop.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        emu.stop()
    return 0


def announcement(args: argparse.Namespace, url: str, port: int) -> tuple[str, str | None]:
    """What ``run`` prints once listening: where, and the config lines to use it; and a warning, if any.

    Listening on every address (``--host 0.0.0.0`` or ``::``) warns, and the config names the loopback
    address instead: `picker-kiosk run` refuses plain http to anything but loopback.
    """
    warning = None
    loopback = WILDCARD_HOSTS.get(args.host.strip("[]"))
    config_url = url
    if loopback is not None:
        config_url = f"http://{f'[{loopback}]' if ':' in loopback else loopback}:{port}"
        warning = (
            f"Warning: listening on {args.host or 'every address'}: anyone on your network can reach this "
            "emulator, and it gives a token to whoever asks.\n"
            f"The config below uses {loopback}, this machine: `picker-kiosk run` refuses plain http to anything "
            "but a loopback address."
        )
    text = (
        f"Emulated Google listening on {url}\n"
        "Use it from picker-kiosk with this in the config file:\n\n"
        "[google]\n"
        f'client_id = "{args.client_id or "emulator.apps.googleusercontent.com"}"\n'
        f'client_secret = "{args.client_secret or "emulator-secret"}"\n'
        f'auth_url = "{config_url}"\n'
        f'picker_url = "{config_url}"\n'
        f'authorize_url = "{config_url}/o/oauth2/v2/auth"\n'
        "\n[google.desktop]\n"
        f'client_id = "{args.desktop_client_id or "emulator-desktop.apps.googleusercontent.com"}"\n'
        f'client_secret = "{args.desktop_client_secret or "emulator-desktop-secret"}"\n'
    )
    return text, warning
