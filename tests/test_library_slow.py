"""A photo that trickles does not hold a download slot for ever: given up for the session, fetched next time."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from core.clock import Clock, FakeClock
from core.config import DownloadConfig, parse_config
from core.emulator import Emulator, Fault, Person
from core.emulator.faults import parse_fault
from core.errors import ConfigError, SlowDownload
from core.library.pace import Pace
from tests.test_library import World, leftovers, media_requests, photo_ids, pick

SLOW = DownloadConfig(workers=1, min_rate=1000, slow_window=0.5)  # small numbers: a trickle is caught in ~1 s


def test_the_cli_fault_item_trickles() -> None:
    assert parse_fault("media:trickle=200") == Fault(endpoint="media", trickle=200)
    for wrong in ("media:trickle=0", "media:trickle=-5", "media:trickle=fast"):
        with pytest.raises(ValueError):
            parse_fault(wrong)


def test_pace_gives_up_a_file_that_stays_under_the_rate_for_a_window(fake_clock: FakeClock) -> None:
    clock = fake_clock.clock()
    fast = Pace(clock, min_rate=100, window=10.0)
    for _ in range(5):
        fake_clock.advance(10.0)
        fast.add(1000)  # 100 bytes/s: just enough, window after window
    slow = Pace(clock, min_rate=100, window=10.0)
    fake_clock.advance(9.0)
    slow.add(200)  # under the rate, but the window is not over yet
    fake_clock.advance(1.0)
    with pytest.raises(SlowDownload) as refused:
        slow.add(200)
    assert "too slowly" in refused.value.message and "download.min_rate" in refused.value.message
    unbounded = Pace(clock, min_rate=0, window=10.0)
    fake_clock.advance(3600.0)
    unbounded.add(1)  # min_rate = 0: no bound


def test_a_trickling_photo_is_failed_for_the_session_and_fetched_the_next_time(
    make_emulator: Callable[..., Emulator], tmp_path: Path
) -> None:
    emu = make_emulator(photos=6, person=Person(pick_count=4, approve_after=0.0, pick_after=1.0))
    world = World(emu, tmp_path)
    sid = pick(emu, world.client)
    photos = photo_ids(emu, sid)
    emu.add_fault(Fault(endpoint="media", trickle=200, times=1))  # the first photo: 200 bytes a second
    # Real time for the pace (the trickle is real), the fake clock's sleep for everything else.
    lib = world.library(download=SLOW)
    lib.clock = Clock(now=time.monotonic, sleep=world.clock.sleep)
    started = time.monotonic()
    report = lib.download_session(world.client, sid)
    took = time.monotonic() - started
    (slow,) = report.bad
    size = len(emu.rendition_bytes(slow, "w800-h600"))
    assert size > 200 * 20  # whole, it would take over 20 s to arrive
    assert took < 10, f"the trickle held the download for {took:.1f} s"
    assert report.done == len(photos) - 1 and slow in photos
    assert any("too slowly" in why for why in report.reasons)
    assert slow not in {p.id for p in lib.photos()} and leftovers(world.library_dir) == []
    asked = len(media_requests(emu))
    again = lib.download_session(world.client, sid)  # the same session: not tried again
    assert slow in again.bad and len(media_requests(emu)) == asked
    lib.close()
    # The next picking session with the same photo fetches it (no trickle now).
    lib = world.library(download=SLOW)
    nxt = pick(emu, world.client)
    assert slow in photo_ids(emu, nxt)
    later = lib.download_session(world.client, nxt)
    assert later.bad == () and slow in {p.id for p in lib.photos()}
    lib.close()


def test_the_bound_is_configurable_and_range_checked() -> None:
    base = {"google": {"client_id": "x.apps.googleusercontent.com", "client_secret": "s"}}
    config = parse_config({**base, "download": {"min_rate": 0, "slow_window": 30}})
    assert config.download.min_rate == 0 and config.download.slow_window == 30.0
    assert DownloadConfig().min_rate == 1024 and DownloadConfig().slow_window == 60.0
    for bad, key in (({"min_rate": -1}, "download.min_rate"), ({"slow_window": float("nan")}, "download.slow_window")):
        with pytest.raises(ConfigError, match=key):
            parse_config({**base, "download": bad})
