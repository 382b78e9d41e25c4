"""A simulated week on a wall, on the real wiring (device.wiring.build_kiosk + the flow) with a FakeClock.

Day by day: the access token runs out every hour (the emulator's lifetime is 3600 fake seconds, so each
day's first request meets a 401 and refreshes); "add photos" once a day; on day 3 the refresh token dies
(sign in again: the scripted person approves); on day 4 the network is down for six hours; on day 5 the
power is cut mid-download (in-process: the loop dies without its shutdown, the library is closed abruptly,
temp files and the open session are left as a power cut leaves them) and the kiosk starts again.

It ends with every picked photo present, no picking session left open at Google, and bounds on what a
week may add: at most 4 more threads (the emulator's connection threads not counted), 16 more file
descriptors and 64 MiB more resident memory than after the first day.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from core import flow
from core.clock import FakeClock
from core.config import DownloadConfig
from core.emulator import Emulator, Fault, Person
from core.states import Connect, Downloading, Problem, Slideshow, State, UserAction
from tests.test_resilience_loop import Device, MakeEmu, loop_emulator, photos_in, picked_photos

HOUR = 3600.0
DAY = 24 * HOUR
MAX_MORE_THREADS = 4
MAX_MORE_FDS = 16
MAX_MORE_RSS = 64 * 1024 * 1024
DOWNLOAD = DownloadConfig(workers=4, min_free_bytes=0)


class PowerCut(Exception):
    """Raised inside the loop: it dies where it stands, without a shutdown."""


class CuttableDevice(Device):
    """A Device whose loop can be killed abruptly, as a power cut would."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.cut = threading.Event()

    def _next_event(self, wait: float) -> flow.Event | None:
        if self.cut.is_set():
            raise PowerCut
        return super()._next_event(wait)

    def power_cut(self) -> None:
        self.cut.set()
        self.thread.join(10)
        assert isinstance(self.error, PowerCut)
        self.library.close()  # no clean shutdown: the session stays open at Google and remembered on disk
        self.runner.close(wait=True)  # (the threads of a dead process are gone too)


def kiosk_threads() -> list[str]:
    """Threads of the kiosk, not the emulator's (it serves each kept-alive connection on a thread of its own)."""
    return [t.name for t in threading.enumerate() if "process_request_thread" not in t.name]


def rss() -> int:
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture
def devices() -> Iterator[list[CuttableDevice]]:
    made: list[CuttableDevice] = []
    yield made
    for device in made:
        if device.thread.is_alive():
            device.loop.request_stop()
            device.thread.join(10)
        if device.library.degraded is None:
            device.close()


def idle(state: State) -> bool:
    return isinstance(state, Slideshow)


def pass_time(device: Device, clock: FakeClock, seconds: float, step: float = HOUR) -> None:
    """Let ``seconds`` of fake time go by in steps, letting the loop see each."""
    end = clock.now() + seconds
    while clock.now() < end:
        clock.advance(min(step, end - clock.now()))
        time.sleep(0.003)
        assert device.error is None, device.error


def test_a_week_on_the_wall(
    make_emulator: MakeEmu, fake_clock: FakeClock, tmp_path: Path, devices: list[CuttableDevice]
) -> None:
    started = time.monotonic()
    emu: Emulator = loop_emulator(
        make_emulator, photos=200, person=Person(approve_after=3, pick_count=4, pick_after=4, include_videos=False)
    )

    def new_device() -> CuttableDevice:
        device = CuttableDevice(emu, tmp_path, fake_clock, once=False, download=DOWNLOAD)
        devices.append(device)
        return device.start()  # type: ignore[return-value]

    def all_picked() -> set[str]:
        return set().union(*(picked_photos(emu, sid) for sid in emu.sessions_created))

    def settled(device: Device, sessions: int) -> Callable[[State], bool]:
        return lambda s: (
            idle(s) and len(emu.sessions_created) >= sessions and not emu.open_sessions
            and all_picked() <= photos_in(device)
        )  # fmt: skip

    device = new_device()
    device.wait_for(settled(device, 1), timeout=30)
    threads, files, memory = len(kiosk_threads()), fds(), rss()
    refreshed = emu.tokens_refreshed

    for day in range(2, 8):
        pass_time(device, fake_clock, DAY)
        device.wait_for(idle)
        sessions = len(emu.sessions_created) + 1
        if day == 3:
            emu.kill_refresh_tokens()
        if day == 4:
            emu.add_fault(Fault(endpoint="*", drop=True, times=None))
            device.screen.press(UserAction.ADD)
            device.wait_for(lambda s: isinstance(s, Problem) and s.what == "offline")
            pass_time(device, fake_clock, 6 * HOUR, step=60.0)
            assert photos_in(device) >= all_picked()  # the photos stayed on show
            emu.clear_faults()
        elif day == 5:
            # The first photo arrives at once, the others only after the cut: the cut lands mid-download.
            emu.add_fault(Fault(endpoint="media", latency=3.0, skip=1, times=None))
            device.screen.press(UserAction.ADD)
            device.wait_for(lambda s: isinstance(s, Downloading) and s.done >= 1)
            device.power_cut()
            emu.clear_faults()
            assert emu.open_sessions  # left open by the cut, remembered on disk
            device = new_device()  # the next boot: finishes the download, deletes the session
        else:
            device.screen.press(UserAction.ADD)
        if day == 3:
            device.wait_for(lambda s: isinstance(s, Connect), timeout=30)  # sign in again; the person approves
        device.wait_for(settled(device, sessions), timeout=30)

    assert emu.tokens_refreshed > refreshed  # the hourly access tokens were renewed along the way
    assert device.store.load() is not None  # signed in at the end of the week
    assert all_picked() <= photos_in(device) and emu.open_sessions == []
    assert not [p for p in (tmp_path / "state" / "library").iterdir() if p.name.startswith(".")]
    device.stop()
    device.close()  # the kiosk's worker pools end with it
    devices.remove(device)
    assert len(kiosk_threads()) <= threads + MAX_MORE_THREADS, kiosk_threads()
    assert fds() <= files + MAX_MORE_FDS
    assert rss() <= memory + MAX_MORE_RSS
    assert time.monotonic() - started < 60
