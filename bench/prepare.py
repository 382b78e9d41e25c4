"""Photo preparation: a 12 MP JPEG to a 1920×1080 surface ready to draw, the project's path vs a plain decode.

Each path's peak memory is measured in a fresh child process of its own (VmHWM, which sees Pillow's and SDL's
C buffers that tracemalloc cannot): the child reads VmHWM once its imports are done, prepares the photo once,
and reads it again. The times come from a third child that runs the two paths in turns.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, Figure, median, python_env, spread, status_kib

SCREEN = (1920, 1080)
PHOTO = (4000, 3000)  # 12 MP, the common phone camera
REPEATS = 7


def make_photo(path: Path) -> int:
    """A 12 MP JPEG that compresses like a photo (shapes, gradients and sensor noise); returns its size."""
    from PIL import Image

    from core.emulator.photos import draw_scene, make_item

    scene = draw_scene(make_item(4, seed=0), *PHOTO)  # the emulator's 12 MP item, drawn at full size
    noise = Image.effect_noise(PHOTO, 24).convert("RGB")
    Image.blend(scene, noise, 0.18).save(path, "JPEG", quality=92)
    return path.stat().st_size


# ---- the two paths, run inside a child process --------------------------------------------------------


def _project(path: str) -> tuple[int, int]:
    import pygame

    from device.ui.photos import compose_slide

    data = compose_slide(path, SCREEN)  # draft() decoding, fitted, on its blurred backdrop
    surface = pygame.image.frombuffer(data, SCREEN, "RGB")  # as the slideshow does: no copy
    return surface.get_size()


def _baseline(path: str) -> tuple[int, int]:
    import pygame
    from PIL import Image

    img = Image.open(path).convert("RGB")  # what most frame projects do: decode every pixel, then shrink
    scale = min(SCREEN[0] / img.width, SCREEN[1] / img.height)
    img = img.resize((round(img.width * scale), round(img.height * scale)))
    surface = pygame.image.frombytes(img.tobytes(), img.size, "RGB")
    return surface.get_size()


def child(which: str, path: str, repeats: int) -> dict[str, Any]:
    """Inside a fresh child: the peak memory of one preparation by ``which``, or (``which`` == "time") the
    median times of both paths, taken in turns so that a busy machine slows both alike."""
    import pygame  # noqa: F401  (both paths' imports are done before the "before" reading)
    from PIL import Image  # noqa: F401

    import device.ui.photos  # noqa: F401

    if which != "time":
        prepare = _project if which == "project" else _baseline
        before = status_kib("self", "VmHWM")
        size = prepare(path)
        return {"size": list(size), "peak_kib": status_kib("self", "VmHWM") - before}
    times: dict[str, list[float]] = {"project": [], "baseline": []}
    for _ in range(repeats + 1):  # the first round warms the file cache and is not counted
        for name, prepare in (("project", _project), ("baseline", _baseline)):
            start = time.perf_counter()
            prepare(path)
            times[name].append(time.perf_counter() - start)
    return {name: {"seconds": median(t[1:]), "times": t[1:]} for name, t in times.items()}


def _run_child(which: str, path: Path, repeats: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.prepare", which, str(path), str(repeats)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=python_env(),
        timeout=120,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"the {which} path failed:\n{out.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run(repeats: int = REPEATS) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="bench-prepare-") as tmp:
        photo = Path(tmp) / "12mp.jpg"
        size = make_photo(photo)
        project = _run_child("project", photo, repeats)
        baseline = _run_child("baseline", photo, repeats)
        timing = _run_child("time", photo, repeats)
    project.update(timing["project"])
    baseline.update(timing["baseline"])
    details = {"photo": f"{PHOTO[0]}x{PHOTO[1]} JPEG, {size / 1e6:.1f} MB", "project": project, "baseline": baseline}
    speedup = baseline["seconds"] / project["seconds"]
    memory = project["peak_kib"] / baseline["peak_kib"]
    return [
        Figure(
            name="Photo prep time (12 MP → 1920×1080)",
            project=project["seconds"],
            baseline=baseline["seconds"],
            unit="s",
            ratio=speedup,
            ratio_label="× faster",
            target="≥ 2× faster",
            passed=speedup >= 2.0,
            project_spread=spread(project["times"]),
            baseline_spread=spread(baseline["times"]),
            details=details,
        ),
        Figure(
            name="Photo prep peak memory",
            project=project["peak_kib"] / 1024,
            baseline=baseline["peak_kib"] / 1024,
            unit="MB",
            ratio=memory,
            ratio_label="× baseline",
            target="≤ 0.5× baseline",
            passed=memory <= 0.5,
            details=details,
        ),
    ]


if __name__ == "__main__":
    print(json.dumps(child(sys.argv[1], sys.argv[2], int(sys.argv[3]))))
