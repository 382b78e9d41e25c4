"""A video still processing at Google, on the real wiring (Loop + Runner + Library) and a FakeClock: it is fetched
once the session is listed again after it got READY, or kept as a still when time is up; the session is deleted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from core.clock import FakeClock
from core.emulator import Emulator, LibraryItem, Person
from core.flow.processing import LONGEST_WAIT
from core.states import Slideshow
from tests.test_resilience_loop import Device, MakeEmu, loop_emulator, make_device

__all__ = ["make_device"]  # the fixture

SCREEN_SPEC = "w640-h480"  # the Device's screen: a video's poster (and a still) is fetched at that size


def picking_a_processing_video(make_emulator: MakeEmu, processing_for: float | None) -> Emulator:
    person = Person(approve_after=3, pick_count=20, pick_after=4, processing_for=processing_for)
    return loop_emulator(make_emulator, photos=20, person=person)


def downloaded(device: Device) -> tuple[str, LibraryItem]:
    """Sign in, pick, download: the slideshow says a video is still processing; the session is still open."""
    device.start()
    state = device.wait_for(lambda s: isinstance(s, Slideshow) and s.count > 0)
    assert isinstance(state, Slideshow) and state.notice is not None
    assert "1 video is still being processed by Google. It is added when it is ready" in state.notice
    (sid,) = device.emu.sessions_created
    (video,) = [i for i in device.emu.picked(sid) if i.video_status == "PROCESSING"]
    assert device.emu.open_sessions == [sid], "kept open while its video may still get ready"
    assert video.id not in {p.id for p in device.library.photos()}
    return sid, video


def test_a_video_that_gets_ready_while_the_session_lasts_is_fetched_then_the_session_is_deleted(
    make_emulator: MakeEmu, make_device: Callable[..., Device], fake_clock: FakeClock
) -> None:
    emu = picking_a_processing_video(make_emulator, processing_for=150.0)
    device = make_device(emu)
    _, video = downloaded(device)
    device.wait_for(lambda s: emu.open_sessions == [], timeout=60)
    (shown,) = [p for p in device.library.photos() if p.id == video.id]
    assert shown.video is not None and Path(shown.video).read_bytes() == emu.rendition_bytes(video.id, "dv")
    assert Path(shown.path).read_bytes() == emu.rendition_bytes(video.id, SCREEN_SPEC)
    device.stop()


def test_a_video_still_processing_when_time_is_up_is_kept_as_a_still_then_the_session_is_deleted(
    make_emulator: MakeEmu, make_device: Callable[..., Device], fake_clock: FakeClock
) -> None:
    emu = picking_a_processing_video(make_emulator, processing_for=None)
    device = make_device(emu)
    _, video = downloaded(device)
    since = fake_clock.now()
    device.wait_for(lambda s: emu.open_sessions == [], timeout=60)
    assert fake_clock.now() - since >= LONGEST_WAIT - 60, "listed again for ten minutes first"
    (still,) = [p for p in device.library.photos() if p.id == video.id]
    assert still.video is None and Path(still.path).read_bytes() == emu.rendition_bytes(video.id, SCREEN_SPEC)
    device.stop()
    assert emu.open_sessions == []
