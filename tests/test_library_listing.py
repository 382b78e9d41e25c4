"""Fetching while the session is still being listed: early starts, and no weaker guarantee for it."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, closing
from pathlib import Path
from typing import Any

import pytest

import core.picker
from core.emulator import Emulator, Fault, Person
from core.errors import KioskError
from core.picker import PickerClient
from core.records import PickedMediaItem
from tests.test_library import SPEC, World, leftovers, media_requests, photo_ids, pick

PAGE = 5  # items per mediaItems.list page here, so 20 picks take several pages
LIST_LATENCY = 0.1  # real seconds added to every mediaItems.list answer


@pytest.fixture
def paged(make_emulator: Callable[..., Emulator], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setattr(core.picker, "PAGE_SIZE", PAGE)
    emu = make_emulator(photos=30, access_token_lifetime=99999, person=Person(pick_count=20, include_videos=False))
    return World(emu, tmp_path)


def list_requests(emu: Emulator) -> list[Any]:
    return [r for r in emu.requests if r.endpoint == "mediaItems.list"]


class Watched:
    """A MediaSource that, at every fetch, reads what the library's index says at that moment.

    It also yields the first listed item a second time at the end of the listing, as a later page might.
    """

    def __init__(self, client: PickerClient, db: Path, session_id: str) -> None:
        self.client = client
        self.db = db
        self.session_id = session_id
        self.listing_ended = False
        self.seen: list[tuple[str | None, bool, bool]] = []  # (item state, session listed, listing ended)
        self._lock = threading.Lock()

    def list_media_items(self, session_id: str) -> Iterable[PickedMediaItem]:
        first: PickedMediaItem | None = None
        for item in self.client.list_media_items(session_id):
            first = first or item
            yield item
        if first is not None:
            yield first
        self.listing_ended = True

    def open_media(
        self, item: PickedMediaItem, spec: str, *, max_bytes: int
    ) -> AbstractContextManager[Iterator[bytes]]:
        # The index first, then the flag: the index can only say "listed" after the listing ended.
        with closing(sqlite3.connect(self.db)) as db:
            row = db.execute(
                "SELECT state FROM session_items WHERE session_id = ? AND id = ?", (self.session_id, item.id)
            ).fetchone()
            listed = db.execute("SELECT listed FROM sessions WHERE id = ?", (self.session_id,)).fetchone()
        ended = self.listing_ended
        with self._lock:
            self.seen.append((row[0] if row else None, bool(listed and listed[0]), ended))
        return self.client.open_media(item, spec, max_bytes=max_bytes)


def test_fetching_starts_before_the_last_page_is_listed(paged: World) -> None:
    emu = paged.emu
    sid = pick(emu, paged.client)
    emu.short_pages = True  # Google may answer short and even empty pages: still one list
    emu.add_fault(Fault(endpoint="mediaItems.list", latency=LIST_LATENCY, times=None))
    lib = paged.library()
    lib.remember_session(sid, "00000000-0000-4000-8000-000000000000")
    source = Watched(paged.client, paged.state_dir / "library.sqlite3", sid)
    progress: list[tuple[int, int, int, int]] = []
    report = lib.download_session(source, sid, on_progress=lambda *a: progress.append(a))

    lists = list_requests(emu)
    assert len(lists) >= 20 // PAGE
    last_list = max(r.wall for r in lists)
    early = [r for r in media_requests(emu) if r.wall < last_list]
    assert early, "no photo was fetched before the last page was asked for"
    assert not any(ended for _, _, ended in source.seen[:1]), "the first fetch waited for the whole list"

    # Every item was pending in the index before it was fetched, and the session was never called listed
    # while the listing was still going.
    assert source.seen and all(state == "pending" for state, _, _ in source.seen)
    assert all(ended for _, listed, ended in source.seen if listed)

    photos = photo_ids(emu, sid)
    assert len(photos) == 20
    assert (report.total, report.done, report.fetched, report.pending) == (20, 20, 20, 0)
    assert len(media_requests(emu)) == 20  # the item listed twice was fetched once
    totals = [t for _, t, _, _ in progress]
    assert totals == sorted(totals) and progress[-1] == (20, 20, 0, 0)
    assert {p.id for p in lib.photos()} == set(photos)
    for p in lib.photos():
        assert Path(p.path).read_bytes() == emu.rendition_bytes(p.id, SPEC)
    [s] = lib.open_sessions()
    assert s.listed and not s.has_pending
    lib.close()


def test_a_listing_that_fails_midway_leaves_the_session_unlisted(paged: World) -> None:
    emu = paged.emu
    sid = pick(emu, paged.client)
    emu.add_fault(Fault(endpoint="mediaItems.list", latency=LIST_LATENCY, skip=1, times=1))
    emu.add_fault(Fault(endpoint="mediaItems.list", status=403, google_status="PERMISSION_DENIED", skip=2, times=None))
    lib = paged.library()
    lib.remember_session(sid, "00000000-0000-4000-8000-000000000000")
    with pytest.raises(KioskError):
        lib.download_session(paged.client, sid)
    assert len(list_requests(emu)) == 3
    assert leftovers(paged.library_dir) == []
    [s] = lib.open_sessions()
    # Only part of the list is recorded: a restart must list it again, not trust its pending count.
    assert not s.listed and not s.has_pending
    lib.close()

    emu.clear_faults()
    lib = paged.library()
    assert lib.count() == len(list(paged.library_dir.iterdir()))  # what landed is kept and indexed
    report = lib.resume_pending(paged.client, sid)
    assert (report.total, report.done, report.pending) == (20, 20, 0)
    assert {p.id for p in lib.photos()} == set(photo_ids(emu, sid))
    [s] = lib.open_sessions()
    assert s.listed and not s.has_pending
    lib.close()


def test_cancel_while_listing_still_records_the_whole_list(paged: World) -> None:
    emu = paged.emu
    sid = pick(emu, paged.client)
    emu.add_fault(Fault(endpoint="mediaItems.list", latency=LIST_LATENCY, times=None))
    lib = paged.library()
    lib.remember_session(sid, "00000000-0000-4000-8000-000000000000", replace=True)
    cancel = threading.Event()

    def stop_at_first(done: int, total: int, failed: int, skipped: int) -> None:
        if done >= 1:
            cancel.set()

    report = lib.download_session(paged.client, sid, replace=True, on_progress=stop_at_first, cancel=cancel)
    assert report.cancelled and report.total == 20
    assert 1 <= report.done < 20 and report.pending == 20 - report.done
    assert lib.count() == 0  # a replace shows nothing of the new set until it is complete
    assert leftovers(paged.library_dir) == []
    [s] = lib.open_sessions()
    assert s.listed and s.has_pending and s.pending == report.pending
    lib.close()

    lib = paged.library()
    final = lib.resume_pending(paged.client, sid)
    assert final.done == 20 and final.fetched == 20 - report.done and final.pending == 0
    assert {p.id for p in lib.photos()} == set(photo_ids(emu, sid))
    lib.close()
