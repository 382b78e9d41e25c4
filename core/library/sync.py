"""One picking session's download: list → plan → fetch → record → swap, in one loop that owns every step."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import replace as dc_replace
from datetime import UTC, datetime
from pathlib import Path

from core.clock import Clock
from core.config import DownloadConfig
from core.images import MAX_PIXELS
from core.library.fetch import (
    Expired,
    Fetched,
    Fetcher,
    Job,
    Landed,
    Listed,
    ListingDone,
    MediaSource,
    Refused,
    Stopped,
)
from core.library.files import remove_trashed
from core.library.index import Index
from core.library.names import media_stem
from core.library.plan import plan_fetch, still_processing
from core.library.records import MediaRow
from core.record import record
from core.records import PickedMediaItem

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int, int, int], None]  # done, total, failed, unsupported


@record
class DownloadReport:
    """The result of one download call. ``done + failed + pending == total``.

    done: items of the session now in the library (``fetched`` now + ``already_had``, which were already
    here and were not fetched again); failed: items that will not be in the library — ``bad`` lists their
    ids, plus ``unsupported`` (videos not asked for or not READY, nothing to fetch); pending: left for a
    resume (cancelled). ``processing``: those of ``unsupported`` that are videos Google is still processing
    (the session is worth listing again); ``stills``: such videos kept as their poster alone (``posters``).
    """

    total: int
    done: int
    failed: int
    already_had: int = 0
    fetched: int = 0
    unsupported: int = 0
    processing: int = 0
    stills: int = 0
    pending: int = 0
    bad: tuple[str, ...] = ()
    cancelled: bool = False
    reasons: tuple[str, ...] = ()  # why the ``bad`` ones failed: each different reason once, in plain words


GONE = "Google no longer has the file (even with a fresh link)."
EARLIER = "It could not be downloaded in an earlier try."


@record
class SyncSetup:
    """What a download needs from the library it fills."""

    index: Index
    library_dir: Path
    download: DownloadConfig
    screen: tuple[int, int]
    clock: Clock
    max_pixels: int = MAX_PIXELS


def unique(items: Iterable[PickedMediaItem]) -> list[PickedMediaItem]:
    seen: set[str] = set()
    out: list[PickedMediaItem] = []
    for item in items:
        if item.id not in seen:
            seen.add(item.id)
            out.append(item)
    return out


class Sync:
    """One download call: fetch in passes (re-listing once URLs expire), then finish the session."""

    def __init__(
        self,
        setup: SyncSetup,
        source: MediaSource,
        session_id: str,
        replace: bool,
        *,
        posters: bool = False,
        on_change: Callable[[], None],
        on_progress: ProgressCallback | None,
        cancel: threading.Event | None,
    ) -> None:
        self.setup = setup
        self.index = setup.index
        self.source = source
        self.session_id = session_id
        self.replace = replace
        self.on_change = on_change
        self.on_progress = on_progress
        self.cancel = cancel
        self.total = 0
        self.already_had = 0
        self.fetched = 0
        self.unsupported = 0
        self.processing = 0
        self.posters = posters
        self.stills: set[str] = set()  # stems of videos still processing, fetched as their poster
        self.bad: list[str] = []
        self.reasons: dict[str, None] = {}  # an ordered set
        self.cancelled = False
        known = self.index.session(session_id)
        self.request_id = known.request_id if known is not None else ""
        self.seen: set[str] = set()  # media ids listed so far: the same item twice is one item
        self.stems: list[str] = []

    def run(self) -> DownloadReport:
        expired = self._pass([], listing=lambda: self.source.list_media_items(self.session_id))
        relisted_without_progress = False
        while expired and not self.cancelled:
            if relisted_without_progress:
                for job in expired:  # fresh URLs did not help: these items cannot be fetched any more
                    self._refused(job, GONE)
                break
            log.info("%d media URLs expired; listing the session again for fresh ones", len(expired))
            fresh = {i.id: i for i in unique(self.source.list_media_items(self.session_id))}
            jobs: list[Job] = []
            for job in expired:
                item = fresh.get(job.item.id)
                if item is None:
                    self._refused(job, GONE)
                else:
                    jobs.append(dc_replace(job, item=item))
            if not jobs:
                break
            before = self.fetched
            expired = self._pass(jobs)
            relisted_without_progress = self.fetched == before
        pending = self.index.pending_count(self.session_id)
        if not self.cancelled and pending == 0:
            self._swap()
        return DownloadReport(
            total=self.total,
            done=self.already_had + self.fetched,
            failed=len(self.bad) + self.unsupported,
            already_had=self.already_had,
            fetched=self.fetched,
            unsupported=self.unsupported,
            processing=self.processing,
            stills=sum(
                1 for stem, _, state in self.index.items(self.session_id) if stem in self.stills and state == "done"
            ),
            pending=pending,
            bad=tuple(self.bad),
            cancelled=self.cancelled,
            reasons=tuple(self.reasons),
        )

    def _pass(self, jobs: list[Job], listing: Callable[[], Iterable[PickedMediaItem]] | None = None) -> list[Job]:
        """Fetch ``jobs`` (and what ``listing`` brings); returns the jobs whose URLs expired."""
        s = self.setup
        fetcher = Fetcher(self.source, s.library_dir, s.download, s.clock, self.cancel, max_pixels=s.max_pixels)
        expired: list[Job] = []
        with closing(fetcher.run(jobs, listing)) as outcomes:
            for outcome in outcomes:
                if isinstance(outcome, Listed):
                    more = self._plan(outcome.items)  # recorded before any of them is fetched
                    if not fetcher.submit(more):
                        self.cancelled = True
                elif isinstance(outcome, ListingDone):
                    self._listed()
                elif isinstance(outcome, Landed):
                    self._record(outcome.files)
                elif isinstance(outcome, Refused):
                    self._refused(outcome.job, outcome.error.message)
                elif isinstance(outcome, Expired):
                    expired.append(outcome.job)
                elif isinstance(outcome, Stopped):
                    self.cancelled = True
        return expired

    def _plan(self, listed: list[PickedMediaItem]) -> list[Job]:
        """Record one batch of the listing (a page, in practice) and return what of it is to be fetched."""
        items = [i for i in listed if i.id not in self.seen]
        self.seen.update(i.id for i in items)
        if not items:
            return []
        stems = [media_stem(i.id) for i in items]
        existing = self.index.get_media(stems)
        records: list[tuple[int, str, str, str]] = []
        associate: list[MediaRow] = []
        candidates: dict[str, Job] = {}
        for item, stem in zip(items, stems, strict=True):
            spec = plan_fetch(item, self.setup.screen, self.setup.download, posters=self.posters)
            position = self.total + len(records)
            waiting = still_processing(item, self.setup.download)
            if stem in existing:
                associate.append(dc_replace(existing[stem], id=item.id, created=item.create_time))
                records.append((position, stem, item.id, "done"))
            elif spec is None:
                records.append((position, stem, item.id, "processing" if waiting else "unsupported"))
            else:
                if waiting:
                    self.stills.add(stem)
                records.append((position, stem, item.id, "pending"))
                candidates[stem] = Job(item=item, stem=stem, spec=spec[0], kind=spec[1], poster_spec=spec[2])
        recorded = self.index.record_items(
            self.session_id, self.request_id, self.replace, datetime.now(UTC), records, associate
        )
        if associate:
            self.on_change()
        self.stems.extend(stems)
        jobs: list[Job] = []
        for _, stem, mid, _ in records:
            state = recorded[stem]
            if state == "done":
                self.already_had += 1
            elif state in ("unsupported", "processing"):
                self.unsupported += 1
                self.processing += state == "processing"
            elif state == "failed":
                self.bad.append(mid)  # failed in an earlier run of this session; not tried again
                self.reasons.setdefault(EARLIER, None)
            elif stem in candidates:
                jobs.append(candidates[stem])
        self.total += len(records)
        self._progress()
        return jobs

    def _listed(self) -> None:
        """The whole list is recorded: only now is the session marked listed."""
        self.index.finish_listing(self.session_id, self.request_id, self.replace, datetime.now(UTC), self.stems)
        if self.total == 0:
            self._progress()

    def _record(self, files: list[Fetched]) -> None:
        """Files complete on disk: indexed in one transaction (one commit, one fsync), then reported."""
        rows = [
            MediaRow(
                stem=f.job.stem,
                id=f.job.item.id,
                file=f.file,
                kind=f.info.kind,
                mime=f.info.mime,
                width=f.info.width,
                height=f.info.height,
                created=f.job.item.create_time,
                size=f.size,
                mtime_ns=f.mtime_ns,
                shown=not self.replace,
                poster=f.poster,
            )
            for f in files
        ]
        self.index.put_media(rows, session_id=self.session_id)
        self.fetched += len(rows)
        self.on_change()
        self._progress()

    def _refused(self, job: Job, why: str) -> None:
        self.index.set_item_state(self.session_id, job.stem, "failed")
        self.bad.append(job.item.id)
        self.reasons.setdefault(why, None)
        self._progress()

    def _progress(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.already_had + self.fetched, self.total, len(self.bad), self.unsupported)

    def _swap(self) -> None:
        done = sum(1 for _, _, state in self.index.items(self.session_id) if state == "done")
        # A replace where nothing at all could be fetched keeps the old library rather than emptying it.
        removed = self.index.finish(self.session_id, swap=self.replace and done > 0)
        remove_trashed(self.index, self.setup.library_dir, [n for r in removed for n in (r.file, r.poster) if n])
        self.on_change()
