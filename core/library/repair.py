"""The start-up check: make the index agree with the files on disk, without ever deleting a photo on a guess.

Decided policy, one named step each:
- ``remove_temp_files``: temp files (``.<stem>.part``) are removed: this library wrote them and nothing
  refers to them (a download that was interrupted; its item is still pending in the index);
- ``empty_trash``: files a committed change took out of the library (a replace swap, a forgotten staged
  file) whose removal a crash interrupted are removed: the index recorded them as to be removed;
- ``verify_indexed``: an indexed file that is missing is dropped; one whose size/mtime changed since it was
  verified is decoded again and dropped if it does not decode (``deep`` decodes every file); items of
  remembered sessions that had it become pending again, so it is fetched again;
- ``adopt_unindexed``: an unindexed file of ours that decodes is **adopted**, never removed: into its
  session (staged if that session is a replace) when its name belongs to a pending item (the process died
  between the rename and the index commit), else into the library, with the media id read back from the
  file (see core.library.names) and its date from the file's mtime (downloads set it to the createTime).
  This is what rebuilds a fresh or damaged index. One that does not decode is left alone (and not shown);
- a video's poster (``<stem>.poster.jpg``) belongs to its video: a video row whose poster is missing is
  dropped (fetched again), an adopted video takes the poster beside it;
- files whose names are not ours are never touched.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace as dc_replace
from datetime import UTC, datetime
from pathlib import Path

from core.errors import BadMedia, LibraryError
from core.images import MAX_PIXELS, VIDEO_EXT, MediaInfo, check_media
from core.library.files import fsync_dir, private_file, remove_trashed, safe_unlink
from core.library.index import Fingerprint, Index
from core.library.names import OUR_FILE, POSTER_FILE, is_temp_name, poster_name, tagged_media_id
from core.library.records import MediaRow
from core.record import record

log = logging.getLogger(__name__)


@record
class CheckReport:
    """What ``Library.open`` found and repaired."""

    removed_temp: int = 0
    dropped_rows: int = 0
    rebuilt: bool = False
    adopted: int = 0
    removed_files: int = 0


class Repair:
    """One start-up check of ``directory`` against ``index``."""

    def __init__(self, index: Index, directory: Path, *, max_pixels: int = MAX_PIXELS) -> None:
        self.index = index
        self.directory = directory
        self.max_pixels = max_pixels

    def run(self, *, fresh: bool, corrupt: bool, deep: bool) -> CheckReport:
        """``fresh``: the index has just been created (new, missing or 0 bytes); ``corrupt``: moved aside."""
        try:
            names = sorted(os.listdir(self.directory))
        except OSError as exc:
            raise LibraryError(f"The photo library folder {self.directory} could not be read.") from exc
        removed_temp = self.remove_temp_files(names)
        removed_files = self.empty_trash()
        dropped = self.verify_indexed(deep=deep)
        removed_files += remove_trashed(self.index, self.directory, self.index.trash_orphans())
        adopted = self.adopt_unindexed(names)
        if removed_temp or dropped:
            try:
                fsync_dir(self.directory)
            except OSError:
                log.warning("could not make the start-up check's removals durable")
        return CheckReport(
            removed_temp=removed_temp,
            dropped_rows=dropped,
            rebuilt=corrupt or (fresh and adopted > 0),
            adopted=adopted,
            removed_files=removed_files,
        )

    def remove_temp_files(self, names: list[str]) -> int:
        return sum(safe_unlink(self.directory / n) for n in names if is_temp_name(n))

    def empty_trash(self) -> int:
        return remove_trashed(self.index, self.directory, self.index.trash())

    def verify_indexed(self, *, deep: bool) -> int:
        """Drop rows whose file is missing or no longer decodes; returns how many."""
        dropped = [row[0] for row in self.index.fingerprints() if not self.verify_row(row, deep=deep, drop=False)]
        self.index.drop_media(dropped)
        return len(dropped)

    def verify_row(self, row: Fingerprint, *, deep: bool = False, drop: bool = True) -> bool:
        """One indexed row against its file (``verify_indexed``'s step): True if it stays; a row that does not
        has its files removed (a broken one) and, with ``drop``, its row dropped now. The library asks this of a
        photo it hands out before the whole check has run (see core.library.Library.open's ``check_later``)."""
        stem, file, kind, size, mtime_ns, poster = row
        try:
            st = os.stat(str(self.directory) + os.sep + file)
        except OSError:
            return self._dropped(stem, drop)
        if poster is not None and not self._poster_ok(poster, mtime_ns, deep=deep):
            log.warning("dropping a video whose poster is missing or broken; it is fetched again")
            safe_unlink(self.directory / file)
            safe_unlink(self.directory / poster)
            return self._dropped(stem, drop)
        if not deep and (st.st_size, st.st_mtime_ns) == (size, mtime_ns):
            return True  # verified when it was downloaded and untouched since
        path = self.directory / file
        if self._decodes(path, kind):
            self.index.set_fingerprint(stem, st.st_size, st.st_mtime_ns)
            return True
        log.warning("dropping a library file that no longer decodes")
        safe_unlink(path)
        return self._dropped(stem, drop)

    def _dropped(self, stem: str, drop: bool) -> bool:
        if drop:
            self.index.drop_media([stem])
        return False

    def adopt_unindexed(self, names: list[str]) -> int:
        """Index every file of ours that the index does not know and that decodes; returns how many."""
        indexed = {file for _, file, _, _, _, _ in self.index.fingerprints()}
        pending: dict[str, tuple[str, str, bool]] = {}  # stem -> (session id, media id, replace)
        for s in self.index.sessions():
            for stem, mid, state in self.index.items(s.id):
                if state == "pending":
                    pending[stem] = (s.id, mid, s.replace)
        adopted = 0
        for name in names:
            if not OUR_FILE.match(name) or name in indexed or not (self.directory / name).exists():
                continue
            stem = name[:32]
            owner = pending.get(stem)
            row = self._adoptable(self.directory / name, stem, owner)
            if row is None:
                log.warning("a file in the library folder does not decode; it is left alone and not shown")
                continue
            private_file(self.directory / name)
            self.index.put_media([row], session_id=owner[0] if owner else None)
            indexed.add(name)
            adopted += 1
        return adopted

    def _poster_ok(self, name: str, mtime_ns: int, *, deep: bool) -> bool:
        """A poster is there and, unless it is untouched since its download, decodes.

        A download gives the poster and its video the same mtime (the createTime): another mtime means
        something wrote the poster since, so it is decoded again.
        """
        path = self.directory / name
        try:
            st = os.stat(path)
        except OSError:
            return False
        return (not deep and st.st_mtime_ns == mtime_ns) or self._decodes(path, "photo")

    def _decodes(self, path: Path, kind: str) -> bool:
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
        poster = self._poster_beside(stem) if info.kind == "video" else None
        if poster is not None:
            info = dc_replace(info, width=poster.width, height=poster.height)
        return MediaRow(
            stem=stem,
            id=owner[1] if owner else tagged_media_id(path),
            file=path.name,
            kind=info.kind,
            mime=info.mime,
            width=info.width,
            height=info.height,
            created=datetime.fromtimestamp(st.st_mtime, UTC),
            size=st.st_size,
            mtime_ns=st.st_mtime_ns,
            shown=not (owner and owner[2]),
            poster=poster_name(stem, poster.ext) if poster is not None else None,
        )

    def _poster_beside(self, stem: str) -> MediaInfo | None:
        """The poster a video's download put beside it, if one is there and decodes."""
        for name in sorted(os.listdir(self.directory)):
            if POSTER_FILE.match(name) and name.startswith(stem):
                try:
                    return check_media(self.directory / name, "photo", max_pixels=self.max_pixels)
                except BadMedia:
                    return None
        return None
