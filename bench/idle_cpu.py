"""Idle CPU: the app's share of one core while Choose is shown and between slideshow transitions.

Read from outside the process (/proc/<pid>/stat, every thread's user + system time) over
journey.IDLE_WINDOW s of wall time, in each of the journeys (median and spread);
see bench/journey.py for the moments. The baseline is bench/naive_frame.py, a frame loop that redraws 30
times a second, measured the same way; the target is absolute: under 2 % of one core.
"""

from __future__ import annotations

import sys
import time

from bench import journey
from bench.common import Figure, Watched, cpu_share, median, python_env, spread

TARGET = 0.02


def naive_frame_cpu() -> list[float]:
    loop = Watched([sys.executable, "-m", "bench.naive_frame"], env=python_env())
    try:
        loop.wait_for(r"^drawn$", 30)
        time.sleep(1.0)
        return [cpu_share(loop.pid, journey.IDLE_WINDOW) for _ in range(journey.JOURNEYS)]
    finally:
        loop.stop()


def run() -> list[Figure]:
    seen = journey.observe_all()
    naives = naive_frame_cpu()
    naive = median(naives)
    rows = []
    for screen, shares in (
        ("Choose screen", [s.choose_cpu for s in seen]),
        ("slideshow", [s.slideshow_cpu for s in seen]),
    ):
        share = median(shares)
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
                project_spread=spread([100 * v for v in shares]),
                baseline_spread=spread([100 * v for v in naives]),
                details={
                    "runs": shares,
                    "window_s": journey.IDLE_WINDOW,
                    "baseline": "30 fps redraw loop (bench/naive_frame.py)",
                },
            )
        )
    return rows
