"""Access tokens refused again and again while a download runs (the real wiring, real sockets, a fake clock):
every photo still arrives and nobody is asked to sign in again; only a refused refresh means that."""

from __future__ import annotations

from collections.abc import Callable

from core.clock import FakeClock
from core.emulator import Fault, Person
from core.states import Problem
from tests.test_resilience_loop import Device, MakeEmu, loop_emulator, make_device, photos_in, picked_photos

__all__ = ["make_device"]  # the fixture


def test_401s_again_and_again_mid_download_refresh_and_retry(
    make_emulator: MakeEmu, make_device: Callable[..., Device], fake_clock: FakeClock
) -> None:
    emu = loop_emulator(
        make_emulator, person=Person(approve_after=3, pick_count=12, pick_after=4, include_videos=False)
    )
    # Every third photo request is refused with 401, three times in a row, 24 refusals in all.
    for n in range(8):
        emu.add_fault(Fault(endpoint="media", status=401, google_status="UNAUTHENTICATED", times=3, skip=2 * n))
    device = make_device(emu, once=True)
    result = device.start().finish(timeout=60)
    assert result.code == 0, result.message
    [sid] = emu.sessions_created
    assert photos_in(device) == picked_photos(emu, sid)
    assert emu.tokens_refreshed >= 3
    assert not [s for _, s in device.screen.seen() if isinstance(s, Problem) and s.what == "signin-expired"]
    assert device.store.load() is not None  # still signed in
    assert emu.open_sessions == []
