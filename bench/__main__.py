"""`python -m bench [FIGURE ...]`: run the figures, print one table and write bench/results.json.

FIGURE is any of: download prepare first_qr idle_cpu memory pick_to_photo api_economy (default: all).
The exit status is 0 when every figure meets its target, 1 when one misses it, 2 when one could not run.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import Figure

FIGURES = (
    "download",
    "prepare",
    "first_qr",
    "idle_cpu",
    "memory",
    "pick_to_photo",
    "api_economy",
    "video",
    "transition",
    "scale",
)
RESULTS = Path(__file__).resolve().parent / "results.json"


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("model name", "Model")):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
    }


def _number(value: float, unit: str) -> str:
    if unit == "requests":
        return f"{value:.0f}"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    return f"{value:.1f} {unit}" if unit != "% core" else f"{value:.2f} % core"


def _cell(value: float, span: tuple[float, float] | None, unit: str) -> str:
    """A median with its runs' spread: ``1.23 s (1.20–1.31)``."""
    text = _number(value, unit)
    if span is None:
        return text
    low, high = (_number(v, unit).split(" ")[0] for v in span)
    return f"{text} ({low}–{high})"


def table(figures: list[Figure], errors: dict[str, str]) -> str:
    head = ("figure", "project (min–max)", "baseline (min–max)", "ratio", "target", "pass")
    rows = [
        (
            f.name,
            _cell(f.project, f.project_spread, f.unit),
            _cell(f.baseline, f.baseline_spread, f.unit),
            f"{f.ratio:.2f}{f.ratio_label}",
            f.target,
            "yes" if f.passed else "NO",
        )
        for f in figures
    ]
    rows += [(name, "error", "", "", "", "NO") for name in errors]
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(head), rule, *(line(r) for r in rows)])


def main(argv: list[str]) -> int:
    wanted = argv or list(FIGURES)
    unknown = [name for name in wanted if name not in FIGURES]
    if unknown:
        print(f"unknown figure(s): {' '.join(unknown)}; choose from: {' '.join(FIGURES)}", file=sys.stderr)
        return 2
    figures: list[Figure] = []
    errors: dict[str, str] = {}
    seconds: dict[str, float] = {}
    started = time.monotonic()
    for name in wanted:
        print(f"bench: {name} …", file=sys.stderr, flush=True)
        begin = time.monotonic()
        try:
            module = importlib.import_module(f"bench.{name}")
            figures += module.run()
        except Exception:
            errors[name] = traceback.format_exc()
            print(errors[name], file=sys.stderr)
        seconds[name] = time.monotonic() - begin
    text = table(figures, errors)
    info = machine()
    print()
    print(text)
    print(
        f"\n{info['cpus']} × {info['cpu']}, Python {info['python']}, {info['system']}; "
        f"{time.monotonic() - started:.0f} s in all"
    )
    RESULTS.write_text(
        json.dumps(
            {
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": info,
                "seconds": seconds,
                "figures": [f.as_json() for f in figures],
                "errors": errors,
                "table": text,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"written to {RESULTS}")
    if errors:
        return 2
    return 0 if all(f.passed for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
