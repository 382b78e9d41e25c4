"""Idle CPU: the app's share of one core while Choose is shown and between slideshow transitions.

Read from outside the process (/proc/<pid>/stat, every thread's user + system time) over 10 s of wall time;
see bench/journey.py for the moments. The baseline is bench/naive_frame.py, a frame loop that redraws 30
times a second, measured the same way; the target is absolute: under 2 % of one core.
"""

from __future__ import annotations

import sys
import time

from bench import journey
from bench.common import Figure, Watched, cpu_share, python_env

TARGET = 0.02


def naive_frame_cpu() -> float:
    loop = Watched([sys.executable, "-m", "bench.naive_frame"], env=python_env())
    try:
        loop.wait_for(r"^drawn$", 30)
        time.sleep(1.0)
        return cpu_share(loop.pid, journey.IDLE_WINDOW)
    finally:
        loop.stop()


def run() -> list[Figure]:
    seen = journey.observe()
    naive = naive_frame_cpu()
    rows = []
    for screen, share in (("Choose screen", seen.choose_cpu), ("slideshow", seen.slideshow_cpu)):
        rows.append(
            Figure(
                name=f"Idle CPU, {screen}",
                project=100 * share,
                baseline=100 * naive,
                unit="% core",
                ratio=share / naive if naive > 0 else float("nan"),
                ratio_label="× naive loop",
                target=f"< {100 * TARGET:g} % of a core",
                passed=share < TARGET,
                details={"window_s": journey.IDLE_WINDOW, "baseline": "30 fps redraw loop (bench/naive_frame.py)"},
            )
        )
    return rows
