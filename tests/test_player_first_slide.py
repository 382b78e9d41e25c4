"""The slideshow's first slide: its decoding is the first job of the decode thread (nothing waits before it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pygame
import pytest
from PIL import Image

from core.config import SlideshowConfig
from core.library import Photo
from device.startup import trim_heap
from device.ui.photos import Player, Worker

T = TypeVar("T")
SIZE = (320, 240)

pytestmark = pytest.mark.usefixtures("dummy_sdl")


class Recording(Worker):
    """A decode worker that notes each job it is given, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.jobs: list[Callable[..., Any]] = []

    def submit(self, fn: Callable[..., T], *args: Any) -> Any:
        self.jobs.append(fn)
        return super().submit(fn, *args)


@pytest.fixture
def display() -> Iterator[pygame.Surface]:
    pygame.display.init()
    yield pygame.display.set_mode(SIZE)
    pygame.quit()


def test_the_first_slide_is_decoded_before_the_heap_is_trimmed(display: pygame.Surface, tmp_path: Path) -> None:
    photos = []
    for name in "ab":
        path = tmp_path / f"{name}.jpg"
        Image.new("RGB", SIZE, "teal").save(path)
        photos.append(Photo(id=name, path=str(path), width=SIZE[0], height=SIZE[1]))
    worker = Recording()
    player = Player(SlideshowConfig(interval=5.0, fade=1.0, shuffle=False), SIZE, worker)
    try:
        player.update(0.0, photos)
        assert worker.jobs, "the show's start gives the decode thread work"
        assert worker.jobs[0] is not trim_heap, "the first photo's decoding waits for nothing"
        assert trim_heap in worker.jobs[:2], "what start-up freed still goes back, right after the first slide"
    finally:
        worker.close()
