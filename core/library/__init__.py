"""The local photo library: the ``Library`` facade (lifecycle, the locks, reads, sessions, downloads).

On disk (``library_dir``, 0700): one file per media item (0600), named ``sha256(id)[:32]`` + the extension
of the *validated* content (``.jpg .png .webp .gif .heic .mp4``; a video's poster beside it as
``<stem>.poster.jpg``), and nothing else of ours but ``.<stem>.part``
temp files while a download runs; the folder's owner (which index) is its extended attribute OWNER_ATTR. The
index is ``state_dir/library.sqlite3`` (0600, see core.library.index); the start-up check is
core.library.repair, one session's download core.library.sync, the worker pool core.library.fetch.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.clock import REAL, Clock
from core.config import DownloadConfig
from core.errors import LibraryError
from core.images import MAX_PIXELS
from core.library.claim import LOCK_NAME, OWNER_ATTR, Claim
from core.library.degraded import degraded_reason, unindexed_photos
from core.library.early import EarlyPhotos
from core.library.files import fsync_dir, private_dir, remove_trashed, safe_unlink
from core.library.index import CorruptIndex, Index
from core.library.names import is_temp_name, media_stem
from core.library.photolist import PhotoList
from core.library.records import MediaRow, Photo, PlayOrder, RememberedSession
from core.library.repair import CheckReport, Repair

if TYPE_CHECKING:  # downloading (core.library.sync, .fetch: the worker pool) is imported by the first download
    from core.library.fetch import MediaSource
    from core.library.sync import DownloadReport, ProgressCallback

__all__ = [
    "DB_NAME",
    "LOCK_NAME",
    "OWNER_ATTR",
    "CheckReport",
    "DownloadReport",
    "Library",
    "MediaSource",
    "Photo",
    "PhotoList",
    "PlayOrder",
    "ProgressCallback",
    "RememberedSession",
    "media_stem",
]

log = logging.getLogger(__name__)

# Names this module offers that live in the download modules, which neither the first screen nor the first
# photo needs: they are imported when first asked for (PEP 562), not at start-up.
_LATER = {
    "DownloadReport": "core.library.sync",
    "ProgressCallback": "core.library.sync",
    "MediaSource": "core.library.fetch",
}


def __getattr__(name: str) -> Any:
    if name in _LATER:
        import importlib

        return getattr(importlib.import_module(_LATER[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


DB_NAME = "library.sqlite3"
# Before the start-up check has run, this many photos in a row found gone (or broken) when handed out make the
# library run the whole check at once: a folder emptied behind its back is then found in one pass, not 50,000.
EARLY_MISSES = 8


class Library:
    """The photo library. Construct, then ``open()``; every method is safe to call from any thread.

    ``version`` goes up by one at every change of the photo set, so a reader can tell "unchanged" without
    comparing lists.
    """

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
        self._index = Index(self.state_dir / DB_NAME)
        self._claim = Claim(self.state_dir, self.library_dir)
        self._lock = threading.RLock()
        self._busy = threading.Lock()  # one download at a time: temp names are per item, not per call
        self._photos: PhotoList | None = None
        self.version = 0
        self._counted: tuple[int, int] | None = None  # (version, count) of the last count of an early list
        # open(check_later=True): the start-up check still to run (check(), or before anything that writes), and
        # meanwhile the photos handed out by next_in_order/upcoming, each verified against its file first.
        self._check_lock = threading.Lock()
        self._early = EarlyPhotos(self._repair, self._from_row)
        # Degraded mode (core.library.degraded): why the library is open read-only, or None. `doctor` shows it.
        self.degraded: str | None = None

    # ---- lifecycle -------------------------------------------------------------------------------

    def open(self, *, deep: bool = False, check_later: bool = False) -> CheckReport:
        """Create the folders, lock them, open (or rebuild) the index and make it agree with the files.

        On a full or read-only disk the library is opened read-only instead (``degraded`` says why): the
        saved photos can still be shown, nothing is written; ``reopen`` tries again.

        ``check_later``: the start-up check (core.library.repair: one ``stat`` per file) is left for ``check()``,
        so that a big library's first photo need not wait for it (a fresh or rebuilt index is still checked
        now: it knows no photos before). Until it has run, every photo ``next_in_order``/``upcoming`` hands out
        is checked against its file first (one that is gone or broken is dropped, as the check would, and never
        handed out), ``snapshot()`` holds only those photos (``PhotoList.complete`` is False) and anything
        that writes to the library (a download, a session forgotten, everything removed) runs the check first.
        """
        with self._lock:
            if self._claim.held:
                raise LibraryError("The photo library is already open.")
            try:
                return self._open_writable(deep=deep, check_later=check_later)
            except LibraryError as exc:
                reason = degraded_reason(exc, self.state_dir, self.library_dir)
                if reason is None:
                    raise
            self._open_read_only(reason)
            return CheckReport()

    def reopen(self) -> bool:
        """In degraded mode, try the normal open again; True once the library is writable."""
        with self._lock:
            reason = self.degraded
            if reason is None:
                return True
            self.close()
            try:
                self.open()
            except LibraryError as exc:
                log.warning("the photo library is still read-only: %s", exc.message)
                self._open_read_only(reason)
                return False
            if self.degraded is None:
                log.info("the photo library is writable again")
            return self.degraded is None

    def _open_read_only(self, reason: str) -> None:
        log.warning("%s", reason)
        self._early.finish()  # nothing is written in degraded mode: no check (the next writable open has it)
        self._claim.take_read_only()
        if not self._index.open_read_only():
            log.warning("the library index cannot be read either; showing the photo files as they are")
        self.degraded = reason
        self._changed()

    def _open_writable(self, *, deep: bool, check_later: bool = False) -> CheckReport:
        with self._lock:
            for folder in (self.state_dir, self.library_dir):
                try:
                    private_dir(folder)
                except OSError as exc:
                    raise LibraryError(f"The folder {folder} could not be created.") from exc
            self._claim.take()
            try:
                report = self._open_index(deep=deep, check_later=check_later)
            except BaseException:
                self._index.close()
                self._claim.release()
                raise
            self._changed()
            _log_check(report)
            return report

    def _open_index(self, *, deep: bool, check_later: bool = False) -> CheckReport:
        corrupt = False
        existed = (self.state_dir / DB_NAME).exists()
        try:
            fresh = self._index.open(check=not check_later or deep)  # else check() reads it all, later
        except CorruptIndex as exc:
            log.warning("the library index is unusable (%s); rebuilding it from the files", exc)
            self._move_index_aside()
            try:
                fresh = self._index.open()
            except CorruptIndex as again:
                raise LibraryError("The photo library's index could not be created.") from again
            corrupt = True
        if fresh and existed and not corrupt:
            log.warning("the library index was empty (cut short?); it is rebuilt from the files in the library folder")
        self._claim.own(self._index)
        if check_later and not (fresh or corrupt or deep):
            self._early.start()
            return CheckReport()
        # A fresh index (new, missing or 0 bytes) adopts the files it finds: it never deletes them.
        return self._repair().run(fresh=fresh, corrupt=corrupt, deep=deep)

    def _rebuild_index(self) -> None:
        """check() found the index damaged: a fresh one in its place (the check then adopts every file), as
        open() does. The slideshow goes on with the photos it has meanwhile."""
        log.warning("the library index is unusable (quick_check failed); rebuilding it from the files")
        with self._lock:
            self._index.close()
            self._move_index_aside()
            try:
                self._index.open()
            except CorruptIndex as exc:
                raise LibraryError("The photo library's index could not be created.") from exc
            self._claim.own(self._index)

    def _repair(self) -> Repair:
        return Repair(self._index, self.library_dir, max_pixels=self.max_pixels)

    @property
    def checked(self) -> bool:
        """False while the start-up check that ``open(check_later=True)`` left is still to run."""
        return not self._early.pending

    def check(self) -> CheckReport:
        """Run the start-up check ``open(check_later=True)`` left (on a worker: it reads every row and stats
        every file), then make the whole photo list; an empty report when there was none to run. Safe beside
        the slideshow: the library's lock is held only for moments, never for the whole check."""
        with self._check_lock:
            if not self._early.pending:
                return CheckReport()
            corrupt = not self._index.quick_check()
            if corrupt:
                self._rebuild_index()
            report = self._repair().run(fresh=corrupt, corrupt=corrupt, deep=False)
            # The whole list is made here, off the frame loop and outside the lock (the slideshow goes on with
            # the early list meanwhile); only a photo dropped since by _verified can be in it, and is left out.
            whole = self._whole_list()
            with self._lock:
                dropped = self._early.finish()
                self._changed()
                if dropped:
                    whole = PhotoList((p for p in whole if _stem(p) not in dropped), self.version, whole.order)
                whole.version = self.version  # the list was made before this change: it is this version's
                self._photos = whole
        _log_check(report)
        return report

    def discard_temp_files(self) -> int:
        """Remove the temp files of downloads that will never finish (the process leaves without them)."""
        try:
            names = os.listdir(self.library_dir)
        except OSError:
            return 0
        return sum(safe_unlink(self.library_dir / n) for n in names if is_temp_name(n))

    def close(self) -> None:
        with self._lock:
            self._index.close()
            self._claim.release()
            self._photos = None
            self.degraded = None
            self._early.finish()

    def __enter__(self) -> Library:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _move_index_aside(self) -> None:
        db = self.state_dir / DB_NAME
        for suffix in ("", "-wal", "-shm", "-journal"):
            src = db.with_name(db.name + suffix)
            if src.exists():
                with contextlib.suppress(OSError):
                    os.replace(src, db.with_name(f"{db.name}.corrupt{suffix}"))
        with contextlib.suppress(OSError):
            fsync_dir(self.state_dir)

    # ---- reading ---------------------------------------------------------------------------------

    def photos(self) -> list[Photo]:
        """Complete photos (and videos, as their poster) by createTime then id; a fresh list (callers may
        shuffle it). All of them: a start-up check still to run (open's ``check_later``) runs first."""
        self.check()
        return list(self.snapshot())

    def snapshot(self) -> PhotoList:
        """The same photos as one shared, immutable PhotoList: the same object until ``version`` changes, so a
        frame loop can ask for it every frame at no cost. Its ``order`` is this library (the fair shuffle)."""
        with self._lock:
            if self._photos is not None:
                return self._photos
            pending = self._early.pending
        if pending:  # not under the lock: finding the early photos may run the whole check (next_in_order)
            early = self._early_photos()
            with self._lock:
                if self._photos is None and self._early.pending:
                    self._photos = PhotoList(early, self.version, self, complete=False)
        with self._lock:
            if self._photos is None:
                self._photos = self._whole_list()
            return self._photos

    def _whole_list(self) -> PhotoList:
        # Read-only (degraded), nothing is written: the slideshow then goes in the library's order.
        photos = PhotoList(version=self.version, order=self if self.degraded is None else None)
        if self._index.is_open:  # packed as the rows are read: no Photo object is made for any of them
            folder = str(self.library_dir) + os.sep
            self._index.shown_photos(
                lambda stem, mid, file, created, w, h, poster: photos.add_file(
                    folder, mid or stem, file, created, w, h, poster
                )
            )
        if self.degraded is not None:  # a read-only index may miss the newest commits: the files tell
            known = self._index.files() if self._index.is_open else set()
            photos.extend(unindexed_photos(self.library_dir, known))
        return photos

    def _photo(
        self,
        stem: str,
        mid: str | None,
        file: str,
        created: datetime | None,
        w: int | None,
        h: int | None,
        poster: str | None,
    ) -> Photo:
        folder = str(self.library_dir) + os.sep
        video = folder + file if poster else None
        return Photo(id=mid or stem, path=folder + (poster or file), created=created, width=w, height=h, video=video)

    def count(self) -> int:
        photos = self.snapshot()
        if not photos.complete:  # the list is not made yet: the index counts them, once one photo is verified
            with self._lock:
                counted = self._counted
            if counted is not None and counted[0] == photos.version:
                return counted[1]  # start-up asks twice (its log line, the Boot event): a 50,000 count is ~4 ms
            count = self._index.count_shown() if photos else 0
            with self._lock:
                self._counted = (photos.version, count)
            return count
        return len(photos)

    def next_in_order(self, exclude: Collection[Photo] = ()) -> Photo | None:
        """The slideshow's next photo in a fair shuffle kept in the index: every photo is shown once before
        any is shown twice, across restarts (new photos join the current round at random places). ``exclude``
        are photos not to choose now (the one on screen)."""
        stems = [_stem(p) for p in exclude]
        try:
            for _ in range(EARLY_MISSES):
                with self._lock:
                    row = self._index.next_in_order(stems)
                    if row is None or self._verified(row):
                        return None if row is None else self._from_row(row)
        except LibraryError:
            if not self._early.pending:
                raise
            # Before the start-up check, an index that cannot be read may be a damaged one: the check finds out.
        # Photo after photo is gone (or the index failed): the whole check now, then the next photo.
        self.check()
        with self._lock:
            row = self._index.next_in_order(stems)
            return None if row is None else self._from_row(row)

    def upcoming(self, count: int, exclude: Collection[Photo] = ()) -> list[Photo]:
        """The ``count`` photos next_in_order would hand out after the next one, at most (a look-ahead for
        pairing: the rest of this round only; not ``exclude``)."""
        try:
            with self._lock:
                rows = self._index.upcoming(count, (_stem(p) for p in exclude))
                return [self._from_row(r) for r in rows if self._verified(r)]
        except LibraryError:
            if not self._early.pending:
                raise
        self.check()  # before the start-up check, an index that cannot be read may be a damaged one
        return self.upcoming(count, exclude)

    def _from_row(self, row: MediaRow) -> Photo:
        return self._photo(row.stem, row.id, row.file, row.created, row.width, row.height, row.poster)

    def _verified(self, row: MediaRow) -> bool:
        """Whether ``row`` may be handed out (before the start-up check: see core.library.early)."""
        ok, new = self._early.verified(row)
        if new:
            self._changed()  # the early list grew
        return ok

    def _early_photos(self) -> list[Photo]:
        """The photos of a snapshot taken before the start-up check: those handed out so far, or else the next
        one of the fair shuffle (so that a screen never says "no photos" of a library that has some)."""
        with self._lock:
            if self._early.photos or not self._index.is_open:
                return list(self._early.photos.values())
        if not self.upcoming(1):
            self.next_in_order()  # this round is over: the next begins (as the slideshow's own ask would)
        with self._lock:
            return list(self._early.photos.values())

    def mark_shown(self, photo: Photo) -> None:
        """``photo`` was on the screen: it has had its turn in this round (one small write; call it off the
        frame loop)."""
        self._index.mark_played(_stem(photo))

    def _changed(self) -> None:
        with self._lock:
            self._photos = None
            self.version += 1

    def remove_all(self) -> int:
        """Delete every photo from this device (index rows first, atomically, then the files); the number of
        files removed. Waits for a download in flight to stop (the caller cancels it first)."""
        self.check()
        with self._busy, self._lock:
            files = self._index.trash_everything()
            removed = remove_trashed(self._index, self.library_dir, files)
            self._changed()
        log.info("removed %d photos from this device", removed)
        return removed

    # ---- sessions --------------------------------------------------------------------------------

    def remember_session(self, session_id: str, request_id: str, replace: bool = False) -> None:
        """Write down a session as soon as it is created, so a crash can still finish or delete it."""
        self._index.remember_session(session_id, request_id, replace, datetime.now(UTC))

    def forget_session(self, session_id: str) -> None:
        """The session is deleted at Google (or gone): forget it, and any files it staged for a replace."""
        self.check()
        with self._lock:
            self._index.forget_session(session_id)
            if remove_trashed(self._index, self.library_dir, self._index.trash_orphans()):
                self._changed()

    def open_sessions(self) -> list[RememberedSession]:
        if self.degraded is not None and not self._index.is_open:
            return []  # degraded, without a readable index: no session is known (the next writable start sees them)
        return self._index.sessions()

    def pending_count(self, session_id: str) -> int:
        return self._index.pending_count(session_id)

    # ---- downloading -----------------------------------------------------------------------------

    def download_session(
        self,
        source: MediaSource,
        session_id: str,
        *,
        replace: bool = False,
        posters: bool = False,
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
        ``on_progress(done, total, failed, unsupported)`` is called on this thread; ``total`` grows as pages
        arrive and ends at the number of unique items; ``failed`` counts bad or gone items, ``unsupported``
        the ones there was nothing to fetch for (videos not asked for or not READY). Videos still processing
        are counted in ``report.processing`` too, and the session may be listed again for them; with ``posters``
        (its last listing) each is kept as its poster alone, a still picture.
        """
        from core.library.sync import Sync, SyncSetup

        self.check()  # a download's temp files and renames must not meet the start-up check's
        setup = SyncSetup(self._index, self.library_dir, self.download_config, self.screen, self.clock, self.max_pixels)
        with self._busy:
            sync = Sync(
                setup,
                source,
                session_id,
                replace,
                posters=posters,
                on_change=self._changed,
                on_progress=on_progress,
                cancel=cancel,
            )
            return sync.run()

    def resume_pending(
        self,
        source: MediaSource,
        session_id: str,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> DownloadReport:
        """Finish a remembered session after a crash or a cancel (lists it again for fresh URLs)."""
        known = self._index.session(session_id)
        replace = known.replace if known is not None else False
        return self.download_session(source, session_id, replace=replace, on_progress=on_progress, cancel=cancel)


def _log_check(report: CheckReport) -> None:
    if report != CheckReport():  # the start-up check repaired something: worth a line in the journal
        log.info("library check: %s", report)


def _stem(photo: Photo) -> str:
    """The index's name of a photo (or video): its file's, whose first 32 characters are the stem."""
    return Path(photo.path).name[:32]
