"""Fetching media files: one atomic, validated download per item, and a small worker pool yielding results.

``DownloadConfig.workers`` is the number of requests in flight. The pool has as many threads again, so that
a file's fsync, check and rename (milliseconds of disk, more when several commit at once) run while the next
request is already waiting for Google: a request slot is held only while the bytes arrive.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import queue
import shutil
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace as dc_replace
from pathlib import Path
from typing import Protocol

from core.clock import REAL, Clock
from core.config import DownloadConfig
from core.errors import (
    ApiError,
    BadMedia,
    Cancelled,
    DiskFull,
    KioskError,
    LibraryError,
    SlowDownload,
    TransportError,
)
from core.images import MAX_PIXELS, MediaInfo, check_media
from core.library.files import PRIVATE_FILE, fsync_dir, safe_unlink
from core.library.names import POSTER_MARK, poster_name, tag_media_id, temp_name
from core.library.pace import Pace
from core.record import record
from core.records import PickedMediaItem

log = logging.getLogger(__name__)

SPACE_CHECK_BYTES = 1024 * 1024  # re-check free space after every MiB written, not only per file
ITEM_RETRIES = 2  # a flaky network gets two more tries per item before the whole download gives up
RETRY_FIRST = 1.0  # seconds before the first item retry; doubled each time


class MediaSource(Protocol):
    """What the library needs from the Picker client (core.picker.PickerClient satisfies it)."""

    def list_media_items(self, session_id: str) -> Iterable[PickedMediaItem]: ...

    def open_media(
        self, item: PickedMediaItem, spec: str, *, max_bytes: int
    ) -> AbstractContextManager[Iterator[bytes]]: ...


def check_space(directory: Path, min_free: int, need: int = 0) -> None:
    """Raise DiskFull if writing ``need`` more bytes would leave less than ``min_free`` free."""
    free = shutil.disk_usage(directory).free
    if free - need < min_free:
        raise DiskFull(
            f"The disk is nearly full ({free // (1024 * 1024)} MB free); downloading stopped to keep the "
            "photos already here safe."
        )


@record
class Job:
    """One item to fetch."""

    item: PickedMediaItem
    stem: str
    spec: str
    kind: str
    poster_spec: str | None = None  # a video: its poster is fetched too


@record
class Fetched:
    """A file that is durably in place under its final name."""

    job: Job
    file: str
    info: MediaInfo
    size: int
    mtime_ns: int
    poster: str | None = None  # a video's poster file, in place beside it


@record
class Landed:
    """Files that completed while the consumer was busy: recorded together, in one index transaction."""

    files: list[Fetched]


@record
class Refused:
    """An item that will not be in the library: not a usable picture, or Google refused it."""

    job: Job
    error: KioskError


@record
class Expired:
    """403/404 on the item's baseUrl: worth a fresh listing for a new URL."""

    job: Job


@record
class Stopped:
    """A job that was cancelled before it finished (its temp file is gone); it stays pending."""

    job: Job


@record
class Listed:
    """Items that arrived from the listing (a page, in practice); nothing of them is fetched yet."""

    items: list[PickedMediaItem]


@record
class ListingDone:
    """The listing ended without an error: every item was handed out in a ``Listed``."""


Outcome = Landed | Refused | Expired | Stopped | Listed | ListingDone


def fetch_one(
    source: MediaSource,
    job: Job,
    directory: Path,
    cfg: DownloadConfig,
    stop: Callable[[], bool],
    *,
    max_pixels: int = MAX_PIXELS,
    clock: Clock = REAL,
    slot: AbstractContextManager[object] | None = None,
) -> Fetched:
    """Download ``job`` to a temp file (0600), fsync, validate, rename to its final name, fsync the folder.

    ``slot`` is held while each file's bytes arrive (a request slot of the pool), not while it is made durable.

    A video's poster is fetched and validated first and renamed into place before the video: a complete
    video file always has its poster beside it. On any failure (and on ``stop()``) the temp files are
    removed and nothing else is left behind. A file slower than ``cfg.min_rate`` is SlowDownload (core.library.pace).
    """
    tmp = directory / temp_name(job.stem)
    poster_tmp = directory / temp_name(job.stem + POSTER_MARK)
    check_space(directory, cfg.min_free_bytes)
    try:
        poster: str | None = None
        if job.poster_spec is not None:
            _download(source, job, job.poster_spec, poster_tmp, directory, cfg, stop, clock, slot)
            shape = check_media(poster_tmp, "photo", max_pixels=max_pixels, decode=False)
            poster = poster_name(job.stem, shape.ext)
        _download(source, job, job.spec, tmp, directory, cfg, stop, clock, slot)
        info = check_media(tmp, job.kind, max_pixels=max_pixels, decode=False)
        if poster is not None:
            os.replace(poster_tmp, directory / poster)
            info = dc_replace(info, width=shape.width, height=shape.height)  # the video's shape on screen
        final = f"{job.stem}{info.ext}"
        os.replace(tmp, directory / final)
        fsync_dir(directory)
        st = os.stat(directory / final)
        return Fetched(job=job, file=final, info=info, size=st.st_size, mtime_ns=st.st_mtime_ns, poster=poster)
    except OSError as exc:
        safe_unlink(tmp)
        safe_unlink(poster_tmp)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFull("The disk is full; downloading stopped to keep the photos already here safe.") from exc
        raise LibraryError("A photo could not be saved to the library folder.") from exc
    except BaseException:
        safe_unlink(tmp)
        safe_unlink(poster_tmp)
        raise


