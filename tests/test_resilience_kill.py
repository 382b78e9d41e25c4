"""kill -9 of `picker-kiosk run --headless --once` at random moments of a download, then the same command again.

After every restart the library must be complete and consistent: every picked photo of every session that got
as far as being listed is in the library, byte for byte; every indexed file decodes; no file is there that the
index does not know; no temp file anywhere; and no picking session is left open at Google (the emulator).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from core.emulator import Emulator, Fault, Person
from core.library import Library
from tests.helpers import write_config

ROOT = Path(__file__).resolve().parents[1]
KILLS = int(os.environ.get("KIOSK_KILLS", "20"))  # a longer soak: KIOSK_KILLS=200
SPEC = "w1920-h1080"  # what a headless run asks for (no screen: 1920x1080)


def command(config: Path) -> list[str]:
    return [sys.executable, "-m", "device", "run", "--headless", "--once", "--config", str(config)]


def temp_files(tmp: Path) -> list[Path]:
    return [p for p in (tmp / "state").rglob("*") if p.name.endswith((".part", ".tmp"))]


def listed_sessions(live_emulator: Emulator) -> list[str]:
    """Sessions whose items were listed successfully at least once, in order."""
    out: list[str] = []
    for r in live_emulator.requests:
        if r.endpoint == "mediaItems.list" and r.status == 200:
            sid = r.query.get("sessionId", [""])[0]
            if sid and sid not in out:
                out.append(sid)
    return out


def wait_for(predicate: object, timeout: float) -> bool:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return False


def check_library(tmp: Path, live_emulator: Emulator) -> int:
    """The library as the next start sees it is whole; returns how many photos it has."""
    assert temp_files(tmp) == [], "a temp file was left behind"
    lib = Library(tmp / "state", tmp / "state" / "library")
    lib.open()
    try:
        shown = lib.photos()
        photos = {p.id: Path(p.path) for p in shown}  # a video's path is its poster
        videos = {p.id: Path(p.video) for p in shown if p.video}
        on_disk = {p.name for p in (tmp / "state" / "library").iterdir()}
        indexed = {p.name for p in photos.values()} | {v.name for v in videos.values()}
        assert indexed == on_disk, "files on disk and the index disagree"
        for path in photos.values():
            with Image.open(path) as im:
                im.load()
        for sid in listed_sessions(live_emulator):
            for item in live_emulator.picked(sid):
                if item.type != "PHOTO":
                    if item.video_status == "READY":  # fetched with the default config, beside its poster
                        assert item.id in videos, f"a READY video picked in session {sid[:8]}… is missing"
                        assert videos[item.id].read_bytes() == live_emulator.rendition_bytes(item.id, "dv")
                    continue  # PROCESSING and FAILED ones are not fetched
                assert item.id in photos, f"a photo picked in session {sid[:8]}… is missing"
                assert photos[item.id].read_bytes() == live_emulator.rendition_bytes(item.id, SPEC)
        assert lib.open_sessions() == [], "the library still remembers a session"
        return len(photos)
    finally:
        lib.close()


@pytest.fixture
def live_emulator() -> Iterator[Emulator]:
    # A big library so that every session picks mostly photos not yet downloaded; slow media answers so a
    # download of ~18 photos on 4 workers takes most of a second and the kills land inside it.
    emulator = Emulator(
        photos=2000,
        person=Person(approve_after=0.1, pick_count=24, pick_after=0.1),
        interval=1,
        poll_interval=0.1,
    )
    emulator.add_fault(Fault(endpoint="media", latency=0.1, times=None))
    with emulator:
        yield emulator


def test_kill_9_at_random_moments_of_a_download_then_restart(tmp_path: Path, live_emulator: Emulator) -> None:
    config = write_config(tmp_path, live_emulator.url)
    seed = int(os.environ.get("KIOSK_KILL_SEED", int.from_bytes(os.urandom(4), "big")))
    print(f"kill-9 seed: {seed} (KIOSK_KILL_SEED={seed} repeats it)")
    rng = random.Random(seed)

    # One whole run first: signs in, and measures how long a download (list to exit) takes.
    proc = subprocess.Popen(command(config), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert wait_for(lambda: listed_sessions(live_emulator), 30), "the first run never listed its picks"
    listed_at = time.monotonic()
    _, err = proc.communicate(timeout=60)
    span = time.monotonic() - listed_at
    assert proc.returncode == 0, err
    check_library(tmp_path, live_emulator)
    assert 0.3 < span < 10, f"a download took {span:.2f} s; the kills need one of about a second"

    history: list[tuple[float, bool, int]] = []
    for _ in range(KILLS):
        sessions_before = len(listed_sessions(live_emulator))
        proc = subprocess.Popen(command(config), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            started = lambda n=sessions_before: len(listed_sessions(live_emulator)) > n  # noqa: E731
            assert wait_for(started, 30), "no download started"
            delay = rng.uniform(0.0, span)
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.wait(timeout=30)
        created = len(live_emulator.sessions_created)
        fetched = sum(1 for r in live_emulator.requests if r.endpoint == "media")

        again = subprocess.run(command(config), cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert again.returncode == 0, again.stderr
        assert "Traceback" not in again.stderr
        assert live_emulator.open_sessions == [], "a picking session was left open at Google"
        check_library(tmp_path, live_emulator)
        resumed = len(live_emulator.sessions_created) == created  # the restart finished the killed session
        history.append(
            (round(delay, 3), resumed, sum(1 for r in live_emulator.requests if r.endpoint == "media") - fetched)
        )

    print(f"(kill delay s, restart resumed the killed session, media fetched by the restart): {history}")
    interrupted = sum(1 for _, resumed, more in history if resumed and more > 0)
    assert interrupted >= KILLS // 3, f"only {interrupted} of {KILLS} kills landed before the download ended"
    assert live_emulator.violations == []
