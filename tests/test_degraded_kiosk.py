"""Degraded mode on the real wiring: a restart on a read-only disk shows the saved photos with a notice,
keeps trying in the background, and drops the notice by itself once the disk can be written again."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from core.clock import FakeClock
from core.config import DownloadConfig
from core.emulator import Emulator
from core.states import Problem, Slideshow, UserAction
from device.degraded import RETRY_EVERY
from tests.test_library_degraded import Disk, mounted
from tests.test_resilience_loop import Device, MakeEmu, loop_emulator, photos_in, sign_in_and_fill

DOWNLOAD = DownloadConfig(workers=4, min_free_bytes=0)


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Disk]:
    yield from mounted(tmp_path)


@pytest.fixture
def devices() -> Iterator[list[Device]]:
    made: list[Device] = []
    yield made
    for device in made:
        if device.thread.is_alive():
            device.loop.request_stop()
            device.thread.join(10)
        device.close()


def test_a_restart_on_a_read_only_disk_shows_the_photos_and_recovers_by_itself(
    make_emulator: MakeEmu,
    fake_clock: FakeClock,
    disk: Disk,
    devices: list[Device],
) -> None:
    emu: Emulator = loop_emulator(make_emulator)
    first = Device(emu, disk.path, fake_clock, once=False, download=DOWNLOAD)
    devices.append(first)
    sign_in_and_fill(first)
    photos = photos_in(first)
    assert photos
    first.stop()
    first.close()
    devices.remove(first)

    disk.remount("ro")
    device = Device(emu, disk.path, fake_clock, once=False, download=DOWNLOAD)
    devices.append(device)
    assert device.library.degraded is not None
    device.start()
    shown = device.wait_for(lambda s: isinstance(s, Slideshow) and bool(s.notice))
    assert isinstance(shown, Slideshow) and shown.count == len(photos)
    assert "read-only" in (shown.notice or "")
    assert photos_in(device) == photos
    # Adding photos is not offered while nothing can be saved: no session is opened at Google.
    created = len(emu.sessions_created)
    device.screen.press(UserAction.ADD)
    since = fake_clock.now()
    device.wait_for(lambda s: fake_clock.now() - since > RETRY_EVERY * 2)  # two background tries, still read-only
    assert isinstance(device.loop.machine.state, Slideshow) and device.loop.machine.state.notice
    assert len(emu.sessions_created) == created
    assert device.kiosk.writable_again.tries >= 1

    disk.remount("rw")
    back = device.wait_for(lambda s: isinstance(s, Slideshow) and not s.notice, timeout=30)
    assert isinstance(back, Slideshow) and back.count == len(photos)
    assert device.library.degraded is None
    assert not isinstance(device.loop.machine.state, Problem)
    device.stop()
    assert emu.open_sessions == []


def test_an_empty_library_on_a_read_only_disk_says_so(
    make_emulator: MakeEmu,
    fake_clock: FakeClock,
    disk: Disk,
    devices: list[Device],
) -> None:
    emu: Emulator = loop_emulator(make_emulator)
    (disk.path / "state" / "library").mkdir(parents=True)
    disk.remount("ro")
    device = Device(emu, disk.path, fake_clock, once=False, download=replace(DOWNLOAD))
    devices.append(device)
    device.start()
    shown = device.wait_for(lambda s: isinstance(s, Problem))
    assert isinstance(shown, Problem) and shown.what == "library-read-only" and "read-only" in shown.detail
    assert emu.sessions_created == []
