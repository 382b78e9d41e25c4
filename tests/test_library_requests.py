"""Requests in flight during a download: never more than ``workers``, and a file's fsync does not hold its slot."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from core.config import DownloadConfig
from core.library.fetch import MediaSource
from core.records import PickedMediaItem
from tests.test_library import World, photo_ids, pick
from tests.test_library import world as world  # the fixture


class Counting:
    """A MediaSource that counts the requests open at once (the emulator's own, over loopback)."""

    def __init__(self, inner: MediaSource) -> None:
        self.inner = inner
        self.lock = threading.Lock()
        self.open = 0
        self.most = 0
        self.started = 0
        self.second = threading.Event()  # a second request has begun

    def list_media_items(self, session_id: str) -> Iterator[PickedMediaItem]:
        yield from self.inner.list_media_items(session_id)

    def open_media(
        self, item: PickedMediaItem, spec: str, *, max_bytes: int
    ) -> AbstractContextManager[Iterator[bytes]]:
        @contextmanager
        def counted() -> Iterator[Iterator[bytes]]:
            with self.lock:
                self.open += 1
                self.started += 1
                self.most = max(self.most, self.open)
                if self.started >= 2:
                    self.second.set()
            try:
                with self.inner.open_media(item, spec, max_bytes=max_bytes) as chunks:
                    yield chunks
            finally:
                with self.lock:
                    self.open -= 1

        return counted()


def test_one_worker_sends_the_next_request_while_a_file_is_made_durable(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid = pick(world.emu, world.client, 6)
    source = Counting(world.client)
    real_fsync = os.fsync
    overlapped: list[bool] = []

    def first_fsync_waits(fd: int) -> None:
        # The first file's fsync lasts until the next request has begun (at most 5 s): with the request
        # slot held through the fsync, it never begins and this records False.
        if not overlapped:
            overlapped.append(source.second.wait(5.0))
        real_fsync(fd)

    lib = world.library(download=DownloadConfig(workers=1))
    monkeypatch.setattr(os, "fsync", first_fsync_waits)  # from the download's first file on
    try:
        report = lib.download_session(source, sid)
    finally:
        lib.close()
    assert report.pending == 0 and report.fetched >= len(photo_ids(world.emu, sid)) > 1
    assert overlapped == [True], "the next request waited for the first file's fsync"
    assert source.most == 1, "one worker: one request in flight at a time"


def test_requests_in_flight_never_exceed_the_workers(world: World) -> None:
    sid = pick(world.emu, world.client, 20)
    source = Counting(world.client)
    lib = world.library(download=DownloadConfig(workers=3))
    try:
        report = lib.download_session(source, sid)
    finally:
        lib.close()
    assert report.pending == 0 and report.fetched >= len(photo_ids(world.emu, sid))
    assert source.started >= report.fetched
    assert 1 <= source.most <= 3
