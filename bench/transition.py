"""The transition: CPU time of one 1-second crossfade at 1920×1080 vs the same number of plain full-screen blits.

In a child process (`python -m bench.transition`, SDL's dummy video driver, so SDL's software renderer):
the slideshow's own Player (device/ui/photos.py) shows one photo, prepares the next, and crossfades to it
over 1 s, drawn at the frame loop's pace during a fade (one frame every 1/30 s of its clock; the clock is
moved by hand, so only drawing is timed). Each frame is ``Player.draw`` onto the display and a flip. The
baseline is the same number of frames of the steady slideshow: one full-screen blit of a slide and a flip.
Both are CPU time of this process (time.process_time), ``RUNS`` times each, interleaved; target ≤ 2×.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, Figure, interleaved, median, python_env, spread

RUNS = 7
SIZE = (1920, 1080)
FADE = 1.0
TARGET = 2.0


def child() -> dict[str, object]:
    import pygame
    from PIL import Image

    from core.config import SlideshowConfig
    from device.ui.photos import Player, Worker

    pygame.display.init()
    display = pygame.display.set_mode(SIZE)
    with tempfile.TemporaryDirectory(prefix="bench-transition-") as tmp:
        from core.library import Photo

        photos = []
        for name, colour in (("a", (200, 60, 40)), ("b", (40, 90, 210))):
            path = Path(tmp) / f"{name}.jpg"
            Image.new("RGB", (4000, 3000), colour).save(path, quality=90)
            photos.append(Photo(id=name, path=str(path)))
        worker = Worker()
        player = Player(SlideshowConfig(interval=5.0, fade=FADE, shuffle=False), SIZE, worker)
        clock = [0.0]

        def settle() -> None:  # until the next photo is decoded and ready, the show not fading
            deadline = time.monotonic() + 30
            while (player.decoding or player.fading) and time.monotonic() < deadline:
                clock[0] += 0.05
                player.update(clock[0], photos)
                time.sleep(0.01)

        player.update(clock[0], photos)
        settle()
        fades: list[float] = []
        blits: list[float] = []
        frames = [0]

        def crossfade() -> None:
            clock[0] += 5.0  # the interval is over: the next update starts the fade
            cpu = time.process_time()
            n = 0
            player.update(clock[0], photos)
            while player.fading:
                player.draw(display, kept=True)  # nothing else draws on it between frames (no overlays)
                pygame.display.flip()
                n += 1
                clock[0] += 1 / 30
                player.update(clock[0], photos)
            fades.append(time.process_time() - cpu)
            frames[0] = n
            settle()

        def plain() -> None:
            slide = pygame.Surface(SIZE).convert()
            slide.fill((90, 90, 90))
            cpu = time.process_time()
            for _ in range(frames[0]):
                display.blit(slide, (0, 0))
                pygame.display.flip()
            blits.append(time.process_time() - cpu)

        crossfade()  # warm up, untimed
        fades.clear()
        interleaved(RUNS, crossfade, plain)
        worker.close()
    return {"fades": fades, "blits": blits, "frames": frames[0]}


def run() -> list[Figure]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.transition", "--child"],
        capture_output=True,
        text=True,
        env=python_env(),
        cwd=ROOT,
        timeout=300,
        check=True,
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    fades, blits = seen["fades"], seen["blits"]
    fade, blit = median(fades), median(blits)
    return [
        Figure(
            name=f"Crossfade 1 s at 1920×1080 ({seen['frames']} frames)",
            project=fade,
            baseline=blit,
            unit="s",
            ratio=fade / blit,
            ratio_label="× plain blits",
            target=f"≤ {TARGET:g}× plain blits",
            passed=fade / blit <= TARGET,
            project_spread=spread(fades),
            baseline_spread=spread(blits),
            details=seen,
        )
    ]


if __name__ == "__main__":
    if "--child" in sys.argv:
        print(json.dumps(child()))
    else:
        for figure in run():
            print(figure.as_json())
