"""Videos Google is still processing: counted apart, fetched on a later listing once READY, or kept as a still."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from core.emulator import Emulator, Person
from tests.test_library import SPEC, World, pick

WAIT = 120.0  # Person.processing_for: the emulator's Google finishes a video this long after Done


@pytest.fixture
def world(make_emulator: Callable[..., Emulator], tmp_path: Path) -> World:
    person = Person(pick_count=20, approve_after=0.0, pick_after=1.0, processing_for=WAIT)
    return World(make_emulator(photos=20, person=person), tmp_path)


def test_a_video_still_processing_is_counted_apart_then_fetched_when_the_session_is_listed_again(world: World) -> None:
    emu = world.emu
    sid = pick(emu, world.client)
    (processing,) = [i for i in emu.picked(sid) if i.video_status == "PROCESSING"]
    lib = world.library()
    first = lib.download_session(world.client, sid)
    assert (first.done, first.unsupported, first.processing) == (18, 2, 1)  # one PROCESSING, one FAILED
    assert processing.id not in {p.id for p in lib.photos()}
    world.clock.advance(WAIT)
    again = lib.download_session(world.client, sid)
    assert (again.done, again.unsupported, again.processing, again.stills) == (19, 1, 0, 0)
    (video,) = [p for p in lib.photos() if p.id == processing.id]
    assert video.video is not None and Path(video.video).read_bytes() == emu.rendition_bytes(processing.id, "dv")
    assert Path(video.path).read_bytes() == emu.rendition_bytes(processing.id, SPEC)  # its poster beside it
    assert lib.count() == 19
    lib.close()


def test_the_last_listing_keeps_a_video_still_processing_as_its_poster_alone(world: World) -> None:
    emu = world.emu
    emu.person.processing_for = None  # it never gets READY
    sid = pick(emu, world.client)
    (processing,) = [i for i in emu.picked(sid) if i.video_status == "PROCESSING"]
    lib = world.library()
    assert lib.download_session(world.client, sid).processing == 1
    last = lib.download_session(world.client, sid, posters=True)
    assert (last.done, last.processing, last.stills) == (19, 0, 1)
    (still,) = [p for p in lib.photos() if p.id == processing.id]
    assert still.video is None, "shown as a still picture: there is no video file to play"
    assert Path(still.path).read_bytes() == emu.rendition_bytes(processing.id, SPEC)
    lib.close()
