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

from core.clock import REAL, Clock
from core.config import DownloadConfig
from core.errors import LibraryError
from core.images import MAX_PIXELS
from core.library.claim import LOCK_NAME, OWNER_ATTR, Claim
from core.library.degraded import degraded_reason, unindexed_photos
from core.library.fetch import MediaSource
from core.library.files import fsync_dir, private_dir, safe_unlink
from core.library.index import CorruptIndex, Index
from core.library.names import is_temp_name, media_stem
from core.library.photolist import PhotoList
from core.library.records import Photo, PlayOrder, RememberedSession
from core.library.repair import CheckReport, Repair
from core.library.sync import DownloadReport, ProgressCallback, Sync, SyncSetup, remove_trashed

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

DB_NAME = "library.sqlite3"


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
        # Degraded mode (core.library.degraded): why the library is open read-only, or None. `doctor` shows it.
        self.degraded: str | None = None

    # ---- lifecycle -------------------------------------------------------------------------------

    def open(self, *, deep: bool = False) -> CheckReport:
        """Create the folders, lock them, open (or rebuild) the index and make it agree with the files.

        On a full or read-only disk the library is opened read-only instead (``degraded`` says why): the
        saved photos can still be shown, nothing is written; ``reopen`` tries again.
        """
        with self._lock:
            if self._claim.held:
                raise LibraryError("The photo library is already open.")
            try:
                return self._open_writable(deep=deep)
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
        self._claim.take_read_only()
        if not self._index.open_read_only():
            log.warning("the library index cannot be read either; showing the photo files as they are")
        self.degraded = reason
        self._changed()

    def _open_writable(self, *, deep: bool) -> CheckReport:
        with self._lock:
            for folder in (self.state_dir, self.library_dir):
                try:
                    private_dir(folder)
                except OSError as exc:
                    raise LibraryError(f"The folder {folder} could not be created.") from exc
            self._claim.take()
            try:
                report = self._open_index(deep=deep)
            except BaseException:
                self._index.close()
                self._claim.release()
                raise
            self._changed()
            if report != CheckReport():  # the start-up check repaired something: worth a line in the journal
                log.info("library check: %s", report)
            return report

    def _open_index(self, *, deep: bool) -> CheckReport:
        corrupt = False
        existed = (self.state_dir / DB_NAME).exists()
        try:
            fresh = self._index.open()
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
        # A fresh index (new, missing or 0 bytes) adopts the files it finds: it never deletes them.
        return Repair(self._index, self.library_dir, max_pixels=self.max_pixels).run(
            fresh=fresh, corrupt=corrupt, deep=deep
        )

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
        shuffle it)."""
        return list(self.snapshot())

    def snapshot(self) -> PhotoList:
        """The same photos as one shared, immutable PhotoList: the same object until ``version`` changes, so a
        frame loop can ask for it every frame at no cost. Its ``order`` is this library (the fair shuffle)."""
        with self._lock:
            if self._photos is None:
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
                self._photos = photos
            return self._photos

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
        return len(self.snapshot())

    def next_in_order(self, exclude: Collection[Photo] = ()) -> Photo | None:
        """The slideshow's next photo in a fair shuffle kept in the index: every photo is shown once before
        any is shown twice, across restarts (new photos join the current round at random places). ``exclude``
        are photos not to choose now (the one on screen)."""
        with self._lock:
            row = self._index.next_in_order(_stem(p) for p in exclude)
        if row is None:
            return None
        return self._photo(row.stem, row.id, row.file, row.created, row.width, row.height, row.poster)

    def upcoming(self, count: int, exclude: Collection[Photo] = ()) -> list[Photo]:
        """The ``count`` photos next_in_order would hand out after the next one, at most (a look-ahead for
        pairing: the rest of this round only; not ``exclude``)."""
        with self._lock:
            rows = self._index.upcoming(count, (_stem(p) for p in exclude))
        return [self._photo(r.stem, r.id, r.file, r.created, r.width, r.height, r.poster) for r in rows]

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


def _stem(photo: Photo) -> str:
    """The index's name of a photo (or video): its file's, whose first 32 characters are the stem."""
    return Path(photo.path).name[:32]
