"""Smoke test of the benchmarks: the cheapest figure (photo preparation) end to end, and the table around it."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

from bench import prepare
from bench.__main__ import table

ROOT = Path(__file__).resolve().parents[1]


def test_photo_prep_figure_runs_both_paths_and_compares_them() -> None:
    time_row, memory_row = prepare.run(repeats=1)

    project, baseline = time_row.details["project"], time_row.details["baseline"]
    # The project's path hands over a whole screen (photo on its backdrop); the baseline only the fitted photo.
    assert project["size"] == [1920, 1080]
    assert baseline["size"] == [1440, 1080]
    assert time_row.project > 0 and time_row.baseline > 0
    assert math.isclose(time_row.ratio, time_row.baseline / time_row.project)
    # draft() decoding never holds the 12 MP picture in memory, as the plain decode must.
    assert 0 < memory_row.project < memory_row.baseline
    assert math.isclose(memory_row.ratio, memory_row.project / memory_row.baseline)
    assert memory_row.passed == (memory_row.ratio <= 0.5)

    text = table([time_row, memory_row], {})
    assert time_row.name in text and memory_row.name in text
    assert json.dumps([time_row.as_json(), memory_row.as_json()])  # what results.json is made of


def test_unknown_figure_is_refused_before_anything_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bench", "no-such-figure"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert out.returncode == 2
    assert "no-such-figure" in out.stderr
