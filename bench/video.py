"""Video playback: CPU per second of video played at 1920×1080 and 1280×720, and the share of frames on time.

A 1080p H.264 clip (30 fps, as Google's ``=dv`` serves a phone video) is made at run time, then played with
the slideshow's playback (device/ui/video.py: the PyAV decoder thread, frames scaled by FFmpeg to the
screen) on SDL's dummy driver, paced by the real clock as the frame loop paces it. The baseline is the
slideshow showing one still photo for the same time. CPU is this process's (every thread) per wall second.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bench.common import Figure

SECONDS = 6.0
FPS = 30
SOURCE = (1920, 1080)
SCREENS = ((1920, 1080), (1280, 720))
ON_TIME_TARGET = 0.9  # of the frames due, shown within LATE of their time


def _clip(folder: Path) -> tuple[Path, Path]:
    from PIL import Image, ImageDraw

    from core.emulator.clips import make_clip

    poster = Image.new("RGB", SOURCE, (40, 90, 160))
    draw = ImageDraw.Draw(poster)
    for i in range(0, SOURCE[0], 160):  # some detail for the encoder: a flat picture would be too easy
        draw.rectangle((i, i // 8, i + 80, SOURCE[1] - i // 8), fill=(200, 120 + i % 100, 60))
    poster_path = folder / "poster.jpg"
    poster.save(poster_path, quality=90)
    clip_path = folder / "clip.mp4"
    clip_path.write_bytes(make_clip(poster, seconds=SECONDS + 0.5, fps=FPS))
    return poster_path, clip_path


def _play(poster: Path, clip: Path, size: tuple[int, int]) -> tuple[float, float, dict[str, int]]:
    """(CPU share of one core, share of frames on time, counts) over SECONDS of playback at ``size``."""
    import pygame

    from core.config import SlideshowConfig
    from core.library import Photo
    from device.ui.video import Playback

    screen = pygame.display.set_mode(size)
    slide = pygame.Surface(size).convert()
    config = SlideshowConfig(max_seconds=SECONDS + 1)
    start = time.monotonic()
    cpu0 = time.process_time()
    playback = Playback(Photo(id="clip", path=str(poster), video=str(clip)), slide, config)
    try:
        while (now := time.monotonic()) - start < SECONDS and playback.playing:
            if playback.update(now):
                screen.blit(slide, (0, 0))
                pygame.display.flip()
            time.sleep(max(0.0, min(playback.next_wake(now), 0.05)))
        wall = time.monotonic() - start
        cpu = (time.process_time() - cpu0) / wall
    finally:
        playback.stop()
    due = max(1, playback.shown + playback.dropped + playback.decoder_dropped)  # frames whose time came
    counts = {
        "due": due,
        "shown": playback.shown,
        "on_time": playback.on_time,
        "dropped": playback.dropped + playback.decoder_dropped,
        "fell_back": int(not playback.playing and wall < SECONDS - 0.5),
    }
    return cpu, playback.on_time / due, counts


def _still(poster: Path, size: tuple[int, int]) -> float:
    """CPU share of one core while the slideshow shows one still photo for SECONDS (its decode included)."""
    import pygame

    from core.config import SlideshowConfig
    from core.library import Photo
    from device.ui.photos import Player, Worker

    screen = pygame.display.set_mode(size)
    worker = Worker()
    player = Player(SlideshowConfig(interval=1000.0, fade=0.0), size, worker)
    photos = [Photo(id="still", path=str(poster))]
    start = time.monotonic()
    cpu0 = time.process_time()
    try:
        while (now := time.monotonic()) - start < SECONDS:
            if player.update(now, photos):
                player.draw(screen)
                pygame.display.flip()
            time.sleep(max(0.0, min(player.next_wake(now), SECONDS - (now - start), 0.5)))
        return (time.process_time() - cpu0) / (time.monotonic() - start)
    finally:
        worker.close()


def run() -> list[Figure]:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame

    rows: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-video-") as tmp:
        poster, clip = _clip(Path(tmp))
        pygame.display.init()
        try:
            for size in SCREENS:
                still = _still(poster, size)
                cpu, on_time, counts = _play(poster, clip, size)
                rows.append(
                    Figure(
                        name=f"Video CPU per second played, {size[0]}×{size[1]}",
                        project=100 * cpu,
                        baseline=100 * still,
                        unit="% core",
                        ratio=cpu / still if still > 0 else float("nan"),
                        ratio_label="× still photo",
                        target=f"≥ {100 * ON_TIME_TARGET:g} % of frames on time",
                        passed=on_time >= ON_TIME_TARGET,
                        details={
                            "frames_on_time": round(on_time, 3),
                            **counts,
                            "clip": f"{SOURCE[0]}x{SOURCE[1]} H.264 {FPS} fps, {SECONDS:g} s played",
                            "baseline": "the slideshow showing one still photo for the same time",
                        },
                    )
                )
        finally:
            pygame.display.quit()
    return rows
