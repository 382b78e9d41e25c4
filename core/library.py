"""The local photo library: files named from media ids, a SQLite index, downloads, resume and start-up checks.

On disk (``library_dir``): one file per media item, named ``sha256(id)[:32]`` + the extension of the
*validated* content (``.jpg .png .webp .gif .mp4``), and nothing else of ours but ``.<stem>.part`` temp files
while a download runs. The index is ``state_dir/library.sqlite3`` (see core.store).

Start-up check (``open``), decided policy:
- temp files are removed (a download that was interrupted; its item is still pending in the index);
- an indexed file that is missing is dropped; one whose size/mtime changed since it was verified is decoded
  again and dropped if it does not decode (``open(deep=True)`` decodes every file); items of remembered
  sessions that had it become pending again, so it is fetched again;
- an unindexed file of ours whose name belongs to a *pending* item of a remembered session is **adopted**
  after decoding (the process died between the rename and the index commit); any other unindexed file of
  ours is **removed** (left over from a replace swap or a dropped row: the index is the truth);
- if the index is corrupt it is moved aside (``library.sqlite3.corrupt``) and rebuilt from the files (and
  likewise built from the files when it is missing but photos are there): every
  file that decodes is adopted into the library (its id is unknown until it is picked again; its date comes
  from the file's mtime, which downloads set to the photo's createTime), the rest are removed;
- files whose names are not ours are never touched.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import replace as dc_replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from core.clock import REAL, Clock
from core.config import DownloadConfig
from core.download import (
    TEMP_SUFFIX,
    Feed,
    Fetched,
    Job,
    MediaSource,
    Pool,
    fsync_dir,
    media_stem,
    plan_fetch,
)
from core.errors import BadMedia, KioskError, LibraryError
from core.images import MAX_PIXELS, VIDEO_EXT, check_media
from core.records import Photo, PickedMediaItem
from core.store import CorruptIndex, MediaRow, Store

log = logging.getLogger(__name__)

DB_NAME = "library.sqlite3"
LOCK_NAME = "library.lock"
_OUR_FILE = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp|gif|mp4)$")

ProgressCallback = Callable[[int, int, int, int], None]  # done, total, failed, skipped


@dataclass(frozen=True)
class CheckReport:
    """What ``Library.open`` found and repaired."""

    removed_temp: int = 0
    dropped_rows: int = 0
    rebuilt: bool = False
    adopted: int = 0
    removed_files: int = 0


@dataclass(frozen=True)
class OpenSession:
    """A picking session remembered on disk (so a crash or power cut can finish or delete it)."""

    id: str
    request_id: str
    replace: bool
    created: datetime  # wall clock, UTC
    has_pending: bool  # listed, and items still to fetch (or a replace swap still to do): resume it
    pending: int = 0
    listed: bool = True  # False: created but its items were never recorded (maybe picked, maybe not)


@dataclass(frozen=True)
class DownloadReport:
    """The result of one download call. ``done + failed + pending == total``.

    done: items of the session now in the library (``fetched`` now + ``skipped_existing``, which were
    already here and were not fetched again); failed: items that will not be in the library — ``bad``
    lists their ids, plus ``unsupported`` (videos not asked for or not READY, nothing to fetch);
    pending: left for a resume (cancelled).
    """

    total: int
    done: int
    failed: int
    skipped_existing: int = 0
    fetched: int = 0
    unsupported: int = 0
    pending: int = 0
    bad: tuple[str, ...] = ()
    cancelled: bool = False


class Library:
    """The photo library. Construct, then ``open()``; every method is safe to call from any thread."""

    def __init__(
        self,
        state_dir: Path,
        library_dir: Path,
        *,
        download: DownloadConfig = DownloadConfig(),  # noqa: B008 (frozen dataclass: an immutable default)
        screen: tuple[int, int] = (1920, 1080),
        clock: Clock = REAL,
        max_pixels: int = MAX_PIXELS,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.library_dir = Path(library_dir)
        self.download_config = download
        self.screen = screen
        self.clock = clock
        self.max_pixels = max_pixels
        self._store = Store(self.state_dir / DB_NAME)
        self._lock = threading.RLock()
        self._busy = threading.Lock()  # one download at a time: temp names are per item, not per call
        self._photos: list[Photo] | None = None
        self._lockfile: IO[bytes] | None = None

    # ---- lifecycle -------------------------------------------------------------------------------

    def open(self, *, deep: bool = False) -> CheckReport:
        """Create the folders, open (or rebuild) the index and make it agree with the files on disk."""
        with self._lock:
            if self._lockfile is not None:
                raise LibraryError("The photo library is already open.")
            try:
                self.state_dir.mkdir(parents=True, exist_ok=True)
                self.library_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise LibraryError("The photo library folder could not be created.") from exc
            self._lockfile = self._take_lock()
            try:
                # A missing index with files beside it (state wiped, or restored from a backup of the photos
                # only) is rebuilt from the files, like a corrupt one: deleting them would lose the library.
                rebuilt = not (self.state_dir / DB_NAME).exists()
                corrupt = False
                try:
                    self._store.open()
                except CorruptIndex as exc:
                    log.warning("the library index is unusable (%s); rebuilding it from the files", exc)
                    self._move_index_aside()
                    try:
                        self._store.open()
                    except CorruptIndex as again:
                        raise LibraryError("The photo library's index could not be created.") from again
                    rebuilt = corrupt = True
                report = self._check(rebuilt=rebuilt, corrupt=corrupt, deep=deep)
            except BaseException:
                self._store.close()
                self._release_lock()
                raise
            self._photos = None
            log.info("library opened: %s", report)
            return report

    def discard_temp_files(self) -> int:
        """Remove the temp files of downloads that will never finish (the process leaves without them)."""
        try:
            names = os.listdir(self.library_dir)
        except OSError:
            return 0
        return sum(_unlink(self.library_dir / n) for n in names if n.startswith(".") and n.endswith(TEMP_SUFFIX))

    def close(self) -> None:
        with self._lock:
            self._store.close()
            self._release_lock()
            self._photos = None

    def __enter__(self) -> Library:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _take_lock(self) -> IO[bytes]:
        # Two processes on one library would delete each other's temp files at start-up.
        try:
            f = open(self.state_dir / LOCK_NAME, "ab")  # noqa: SIM115 (held open while the library is)
        except OSError as exc:
            raise LibraryError("The photo library folder could not be opened.") from exc
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            f.close()
            raise LibraryError("Another picker-kiosk is already using this photo library.") from exc
        return f

    def _release_lock(self) -> None:
        if self._lockfile is not None:
            self._lockfile.close()  # closing drops the flock
            self._lockfile = None

    def _move_index_aside(self) -> None:
        db = self.state_dir / DB_NAME
        for suffix in ("", "-wal", "-shm", "-journal"):
            src = db.with_name(db.name + suffix)
            if src.exists():
                with contextlib.suppress(OSError):
                    os.replace(src, db.with_name(f"{db.name}.corrupt{suffix}"))
        with contextlib.suppress(OSError):
            fsync_dir(self.state_dir)

    # ---- the start-up check ----------------------------------------------------------------------

    def _check(self, *, rebuilt: bool, corrupt: bool, deep: bool) -> CheckReport:
        directory = self.library_dir
        try:
            names = os.listdir(directory)
        except OSError as exc:
            raise LibraryError("The photo library folder could not be read.") from exc
        removed_temp = 0
        for name in names:
            if name.startswith(".") and name.endswith(TEMP_SUFFIX) and _unlink(directory / name):
                removed_temp += 1

        rows = self._store.media()
        dropped: list[str] = []
        for row in rows:
            path = directory / row.file
            try:
                st = os.stat(path)
            except OSError:
                dropped.append(row.stem)
                continue
            if not deep and (st.st_size, st.st_mtime_ns) == (row.size, row.mtime_ns):
                continue  # verified when it was downloaded and untouched since
            if self._verify(path, row.kind):
                self._store.set_fingerprint(row.stem, st.st_size, st.st_mtime_ns)
            else:
                log.warning("dropping a library file that no longer decodes")
                _unlink(path)
                dropped.append(row.stem)
        self._store.drop_media(dropped)

        removed_files = 0
        for row in self._store.orphan_staged():
            self._store.drop_media([row.stem])
            removed_files += _unlink(directory / row.file)

        indexed = {r.file for r in self._store.media()}
        pending: dict[str, tuple[str, str, bool]] = {}  # stem -> (session id, media id, replace)
        for s in self._store.sessions():
            for stem, mid, state in self._store.items(s.id):
                if state == "pending":
                    pending[stem] = (s.id, mid, s.replace)
        adopted = 0
        for name in sorted(names):
            if not _OUR_FILE.match(name) or name in indexed:
                continue
            path = directory / name
            stem = name[:32]
            owner = pending.get(stem)
            if not rebuilt and owner is None:
                removed_files += _unlink(path)
                continue
            adoptee = self._adoptable(path, stem, owner)
            if adoptee is None:
                removed_files += _unlink(path)
                continue
            self._store.put_media(adoptee, session_id=owner[0] if owner else None)
            indexed.add(name)
            adopted += 1
        if removed_temp or dropped or removed_files:
            with contextlib.suppress(OSError):
                fsync_dir(directory)
        return CheckReport(
            removed_temp=removed_temp,
            dropped_rows=len(dropped),
            rebuilt=corrupt or (rebuilt and adopted > 0),
            adopted=adopted,
            removed_files=removed_files,
        )

    def _verify(self, path: Path, kind: str) -> bool:
        try:
            info = check_media(path, kind, max_pixels=self.max_pixels)
        except BadMedia:
            return False
        return path.suffix == info.ext

    def _adoptable(self, path: Path, stem: str, owner: tuple[str, str, bool] | None) -> MediaRow | None:
        kind = "video" if path.suffix == VIDEO_EXT else "photo"
        try:
            info = check_media(path, kind, max_pixels=self.max_pixels)
            st = os.stat(path)
        except (BadMedia, OSError):
            return None
        if path.suffix != info.ext:
            return None
        return MediaRow(
            stem=stem,
            id=owner[1] if owner else None,
            file=path.name,
            kind=info.kind,
            mime=info.mime,
            width=info.width,
            height=info.height,
            created=datetime.fromtimestamp(st.st_mtime, UTC),
            size=st.st_size,
            mtime_ns=st.st_mtime_ns,
            shown=not (owner and owner[2]),
        )

    # ---- reading ---------------------------------------------------------------------------------

    def photos(self) -> list[Photo]:
        """Complete photos in the library, by createTime then id; a fresh list (callers may shuffle it)."""
        with self._lock:
            if self._photos is None:
                self._photos = [
                    Photo(
                        id=r.id or r.stem,
                        path=str(self.library_dir / r.file),
                        created=r.created,
                        width=r.width,
                        height=r.height,
                    )
                    for r in self._store.shown_photos()
                ]
            return list(self._photos)

    def count(self) -> int:
        with self._lock:
            if self._photos is None:
                self.photos()
            return len(self._photos or ())

    def _changed(self) -> None:
        with self._lock:
            self._photos = None

    # ---- sessions --------------------------------------------------------------------------------

    def remember_session(self, session_id: str, request_id: str, replace: bool = False) -> None:
        """Write down a session as soon as it is created, so a crash can still finish or delete it."""
        self._store.remember_session(session_id, request_id, replace, datetime.now(UTC))

    def forget_session(self, session_id: str) -> None:
        """The session is deleted at Google (or gone): forget it, and any files it staged for a replace."""
        with self._lock:
            self._store.forget_session(session_id)
            removed = 0
            for row in self._store.orphan_staged():
                self._store.drop_media([row.stem])
                removed += _unlink(self.library_dir / row.file)
            if removed:
                with contextlib.suppress(OSError):
                    fsync_dir(self.library_dir)

    def open_sessions(self) -> list[OpenSession]:
        return [
            OpenSession(
                id=s.id,
                request_id=s.request_id,
                replace=s.replace,
                created=s.created,
                has_pending=s.listed and (s.pending > 0 or not s.finished),
                pending=s.pending,
                listed=s.listed,
            )
            for s in self._store.sessions()
        ]

    def pending_count(self, session_id: str) -> int:
        return self._store.pending_count(session_id)

    # ---- downloading -----------------------------------------------------------------------------

    def download_session(
        self,
        source: MediaSource,
        session_id: str,
        *,
        replace: bool = False,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> DownloadReport:
        """List the session, record its items as pending, fetch what is missing, and finish the session.

        Fetching starts as soon as the first page is listed, while later pages are still being listed; each
        page's items are recorded as pending (one transaction) before any of them is fetched, and the session
        is marked listed only once the whole list is recorded. A cancel or a fatal error stops the fetching
        but the listing is still recorded to its end, so what is left is pending (and listed) for a resume.

        Raises DiskFull, TransportError, ApiError (e.g. SessionExpired while listing, 401) — in every case
        no partial file is left and the items not yet fetched stay pending for ``resume_pending``.
        ``on_progress(done, total, failed, skipped)`` is called on this thread; ``total`` grows as pages
        arrive and ends at the number of unique items; ``failed`` counts bad or gone items, ``skipped`` the
        ones there was nothing to fetch for (videos not asked for or not READY).
        """
        with self._busy:
            return _Run(self, source, session_id, replace, on_progress, cancel).go()

    def resume_pending(
        self,
        source: MediaSource,
        session_id: str,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> DownloadReport:
        """Finish a remembered session after a crash or a cancel (lists it again for fresh URLs)."""
        known = self._store.session(session_id)
        replace = known.replace if known is not None else False
        return self.download_session(source, session_id, replace=replace, on_progress=on_progress, cancel=cancel)


def _unique(items: Any) -> list[PickedMediaItem]:
    seen: set[str] = set()
    out: list[PickedMediaItem] = []
    for item in items:
        if item.id not in seen:
            seen.add(item.id)
            out.append(item)
    return out


def _unlink(path: Path) -> int:
    try:
        path.unlink()
    except FileNotFoundError:
        return 0
    except OSError:
        log.warning("could not remove a file from the library folder")
        return 0
    return 1


class _Run:
    """One download call: plan, fetch in passes (re-listing once URLs expire), then finish the session."""

    def __init__(
        self,
        lib: Library,
        source: MediaSource,
        session_id: str,
        replace: bool,
        on_progress: ProgressCallback | None,
        cancel: threading.Event | None,
    ) -> None:
        self.lib = lib
        self.store = lib._store
        self.source = source
        self.session_id = session_id
        self.replace = replace
        self.on_progress = on_progress
        self.cancel = cancel
        self.total = 0
        self.existing = 0
        self.fetched = 0
        self.unsupported = 0
        self.bad: list[str] = []
        self.request_id = ""
        self.seen: set[str] = set()  # media ids listed so far: the same item twice is one item
        self.stems: list[str] = []

    def go(self) -> DownloadReport:
        known = self.store.session(self.session_id)
        self.request_id = known.request_id if known is not None else ""
        pool = Pool(
            self.source,
            self.lib.library_dir,
            self.lib.download_config,
            self.lib.clock,
            self.cancel,
            max_pixels=self.lib.max_pixels,
        )
        feed = Feed(lambda: self.source.list_media_items(self.session_id), self._plan, self._listed)
        result = pool.run([], self._fetched, self._failed, feed=feed)
        cancelled = False
        relisted_without_progress = False
        while True:
            if result.cancelled:
                cancelled = True
                break
            if not result.expired:
                break
            if relisted_without_progress and result.fetched == 0:
                # Fresh URLs did not help: these items cannot be fetched any more.
                for job in result.expired:
                    self._failed(job, None)
                break
            log.info("%d media URLs expired; listing the session again for fresh ones", len(result.expired))
            fresh = {i.id: i for i in _unique(self.source.list_media_items(self.session_id))}
            jobs: list[Job] = []
            for job in result.expired:
                item = fresh.get(job.item.id)
                if item is None:
                    self._failed(job, None)
                else:
                    jobs.append(dc_replace(job, item=item))
            relisted_without_progress = True
            if not jobs:
                break
            result = pool.run(jobs, self._fetched, self._failed)
        pending = self.store.pending_count(self.session_id)
        if not cancelled and pending == 0:
            self._finish()
        return DownloadReport(
            total=self.total,
            done=self.existing + self.fetched,
            failed=len(self.bad) + self.unsupported,
            skipped_existing=self.existing,
            fetched=self.fetched,
            unsupported=self.unsupported,
            pending=pending,
            bad=tuple(self.bad),
            cancelled=cancelled,
        )

    def _plan(self, listed: list[PickedMediaItem]) -> list[Job]:
        """Record one batch of the listing (a page, in practice) and return what of it is to be fetched."""
        items: list[PickedMediaItem] = []
        for item in listed:
            if item.id not in self.seen:
                self.seen.add(item.id)
                items.append(item)
        if not items:
            return []
        stems = [media_stem(i.id) for i in items]
        existing = self.store.get_media(stems)
        records: list[tuple[int, str, str, str]] = []
        associate: list[MediaRow] = []
        candidates: dict[str, Job] = {}
        for item, stem in zip(items, stems, strict=True):
            spec = plan_fetch(item, self.lib.screen, self.lib.download_config)
            position = self.total + len(records)
            if stem in existing:
                associate.append(dc_replace(existing[stem], id=item.id, created=item.create_time))
                records.append((position, stem, item.id, "done"))
            elif spec is None:
                records.append((position, stem, item.id, "unsupported"))
            else:
                records.append((position, stem, item.id, "pending"))
                candidates[stem] = Job(item=item, stem=stem, spec=spec[0], kind=spec[1])
        recorded = self.store.record_items(
            self.session_id, self.request_id, self.replace, datetime.now(UTC), records, associate
        )
        if associate:
            self.lib._changed()
        self.stems.extend(stems)
        jobs: list[Job] = []
        for _, stem, mid, _ in records:
            state = recorded[stem]
            if state == "done":
                self.existing += 1
            elif state == "unsupported":
                self.unsupported += 1
            elif state == "failed":
                self.bad.append(mid)  # failed in an earlier run of this session; not tried again
            elif stem in candidates:
                jobs.append(candidates[stem])
        self.total += len(records)
        self._progress()
        return jobs

    def _listed(self) -> None:
        """The whole list is recorded: only now is the session marked listed."""
        self.store.finish_listing(self.session_id, self.request_id, self.replace, datetime.now(UTC), self.stems)
        if self.total == 0:
            self._progress()

    def _fetched(self, f: Fetched) -> None:
        item = f.job.item
        self.store.put_media(
            MediaRow(
                stem=f.job.stem,
                id=item.id,
                file=f.file,
                kind=f.info.kind,
                mime=f.info.mime,
                width=f.info.width,
                height=f.info.height,
                created=item.create_time,
                size=f.size,
                mtime_ns=f.mtime_ns,
                shown=not self.replace,
            ),
            session_id=self.session_id,
        )
        self.fetched += 1
        self.lib._changed()
        self._progress()

    def _failed(self, job: Job, exc: KioskError | None) -> None:
        self.store.set_item_state(self.session_id, job.stem, "failed")
        self.bad.append(job.item.id)
        self._progress()

    def _progress(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.existing + self.fetched, self.total, len(self.bad), self.unsupported)

    def _finish(self) -> None:
        done = sum(1 for _, _, state in self.store.items(self.session_id) if state == "done")
        # A replace where nothing at all could be fetched keeps the old library rather than emptying it.
        removed = self.store.finish(self.session_id, swap=self.replace and done > 0)
        for row in removed:
            _unlink(self.lib.library_dir / row.file)
        if removed:
            with contextlib.suppress(OSError):
                fsync_dir(self.lib.library_dir)
        self.lib._changed()
