"""The phone page's layout and clock settings: checked as the config file's are, saved, locked by the config,
and taken up by the running slideshow (a pair of portraits turns into one photo at a time)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PIL import Image

from core.clock import FakeClock
from core.config import SlideshowConfig
from core.library import Photo
from core.states import Slideshow
from device.companion.phone_page import STATUS_ROWS, phone_page
from device.companion.settings import PhoneSettings, SettingsRefused
from device.ui.screen import Screen

FORM = {"interval": "10", "fade": "1", "shuffle": "on"}


def test_layout_and_clock_are_saved_and_survive_a_restart(tmp_path: Path) -> None:
    settings = PhoneSettings(tmp_path, SlideshowConfig(), locked=())
    saved = settings.update({**FORM, "layout": "single", "clock": "large"})
    assert (saved.layout, saved.clock) == ("single", "large")
    again = PhoneSettings(tmp_path, SlideshowConfig(), locked=()).current()
    assert (again.layout, again.clock) == ("single", "large")


@pytest.mark.parametrize(("key", "value"), [("layout", "triptych"), ("clock", "sundial"), ("clock", "")])
def test_a_value_the_config_file_would_refuse_is_refused(tmp_path: Path, key: str, value: str) -> None:
    settings = PhoneSettings(tmp_path, SlideshowConfig(), locked=())
    with pytest.raises(SettingsRefused, match=key.capitalize()):
        settings.update({**FORM, key: value})
    assert settings.current() == SlideshowConfig()  # nothing saved


def test_a_locked_clock_stays_the_config_files_and_the_page_says_so(tmp_path: Path) -> None:
    settings = PhoneSettings(tmp_path, SlideshowConfig(clock="corner"), locked=("clock",))
    assert settings.update({**FORM, "clock": "off", "layout": "single"}).clock == "corner"
    page = phone_page(_state(), "csrf", settings.shown())
    assert "<select id='set-clock' name='clock' disabled>" in page
    assert "Clock <span class='locked'>(locked by the frame's config file)</span>" in page
    assert "<option value='single' selected>" in page


def _state() -> dict[str, object]:
    rows = dict.fromkeys((key for key, _ in STATUS_ROWS), "x")
    return {"text": "Showing 3 photos.", "progress": None, "picking": False, "actions": [], **rows}


@pytest.mark.usefixtures("dummy_sdl")
def test_the_running_slideshow_takes_the_new_layout(tmp_path: Path) -> None:
    photos = []
    for i in range(6):
        path = tmp_path / f"p{i}.jpg"
        Image.new("RGB", (300, 400), (40 * i, 100, 200 - 20 * i)).save(path)
        photos.append(Photo(id=f"p{i}", path=str(path), width=300, height=400))
    clock = FakeClock(1000.0)
    config = SlideshowConfig(interval=1.0, fade=0.0, layout="pairs")
    scr = Screen(size=(1920, 1080), slideshow=config, now=clock.now)
    scr.open()
    try:
        assert slide_sizes(scr, clock, photos, 2) == {2}  # portraits share a landscape screen
        scr.use_slideshow(SlideshowConfig(interval=1.0, fade=0.0, layout="single"))
        clock.advance(1.5)
        assert slide_sizes(scr, clock, photos, 3) == {1}
    finally:
        scr.close()


def slide_sizes(scr: Screen, clock: FakeClock, photos: list[Photo], count: int) -> set[int]:
    """How many photos each of the next ``count`` slides had (the first one on screen now is skipped)."""
    seen: list[tuple[str, ...]] = []
    deadline = time.monotonic() + 30
    while len(seen) < count + 1 and time.monotonic() < deadline:
        scr.show(Slideshow(count=len(photos)), clock.now(), photos)
        slide = tuple(p.id for p in scr.showing_slide)
        if slide and (not seen or seen[-1] != slide):
            seen.append(slide)
        time.sleep(0.005)
        clock.advance(0.1)
    assert len(seen) == count + 1
    return {len(s) for s in seen[1:]}