def _download(
    source: MediaSource,
    job: Job,
    spec: str,
    tmp: Path,
    directory: Path,
    cfg: DownloadConfig,
    stop: Callable[[], bool],
    clock: Clock,
    slot: AbstractContextManager[object] | None,
) -> None:
    """Stream one file of ``job`` into ``tmp`` (0600, within max_bytes and the free-space margin), fsynced."""
    safe_unlink(tmp)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), PRIVATE_FILE)
    with open(fd, "wb") as out:
        os.fchmod(out.fileno(), PRIVATE_FILE)  # whatever the umask: private photos
        with slot or nullcontext():
            if stop():  # stopped while this job waited for its request slot: no request is sent
                raise Cancelled("stopped")
            with source.open_media(job.item, spec, max_bytes=cfg.max_bytes) as chunks:
                pace = Pace(clock, cfg.min_rate, cfg.slow_window)  # from the answer's headers on
                since_check = 0
                for chunk in chunks:
                    if stop():
                        raise Cancelled("stopped")
                    pace.add(len(chunk))
                    since_check += len(chunk)
                    if since_check >= SPACE_CHECK_BYTES:
                        check_space(directory, cfg.min_free_bytes, since_check)
                        since_check = 0
                    out.write(chunk)
        if stop():
            raise Cancelled("stopped")
        out.flush()
        if job.item.create_time is not None:
            # The file's mtime carries the photo's date, so a rebuilt index keeps the slideshow order.
            ns = int(job.item.create_time.timestamp() * 1_000_000_000)
            os.utime(out.fileno(), ns=(ns, ns))
        tag_media_id(out.fileno(), job.item.id)
        os.fsync(out.fileno())


class _ListingEnded:
    pass


@record
class _ListingFailed:
    error: BaseException


_ENDED = _ListingEnded()
_Event = Future[Fetched] | PickedMediaItem | _ListingEnded | _ListingFailed


def _read_listing(
    listing: Callable[[], Iterable[PickedMediaItem]], events: queue.SimpleQueue[_Event], stop: threading.Event
) -> None:
    """The listing thread: every item into ``events``, then the end (or the error)."""
    it: Iterator[PickedMediaItem] = iter(())
    try:
        it = iter(listing())
        while not stop.is_set():  # checked before each item, so no page is requested after the pool gave up
            try:
                item = next(it)
            except StopIteration:
                events.put(_ENDED)
                return
            events.put(item)
    except BaseException as exc:  # handed to the consuming thread, which raises it
        events.put(_ListingFailed(exc))
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            with contextlib.suppress(Exception):
                close()


