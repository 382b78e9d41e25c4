"""The night: [schedule] sleep, crossing the sleep time on a fake wall clock: black, seldom awake, a key wakes it."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

import pygame
import pytest
from PIL import Image

from core.clock import FakeClock
from core.config import ConfigError, SlideshowConfig, parse_config
from core.library import Photo
from core.schedule import Schedule, parse_schedule
from core.states import Choose, Problem, Slideshow
from device.standby import Standby
from device.ui.screen import Screen

MON = datetime(2026, 11, 30, 12, 0)  # a Monday


def test_a_night_runs_past_midnight_and_belongs_to_the_day_it_starts() -> None:
    s = parse_schedule({"default": "22:30-07:00", "fri": "23:30-09:00", "sat": "off"})
    assert not s.asleep(MON.replace(hour=22, minute=29))
    assert s.asleep(MON.replace(hour=22, minute=30))
    assert s.asleep(MON + timedelta(hours=18, minutes=59))  # Tuesday 06:59
    assert not s.asleep(MON + timedelta(hours=19))  # Tuesday 07:00
    fri = MON + timedelta(days=4)
    assert not s.asleep(fri.replace(hour=23))
    assert s.asleep(fri.replace(hour=23, minute=45))
    assert s.asleep((fri + timedelta(days=1)).replace(hour=8, minute=30)), "Friday's night ends Saturday 09:00"
    sat = fri + timedelta(days=1)
    assert not s.asleep(sat.replace(hour=23, minute=59)), "Saturday is a night awake"
    assert s.next_change(MON) == MON.replace(hour=22, minute=30)
    assert s.next_change(MON.replace(hour=23)) == (MON + timedelta(days=1)).replace(hour=7, minute=0)
    assert not Schedule().enabled and Schedule().next_change(MON) is None


@pytest.mark.parametrize("value", ["22:30", "25:00-07:00", "07:00-07:00", {"monday": "22:00-07:00"}, {"mon": 5}, 3])
def test_a_bad_sleep_is_refused_by_name(value: object) -> None:
    with pytest.raises(ConfigError, match=r"schedule\.sleep"):
        parse_config({"google": {"client_id": "x", "client_secret": "y"}, "schedule": {"sleep": value}})


def test_schedule_in_the_config() -> None:
    cfg = parse_config(
        {"google": {"client_id": "x", "client_secret": "y"}, "schedule": {"sleep": "22:30-07:00", "standby": "black"}}
    )
    assert cfg.schedule.sleep.asleep(MON.replace(hour=23)) and cfg.schedule.standby == "black"
    with pytest.raises(ConfigError, match=r"schedule\.standby"):
        parse_config({"google": {"client_id": "x", "client_secret": "y"}, "schedule": {"standby": "dpms"}})


def test_standby_picks_cec_then_backlight_then_black(tmp_path: Path) -> None:
    cec = tmp_path / "cec0"
    cec.write_text("")
    sent: list[list[str]] = []

    def run(argv: object) -> int:
        sent.append(list(argv))  # type: ignore[call-overload]
        return 0

    tv = Standby(run=run, which=lambda name: "/usr/bin/cec-ctl", cec_device=cec, backlights=tmp_path / "none")
    assert tv.way == "cec"
    tv.apply(on=False)
    tv.apply(on=True)
    assert sent == [
        ["/usr/bin/cec-ctl", "-d", str(cec), "--to", "0", "--standby"],
        ["/usr/bin/cec-ctl", "-d", str(cec), "--to", "0", "--image-view-on"],
    ]
    light = tmp_path / "bl" / "panel"
    light.mkdir(parents=True)
    (light / "bl_power").write_text("0\n")
    panel = Standby(which=lambda name: None, cec_device=cec, backlights=tmp_path / "bl")
    assert panel.way == "backlight"
    panel.apply(on=False)
    assert (light / "bl_power").read_text() == "4\n"
    assert Standby(which=lambda name: None, cec_device=tmp_path / "x", backlights=tmp_path / "none").way == "black"


@pytest.mark.usefixtures("dummy_sdl")
def test_crossing_the_sleep_time_goes_black_and_a_key_wakes_it_until_the_next_night(tmp_path: Path) -> None:
    path = tmp_path / "p.jpg"
    Image.new("RGB", (640, 480), (220, 180, 40)).save(path)
    photos = [Photo(id="p", path=str(path), width=640, height=480)]
    wall = [MON.replace(hour=22, minute=29, second=50)]
    clock = FakeClock(1000.0)
    scr = Screen(
        size=(800, 480),
        slideshow=SlideshowConfig(fade=0.0),
        now=clock.now,
        wall=lambda: wall[0],
        schedule=parse_schedule("22:30-07:00"),
    )
    scr.open()
    state = Slideshow(count=1)

    def run(seconds: float) -> None:
        deadline = time.monotonic() + 10
        end = clock.now() + seconds
        while clock.now() < end and time.monotonic() < deadline:
            scr.show(state, clock.now(), photos)
            time.sleep(0.005)
            clock.advance(0.05)
            wall[0] += timedelta(seconds=0.05)

    def centre() -> tuple[int, int, int]:
        scr.save_screenshot(tmp_path / "now.png")
        with Image.open(tmp_path / "now.png") as img:
            r, g, b = img.convert("RGB").getpixel((400, 240))  # type: ignore[misc]
        return (r, g, b)

    try:
        run(2)
        assert scr.showing is not None and not scr.dark
        assert centre()[0] > 150
        run(9)  # past 22:30
        assert scr.dark
        assert centre() == (0, 0, 0), "the screen is black"
        assert scr.next_wake(clock.now()) >= 29, "the loop sleeps"
        assert scr.input_poll() == 0.5
        drawn = scr.frames_drawn
        run(3)
        assert scr.frames_drawn == drawn, "nothing is drawn while asleep"
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode="", scancode=0))
        assert scr.handle_events() == [], "the key only wakes the frame"
        run(2)
        assert not scr.dark and scr.showing is not None and centre()[0] > 150
        wall[0] += timedelta(hours=5)
        run(1)
        assert not scr.dark, "awake until the night is over"
        wall[0] += timedelta(hours=19)  # the next night, 22:30 and a bit
        run(1)
        assert scr.dark
        offline = Problem("offline", "No network", "d", "Showing saved photos meanwhile.", clock.now() + 60, True)
        scr.show(offline, clock.now(), photos)
        assert scr.dark, "no network overnight keeps the frame dark"
        choose = Choose("s", "http://127.0.0.1:9/p", None, clock.now() + 600, 5, clock.now() + 5)
        scr.show(choose, clock.now(), photos)
        assert not scr.dark, "the phone (a picking screen) wakes it"
    finally:
        scr.close()
