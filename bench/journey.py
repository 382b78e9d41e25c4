"""One whole journey of the app, observed from outside: the source of the idle-CPU, pick-to-photo and API figures.

`picker-kiosk run --size 1920x1080` (SDL's dummy video driver, slideshow interval 30 s) against the emulator,
which runs in this process (so its request log can be read) with 40 ms of latency per request, every photo
drawn at the screen's size before the app starts (drawing one took ~50 ms of this process's CPU on the
first request for it: 20 photos drawn during the download were up to ~1 s of the emulator, not of Google,
inside the pick-to-photo time). The device
signs in, shows Choose; the person waits, then taps Done 50 ms after one of the device's polls (the worst
moment: the device can only notice at its next poll); the device downloads, deletes the session and starts
the slideshow. Along the way:

- Choose idle: the app's CPU over ``IDLE_WINDOW`` seconds while Choose is on screen (polls included);
- pick to photo: from the Done tap (emulator clock: session created + pick_after) to the log line
  ``drawn: first photo`` (device/loop.py), which is the first frame of the first photo's fade-in;
- slideshow idle: the app's CPU over ``IDLE_WINDOW`` seconds from 3 s after the first photo (its fade and the
  decoding of the next photo are over) — well before the next transition;
- every request the emulator received.

The journey runs ``JOURNEYS`` times per `python -m bench`, whichever of its figures asks first; the figures
take the median of the runs and print their spread.
"""

from __future__ import annotations

import functools
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench.common import (
    CLIENT_ID,
    CLIENT_SECRET,
    Watched,
    app_argv,
    cpu_share,
    python_env,
    write_config,
)

POLL_INTERVAL = 5.0  # the emulator's (and Google's usual) pollInterval
PICKS = 20
LATENCY = 0.04
IDLE_WINDOW = 4.0
JOURNEYS = 5  # each timing figure from the journey is the median of this many
SLIDE_INTERVAL = 30.0  # longer than the slideshow window, so no transition falls inside it
DONE_AFTER_POLL = 0.05
SCREEN = "1920x1080"
SPEC = "w1920-h1080"  # what the device asks for at that size


@dataclass(frozen=True)
class Observed:
    session_id: str
    created_at: float  # emulator clock = this process's time.monotonic()
    done_at: float
    first_photo_at: float
    choose_cpu: float  # share of one core
    slideshow_cpu: float
    photos: int  # picked items that are photos (what the device fetches)
    requests: list[dict[str, Any]]
    timeline: dict[str, float]


def observe_all() -> list[Observed]:
    """Every journey of this run (made on first use)."""
    return [observe(i) for i in range(JOURNEYS)]


@functools.cache
def observe(run: int = 0) -> Observed:
    """Journey number ``run`` (each one once per process)."""
    from core.emulator import Emulator, Person

    person = Person(approve_after=0.3, pick_count=PICKS, pick_after=3600.0, include_videos=False)
    emu = Emulator(
        photos=60,
        person=person,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        interval=1,
        poll_interval=POLL_INTERVAL,
        latency=LATENCY,
    )
    for item in emu.items:  # drawn beforehand, as in download.py: Google serves its renditions, it does not paint them
        if item.type == "PHOTO":
            emu.rendition_bytes(item.id, SPEC)
    with emu, tempfile.TemporaryDirectory(prefix="bench-journey-") as tmp:
        config = write_config(Path(tmp), emu.url, slideshow={"interval": SLIDE_INTERVAL})
        app = Watched(app_argv(config, "--size", SCREEN), env=python_env())
        try:
            start = app.started
            choose = app.wait_for(r"drawn: choose$", 60)
            time.sleep(1.0)
            choose_cpu = cpu_share(app.pid, IDLE_WINDOW)
            # Done comes just after the next poll: the device only notices at the one after.
            session_id = emu.sessions_created[0]
            created = next(r.time for r in emu.requests if r.endpoint == "sessions.create")
            polls = len(_gets(emu, session_id))
            deadline = time.monotonic() + 3 * POLL_INTERVAL
            while len(_gets(emu, session_id)) == polls and time.monotonic() < deadline:
                time.sleep(0.005)
            last_poll = _gets(emu, session_id)[-1]
            emu.person = replace(person, pick_after=last_poll - created + DONE_AFTER_POLL)
            done_at = last_poll + DONE_AFTER_POLL
            first_photo = app.wait_for(r"drawn: first photo$", 60 + 3 * POLL_INTERVAL)
            time.sleep(max(0.0, first_photo + 3.0 - time.monotonic()))
            slideshow_cpu = cpu_share(app.pid, IDLE_WINDOW)
            photos = len(emu.picked(session_id))
            timeline = {
                "choose drawn": choose - start,
                "session created": created - start,
                "done": done_at - start,
                "first photo": first_photo - start,
            }
        finally:
            app.stop()
        records = [
            {
                "time": r.time,
                "method": r.method,
                "path": r.path,
                "query": r.query,
                "endpoint": r.endpoint,
                "status": r.status,
            }
            for r in emu.requests
        ]
    return Observed(
        session_id=session_id,
        created_at=created,
        done_at=done_at,
        first_photo_at=first_photo,
        choose_cpu=choose_cpu,
        slideshow_cpu=slideshow_cpu,
        photos=photos,
        requests=records,
        timeline=timeline,
    )


def _gets(emu: Any, session_id: str) -> list[float]:
    return [r.time for r in emu.requests if r.endpoint == "sessions.get" and r.path.endswith(session_id)]
