"""The slideshow's fair shuffle, kept in the index: every photo once before any twice, across restarts; and a
frame between transitions reads nothing of the library, however big it is."""

from __future__ import annotations

import itertools
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from core.clock import FakeClock
from core.config import SlideshowConfig
from core.library import DB_NAME, Library, Photo, PhotoList, media_stem
from core.states import Slideshow
from device.ui.screen import Screen


def tiny_library(root: Path, count: int, size: tuple[int, int] = (8, 6)) -> Library:
    """``count`` tiny photos in the library folder; opening the library adopts them (a fresh index)."""
    folder = root / "library"
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        Image.new("RGB", size, (n % 256, (n * 7) % 256, 90)).save(folder / f"{media_stem(f'p{n}')}.jpg")
    library = Library(root / "state", folder)
    library.open()
    return library


def reopen(library: Library) -> Library:
    library.close()
    again = Library(library.state_dir, library.library_dir)
    again.open()
    return again


def assert_fair(shown: list[str], count: int) -> None:
    """Each round of ``count`` shows every photo once; no photo twice in a row."""
    for start in range(0, len(shown), count):
        round_ = shown[start : start + count]
        assert len(set(round_)) == len(round_), f"a photo came twice in the round from {start}"
        if len(round_) == count:
            assert len(set(round_)) == count
    assert all(a != b for a, b in itertools.pairwise(shown))


def test_every_photo_is_shown_once_before_any_twice_across_restarts(tmp_path: Path) -> None:
    count = 2000
    library = tiny_library(tmp_path, count)
    shown: list[str] = []
    current: Photo | None = None
    try:
        for turn in range(int(count * 2.5)):
            if turn in (700, 1990, 2600):  # restarts: the order is the index's, not the process's
                library = reopen(library)
            photo = library.next_in_order([current] if current else [])
            assert photo is not None
            library.mark_shown(photo)
            shown.append(photo.id)
            current = photo
    finally:
        library.close()
    assert_fair(shown, count)
    assert shown[:count] != shown[count : 2 * count]  # a new round is a new random order


def test_new_photos_join_the_current_round_and_an_old_index_gets_an_order(tmp_path: Path) -> None:
    library = tiny_library(tmp_path, 30)
    first = [library.next_in_order() for _ in range(10)]
    for photo in first:
        assert photo is not None
        library.mark_shown(photo)
    library.close()
    # The index as schema version 2 left it: no play order at all.
    db = sqlite3.connect(tmp_path / "state" / DB_NAME)
    db.executescript(
        "DROP TRIGGER play_order_join; DROP TRIGGER play_order_leave; DROP TABLE play_order; PRAGMA user_version=2;"
    )
    db.close()
    for n in range(30, 40):  # and ten more photos, adopted at the next start
        Image.new("RGB", (8, 6), (n, 0, 0)).save(tmp_path / "library" / f"{media_stem(f'p{n}')}.jpg")
    library = Library(tmp_path / "state", tmp_path / "library")
    library.open()
    try:
        seen = []
        for _ in range(40):
            photo = library.next_in_order(seen[-1:])
            assert photo is not None
            library.mark_shown(photo)
            seen.append(photo)
        assert len({p.id for p in seen}) == 40  # all 40, once each (the migration starts a fresh round)
        with sqlite3.connect(tmp_path / "state" / DB_NAME) as check:
            assert check.execute("PRAGMA user_version").fetchone()[0] == 3
    finally:
        library.close()


class Counted(PhotoList):
    """A PhotoList that counts how often its photos are read."""

    reads = 0

    def __iter__(self) -> Iterator[Photo]:
        Counted.reads += 1
        return super().__iter__()

    def __getitem__(self, index: Any) -> Any:
        Counted.reads += 1
        return super().__getitem__(index)

    def __contains__(self, item: object) -> bool:
        Counted.reads += 1
        return super().__contains__(item)


