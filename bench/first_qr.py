"""Time to the first QR code: process start to the Connect screen drawn, vs starting Python with the same libraries.

The app is `picker-kiosk run --size 1920x1080` (SDL's dummy video driver) against the emulator, which runs in
this process and answers at once; the device is not signed in, so its first screen with a QR code is
Connect. The moment is the app's own log line ``drawn: connect`` (device/loop.py), time-stamped here on
arrival. The floor is bench/floor.py. Both are started alternately, once each untimed to warm the file
cache, then ``RUNS`` times each in turns, every other pair floor first (so neither side always follows the
other); the figure compares the medians. A start is a quarter of a second, so the medians are of 15 runs:
on this shared machine a single start varies by ±20 %, and 7 runs left the median ±10 % from run to run.

Our own modules are byte-compiled first, as `pip install` does (the libraries in the floor are too); a
checkout run with PYTHONDONTWRITEBYTECODE would otherwise compile them from source at every start.
"""

from __future__ import annotations

import compileall
import sys
import tempfile
from pathlib import Path

from bench.common import (
    CLIENT_ID,
    CLIENT_SECRET,
    ROOT,
    Figure,
    Watched,
    app_argv,
    median,
    python_env,
    spread,
    write_config,
)

RUNS = 15
TARGET = 1.35


def time_app(url: str, folder: Path) -> float:
    config = write_config(folder, url)
    app = Watched(app_argv(config, "--size", "1920x1080"), env=python_env())
    try:
        return app.wait_for(r"drawn: connect$", 30) - app.started
    finally:
        app.stop()


def time_floor() -> tuple[float, int]:
    """Seconds to the floor's first frame, and its peak memory in kB."""
    floor = Watched([sys.executable, "-m", "bench.floor"], env=python_env())
    try:
        drawn = floor.wait_for(r"^drawn$", 30) - floor.started
        floor.wait_for(r"^peak ", 10)
        peak = next(int(line.split()[1]) for _, line in floor.lines if line.startswith("peak "))
        return drawn, peak
    finally:
        floor.stop()


def run(runs: int = RUNS) -> list[Figure]:
    from core.emulator import Emulator, Person

    for package in ("core", "device", "bench"):
        compileall.compile_dir(ROOT / package, quiet=1)
    app_times: list[float] = []
    floor_times: list[float] = []
    with (
        Emulator(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, person=Person(answer="never")) as emu,
        tempfile.TemporaryDirectory(prefix="bench-first-qr-") as tmp,
    ):
        for i in range(runs + 1):
            if i % 2:
                app = time_app(emu.url, Path(tmp) / f"run{i}")
                floor, _ = time_floor()
            else:
                floor, _ = time_floor()
                app = time_app(emu.url, Path(tmp) / f"run{i}")
            if i:
                app_times.append(app)
                floor_times.append(floor)
    app_s, floor_s = median(app_times), median(floor_times)
    ratio = app_s / floor_s
    return [
        Figure(
            name="Time to first QR code",
            project=app_s,
            baseline=floor_s,
            unit="s",
            ratio=ratio,
            ratio_label="× floor",
            target=f"≤ {TARGET:g}× floor",
            passed=ratio <= TARGET,
            project_spread=spread(app_times),
            baseline_spread=spread(floor_times),
            details={"app_runs": app_times, "floor_runs": floor_times},
        )
    ]
