"""SIGKILL at random moments of a replace download (in a child process); the library must stay whole."""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from core.emulator import Emulator, Fault, Person
from core.library import Library
from tests.test_library import World, leftovers, photo_ids, pick

KILLS = int(os.environ.get("LIBRARY_KILLS", "6"))  # a longer soak: LIBRARY_KILLS=100
SCREEN = (640, 480)
ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import os, sys
from pathlib import Path
import requests
import core.picker
from core.config import DownloadConfig
from core.library import Library
from core.picker import PickerClient
from core.transport import Transport

url, sid, state_dir, library_dir, page_size = sys.argv[1:6]
core.picker.PAGE_SIZE = int(page_size)
http = requests.Session()
http.headers["Authorization"] = "Bearer " + os.environ["KIOSK_TEST_TOKEN"]
client = PickerClient(url, Transport(http, timeout=10))
lib = Library(Path(state_dir), Path(library_dir), download=DownloadConfig(workers=4), screen=(640, 480))
lib.open()
print("ready", flush=True)
report = lib.resume_pending(client, sid)
print("done", report.done, flush=True)
lib.close()
"""


def check_whole(world: World, old: set[str], new: set[str]) -> tuple[int, bool, set[str], bool]:
    """Open the library as a fresh start would: no temp files, every indexed file decodes, and it shows
    exactly the old set or exactly the new one. Returns (pending, has_pending, shown ids, listed)."""
    lib = Library(world.state_dir, world.library_dir, screen=SCREEN)
    lib.open()
    try:
        assert leftovers(world.library_dir) == []
        shown = lib.photos()
        for p in shown:
            with Image.open(p.path) as im:
                im.load()
        ids = {p.id for p in shown}
        assert ids in (old, new), "a replace must never show a mix of the old and the new set"
        [session] = lib.open_sessions()
        return session.pending, session.has_pending, ids, session.listed
    finally:
        lib.close()


def next_round(world: World, finished: str | None, count: int) -> tuple[str, set[str]]:
    """Forget (and delete at Google) the finished session; remember a new replace session of ``count``."""
    emu = world.emu
    lib = Library(world.state_dir, world.library_dir, screen=SCREEN)
    lib.open()
    if finished is not None:
        world.client.delete_session(finished)
        lib.forget_session(finished)
    sid = pick(emu, world.client, count=count)
    lib.remember_session(sid, "9b2e1c3a-4d5f-4a6b-8c7d-0e1f2a3b4c5d", replace=True)
    lib.close()
    return sid, set(photo_ids(emu, sid))


# 100: the whole pick is one page. 8: six pages answered slowly, so kills also land while it is still listed
# (and fetched) page by page.
@pytest.mark.parametrize("page_size", [100, 8])
def test_sigkill_at_random_moments_never_breaks_the_library(
    make_emulator: Callable[..., Emulator], tmp_path: Path, page_size: int
) -> None:
    emu = make_emulator(photos=60, latency=0.05, person=Person(pick_count=10, include_videos=False))
    if page_size < 48:
        emu.add_fault(Fault(endpoint="mediaItems.list", latency=0.05, times=None))
    world = World(emu, tmp_path)

    lib = world.library(screen=SCREEN)
    first = pick(emu, world.client)
    lib.download_session(world.client, first)
    lib.close()
    old = set(photo_ids(emu, first))
    current, new = next_round(world, first, 48)

    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KIOSK_TEST_TOKEN": world.token}
    history: list[tuple[float, int, bool]] = []
    unlisted = 0  # kills that landed before the whole list was recorded
    midway = 0  # kills that left part of the session still to fetch
    for kill in range(KILLS):
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                CHILD,
                emu.url,
                current,
                str(world.state_dir),
                str(world.library_dir),
                str(page_size),
            ],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        ready, _, _ = select.select([child.stdout], [], [], 30)
        assert ready and child.stdout.readline().strip() == "ready"
        # Paged: every other kill comes later, past the ~0.6 s it takes to list 48 items, so kills land both
        # while the list is still arriving (always the first) and after it is all recorded.
        late = page_size < 48 and kill % 2 == 1
        delay = rng.uniform(0.3, 0.8) if late else rng.uniform(0.0, 0.3)
        select.select([child.stdout], [], [], delay)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
        pending, has_pending, shown, listed = check_whole(world, old, new)
        unlisted += not listed
        midway += 0 < pending < len(new)  # this session's size: a later round may be smaller
        history.append((round(delay, 3), pending, shown == new))
        if shown == new and not has_pending:  # this replace finished before the kill: start another
            old = new
            # Alternate small and large picks so each round has plenty left to fetch.
            current, new = next_round(world, current, 8 if len(new) > 20 else 48)

    print(f"seed={seed} (delay, pending after kill, swapped): {history}; {unlisted} kills before listed")
    assert midway > 0, "no kill landed mid-download"
    if page_size < 48:
        assert unlisted > 0, "no kill landed while the session was still being listed"

    lib = Library(world.state_dir, world.library_dir, screen=SCREEN)
    lib.open()
    report = lib.resume_pending(world.client, current)
    assert report.pending == 0 and report.done == len(new)
    assert {p.id for p in lib.photos()} == new
    for p in lib.photos():
        assert Path(p.path).read_bytes() == emu.rendition_bytes(p.id, "w640-h480")
    assert len(list(world.library_dir.iterdir())) == len(new) and leftovers(world.library_dir) == []
    lib.close()
