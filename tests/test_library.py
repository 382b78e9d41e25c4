"""The local photo library against the emulator over real sockets: downloads, dedup, faults, resume, replace."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image

from core.clock import FakeClock
from core.config import DownloadConfig
from core.emulator import Emulator, Fault, Person
from core.errors import DiskFull, LibraryError, SessionExpired, TransportError
from core.library import Library
from core.picker import PickerClient
from core.records import PickedMediaItem
from core.transport import Transport
from tests.test_library_images import bomb_png

PICKER_SCOPE = "https://www.googleapis.com/auth/photospicker.mediaitems.readonly"
SCREEN = (800, 600)
SPEC = "w800-h600"
OUR_NAME = re.compile(r"^[0-9a-f]{32}(\.poster)?\.(jpg|png|heic|mp4)$")  # a video's poster sits beside it


# ---- helpers: a signed-in Picker client and a picked session ------------------------------------------


def sign_in(emu: Emulator) -> str:
    """The device grant done by hand over HTTP: returns an access token for the Picker scope."""
    assert emu.fake_clock is not None
    code = requests.post(
        f"{emu.url}/device/code", data={"client_id": "kiosk", "scope": PICKER_SCOPE}, timeout=10
    ).json()
    emu.fake_clock.advance(max(emu.person.approve_after, float(code.get("interval", 5))) + 0.1)
    token = requests.post(
        f"{emu.url}/token",
        data={
            "client_id": "kiosk",
            "client_secret": "secret",
            "device_code": code["device_code"],
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        },
        timeout=10,
    ).json()
    return str(token["access_token"])


def client_for(emu: Emulator, token: str) -> PickerClient:
    assert emu.fake_clock is not None
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    return PickerClient(emu.url, Transport(http, clock=emu.fake_clock.clock(), timeout=10))


def pick(emu: Emulator, client: PickerClient, count: int | None = None) -> str:
    """A session in which the scripted person has tapped Done."""
    assert emu.fake_clock is not None
    if count is not None:
        emu.person.pick_count = count
    session = client.create_session()
    emu.fake_clock.advance(emu.person.pick_after + 0.1)
    assert client.get_session(session.id).media_items_set
    return session.id


def photo_ids(emu: Emulator, sid: str) -> list[str]:
    return [i.id for i in emu.picked(sid) if i.type == "PHOTO"]


def media_requests(emu: Emulator) -> list[Any]:
    return [r for r in emu.requests if r.endpoint == "media"]


def leftovers(directory: Path) -> list[str]:
    """Names in the library folder that are not finished files of ours (temp files, strays)."""
    return [p.name for p in directory.iterdir() if not OUR_NAME.match(p.name)]


def decodes(path: str) -> bool:
    try:
        with Image.open(path) as im:
            im.load()
    except Exception:
        return False
    return True


class World:
    """An emulator, a signed-in client and the two folders of a library."""

    def __init__(self, emu: Emulator, tmp_path: Path) -> None:
        assert emu.fake_clock is not None
        self.emu = emu
        self.clock: FakeClock = emu.fake_clock
        self.token = sign_in(emu)
        self.client = client_for(emu, self.token)
        self.state_dir = tmp_path / "state"
        self.library_dir = tmp_path / "state" / "library"

    def library(self, **kwargs: Any) -> Library:
        kwargs.setdefault("screen", SCREEN)
        lib = Library(self.state_dir, self.library_dir, clock=self.clock.clock(), **kwargs)
        lib.open()
        return lib


@pytest.fixture
def world(make_emulator: Callable[..., Emulator], tmp_path: Path) -> World:
    # 20 items cover one of each kind: every aspect, PNGs, rotated JPEGs, 12 MP, the three video
    # states and every hostile filename ("../../etc/passwd", 300 chars, control characters, duplicates).
    emu = make_emulator(photos=20, person=Person(pick_count=20, approve_after=0.0, pick_after=1.0))
    return World(emu, tmp_path)


class ExpireAfterListing:
    """A MediaSource whose first listing is so slow that every baseUrl it returned has expired."""

    def __init__(self, client: PickerClient, clock: FakeClock, lifetime: float) -> None:
        self.client = client
        self.clock = clock
        self.lifetime = lifetime
        self.listings = 0

    def list_media_items(self, session_id: str) -> Iterable[PickedMediaItem]:
        items = list(self.client.list_media_items(session_id))
        self.listings += 1
        if self.listings == 1:
            self.clock.advance(self.lifetime + 1)
        return items

    def open_media(
        self, item: PickedMediaItem, spec: str, *, max_bytes: int
    ) -> AbstractContextManager[Iterator[bytes]]:
        return self.client.open_media(item, spec, max_bytes=max_bytes)


# ---- the happy path --------------------------------------------------------------------------------


def test_download_keeps_exactly_the_served_bytes_under_safe_names(world: World, tmp_path: Path) -> None:
    emu = world.emu
    sid = pick(emu, world.client)
    lib = world.library(download=DownloadConfig(videos=False))  # photos only: every video is left out
    seen: list[tuple[int, int, int, int]] = []
    report = lib.download_session(world.client, sid, on_progress=lambda *a: seen.append(a))

    picked = emu.picked(sid)
    photos = [i for i in picked if i.type == "PHOTO"]
    assert len(picked) == 20 and len(photos) == 17
    assert (report.total, report.done, report.fetched, report.failed, report.unsupported) == (20, 17, 17, 3, 3)
    assert report.pending == 0 and not report.cancelled
    assert seen[-1] == (17, 20, 0, 3)
    assert [d for d, _, _, _ in seen] == sorted(d for d, _, _, _ in seen)

    shown = lib.photos()
    assert lib.count() == 17
    assert {p.id for p in shown} == {i.id for i in photos}
    assert [p.created for p in shown] == sorted(p.created for p in shown if p.created is not None)
    by_id = {p.id: p for p in shown}
    for item in photos:
        assert Path(by_id[item.id].path).read_bytes() == emu.rendition_bytes(item.id, SPEC)
    # Names come from the id and the real content type, never from the person's filenames.
    assert leftovers(world.library_dir) == []
    hostile = {i.filename for i in picked}
    assert "../../etc/passwd" in hostile
    everything = [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")]
    assert not any("passwd" in n or "\x1b" in n or "IMG_" in n or "Screenshot" in n for n in everything)
    assert all(Path(p.path).parent == world.library_dir for p in shown)
    lib.close()


def test_original_mode_keeps_the_original_file(make_emulator: Callable[..., Emulator], tmp_path: Path) -> None:
    emu = make_emulator(photos=20, person=Person(pick_count=3, include_videos=False, approve_after=0.0))
    w = World(emu, tmp_path)
    sid = pick(emu, w.client)
    lib = w.library(download=DownloadConfig(original=True))
    report = lib.download_session(w.client, sid)
    assert report.done == 3
    for p in lib.photos():
        assert Path(p.path).read_bytes() == emu.original_bytes(p.id)
    assert {r.path.partition("=")[2] for r in media_requests(emu)} in ({"d"}, {""})
    lib.close()


def test_ready_videos_are_kept_beside_their_poster_by_default(world: World) -> None:
    emu = world.emu
    sid = pick(emu, world.client)
    lib = world.library()  # videos = true is the default
    report = lib.download_session(world.client, sid)
    ready = [i for i in emu.picked(sid) if i.type == "VIDEO" and i.video_status == "READY"]
    assert len(ready) == 1
    assert (report.done, report.unsupported) == (18, 2)  # PROCESSING and FAILED are not fetched
    videos = [p for p in world.library_dir.iterdir() if p.suffix == ".mp4"]
    assert [v.read_bytes() for v in videos] == [emu.rendition_bytes(ready[0].id, "dv")]
    assert videos[0].read_bytes()[4:8] == b"ftyp" and len(videos[0].read_bytes()) > 10_000  # a real clip
    assert lib.count() == 18  # photos() is what the slideshow shows: the photos and the video (as its poster)
    (video,) = [p for p in lib.photos() if p.video is not None]
    assert video.id == ready[0].id and video.video == str(videos[0])
    assert Path(video.path).parent == world.library_dir and Path(video.path).name.endswith(".poster.jpg")
    assert Path(video.path).read_bytes() == emu.rendition_bytes(ready[0].id, SPEC)
    assert leftovers(world.library_dir) == []
    lib.close()
    reopened = world.library()  # the index knows both files after a restart
    assert [(p.path, p.video) for p in reopened.photos() if p.video] == [(video.path, video.video)]
    reopened.close()


def test_videos_are_left_out_when_not_asked_for(world: World) -> None:
    sid = pick(world.emu, world.client)
    lib = world.library(download=DownloadConfig(videos=False))
    report = lib.download_session(world.client, sid)
    assert (report.done, report.unsupported) == (17, 3)
    assert not [p for p in world.library_dir.iterdir() if p.suffix == ".mp4" or ".poster" in p.name]
    assert lib.count() == 17 and all(p.video is None for p in lib.photos())
    lib.close()


# ---- the same photo twice ----------------------------------------------------------------------------


def test_a_photo_already_in_the_library_is_not_fetched_again(world: World) -> None:
    emu = world.emu
    lib = world.library(download=DownloadConfig(videos=False))  # photo_ids() below counts photos only
    first = pick(emu, world.client, count=8)
    lib.download_session(world.client, first)
    second = pick(emu, world.client, count=12)
    report = lib.download_session(world.client, second)

    a, b = set(photo_ids(emu, first)), set(photo_ids(emu, second))
    assert a & b, "the emulator picks overlap; this test needs them to"
    assert report.already_had == len(a & b)
    assert report.fetched == len(b - a)
    assert len(media_requests(emu)) == len(a | b)
    assert {p.id for p in lib.photos()} == a | b

    again = lib.download_session(world.client, second)  # e.g. the flow retried after a crash
    assert (again.fetched, again.already_had) == (0, len(b))
    assert len(media_requests(emu)) == len(a | b)
    lib.close()


# ---- expired media URLs ------------------------------------------------------------------------------


def test_expired_base_urls_are_listed_again_and_fetched(make_emulator: Callable[..., Emulator], tmp_path: Path) -> None:
    emu = make_emulator(
        photos=20, url_lifetime=3600, access_token_lifetime=99999, person=Person(pick_count=6, include_videos=False)
    )
    w = World(emu, tmp_path)
    sid = pick(emu, w.client)
    slow = ExpireAfterListing(w.client, w.clock, 3600)
    lib = w.library()
    report = lib.download_session(slow, sid)
    assert report.done == 6 and report.failed == 0
    assert slow.listings == 2
    statuses = [r.status for r in media_requests(emu)]
    assert statuses.count(403) >= 1 and statuses.count(200) == 6
    lib.close()


def test_session_gone_while_relisting_keeps_items_pending(
    make_emulator: Callable[..., Emulator], tmp_path: Path
) -> None:
    emu = make_emulator(photos=20, access_token_lifetime=99999, person=Person(pick_count=6, include_videos=False))
    w = World(emu, tmp_path)
    sid = pick(emu, w.client)
    slow = ExpireAfterListing(w.client, w.clock, 3600)
    original = slow.list_media_items

    def list_then_forget(session_id: str) -> Iterable[PickedMediaItem]:
        items = original(session_id)
        emu.expire_session(session_id)  # gone at Google before the second listing
        return items

    slow.list_media_items = list_then_forget  # type: ignore[method-assign]
    lib = w.library()
    with pytest.raises(SessionExpired):
        lib.download_session(slow, sid)
    assert lib.pending_count(sid) == 6
    assert lib.count() == 0 and leftovers(w.library_dir) == []
    lib.close()


# ---- failures ----------------------------------------------------------------------------------------


def test_disk_full_stops_with_nothing_partial(world: World) -> None:
    sid = pick(world.emu, world.client)
    lib = world.library(download=DownloadConfig(min_free_bytes=1 << 62))
    with pytest.raises(DiskFull):
        lib.download_session(world.client, sid)
    assert list(world.library_dir.iterdir()) == []
    assert lib.count() == 0
    assert lib.pending_count(sid) == 18  # 17 photos and the READY video
    lib.close()


def test_garbage_and_a_bomb_are_counted_as_bad_and_not_kept(world: World) -> None:
    emu = world.emu
    sid = pick(emu, world.client, count=10)
    emu.add_fault(Fault(endpoint="media", garbage=b"<html>Service Unavailable</html>", times=1))
    emu.add_fault(Fault(endpoint="media", garbage=bomb_png(), times=1))
    lib = world.library(download=DownloadConfig(workers=1))
    report = lib.download_session(world.client, sid)
    photos = photo_ids(emu, sid)
    assert len(report.bad) == 2 and set(report.bad) <= set(photos)
    assert report.done == len(photos) - 2
    assert report.failed == 2 + report.unsupported
    assert lib.count() == len(photos) - 2 and not {p.id for p in lib.photos()} & set(report.bad)
    assert len(list(world.library_dir.iterdir())) == len(photos) - 2
    assert leftovers(world.library_dir) == []
    # A bad item is not fetched again when the same session is downloaded again.
    before = len(media_requests(emu))
    again = lib.download_session(world.client, sid)
    assert len(media_requests(emu)) == before and set(again.bad) == set(report.bad)
    lib.close()


def test_a_dropped_connection_is_retried(world: World) -> None:
    emu = world.emu
    sid = pick(emu, world.client, count=6)
    emu.add_fault(Fault(endpoint="media", drop=True, times=1))
    emu.add_fault(Fault(endpoint="media", truncate=True, times=1))
    lib = world.library()
    report = lib.download_session(world.client, sid)
    assert report.done == len(photo_ids(emu, sid)) and report.failed == report.unsupported
    for p in lib.photos():
        assert Path(p.path).read_bytes() == emu.rendition_bytes(p.id, SPEC)
    lib.close()


def test_no_network_raises_keeps_pending_and_resumes_later(world: World) -> None:
    emu = world.emu
    sid = pick(emu, world.client, count=8)
    emu.add_fault(Fault(endpoint="media", drop=True, times=None))
    lib = world.library()
    lib.remember_session(sid, "00000000-0000-4000-8000-000000000000")
    with pytest.raises(TransportError):
        lib.download_session(world.client, sid)
    photos = photo_ids(emu, sid)
    assert lib.pending_count(sid) == len(photos)
    assert list(world.library_dir.iterdir()) == []
    [left] = lib.open_sessions()
    assert left.has_pending and left.pending == len(photos)

    emu.clear_faults()
    report = lib.resume_pending(world.client, sid)
    assert report.done == len(photos) and lib.pending_count(sid) == 0
    assert not lib.open_sessions()[0].has_pending
    lib.forget_session(sid)
    assert lib.open_sessions() == []
    lib.close()


def test_cancel_stops_then_a_new_library_finishes(make_emulator: Callable[..., Emulator], tmp_path: Path) -> None:
    emu = make_emulator(photos=20, latency=0.02, person=Person(pick_count=16, include_videos=False))
    w = World(emu, tmp_path)
    sid = pick(emu, w.client)
    cancel = threading.Event()
    lib = w.library(download=DownloadConfig(workers=2))
    lib.remember_session(sid, "00000000-0000-4000-8000-000000000000")

    def stop_after_three(done: int, total: int, failed: int, skipped: int) -> None:
        if done >= 3:
            cancel.set()

    report = lib.download_session(w.client, sid, on_progress=stop_after_three, cancel=cancel)
    assert report.cancelled and 3 <= report.done < 16 and report.pending == 16 - report.done
    assert leftovers(w.library_dir) == []
    assert lib.count() == report.done
    lib.close()

    again = w.library()
    [left] = again.open_sessions()
    assert left.id == sid and left.has_pending
    fetched_before = len(media_requests(emu))
    final = again.resume_pending(w.client, sid)
    assert final.done == 16 and final.already_had == report.done and final.fetched == 16 - report.done
    assert len(media_requests(emu)) == fetched_before + 16 - report.done
    assert again.count() == 16 and leftovers(w.library_dir) == []
    again.close()


# ---- replace ---------------------------------------------------------------------------------------


def test_replace_swaps_only_when_every_item_is_complete(make_emulator: Callable[..., Emulator], tmp_path: Path) -> None:
    emu = make_emulator(photos=40, latency=0.02, person=Person(pick_count=10, include_videos=False))
    w = World(emu, tmp_path)
    lib = w.library(download=DownloadConfig(workers=2))
    old = pick(emu, w.client)
    lib.download_session(w.client, old)
    old_set = {p.id: p.path for p in lib.photos()}

    new = pick(emu, w.client, count=14)
    new_ids = set(photo_ids(emu, new))
    cancel = threading.Event()

    def stop_after_four(done: int, total: int, failed: int, skipped: int) -> None:
        if done >= 4:
            cancel.set()

    half = lib.download_session(w.client, new, replace=True, on_progress=stop_after_four, cancel=cancel)
    assert half.cancelled and half.pending > 0
    assert {p.id: p.path for p in lib.photos()} == old_set  # nothing of the new set shows yet
    lib.close()

    lib = w.library(download=DownloadConfig(workers=2))
    assert lib.count() == len(old_set)
    final = lib.resume_pending(w.client, new)  # remembers replace=True from the first call
    assert final.done == 14 and final.pending == 0
    assert {p.id for p in lib.photos()} == new_ids
    for gone in set(old_set) - new_ids:
        assert not Path(old_set[gone]).exists()
    assert len(list(w.library_dir.iterdir())) == len(new_ids)
    lib.close()


def test_replace_with_nothing_fetchable_keeps_the_old_library(world: World) -> None:
    emu = world.emu
    lib = world.library()
    first = pick(emu, world.client, count=5)
    lib.download_session(world.client, first)
    before = lib.photos()

    empty = lib.download_session(world.client, pick(emu, world.client, count=0), replace=True)
    assert empty.total == 0 and lib.photos() == before

    all_bad = pick(emu, world.client, count=6)
    emu.add_fault(Fault(endpoint="media", garbage=b"junk", times=None))
    report = lib.download_session(world.client, all_bad, replace=True)
    overlap = set(photo_ids(emu, first)) & set(photo_ids(emu, all_bad))
    assert report.fetched == 0 and report.done == len(overlap)
    if overlap:  # what was already here is complete, so the new set is exactly that
        assert {p.id for p in lib.photos()} == overlap
    else:
        assert lib.photos() == before
    lib.close()


# ---- start-up checks -----------------------------------------------------------------------------------


def downloaded(world: World, count: int = 8) -> tuple[Library, str, list[Any]]:
    sid = pick(world.emu, world.client, count=count)
    lib = world.library()
    lib.remember_session(sid, "00000000-0000-4000-8000-000000000000")
    lib.download_session(world.client, sid)
    return lib, sid, lib.photos()


def test_a_corrupted_photo_is_dropped_at_open_and_fetched_again(world: World) -> None:
    lib, sid, photos = downloaded(world)
    lib.close()
    broken, cut = Path(photos[0].path), Path(photos[1].path)
    broken.write_bytes(b"\x00" * broken.stat().st_size)
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])

    lib = Library(world.state_dir, world.library_dir, screen=SCREEN, clock=world.clock.clock())
    report = lib.open()
    assert report.dropped_rows == 2 and not report.rebuilt
    assert lib.count() == len(photos) - 2
    assert not broken.exists() and not cut.exists()
    assert all(decodes(p.path) for p in lib.photos())
    [left] = lib.open_sessions()
    assert left.has_pending and left.pending == 2

    again = lib.resume_pending(world.client, sid)
    assert again.fetched == 2 and lib.count() == len(photos)
    assert broken.read_bytes() == world.emu.rendition_bytes(photos[0].id, SPEC)
    lib.close()


def test_a_missing_file_is_dropped(world: World) -> None:
    lib, _, photos = downloaded(world, 5)
    lib.close()
    Path(photos[2].path).unlink()
    lib = world.library()
    assert lib.count() == len(photos) - 1 and photos[2].id not in {p.id for p in lib.photos()}
    lib.close()


def test_a_corrupt_index_is_rebuilt_from_the_files(world: World) -> None:
    lib, sid, photos = downloaded(world)
    lib.close()
    db = world.state_dir / "library.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    for extra in ("library.sqlite3-wal", "library.sqlite3-shm"):
        (world.state_dir / extra).unlink(missing_ok=True)

    lib = Library(world.state_dir, world.library_dir, screen=SCREEN, clock=world.clock.clock())
    report = lib.open()
    assert report.rebuilt and report.adopted == len(photos)
    assert (world.state_dir / "library.sqlite3.corrupt").exists()
    rebuilt = lib.photos()
    assert [p.path for p in rebuilt] == [p.path for p in photos]  # same photos, same order
    assert all(decodes(p.path) for p in rebuilt)

    # Picked again, they are recognised by their id: nothing is fetched, and the ids come back.
    before = len(media_requests(world.emu))
    again = lib.download_session(world.client, sid)
    assert again.already_had == len(photos) and len(media_requests(world.emu)) == before
    assert {p.id for p in lib.photos()} == {p.id for p in photos}
    lib.close()


def test_a_missing_index_is_built_from_the_files_not_deleted(world: World) -> None:
    lib, _, photos = downloaded(world, 5)
    lib.close()
    for name in ("library.sqlite3", "library.sqlite3-wal", "library.sqlite3-shm"):
        (world.state_dir / name).unlink(missing_ok=True)
    lib = Library(world.state_dir, world.library_dir, screen=SCREEN)
    report = lib.open()
    assert report.rebuilt and report.adopted == len(photos) and report.removed_files == 0
    assert [p.path for p in lib.photos()] == [p.path for p in photos]
    lib.close()


def test_a_file_that_landed_just_before_a_crash_is_adopted(world: World, tmp_path: Path) -> None:
    sid = pick(world.emu, world.client, count=6)
    # Another library fetches the files, so we have exactly the bytes a download would have renamed.
    elsewhere = Library(tmp_path / "other", tmp_path / "other" / "lib", screen=SCREEN, clock=world.clock.clock())
    elsewhere.open()
    elsewhere.download_session(world.client, sid)
    landed = elsewhere.photos()[0]
    elsewhere.close()

    lib = world.library(download=DownloadConfig(min_free_bytes=1 << 62))
    with pytest.raises(DiskFull):  # the items are recorded as pending, nothing is fetched
        lib.download_session(world.client, sid)
    pending = lib.pending_count(sid)
    lib.close()
    # The process "died" right after renaming one file into place, before recording it.
    (world.library_dir / Path(landed.path).name).write_bytes(Path(landed.path).read_bytes())

    lib = Library(world.state_dir, world.library_dir, screen=SCREEN, clock=world.clock.clock())
    report = lib.open()
    assert (report.adopted, report.removed_files, report.rebuilt) == (1, 0, False)
    assert [p.id for p in lib.photos()] == [landed.id]
    assert lib.pending_count(sid) == pending - 1
    lib.close()


def test_open_removes_temp_files_adopts_strays_and_leaves_foreign_files(world: World) -> None:
    lib, _, photos = downloaded(world, 5)
    lib.close()
    d = world.library_dir
    (d / ".0123456789abcdef0123456789abcdef.part").write_bytes(b"half a photo")
    stray = d / ("f" * 32 + ".jpg")
    stray.write_bytes(Path(photos[0].path).read_bytes())  # a real image that no row and no pending item owns
    (d / "README.txt").write_text("not ours")

    lib = Library(world.state_dir, world.library_dir, screen=SCREEN)
    report = lib.open()
    # #12: a photo file is never deleted on the word of an index (it may be wrong): the stray is adopted.
    assert (report.removed_temp, report.removed_files, report.adopted, report.dropped_rows) == (1, 0, 1, 0)
    assert stray.exists() and (d / "README.txt").exists()
    assert lib.count() == len(photos) + 1 and all(decodes(p.path) for p in lib.photos())
    lib.close()


def test_a_second_process_cannot_open_the_same_library(world: World) -> None:
    lib = world.library()
    other = Library(world.state_dir, world.library_dir)
    with pytest.raises(LibraryError):
        other.open()
    lib.close()
    other.open()
    other.close()


def test_remembered_sessions_survive_a_restart(world: World) -> None:
    lib = world.library()
    lib.remember_session("s-1", "2b0f9f8e-0a43-4d6e-9a8b-6f4f0a1c2d3e", replace=True)
    lib.close()
    lib = world.library()
    [s] = lib.open_sessions()
    assert (s.id, s.request_id, s.replace, s.has_pending) == (
        "s-1",
        "2b0f9f8e-0a43-4d6e-9a8b-6f4f0a1c2d3e",
        True,
        False,
    )
    lib.forget_session("s-1")
    assert lib.open_sessions() == []
    lib.close()
