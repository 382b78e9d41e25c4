"""The start-up check after the first photo (Library.open(check_later=True), as the kiosk opens it): it still
repairs everything the check at open repairs, a photo whose file is gone is never handed out or shown before
it has run, and nothing that writes to the library meets it half done."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from core.clock import FakeClock
from core.config import SlideshowConfig
from core.emulator import Emulator, Person
from core.library import Library
from core.states import Slideshow
from device.ui.screen import Screen
from tests.test_library import SCREEN, World, decodes, downloaded
from tests.test_play_order import assert_fair, tiny_library


@pytest.fixture
def world(make_emulator: Callable[..., Emulator], tmp_path: Path) -> World:
    return World(make_emulator(photos=20, person=Person(pick_count=20, approve_after=0.0, pick_after=1.0)), tmp_path)


def reopened(world: World, *, later: bool) -> Library:
    lib = Library(world.state_dir, world.library_dir, screen=SCREEN, clock=world.clock.clock())
    lib.open(check_later=later)
    return lib


def damage(world: World, photos: list[str]) -> tuple[Path, Path, Path, Path]:
    """A photo zeroed, one cut short, one gone, and a download's temp file left behind."""
    broken, cut, gone = (Path(p) for p in photos[:3])
    broken.write_bytes(b"\x00" * broken.stat().st_size)
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])
    gone.unlink()
    temp = world.library_dir / f".{gone.name[:32]}.part"
    temp.write_bytes(b"half a download")
    return broken, cut, gone, temp


def test_the_check_after_the_first_photo_repairs_what_the_check_at_open_repairs(world: World) -> None:
    lib, _, photos = downloaded(world)
    lib.close()
    broken, cut, _, temp = damage(world, [p.path for p in photos])

    lib = reopened(world, later=True)
    assert not lib.checked and temp.exists() and broken.exists()  # nothing checked yet
    report = lib.check()
    assert lib.checked
    assert report.dropped_rows == 3 and report.removed_temp == 1 and not report.rebuilt
    assert not temp.exists() and not broken.exists() and not cut.exists()
    assert lib.count() == len(photos) - 3 and lib.snapshot().complete
    assert all(decodes(p.path) for p in lib.photos())
    [left] = lib.open_sessions()
    assert left.has_pending and left.pending == 3  # fetched again, as after the check at open
    assert lib.check() == type(report)()  # once only
    lib.close()


def test_a_photo_whose_file_is_gone_is_never_handed_out_before_the_check(world: World) -> None:
    lib, _, photos = downloaded(world, 8)
    lib.close()
    broken, cut, gone, _ = damage(world, [p.path for p in photos])
    bad = {str(broken), str(cut), str(gone)}

    lib = reopened(world, later=True)
    early = lib.snapshot()
    assert not early.complete and len(early) == 1  # the first photo, verified, and nothing else read
    assert len(photos) - 3 <= lib.count() <= len(photos)  # the index counts what it has not found bad yet
    handed: list[str] = []
    while (photo := lib.next_in_order()) is not None and photo.path not in handed:
        assert photo.path not in bad and decodes(photo.path)
        handed.append(photo.path)
        lib.mark_shown(photo)
    assert sorted(handed) == sorted(p.path for p in photos if p.path not in bad)
    assert not broken.exists() and not cut.exists()  # found broken when their turn came: dropped, as the check does
    assert all(p.path not in bad for p in lib.snapshot())

    report = lib.check()
    assert report.dropped_rows == 0  # the three were dropped on their turn already
    assert sorted(p.path for p in lib.photos()) == sorted(handed)
    [left] = lib.open_sessions()
    assert left.pending == 3
    lib.close()


def test_a_download_runs_the_check_first(world: World) -> None:
    lib, sid, photos = downloaded(world, 6)
    lib.close()
    _, _, gone, temp = damage(world, [p.path for p in photos])

    lib = reopened(world, later=True)
    again = lib.resume_pending(world.client, sid)  # its temp files must not meet the check's clean-up
    assert lib.checked and again.fetched == 3
    assert not temp.exists() and gone.exists()
    assert lib.count() == len(photos) and all(decodes(p.path) for p in lib.photos())
    lib.close()


def test_a_library_emptied_behind_its_back_is_checked_at_once_and_counts_nothing(world: World) -> None:
    lib, _, photos = downloaded(world, 12)
    lib.close()
    for p in photos:
        Path(p.path).unlink()
    lib = reopened(world, later=True)
    assert lib.count() == 0  # what the journey's Boot is told: no photos, so it opens the picker
    assert lib.checked  # the early misses ran the whole check (in one pass, not a drop per photo)
    assert lib.next_in_order() is None and lib.photos() == []
    lib.close()


def test_a_damaged_index_is_found_by_the_later_check_and_rebuilt(tmp_path: Path) -> None:
    library = tiny_library(tmp_path, 300)
    photos = sorted(p.path for p in library.photos())
    state, folder = library.state_dir, library.library_dir
    library.close()
    db = state / "library.sqlite3"
    data = bytearray(db.read_bytes())
    page = 4096
    for at in range(2 * page, len(data) - page, page):  # every page but the first two: the schema still opens
        data[at + 100 : at + 400] = b"\xff" * 300
    db.write_bytes(bytes(data))
    for extra in ("library.sqlite3-wal", "library.sqlite3-shm"):
        (state / extra).unlink(missing_ok=True)

    library = Library(state, folder)
    library.open(check_later=True)
    assert not (state / "library.sqlite3.corrupt").exists()
    library.next_in_order()  # an index that fails to answer makes it run the check at once: no error here
    library.check()
    assert library.checked and (state / "library.sqlite3.corrupt").exists()
    assert sorted(p.path for p in library.photos()) == photos  # every file adopted again
    library.close()


@pytest.mark.usefixtures("dummy_sdl")
def test_the_slideshow_never_shows_a_gone_photo_before_the_check_and_stays_fair(tmp_path: Path) -> None:
    count = 30
    library = tiny_library(tmp_path, count)
    gone = {p.id for p in library.photos()[::3]}  # every third photo's file disappears while the device is off
    for p in library.photos():
        if p.id in gone:
            Path(p.path).unlink()
    library.close()
    library = Library(library.state_dir, library.library_dir)
    library.open(check_later=True)
    clock = FakeClock(1000.0)
    shown: list[str] = []
    scr = Screen(size=(320, 180), slideshow=SlideshowConfig(interval=1.0, fade=0.0), now=clock.now)
    scr.open()
    try:
        deadline = time.monotonic() + 60
        while len(shown) < 2 * (count - len(gone)) and time.monotonic() < deadline:
            if len(shown) == 5 and not library.checked:
                library.check()  # the kiosk runs it on a worker once the first photo is up
            scr.show(Slideshow(count=count), clock.now(), library.snapshot())
            if scr.showing is not None and (not shown or shown[-1] != scr.showing.id):
                shown.append(scr.showing.id)
            clock.advance(0.25)
            time.sleep(0.0005)
    finally:
        scr.close()
        library.close()
    assert len(shown) == 2 * (count - len(gone))
    assert not gone & set(shown)
    assert_fair(shown, count - len(gone))
