"""`picker-kiosk emulator`: run the stand-in Google on its own, for app developers and manual tests."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
import time
from types import FrameType

from core.emulator.person import Answer, Person
from core.emulator.photos import MAX_PHOTOS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The emulator's command-line flags."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = any free port)")
    parser.add_argument("--photos", type=int, default=60, help=f"library size, 1..{MAX_PHOTOS} (default 60)")
    parser.add_argument("--approve-after", type=float, default=2.0, help="seconds until a code is approved")
    answer = parser.add_mutually_exclusive_group()
    answer.add_argument("--deny", action="store_true", help="the person says no to every code")
    answer.add_argument("--never-answer", action="store_true", help="the person never answers")
    parser.add_argument("--pick-count", type=int, default=12, help="items picked per session (default 12)")
    parser.add_argument("--pick-after", type=float, default=3.0, help="seconds until the person taps Done")
    parser.add_argument("--interval", type=int, default=5, help="device-grant poll interval in seconds")
    parser.add_argument("--poll-interval", type=float, default=5.0, help="sessions pollInterval in seconds")
    parser.add_argument("--session-timeout", type=float, default=1800.0, help="sessions timeoutIn in seconds")
    parser.add_argument("--client-id", default=None, help="accept only this client id (default: any)")
    parser.add_argument("--client-secret", default=None, help="accept only this client secret (default: any)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every answer")
    parser.add_argument("--complete-uri", action="store_true", help="also send verification_uri_complete")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request (never tokens)")


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT or SIGTERM; 0 on a clean stop, 2 when the settings cannot be used."""
    from core.emulator.server import Emulator  # here: `picker-kiosk run` reads these flags, never serves

    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    answer: Answer = "deny" if args.deny else "never" if args.never_answer else "approve"
    person = Person(
        answer=answer, approve_after=args.approve_after, pick_count=args.pick_count, pick_after=args.pick_after
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
            interval=args.interval,
            poll_interval=args.poll_interval,
            session_timeout=args.session_timeout,
            complete_uri=args.complete_uri,
            latency=args.latency,
        )
        emu.start()
    except (ValueError, OSError) as exc:
        print(f"picker-kiosk emulator: cannot start: {exc}")
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(f"Emulated Google listening on {emu.url}", flush=True)
        print("Use it from picker-kiosk with this in the config file:\n", flush=True)
        print(
            "[google]\n"
            f'client_id = "{args.client_id or "emulator.apps.googleusercontent.com"}"\n'
            f'client_secret = "{args.client_secret or "emulator-secret"}"\n'
            f'auth_url = "{emu.url}"\n'
            f'picker_url = "{emu.url}"\n',
            flush=True,
        )
        print("Stop with Ctrl+C.", flush=True)
        stop.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        emu.stop()
    return 0
