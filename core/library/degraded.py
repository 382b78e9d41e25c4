"""Degraded mode: the state or library disk is full or read-only, so the library is opened to be read only.

A frame on a wall must keep showing the photos it has on a bad day. When ``Library.open`` fails because a
disk is full (ENOSPC, EDQUOT, SQLite's FULL) or read-only (EROFS, SQLite's READONLY), the library is opened
read-only instead: the index through SQLite's ``mode=ro`` (or ``immutable=1`` where even that needs a write),
plus any photo file of ours the index does not list (a read-only index may miss the newest commits). Nothing
is written, removed or repaired; ``Library.reopen`` tries the normal open again.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from core.images import VIDEO_EXT
from core.library.names import OUR_FILE, tagged_media_id
from core.library.records import Photo

log = logging.getLogger(__name__)

FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
READ_ONLY_ERRNOS = frozenset({errno.EROFS})


def degraded_reason(exc: BaseException, state_dir: Path, library_dir: Path) -> str | None:
    """The plain-words reason an open failed on a full or read-only disk; None for any other failure."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        kind = _kind(cause)
        if kind is not None:
            where = _folder(cause, state_dir, library_dir)
            return f"The disk holding {where} is {kind}: showing the saved photos, no new ones for now."
        cause = cause.__cause__ or cause.__context__
    return None


def _kind(exc: BaseException) -> str | None:
    if isinstance(exc, OSError) and exc.errno in FULL_ERRNOS:
        return "full"
    if isinstance(exc, OSError) and exc.errno in READ_ONLY_ERRNOS:
        return "read-only"
    code = getattr(exc, "sqlite_errorcode", None) if isinstance(exc, sqlite3.Error) else None
    if code is not None and code & 0xFF == sqlite3.SQLITE_FULL:
        return "full"
    if code is not None and code & 0xFF == sqlite3.SQLITE_READONLY:
        return "read-only"
    return None


def _folder(exc: BaseException, state_dir: Path, library_dir: Path) -> Path:
    """The folder the failing file is in, when the error names one; else the state folder (the index's)."""
    name = getattr(exc, "filename", None) if isinstance(exc, OSError) else None
    if isinstance(name, str | os.PathLike):
        path = Path(name)
        for folder in (library_dir, state_dir):
            if path == folder or folder in path.parents:
                return folder
    return state_dir


def read_only_index(path: Path) -> sqlite3.Connection | None:
    """The index opened without writing anything (``mode=ro``, then ``immutable=1``); None if unreadable."""
    if not path.exists():
        return None
    for flags in ("mode=ro", "immutable=1"):
        db: sqlite3.Connection | None = None
        try:
            db = sqlite3.connect(
                f"{path.as_uri()}?{flags}", uri=True, isolation_level=None, check_same_thread=False, timeout=5.0
            )
            db.execute("SELECT COUNT(*) FROM media").fetchone()
            return db
        except sqlite3.Error:
            if db is not None:
                db.close()
    return None


def unindexed_photos(library_dir: Path, known: set[str]) -> list[Photo]:
    """Photo files of ours the index does not list, oldest first (downloads set mtime to the createTime)."""
    try:
        names = sorted(os.listdir(library_dir))
    except OSError:
        return []
    found: list[tuple[float, Photo]] = []
    for name in names:
        if not OUR_FILE.match(name) or name.endswith(VIDEO_EXT) or name in known:
            continue
        path = library_dir / name
        try:
            mtime = path.stat().st_mtime
        except OSError:
            continue
        media_id = tagged_media_id(path) or name[:32]
        found.append((mtime, Photo(id=media_id, path=str(path), created=datetime.fromtimestamp(mtime, UTC))))
    return [p for _, p in sorted(found, key=lambda f: (f[0], f[1].id))]
