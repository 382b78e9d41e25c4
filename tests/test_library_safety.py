"""The library never loses a photo on a guess: a damaged index, a shared folder, and private modes (#12)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.emulator import Emulator
from core.errors import ConfigError, LibraryError
from core.library import Library
from tests.test_library import SCREEN, World, decodes, pick


@pytest.fixture
def world(emulator: Emulator, tmp_path: Path) -> World:
    return World(emulator, tmp_path)


def filled(world: World, count: int = 6) -> list[str]:
    """A library with ``count`` photos downloaded and closed; their paths."""
    lib = world.library()
    sid = pick(world.emu, world.client, count=count)
    lib.remember_session(sid, "00000000-0000-4000-8000-000000000000")
    lib.download_session(world.client, sid)
    paths = [p.path for p in lib.photos()]
    lib.close()
    assert paths
    return paths


def test_an_index_truncated_to_zero_bytes_keeps_every_photo(world: World) -> None:
    paths = filled(world)
    for name in ("library.sqlite3", "library.sqlite3-wal", "library.sqlite3-shm"):
        path = world.state_dir / name
        if path.exists():
            path.write_bytes(b"")  # a power cut mid-write, or by hand
    lib = Library(world.state_dir, world.library_dir, screen=SCREEN)
    report = lib.open()
    assert report.removed_files == 0 and report.adopted == len(paths) and report.rebuilt
    assert all(Path(p).exists() for p in paths)
    assert sorted(p.path for p in lib.photos()) == sorted(paths)
    lib.close()
    # And after one more restart, the rebuilt index is trusted and still lists them all.
    again = Library(world.state_dir, world.library_dir, screen=SCREEN)
    again.open()
    assert sorted(p.path for p in again.photos()) == sorted(paths) and all(decodes(p) for p in paths)
    again.close()


def test_an_unreadable_index_keeps_every_photo(world: World) -> None:
    paths = filled(world)
    (world.state_dir / "library.sqlite3").write_bytes(os.urandom(3000))
    for extra in ("library.sqlite3-wal", "library.sqlite3-shm"):
        (world.state_dir / extra).unlink(missing_ok=True)
    lib = Library(world.state_dir, world.library_dir, screen=SCREEN)
    report = lib.open()
    assert report.rebuilt and report.removed_files == 0
    assert sorted(p.path for p in lib.photos()) == sorted(paths)
    lib.close()


def test_two_state_folders_cannot_share_one_library_folder_while_running(world: World, tmp_path: Path) -> None:
    paths = filled(world)
    lib = Library(world.state_dir, world.library_dir, screen=SCREEN)
    lib.open()
    other = Library(tmp_path / "other-state", world.library_dir, screen=SCREEN)
    with pytest.raises(ConfigError) as refused:  # the CLI maps a ConfigError to exit 2
        other.open()
    assert isinstance(refused.value, LibraryError)
    assert str(world.library_dir) in refused.value.message
    assert sorted(p.path for p in lib.photos()) == sorted(paths) and all(Path(p).exists() for p in paths)
    lib.close()


def test_a_library_folder_owned_by_another_index_is_refused_not_wiped(world: World, tmp_path: Path) -> None:
    paths = filled(world)
    other = Library(tmp_path / "other-state", world.library_dir, screen=SCREEN)
    with pytest.raises(ConfigError) as refused:
        other.open()
    assert str(world.library_dir) in refused.value.message
    assert all(Path(p).exists() for p in paths)
    # The owner still has every photo.
    lib = Library(world.state_dir, world.library_dir, screen=SCREEN)
    report = lib.open()
    assert report.removed_files == 0 and report.dropped_rows == 0
    assert sorted(p.path for p in lib.photos()) == sorted(paths)
    lib.close()


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path | str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_library_is_private_whatever_the_umask(world: World, open_umask: None) -> None:
    paths = filled(world)
    assert mode(world.library_dir) == 0o700
    assert mode(world.state_dir) == 0o700
    assert {mode(p) for p in paths} == {0o600}
    assert mode(world.state_dir / "library.sqlite3") == 0o600
    assert mode(world.state_dir / "library.lock") == 0o600
    for extra in ("library.sqlite3-wal", "library.sqlite3-shm"):
        if (world.state_dir / extra).exists():
            assert mode(world.state_dir / extra) == 0o600


def test_the_change_counter_moves_only_when_the_photos_change(world: World) -> None:
    lib = world.library()
    start = lib.version
    lib.photos()
    lib.count()
    assert lib.version == start  # reading changes nothing
    sid = pick(world.emu, world.client, count=3)
    lib.download_session(world.client, sid)
    after = lib.version
    assert after > start and lib.count() > 0
    lib.photos()
    assert lib.version == after
    lib.close()


def test_a_rebuilt_index_knows_each_photos_media_id_again(world: World) -> None:
    lib = world.library()
    sid = pick(world.emu, world.client, count=5)
    lib.download_session(world.client, sid)
    before = {p.path: p.id for p in lib.photos()}
    lib.close()
    (world.state_dir / "library.sqlite3").write_bytes(b"")
    for extra in ("library.sqlite3-wal", "library.sqlite3-shm"):
        (world.state_dir / extra).unlink(missing_ok=True)
    lib = Library(world.state_dir, world.library_dir, screen=SCREEN)
    lib.open()
    assert {p.path: p.id for p in lib.photos()} == before
    lib.close()


def test_run_refuses_a_library_folder_in_use_with_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from device import app

    photos = tmp_path / "photos"
    first = Library(tmp_path / "first", photos)
    first.open()
    config = tmp_path / "second.toml"
    config.write_text(
        '[google]\nclient_id = "x.apps.googleusercontent.com"\nclient_secret = "s"\n'
        'auth_url = "http://127.0.0.1:9"\npicker_url = "http://127.0.0.1:9"\n'
        f'[storage]\nstate_dir = "{tmp_path / "second"}"\nlibrary_dir = "{photos}"\n'
    )
    try:
        code = app.main(["run", "--config", str(config), "--once", "--headless"])
    finally:
        first.close()
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and str(photos) in err[0] and "Traceback" not in err[0]


def test_atomic_write_is_private_whole_and_leaves_no_temp_file(tmp_path: Path, open_umask: None) -> None:
    from core.library.files import atomic_write

    target = tmp_path / "token.json"
    target.write_bytes(b"old")
    os.chmod(target, 0o644)
    atomic_write(target, b'{"new": true}')
    assert target.read_bytes() == b'{"new": true}' and mode(target) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["token.json"]
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "inside").touch()
    with pytest.raises(OSError):
        atomic_write(busy, b"x")  # cannot replace a folder: the temp file beside it must go too
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy", "token.json"]
