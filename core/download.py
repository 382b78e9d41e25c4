"""Fetching media files: one atomic, validated download per item, run on a small bounded thread pool."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import queue
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from core.clock import Clock
from core.config import DownloadConfig
from core.errors import ApiError, BadMedia, DiskFull, KioskError, LibraryError, TransportError
from core.images import MAX_PIXELS, MediaInfo, check_media
from core.records import MediaType, PickedMediaItem

log = logging.getLogger(__name__)

TEMP_SUFFIX = ".part"
SPACE_CHECK_BYTES = 1024 * 1024  # re-check free space after every MiB written, not only per file
ITEM_RETRIES = 2  # a flaky network gets two more tries per item before the whole download gives up
RETRY_FIRST = 1.0  # seconds before the first item retry; doubled each time


class MediaSource(Protocol):
    """What the library needs from the Picker client (core.picker.PickerClient satisfies it)."""

    def list_media_items(self, session_id: str) -> Iterable[PickedMediaItem]: ...

    def open_media(
        self, item: PickedMediaItem, spec: str, *, max_bytes: int
    ) -> AbstractContextManager[Iterator[bytes]]: ...


def media_stem(media_id: str) -> str:
    """The file name stem for a media id: never the untrusted filename, and safe for any id."""
    return hashlib.sha256(media_id.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def temp_name(stem: str) -> str:
    return f".{stem}{TEMP_SUFFIX}"


def plan_fetch(item: PickedMediaItem, screen: tuple[int, int], cfg: DownloadConfig) -> tuple[str, str] | None:
    """(spec, kind) to fetch ``item`` with, or None when it is not something we keep."""
    if not item.base_url:
        return None
    if item.type is MediaType.VIDEO:
        if cfg.videos and item.video_status == "READY":
            return "dv", "video"
        return None
    if item.type is MediaType.UNSPECIFIED and not item.mime_type.lower().startswith("image/"):
        return None
    if cfg.original:
        return "d", "photo"
    width, height = screen
    return f"w{width}-h{height}", "photo"


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check_space(directory: Path, min_free: int, need: int = 0) -> None:
    """Raise DiskFull if writing ``need`` more bytes would leave less than ``min_free`` free."""
    free = shutil.disk_usage(directory).free
    if free - need < min_free:
        raise DiskFull(
            f"The disk is nearly full ({free // (1024 * 1024)} MB free); downloading stopped to keep the "
            "photos already here safe."
        )


class Cancelled(Exception):
    """Internal: a worker noticed it should stop; its partial file is already gone."""


@dataclass(frozen=True)
class Job:
    """One item to fetch."""

    item: PickedMediaItem
    stem: str
    spec: str
    kind: str


@dataclass(frozen=True)
class Fetched:
    """A file that is durably in place under its final name."""

    job: Job
    file: str
    info: MediaInfo
    size: int
    mtime_ns: int


def fetch_one(
    source: MediaSource,
    job: Job,
    directory: Path,
    cfg: DownloadConfig,
    stop: Callable[[], bool],
    *,
    max_pixels: int = MAX_PIXELS,
) -> Fetched:
    """Download ``job`` to a temp file, fsync, validate, rename to its final name, fsync the directory.

    On any failure (and on ``stop()``) the temp file is removed and nothing else is left behind.
    """
    tmp = directory / temp_name(job.stem)
    check_space(directory, cfg.min_free_bytes)
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o644)
        with open(fd, "wb") as out:
            with source.open_media(job.item, job.spec, max_bytes=cfg.max_bytes) as chunks:
                since_check = 0
                for chunk in chunks:
                    if stop():
                        raise Cancelled()
                    since_check += len(chunk)
                    if since_check >= SPACE_CHECK_BYTES:
                        check_space(directory, cfg.min_free_bytes, since_check)
                        since_check = 0
                    out.write(chunk)
            if stop():
                raise Cancelled()
            out.flush()
            if job.item.create_time is not None:
                # The file's mtime carries the photo's date, so a rebuilt index keeps the slideshow order.
                ns = int(job.item.create_time.timestamp() * 1_000_000_000)
                os.utime(out.fileno(), ns=(ns, ns))
            os.fsync(out.fileno())
        info = check_media(tmp, job.kind, max_pixels=max_pixels)
        final = f"{job.stem}{info.ext}"
        os.replace(tmp, directory / final)
        fsync_dir(directory)
        st = os.stat(directory / final)
        return Fetched(job=job, file=final, info=info, size=st.st_size, mtime_ns=st.st_mtime_ns)
    except OSError as exc:
        _remove(tmp)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFull("The disk is full; downloading stopped to keep the photos already here safe.") from exc
        raise LibraryError("A photo could not be saved to the library folder.") from exc
    except BaseException:
        _remove(tmp)
        raise


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


@dataclass
class PoolResult:
    """What one pass over a list of jobs ended with."""

    fetched: int = 0
    expired: list[Job] = field(default_factory=list)  # 403/404 on the baseUrl: worth a fresh listing
    cancelled: bool = False


@dataclass(frozen=True)
class Feed:
    """Items still being listed while the pool fetches: the pool calls ``listing`` and reads what it returns
    on a thread of its own.

    ``on_items`` runs on the pool's calling thread for each batch that arrived (in practice a page) and
    returns the jobs to fetch; it runs before any of them is submitted, so a caller can record them first.
    ``on_end`` runs there too, once, after the last batch, when the listing ended without an error. After a
    fatal error or a cancel the listing is still read to its end (and handed to ``on_items``), but nothing
    more is fetched; an error while listing is fatal.
    """

    listing: Callable[[], Iterable[PickedMediaItem]]
    on_items: Callable[[list[PickedMediaItem]], list[Job]]
    on_end: Callable[[], None]


class _ListingEnded:
    pass


@dataclass(frozen=True)
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
    except BaseException as exc:  # handed to the pool's thread, which raises it
        events.put(_ListingFailed(exc))
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            with contextlib.suppress(Exception):
                close()


class Pool:
    """Runs fetches on at most ``cfg.workers`` threads; results are handled on the calling thread."""

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

    def _stop(self) -> bool:
        return self._abort.is_set() or (self.cancel is not None and self.cancel.is_set())

    def _attempt(self, job: Job) -> Fetched:
        """One item, tried again a couple of times after network trouble.

        Google's 5xx/429 are not retried here: the transport already did, with Google's backoff rules.
        """
        delay = RETRY_FIRST
        for attempt in range(ITEM_RETRIES + 1):
            if self._stop():
                raise Cancelled()
            try:
                return fetch_one(self.source, job, self.directory, self.cfg, self._stop, max_pixels=self.max_pixels)
            except TransportError as exc:
                if attempt == ITEM_RETRIES:
                    raise
                log.info("retrying a download in %.1f s: %s", delay, exc.message)
                self.clock.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    def run(
        self,
        jobs: list[Job],
        on_fetched: Callable[[Fetched], None],
        on_failed: Callable[[Job, KioskError], None],
        *,
        feed: Feed | None = None,
    ) -> PoolResult:
        """Fetch ``jobs`` (and those ``feed`` yields as it is listed); call back for each result on this
        thread; raise the first fatal error.

        Fatal: DiskFull, LibraryError, TransportError/5xx after retries, 401 and other auth trouble, and
        any error while listing the feed. Then the rest is cancelled, in-flight workers stop at their next
        chunk and remove their temp files, and the error is raised once every worker is done (and the
        feed's listing has ended).
        """
        result = PoolResult()
        if not jobs and feed is None:
            return result
        fatal: BaseException | None = None
        events: queue.SimpleQueue[_Event] = queue.SimpleQueue()
        quit_listing = threading.Event()
        listing = feed is not None
        with ThreadPoolExecutor(max_workers=max(1, self.cfg.workers), thread_name_prefix="download") as pool:
            futures: dict[Future[Fetched], Job] = {}

            def submit(more: list[Job]) -> None:
                for job in more:
                    fut = pool.submit(self._attempt, job)
                    futures[fut] = job
                    fut.add_done_callback(events.put)  # a cancelled future calls back at once, on this thread

            waiting = 0
            try:
                submit(jobs)
                waiting = len(jobs)
                if feed is not None:
                    threading.Thread(
                        target=_read_listing, args=(feed.listing, events, quit_listing), name="listing", daemon=True
                    ).start()
                while waiting or listing:
                    arrived = [events.get()]
                    with contextlib.suppress(queue.Empty):
                        while True:
                            arrived.append(events.get_nowait())
                    listed: list[PickedMediaItem] = []
                    ended = False
                    for event in arrived:
                        if isinstance(event, Future):
                            waiting -= 1
                            if self._handle(event, futures[event], result, on_fetched, on_failed) and fatal is None:
                                fatal = event.exception()
                                self._abort.set()
                                self._cancel_all(futures)
                        elif isinstance(event, _ListingEnded):
                            ended = True
                        elif isinstance(event, _ListingFailed):
                            listing = False
                            if fatal is None:
                                fatal = event.error
                                self._abort.set()
                                self._cancel_all(futures)
                        else:
                            listed.append(event)
                    if listed and feed is not None:
                        more = feed.on_items(listed)  # recorded before any of them is fetched
                        if self._stop():
                            result.cancelled = result.cancelled or bool(more and fatal is None)
                        else:
                            submit(more)
                            waiting += len(more)
                    if ended and feed is not None:
                        listing = False
                        feed.on_end()
                    if self._stop() and fatal is None:
                        self._cancel_all(futures)
            except BaseException:
                # A callback failed (e.g. the index could not be written): stop every worker first.
                quit_listing.set()
                self._abort.set()
                self._cancel_all(futures)
                raise
        if fatal is not None:
            raise fatal
        return result

    @staticmethod
    def _cancel_all(futures: dict[Future[Fetched], Job]) -> None:
        for fut in futures:
            fut.cancel()  # a no-op for the ones running or done

    def _handle(
        self,
        fut: Future[Fetched],
        job: Job,
        result: PoolResult,
        on_fetched: Callable[[Fetched], None],
        on_failed: Callable[[Job, KioskError], None],
    ) -> bool:
        """Account for one finished job; True if its error is fatal for the whole call."""
        if fut.cancelled():
            result.cancelled = True
            return False
        exc = fut.exception()
        if exc is None:
            # Indexed even after a fatal error elsewhere: the file is complete and in place.
            on_fetched(fut.result())
            result.fetched += 1
        elif isinstance(exc, Cancelled):
            result.cancelled = True
        elif isinstance(exc, BadMedia):
            log.warning("skipped a download that is not a usable picture: %s", exc.message)
            on_failed(job, exc)
        elif isinstance(exc, ApiError) and exc.status in (403, 404):
            result.expired.append(job)
        elif isinstance(exc, ApiError) and 400 <= exc.status < 500 and exc.status not in (401, 429):
            log.warning("Google refused one item (%s %s); skipped", exc.status, exc.code)
            on_failed(job, exc)
        else:
            return True
        return False
