"""`picker-kiosk demo`: the whole journey offline, against the built-in stand-in for Google."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
from dataclasses import replace
from pathlib import Path

from core.config import CompanionConfig, Config, DesktopClient, GoogleConfig, StorageConfig
from device.journey import parse_size, run_journey

DEMO_CLIENT_ID = "picker-kiosk-demo.apps.googleusercontent.com"
DEMO_CLIENT_SECRET = "demo-client-secret"  # the emulator's; not a Google secret
DEMO_DESKTOP_ID = "picker-kiosk-demo-desktop.apps.googleusercontent.com"


def demo_state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "picker-kiosk" / "demo"


def cmd_demo(args: argparse.Namespace) -> int:
    from core.emulator import Emulator, Person
    from core.emulator.picker import videos_among

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
        videos = videos_among(args.photos)
        print(
            f"Demo: a stand-in for Google is running at {emulator.url}; its scripted person signs in and picks "
            f"{args.photos} items by themselves: {args.photos - videos} photos and {videos} videos (this frame "
            "shows photos only, unless [download] videos = true)."
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
            companion=CompanionConfig(bind="127.0.0.1", port=0),  # any free port: the link names it
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
