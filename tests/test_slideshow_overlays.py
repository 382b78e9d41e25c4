"""The clock and date over the photos: on a plate, clear of the bar, following the time of day handed in."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from core.clock import FakeClock
from core.config import ConfigError, SlideshowConfig, parse_config
from core.library import Photo
from core.states import Slideshow
from device.ui.clock import date_text, time_text
from device.ui.screen import Screen

pytestmark = pytest.mark.usefixtures("dummy_sdl")


@pytest.mark.parametrize("style", ["corner", "large"])
@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920), (800, 480)])
def test_clock_is_shown_clear_of_the_bar_and_follows_the_time(
    tmp_path: Path, style: str, size: tuple[int, int]
) -> None:
    path = tmp_path / "p.jpg"
    Image.new("RGB", (640, 480), (250, 250, 250)).save(path)  # a white photo: the plate keeps the text readable
    photo = Photo(id="p", path=str(path), width=640, height=480)
    wall = [datetime(2026, 12, 1, 19, 42, 30)]
    clock = FakeClock(1000.0)
    scr = Screen(size=size, slideshow=SlideshowConfig(clock=style), now=clock.now, wall=lambda: wall[0])
    scr.open()
    try:
        state = Slideshow(count=1, notice="3 videos skipped (not ready at Google, or videos are off).")
        scr.show(state, clock.now(), [photo])
        texts = dict(scr.last_texts)
        assert time_text(wall[0]) in texts and date_text(wall[0]) in texts
        bar = texts["Add photos"]
        assert not texts[time_text(wall[0])].colliderect(bar)
        notice = [r for t, r in scr.last_texts if t and t in (state.notice or "")]
        assert notice and not any(texts[time_text(wall[0])].colliderect(r) for r in notice), "below the notice"
        assert scr.next_wake(clock.now()) <= 30.1, "it wakes for the next minute"
        wall[0] += timedelta(seconds=30)
        scr.show(state, clock.now(), [photo])
        assert time_text(wall[0]) in dict(scr.last_texts) and time_text(wall[0]) != "19:42"
    finally:
        scr.close()


def test_clock_keys_are_checked() -> None:
    base = {"google": {"client_id": "x", "client_secret": "y"}}
    with pytest.raises(ConfigError, match=r"slideshow\.clock"):
        parse_config({**base, "slideshow": {"clock": "big"}})
    with pytest.raises(ConfigError, match=r"slideshow\.layout"):
        parse_config({**base, "slideshow": {"layout": "triptych"}})
    cfg = parse_config({**base, "slideshow": {"clock": "large", "locale": "C", "layout": "single"}})
    assert cfg.slideshow.clock == "large" and cfg.slideshow.layout == "single"
