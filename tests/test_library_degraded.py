"""Degraded mode on real file systems: a full or read-only disk still shows the saved photos, read-only.

Each test mounts a small tmpfs of its own (and remounts it read-only, or fills it): chmod does not stop
root, a real read-only or full file system does. Without the right to mount, the tests skip and say why.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import DownloadConfig
from core.emulator import Emulator
from core.errors import LibraryError
from core.library import Library
from core.library.degraded import degraded_reason
from tests.test_library import World, pick

ROOMY = DownloadConfig(min_free_bytes=1024 * 1024)  # the test disk is small


class Disk:
    """A tmpfs mounted at ``path`` for one test."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def remount(self, mode: str) -> None:
        subprocess.run(["mount", "-o", f"remount,{mode}", str(self.path)], check=True, capture_output=True)

    def fill(self) -> Path:
        """Write a filler file until the disk is full; the filler's path."""
        filler = self.path / "filler"
        with open(filler, "wb") as out, contextlib.suppress(OSError):
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        return filler


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Disk]:
    yield from mounted(tmp_path)


def mounted(tmp_path: Path) -> Iterator[Disk]:
    """A fresh tmpfs under ``tmp_path`` while the generator runs (skips the test if mounting is not allowed)."""
    where = tmp_path / "disk"
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=48m,mode=0700", "tmpfs", str(where)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): {done.stderr.strip()}")
    try:
        yield Disk(where)
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def filled(world: World, count: int = 5) -> list[str]:
    lib = world.library(download=ROOMY)
    sid = pick(world.emu, world.client, count=count)
    lib.remember_session(sid, "00000000-0000-4000-8000-000000000000")
    lib.download_session(world.client, sid)
    paths = sorted(p.path for p in lib.photos())
    lib.close()
    assert len(paths) >= 3
    return paths


@pytest.fixture
def world(emulator: Emulator, disk: Disk) -> World:
    return World(emulator, disk.path)


def test_a_read_only_disk_still_shows_every_saved_photo_and_recovers(world: World, disk: Disk) -> None:
    paths = filled(world)
    disk.remount("ro")
    lib = world.library()  # no exception: degraded, not dead
    assert lib.degraded is not None and "read-only" in lib.degraded and str(world.state_dir) in lib.degraded
    assert sorted(p.path for p in lib.photos()) == paths
    with pytest.raises(LibraryError):
        lib.remember_session("s-new", "00000000-0000-4000-8000-000000000001")
    assert lib.reopen() is False and lib.degraded is not None  # still read-only: still showing
    assert sorted(p.path for p in lib.photos()) == paths
    disk.remount("rw")
    assert lib.reopen() is True and lib.degraded is None
    assert sorted(p.path for p in lib.photos()) == paths
    lib.remember_session("s-new", "00000000-0000-4000-8000-000000000001")  # writable again
    lib.close()


def test_a_read_only_disk_after_a_power_cut_shows_the_photos_of_the_unmerged_log(world: World, disk: Disk) -> None:
    # A kiosk killed mid-life leaves its newest commits in the WAL file; read-only, SQLite may not read it.
    lib = world.library(download=ROOMY)
    sid = pick(world.emu, world.client, count=4)
    lib.remember_session(sid, "00000000-0000-4000-8000-000000000000")
    lib.download_session(world.client, sid)
    paths = sorted(p.path for p in lib.photos())
    # What a power cut leaves: the newest commits still in the WAL file, not yet merged into the index.
    db = world.state_dir / "library.sqlite3"
    left = {suffix: db.with_name(db.name + suffix).read_bytes() for suffix in ("", "-wal", "-shm")}
    assert len(left["-wal"]) > 0
    lib.close()  # merges the WAL; the files are then put back as the power cut left them
    for suffix, data in left.items():
        db.with_name(db.name + suffix).write_bytes(data)
    disk.remount("ro")
    again = Library(world.state_dir, world.library_dir)
    again.open()
    assert again.degraded is not None
    assert sorted(p.path for p in again.photos()) == paths
    again.close()


def test_a_full_disk_still_shows_every_saved_photo_and_recovers(world: World, disk: Disk) -> None:
    paths = filled(world)
    (world.state_dir / "library.sqlite3").unlink()  # a start that must write (rebuild the index) to go on
    filler = disk.fill()
    lib = world.library()
    assert lib.degraded is not None and "full" in lib.degraded
    assert sorted(p.path for p in lib.photos()) == paths
    assert lib.reopen() is False
    filler.unlink()
    assert lib.reopen() is True and lib.degraded is None
    assert sorted(p.path for p in lib.photos()) == paths
    lib.close()


@pytest.mark.parametrize(("err", "words"), [(errno.EROFS, "read-only"), (errno.ENOSPC, "full"), (errno.EDQUOT, "full")])
def test_the_reason_names_the_kind_and_the_folder(tmp_path: Path, err: int, words: str) -> None:
    state, library = tmp_path / "state", tmp_path / "photos"
    failure = LibraryError("The photo library folder could not be opened.")
    failure.__cause__ = OSError(err, os.strerror(err), str(library / "x.jpg"))
    reason = degraded_reason(failure, state, library)
    assert reason is not None and words in reason and str(library) in reason
    other = LibraryError("in use")
    other.__cause__ = OSError(errno.EWOULDBLOCK, "busy")
    assert degraded_reason(other, state, library) is None