def show_frames(library: Library, tmp_path: Path, frames: int, *, shuffle: bool = True) -> tuple[int, list[str]]:
    """Show the slideshow until its first photo, then ``frames`` frames between transitions: reads of the photo
    list in those frames, and the photos shown."""
    clock = FakeClock(1000.0)
    scr = Screen(size=(320, 180), slideshow=SlideshowConfig(interval=60.0, fade=0.0, shuffle=shuffle), now=clock.now)
    scr.open()
    try:
        snap = library.snapshot()
        photos = Counted(snap, snap.version, snap.order)
        state = Slideshow(count=len(photos))
        deadline = time.monotonic() + 20
        while scr.showing is None and time.monotonic() < deadline:
            scr.show(state, clock.now(), photos)
            time.sleep(0.002)
        assert scr.showing is not None
        while scr.next_wake(clock.now()) < 1 and time.monotonic() < deadline:  # the next photo decoded ahead
            scr.show(state, clock.now(), photos)
            time.sleep(0.002)
        Counted.reads = 0
        for _ in range(frames):
            clock.advance(0.1)
            scr.show(state, clock.now(), photos)
        return Counted.reads, [scr.showing.id]
    finally:
        scr.close()


@pytest.mark.usefixtures("dummy_sdl")
@pytest.mark.parametrize("shuffle", [True, False])
def test_a_frame_between_transitions_reads_nothing_of_the_library(tmp_path: Path, shuffle: bool) -> None:
    small = tiny_library(tmp_path / "small", 5)
    big = tiny_library(tmp_path / "big", 1500)
    try:
        assert big.snapshot() is big.snapshot()  # the same list every frame until the photos change
        version = big.version
        reads_small, _ = show_frames(small, tmp_path, 100, shuffle=shuffle)
        reads_big, _ = show_frames(big, tmp_path, 100, shuffle=shuffle)
        assert reads_big == reads_small == 0
        assert big.version == version
    finally:
        small.close()
        big.close()


@pytest.mark.usefixtures("dummy_sdl")
def test_the_slideshow_shows_every_photo_before_any_twice_across_restarts(tmp_path: Path) -> None:
    count = 600
    library = tiny_library(tmp_path, count)
    clock = FakeClock(1000.0)
    shown: list[str] = []
    try:
        for part in (400, 500, 500):  # three runs of the slideshow: two restarts of the device
            scr = Screen(size=(320, 180), slideshow=SlideshowConfig(interval=1.0, fade=0.0), now=clock.now)
            scr.open()
            try:
                target = len(shown) + part
                deadline = time.monotonic() + 60
                while len(shown) < target and time.monotonic() < deadline:
                    scr.show(Slideshow(count=count), clock.now(), library.snapshot())
                    if scr.showing is not None and (not shown or shown[-1] != scr.showing.id):
                        shown.append(scr.showing.id)
                    clock.advance(0.25)
                    time.sleep(0.0005)
            finally:
                scr.close()
            library = reopen(library)
    finally:
        library.close()
    assert len(shown) == 1400
    assert_fair(shown, count)


@pytest.mark.usefixtures("dummy_sdl")
def test_portrait_photos_are_paired_in_the_fair_order_each_once_a_round(tmp_path: Path) -> None:
    count = 12
    library = tiny_library(tmp_path, count, size=(6, 8))  # portrait photos on a landscape screen: pairs
    clock = FakeClock(1000.0)
    slides: list[tuple[str, ...]] = []
    scr = Screen(size=(320, 180), slideshow=SlideshowConfig(interval=1.0, fade=0.0), now=clock.now)
    scr.open()
    try:
        deadline = time.monotonic() + 60
        while len(slides) < 3 * count // 2 and time.monotonic() < deadline:
            scr.show(Slideshow(count=count), clock.now(), library.snapshot())
            slide = tuple(p.id for p in scr.showing_slide)
            if slide and (not slides or slides[-1] != slide):
                slides.append(slide)
            clock.advance(0.25)
            time.sleep(0.0005)
    finally:
        scr.close()
        library.close()
    assert len(slides) == 3 * count // 2
    assert all(len(slide) == 2 for slide in slides)  # every one of them shared the screen with another
    assert_fair([pid for slide in slides for pid in slide], count)
