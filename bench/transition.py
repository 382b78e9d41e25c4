"""The transition: CPU time of one 1-second crossfade at 1920×1080 vs the same number of plain full-screen blits.

In a child process (`python -m bench.transition`, SDL's dummy video driver, so SDL's software renderer):
the slideshow's own Player (device/ui/photos.py) shows one photo, prepares the next, and crossfades to it
over 1 s, drawn at the frame loop's pace during a fade (one frame every 1/30 s of its clock; the clock is
moved by hand, so only drawing is timed). Each frame is ``Player.draw`` onto the display and a flip; nothing
else draws on the display in between, so it is drawn with ``kept=True``, as the Screen draws every frame of
a fade (it puts back what its overlays covered first): each frame blends the incoming slide's next share into
the picture on the display. The baseline is the same number of frames of the steady slideshow: one
full-screen blit of a slide and a flip. Both are CPU time of this process (time.process_time), ``RUNS``
times each, interleaved; target ≤ 2×.

Beside the figure (in its details, not judged): the same fade drawn afresh every frame (``kept=False``: the
leaving slide, then the incoming one blended over it, as when the screen holds something else), and, in a
second child (``--renderer``), the same fade with pygame._sdl2.video: two textures of the slides, the
incoming one with an alpha mod, ``Renderer.present`` each frame, on SDL's software renderer (no GPU here),
against the same number of frames of one texture copied and presented.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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
                if player.update(clock[0], photos):  # drawn when it changed, as the screen does
                    player.draw(display, kept=True)
                    pygame.display.flip()
                time.sleep(0.01)

        player.update(clock[0], photos)
        settle()
        fades: list[float] = []
        blits: list[float] = []
        frames = [0]

        afresh: list[float] = []
        afresh_blits: list[float] = []

        def crossfade(kept: bool = True, into: list[float] = fades) -> None:
            clock[0] += 5.0  # the interval is over: the next update starts the fade
            cpu = time.process_time()
            n = 0
            player.update(clock[0], photos)
            while player.fading:
                player.draw(display, kept=kept)  # nothing else draws on the display between frames
                pygame.display.flip()
                n += 1
                clock[0] += 1 / 30
                player.update(clock[0], photos)
            into.append(time.process_time() - cpu)
            frames[0] = n
            player.draw(display, kept=kept)  # the fade is over: the new slide alone, as the screen draws next
            pygame.display.flip()
            settle()

        def plain(into: list[float] = blits) -> None:
            slide = pygame.Surface(SIZE).convert()
            slide.fill((90, 90, 90))
            cpu = time.process_time()
            for _ in range(frames[0]):
                display.blit(slide, (0, 0))
                pygame.display.flip()
            into.append(time.process_time() - cpu)

        crossfade()  # warm up, untimed
        fades.clear()
        interleaved(RUNS, crossfade, plain)
        interleaved(RUNS, lambda: crossfade(False, afresh), lambda: plain(afresh_blits))
        worker.close()
    return {"fades": fades, "blits": blits, "frames": frames[0], "afresh": afresh, "afresh_blits": afresh_blits}


def renderer_child() -> dict[str, object]:
    """The same fade through pygame._sdl2.video on SDL's software renderer (see the module's docstring)."""
    import pygame
    from pygame._sdl2 import video

    from device.ui.compose import compose_slide

    pygame.display.init()
    window = video.Window("transition", size=SIZE)
    renderer = video.Renderer(window, accelerated=0)
    with tempfile.TemporaryDirectory(prefix="bench-transition-") as tmp:
        from PIL import Image

        textures = []
        for name, colour in (("a", (200, 60, 40)), ("b", (40, 90, 210))):
            path = Path(tmp) / f"{name}.jpg"
            Image.new("RGB", (4000, 3000), colour).save(path, quality=90)
            slide = pygame.image.frombuffer(compose_slide(str(path), SIZE), SIZE, "RGB")
            textures.append(video.Texture.from_surface(renderer, slide))
    leaving, incoming = textures
    leaving.blend_mode = 0  # SDL_BLENDMODE_NONE: a copy
    incoming.blend_mode = 1  # SDL_BLENDMODE_BLEND, with the alpha mod below
    frames = round(FADE * 30) + 1
    fades: list[float] = []
    copies: list[float] = []

    def crossfade() -> None:
        cpu = time.process_time()
        for k in range(frames):
            p = k / (frames - 1)
            leaving.draw()
            incoming.alpha = round(255 * p * p * (3 - 2 * p))
            incoming.draw()
            renderer.present()
        fades.append(time.process_time() - cpu)

    def plain() -> None:
        cpu = time.process_time()
        for _ in range(frames):
            leaving.draw()
            renderer.present()
        copies.append(time.process_time() - cpu)

    crossfade()  # warm up, untimed
    fades.clear()
    interleaved(RUNS, crossfade, plain)
    return {"renderer_fades": fades, "renderer_plain": copies, "renderer_frames": frames}


def _child(flag: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.transition", flag],
        capture_output=True,
        text=True,
        env=python_env(),
        cwd=ROOT,
        timeout=300,
        check=True,
    )
    seen: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return seen


def run() -> list[Figure]:
    seen = _child("--child")
    fades, blits = seen["fades"], seen["blits"]
    fade, blit = median(fades), median(blits)
    seen["afresh_ratio"] = median(seen["afresh"]) / median(seen["afresh_blits"])
    try:
        seen.update(_child("--renderer"))
        seen["renderer_ratio"] = median(seen["renderer_fades"]) / median(seen["renderer_plain"])
    except (subprocess.SubprocessError, OSError, ValueError) as exc:  # a pygame without _sdl2.video
        seen["renderer_error"] = str(exc)
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
    elif "--renderer" in sys.argv:
        print(json.dumps(renderer_child()))
    else:
        for figure in run():
            print(figure.as_json())