class Fetcher:
    """Fetches on at most ``cfg.workers`` threads; ``run`` yields what happened, on the consuming thread.

    While iterating ``run``, the consumer may ``submit`` more jobs (typically after recording a ``Listed``).
    """

    def __init__(
        self,
        source: MediaSource,
        directory: Path,
        cfg: DownloadConfig,
        clock: Clock,
        cancel: threading.Event | None,
        *,
        max_pixels: int = MAX_PIXELS,
    ) -> None:
        self.source = source
        self.directory = directory
        self.cfg = cfg
        self.clock = clock
        self.cancel = cancel
        self.max_pixels = max_pixels
        self._abort = threading.Event()  # set when the whole call fails: the other workers stop too
        self._pool: ThreadPoolExecutor | None = None
        self._futures: dict[Future[Fetched], Job] = {}
        self._events: queue.SimpleQueue[_Event] = queue.SimpleQueue()
        self._waiting = 0
        self._requests = threading.Semaphore(max(1, cfg.workers))  # requests in flight; see the module's text

    def stopping(self) -> bool:
        return self._abort.is_set() or (self.cancel is not None and self.cancel.is_set())

    def submit(self, jobs: list[Job]) -> bool:
        """Queue ``jobs``; False (and nothing queued) when the fetcher is stopping."""
        if self.stopping():
            return not jobs
        assert self._pool is not None, "submit only while iterating run()"
        for job in jobs:
            fut = self._pool.submit(self._attempt, job)
            self._futures[fut] = job
            self._waiting += 1
            fut.add_done_callback(self._events.put)  # a cancelled future calls back at once, on this thread
        return True

    def _attempt(self, job: Job) -> Fetched:
        """One item, tried again a couple of times after network trouble.

        Google's 5xx/429 are not retried here: the transport already did, with Google's backoff rules.
        """
        delay = RETRY_FIRST
        for attempt in range(ITEM_RETRIES + 1):
            if self.stopping():
                raise Cancelled("stopped")
            try:
                return fetch_one(
                    self.source,
                    job,
                    self.directory,
                    self.cfg,
                    self.stopping,
                    max_pixels=self.max_pixels,
                    clock=self.clock,
                    slot=self._requests,
                )
            except SlowDownload:
                raise  # not tried again in this session: a slow file would hold its slot once more
            except TransportError as exc:
                if attempt == ITEM_RETRIES:
                    raise
                log.info("retrying a download in %.1f s: %s", delay, exc.message)
                self.clock.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    def run(
        self, jobs: list[Job], listing: Callable[[], Iterable[PickedMediaItem]] | None = None
    ) -> Generator[Outcome, None, None]:
        """Fetch ``jobs`` (and what the consumer submits), yielding each outcome; raise the first fatal error.

        The files that completed since the consumer last looked come as one ``Landed``.

        With ``listing``, its items are read on a thread of their own and yielded as ``Listed`` batches, then
        ``ListingDone``. Fatal: DiskFull, LibraryError, TransportError/5xx after retries, 401 and other auth
        trouble, and any error while listing. Then the rest is cancelled, in-flight workers stop at their
        next chunk and remove their temp files, the listing is still read to its end (and yielded, so it can
        be recorded), files already complete are still yielded, and the error is raised once every worker
        is done. Use it in ``contextlib.closing`` so a consumer's error stops every worker.
        """
        fatal: BaseException | None = None
        quit_listing = threading.Event()
        reading = listing is not None
        threads = 2 * max(1, self.cfg.workers)
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="download") as pool:
            self._pool = pool
            try:
                self.submit(jobs)
                if listing is not None:
                    threading.Thread(
                        target=_read_listing, args=(listing, self._events, quit_listing), name="listing", daemon=True
                    ).start()
                while self._waiting or reading:
                    arrived = [self._events.get()]
                    with contextlib.suppress(queue.Empty):
                        while True:
                            arrived.append(self._events.get_nowait())
                    listed: list[PickedMediaItem] = []
                    landed: list[Fetched] = []
                    ended = False
                    for event in arrived:
                        if isinstance(event, Future):
                            self._waiting -= 1
                            outcome = self._outcome(event)
                            if outcome is None:
                                if fatal is None:
                                    fatal = event.exception()
                                    self._stop_all()
                            elif isinstance(outcome, Fetched):
                                landed.append(outcome)
                            else:
                                yield outcome
                        elif isinstance(event, _ListingEnded):
                            ended = True
                        elif isinstance(event, _ListingFailed):
                            reading = False
                            if fatal is None:
                                fatal = event.error
                                self._stop_all()
                        else:
                            listed.append(event)
                    if landed:
                        yield Landed(landed)
                    if listed:
                        yield Listed(listed)  # the consumer records them before any is fetched
                    if ended:
                        reading = False
                        yield ListingDone()
                    if self.stopping() and fatal is None:
                        self._cancel_all()
            except BaseException:
                # The consumer failed (e.g. the index could not be written) or left: stop every worker first.
                quit_listing.set()
                self._stop_all()
                raise
            finally:
                self._pool = None
        if fatal is not None:
            raise fatal

    def _stop_all(self) -> None:
        self._abort.set()
        self._cancel_all()

    def _cancel_all(self) -> None:
        for fut in self._futures:
            fut.cancel()  # a no-op for the ones running or done

    def _outcome(self, fut: Future[Fetched]) -> Fetched | Refused | Expired | Stopped | None:
        """What one finished job means; None if its error is fatal for the whole call."""
        job = self._futures.pop(fut)
        if fut.cancelled():
            return Stopped(job)
        exc = fut.exception()
        if exc is None:
            return fut.result()  # handed out even after a fatal error elsewhere: the file is complete
        if isinstance(exc, Cancelled):
            return Stopped(job)
        if isinstance(exc, BadMedia | SlowDownload):
            log.warning("skipped a download: %s", exc.message)
            return Refused(job, exc)
        if isinstance(exc, ApiError) and exc.status in (403, 404):
            return Expired(job)
        if isinstance(exc, ApiError) and 400 <= exc.status < 500 and exc.status not in (401, 429):
            log.warning("Google refused one item (%s %s); skipped", exc.status, exc.code)
            return Refused(job, exc)
        return None
