"""Smoke test of the benchmarks: the cheapest figure (photo preparation) end to end, and the table around it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench import prepare
from bench.__main__ import table

ROOT = Path(__file__).resolve().parents[1]


def test_photo_prep_figure_runs_both_paths_and_compares_them() -> None:
    time_row, memory_row = prepare.run(repeats=1)

    details = time_row.details
    assert details["photo"].startswith("4000x3000 JPEG")  # the 12 MP photo the figure's name promises
    project, baseline = details["project"], details["baseline"]
    # The project's path hands over a whole screen (photo on its backdrop); the baseline only the fitted photo.
    assert project["size"] == [1920, 1080]
    assert baseline["size"] == [1440, 1080]
    # Each path was timed once (repeats=1), after the warm-up round that is not counted.
    assert len(project["times"]) == len(baseline["times"]) == 1
    # draft() decoding is what makes the project's path fast: without it the project would be the slower one.
    assert time_row.project < time_row.baseline
    # The plain decode holds the whole 12 MP picture (36 MB of RGB): a peak reading that misses it is broken.
    assert memory_row.baseline > 34
    # draft() decoding never holds the 12 MP picture in memory, as the plain decode must.
    assert 0 < memory_row.project < memory_row.baseline
    assert memory_row.passed, f"the project's path peaked at {memory_row.project:.1f} MB"

    text = table([time_row, memory_row], {"download": "Traceback …"})
    rows = {line.split("|")[1].strip(): line for line in text.splitlines()[2:]}
    assert set(rows) == {time_row.name, memory_row.name, "download"}
    assert "error" in rows["download"] and rows["download"].rstrip(" |").endswith("NO")
    saved = json.loads(json.dumps([time_row.as_json(), memory_row.as_json()]))  # what results.json is made of
    assert [row["figure"] for row in saved] == [time_row.name, memory_row.name]
    assert saved[1]["pass"] is True and saved[0]["details"]["project"]["size"] == [1920, 1080]


def test_unknown_figure_is_refused_before_anything_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bench", "no-such-figure"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert out.returncode == 2
    assert "no-such-figure" in out.stderr


def test_the_table_prints_each_median_with_its_spread() -> None:
    from bench.common import Figure, interleaved, spread

    calls: list[str] = []
    interleaved(3, lambda: calls.append("project"), lambda: calls.append("baseline"))
    assert calls == ["project", "baseline"] * 3
    row = Figure("x", 1.5, 3.0, "s", 2.0, "× faster", "≥ 1×", True, spread([1.2, 1.5, 1.9]), spread([2.5, 3.0, 3.5]))
    line = table([row], {}).splitlines()[2]
    assert "1.500 s (1.200–1.900)" in line and "3.000 s (2.500–3.500)" in line
