"""Asleep, the whole main loop (the real Loop, the pygame screen on SDL's dummy driver) uses next to no CPU."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import os, queue, sys, threading, time
from datetime import datetime
from PIL import Image
from core import flow
from core.config import SlideshowConfig
from core.library import Photo
from core.schedule import parse_schedule
from core.states import Slideshow
from device.loop import Loop
from device.ui.screen import Screen

seconds, folder = float(sys.argv[1]), sys.argv[2]
path = os.path.join(folder, "p.jpg")
Image.new("RGB", (1600, 1200), (200, 150, 50)).save(path)
photos = [Photo(id=f"p{i}", path=path, width=1600, height=1200) for i in range(50)]
screen = Screen(size=(1920, 1080), slideshow=SlideshowConfig(clock="corner"),
                schedule=parse_schedule("00:00-23:59"), wall=lambda: datetime(2026, 12, 1, 12, 0))
screen.open()
events: queue.Queue = queue.Queue()

def next_event(wait):
    try:
        return events.get(timeout=wait)
    except queue.Empty:
        return None

machine = flow.Machine(state=Slideshow(count=50), signed_in=True, photos=50)
loop = Loop(machine, screen, lambda effects: None, next_event, lambda: [], lambda: photos)
thread = threading.Thread(target=loop.run, daemon=True)
thread.start()
deadline = time.monotonic() + 10
while not screen.dark and time.monotonic() < deadline:
    time.sleep(0.05)
assert screen.dark, "the frame never went dark"
time.sleep(0.5)
cpu, wall = time.process_time(), time.monotonic()
time.sleep(seconds)
print((time.process_time() - cpu) / (time.monotonic() - wall))
loop.request_stop()
thread.join(5)
screen.close()
"""


def test_asleep_the_loop_uses_under_half_a_percent_of_a_core(tmp_path: Path) -> None:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "PYGAME_HIDE_SUPPORT_PROMPT": "1"}
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", CHILD, "4", str(tmp_path)], cwd=root, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    share = float(done.stdout.strip().splitlines()[-1])
    assert share < 0.005, f"asleep the loop used {share:.2%} of a core"
