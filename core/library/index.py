"""The library's SQLite index: which media files are complete, which sessions are open, what is pending.

One connection shared by every thread behind a lock; transactions are short and explicit (BEGIN IMMEDIATE).
``journal_mode=WAL`` so the slideshow can read while a download commits, and ``synchronous=FULL`` so a
commit is on disk when it returns: the library's promise is that once a photo was reported complete (or a
replace swap happened, or a session was remembered) a power cut cannot take it back. The price is one
fsync per commit, small next to the fsyncs each downloaded file needs anyway.

A new index is told from a damaged one by ``PRAGMA user_version``: it is set in the same transaction that
creates the schema and the index's identity, so an index without it (0 bytes, or never finished) is *fresh*
and the library adopts the files it finds instead of trusting an empty list.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from core.errors import DiskFull, LibraryError
from core.library.degraded import read_only_index
from core.library.files import PRIVATE_FILE, private_file
from core.library.records import MediaRow, RememberedSession, time_text
from core.library.schema import MEDIA_COLS, MIGRATIONS, SCHEMA, SCHEMA_VERSION, media_row, parse_time_text

T = TypeVar("T")
# SQLite's page cache, KiB (its default is 2,000): the start-up check reads the whole index, and a 50,000-photo
# index (19 MB) kept the whole default cache resident for good; the file's pages are in the OS cache anyway.
CACHE_KIB = 512
# What the slideshow shows: complete photos, and videos with their poster.
SHOWABLE = "m.shown = 1 AND (m.kind = 'photo' OR m.poster IS NOT NULL)"
# make(stem, id, file, created, width, height, poster): one photo (or video) of Index.shown_photos
# (stem, file, kind, size, mtime_ns, poster): what the start-up check compares with a file (Index.fingerprints)
Fingerprint = tuple[str, str, str, int, int, str | None]
PhotoMaker = Callable[[str, str | None, str, datetime | None, int | None, int | None, str | None], T]


class CorruptIndex(Exception):
    """The database file cannot be used; the library moves it aside and rebuilds from the files."""


class Index:
    """The index. Every method is thread-safe; ``sqlite3`` errors become LibraryError (or CorruptIndex)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = None

    # ---- lifecycle -------------------------------------------------------------------------------

    def open(self, *, check: bool = True) -> bool:
        """Open or create the database (0600); True if it is fresh (no schema yet: new, or 0 bytes).

        Raise CorruptIndex if it is not a usable index. Without ``check`` its pages are not read through
        (``quick_check``, which reads the whole file) here: the caller runs ``quick_check`` later.
        """
        try:
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), PRIVATE_FILE))
            for suffix in ("", "-wal", "-shm"):
                private_file(self.path.with_name(self.path.name + suffix))
            db = sqlite3.connect(self.path, timeout=10.0, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise LibraryError(f"The photo library's index {self.path} could not be opened.") from exc
        try:
            mode = db.execute("PRAGMA journal_mode=WAL").fetchone()
            if not mode or str(mode[0]).lower() != "wal":
                raise CorruptIndex("cannot switch to WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            if check and db.execute("PRAGMA quick_check").fetchall() != [("ok",)]:
                raise CorruptIndex("quick_check failed")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if not 0 <= version <= SCHEMA_VERSION:
                raise CorruptIndex(f"unknown schema version {version}")
            steps = "".join(MIGRATIONS[v] for v in range(version + 1, SCHEMA_VERSION + 1)) if version else ""
            # One transaction: migrations, schema, identity and the version marker are durable together or not
            # at all (an index of an older version is brought up to date in place). The identity is 16 random
            # bytes in hex (os.urandom: the uuid module costs a fresh library's first screen ~1 ms to import).
            db.executescript(
                f"BEGIN IMMEDIATE; {steps}{SCHEMA}; INSERT OR IGNORE INTO meta (key, value) "
                f"VALUES ('identity', '{os.urandom(16).hex()}'); PRAGMA user_version={SCHEMA_VERSION}; COMMIT;"
            )
        except sqlite3.OperationalError as exc:
            # Cannot open, locked, I/O error: not proof of corruption, so the file is left alone.
            db.close()
            raise LibraryError(f"The photo library's index {self.path} could not be opened.") from exc
        except (sqlite3.Error, CorruptIndex) as exc:
            db.close()
            raise CorruptIndex(str(exc)) from exc
        self._db = db
        for suffix in ("-wal", "-shm"):
            private_file(self.path.with_name(self.path.name + suffix))
        return bool(version == 0)

    def quick_check(self) -> bool:
        """SQLite's own check of every page of the open index: False if it is damaged."""
        with self._lock:
            try:
                return self._conn().execute("PRAGMA quick_check").fetchall() == [("ok",)]
            except sqlite3.DatabaseError:
                return False

    def open_read_only(self) -> bool:
        """Open the index for reading only (degraded mode: a full or read-only disk); False if it cannot be read."""
        db = read_only_index(self.path)
        with self._lock:
            self._db = db
        return db is not None

    def files(self) -> set[str]:
        """Every file name the index knows (shown, staged or in the trash)."""
        with self._read() as db:
            rows = db.execute("SELECT file FROM media UNION SELECT file FROM trash").fetchall()
        return {str(r[0]) for r in rows}

    def identity(self) -> str:
        """This index's id (written in the library folder it owns)."""
        with self._read() as db:
            return str(db.execute("SELECT value FROM meta WHERE key = 'identity'").fetchone()[0])

    def set_identity(self, value: str) -> None:
        """Take over the identity of the index this one replaces (same state folder, rebuilt)."""
        with self._tx() as db:
            db.execute("UPDATE meta SET value = ? WHERE key = 'identity'", (value,))

    @property
    def is_open(self) -> bool:
        return self._db is not None

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction, committed on success, rolled back on any error."""
        with self._lock:
            db = self._conn()
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            except sqlite3.Error as exc:
                if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
                    raise DiskFull("The disk is full; the photo library cannot record new photos.") from exc
                raise LibraryError("The photo library's index could not be written.") from exc

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._conn()
            except sqlite3.Error as exc:
                raise LibraryError("The photo library's index could not be read.") from exc

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise LibraryError("The photo library is not open.")
        return self._db

    # ---- media -----------------------------------------------------------------------------------

    def fingerprints(self, chunk: int = 2000) -> Iterator[Fingerprint]:
        """(stem, file, kind, size, mtime_ns, poster) of every row, by stem: what the start-up check compares
        with the files (no dates parsed, no records made), read ``chunk`` rows at a time so that 50,000 rows
        are never all held at once (the lock is not held between chunks)."""
        last = ""
        while True:
            with self._read() as db:
                rows = db.execute(
                    "SELECT stem, file, kind, size, mtime_ns, poster FROM media WHERE stem > ? ORDER BY stem LIMIT ?",
                    (last, chunk),
                ).fetchall()
            yield from rows
            if len(rows) < chunk:
                return
            last = rows[-1][0]

    def shown_photos(self, make: PhotoMaker[T]) -> list[T]:
        """``make(stem, id, file, created, width, height, poster)`` of each complete photo (and video with its
        poster) in the library, oldest first (unknown dates last), then by id; made as the rows are read
        (50,000 rows are never held twice)."""
        with self._read() as db:
            rows = db.execute(
                f"SELECT stem, id, file, created, width, height, poster FROM media m WHERE {SHOWABLE} "
                "ORDER BY created IS NULL, created, COALESCE(id, stem)"
            )
            return [make(a, b, c, parse_time_text(d), e, f, g) for a, b, c, d, e, f, g in rows]

    def count_shown(self) -> int:
        """How many photos (and videos with their poster) the library shows, without reading them."""
        with self._read() as db:
            return int(db.execute(f"SELECT COUNT(*) FROM media m WHERE {SHOWABLE}").fetchone()[0])

    def next_in_order(self, exclude: Iterable[str] = ()) -> MediaRow | None:
        """The shown photo not played in this round with the lowest rank (not one of the ``exclude`` stems);
        when every one is played, a new round in a new random order begins."""
        skip = list(exclude)
        marks = ",".join("?" * len(skip))
        query = (
            f"SELECT {', '.join('m.' + c.strip() for c in MEDIA_COLS.split(','))} FROM play_order p "
            f"JOIN media m ON m.stem = p.stem WHERE p.played = 0 AND {SHOWABLE} "
            f"AND m.stem NOT IN ({marks}) ORDER BY p.rank LIMIT 1"
        )
        for _ in range(2):
            with self._tx() as db:
                row = db.execute(query, skip).fetchone()
                if row is not None:
                    return media_row(row)
                if db.execute("SELECT 1 FROM play_order WHERE played = 1 LIMIT 1").fetchone() is None:
                    return None  # nothing was played: nothing to show (or only the excluded ones)
                db.execute("UPDATE play_order SET played = 0, rank = random()")
        return None

    def upcoming(self, count: int, exclude: Iterable[str] = ()) -> list[MediaRow]:
        """The next ``count`` shown photos not played in this round, by rank (not the ``exclude`` stems); never
        begins a new round (a look-ahead: the round ends when next_in_order finds nothing left)."""
        skip = list(exclude)
        marks = ",".join("?" * len(skip))
        query = (
            f"SELECT {', '.join('m.' + c.strip() for c in MEDIA_COLS.split(','))} FROM play_order p "
            f"JOIN media m ON m.stem = p.stem WHERE p.played = 0 AND {SHOWABLE} "
            f"AND m.stem NOT IN ({marks}) ORDER BY p.rank LIMIT ?"
        )
        with self._read() as db:
            return [media_row(row) for row in db.execute(query, [*skip, count])]

    def mark_played(self, stem: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE play_order SET played = 1 WHERE stem = ?", (stem,))

    def get_media(self, stems: Iterable[str]) -> dict[str, MediaRow]:
        wanted = list(stems)
        found: dict[str, MediaRow] = {}
        with self._read() as db:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                marks = ",".join("?" * len(chunk))
                for r in db.execute(f"SELECT {MEDIA_COLS} FROM media WHERE stem IN ({marks})", chunk):
                    row = media_row(r)
                    found[row.stem] = row
        return found

    def put_media(self, rows: Sequence[MediaRow], *, session_id: str | None = None) -> None:
        """Record complete files in one transaction (a row that is already shown stays shown) and mark their
        session's items done."""
        with self._tx() as db:
            for row in rows:
                _upsert_media(db, row)
                if session_id is not None:
                    db.execute(
                        "UPDATE session_items SET state = 'done' WHERE session_id = ? AND stem = ?",
                        (session_id, row.stem),
                    )

    def set_fingerprint(self, stem: str, size: int, mtime_ns: int) -> None:
        with self._tx() as db:
            db.execute("UPDATE media SET size = ?, mtime_ns = ? WHERE stem = ?", (size, mtime_ns, stem))

    def drop_media(self, stems: Iterable[str]) -> None:
        """Forget files (missing or broken); items of sessions that had them become pending again."""
        stems = list(stems)
        if not stems:
            return
        with self._tx() as db:
            for stem in stems:
                db.execute("DELETE FROM media WHERE stem = ?", (stem,))
                db.execute("UPDATE session_items SET state = 'pending' WHERE stem = ? AND state = 'done'", (stem,))
                db.execute(
                    "UPDATE sessions SET finished = 0 WHERE id IN "
                    "(SELECT session_id FROM session_items WHERE stem = ?)",
                    (stem,),
                )

    def trash_orphans(self) -> list[str]:
        """Staged rows (shown = 0) that no remembered session will ever swap in go to the trash."""
        with self._tx() as db:
            rows = db.execute(
                "SELECT stem, file, poster FROM media WHERE shown = 0 AND stem NOT IN "
                "(SELECT i.stem FROM session_items i JOIN sessions s ON s.id = i.session_id "
                "WHERE s.replace = 1 AND s.finished = 0)"
            ).fetchall()
            for stem, file, _ in rows:
                _to_trash(db, str(stem), str(file))
            return [str(name) for _, file, poster in rows for name in (file, poster) if name]

    def trash_everything(self) -> list[str]:
        """Every file of the library goes to the trash in one transaction (rows first: a crash after this commit
        leaves only trash the next start removes); the items of remembered sessions are forgotten with them."""
        with self._tx() as db:
            rows = db.execute("SELECT stem, file FROM media").fetchall()
            for stem, file in rows:
                _to_trash(db, str(stem), str(file))
            db.execute("DELETE FROM session_items")
            return [str(file) for _, file in rows]

    def trash(self) -> list[str]:
        """Files that left the library in a committed change and may still be on disk."""
        with self._read() as db:
            return [str(r[0]) for r in db.execute("SELECT file FROM trash")]

    def empty_trash(self, files: Iterable[str]) -> None:
        """The files are removed: forget them."""
        files = list(files)
        if files:
            with self._tx() as db:
                db.executemany("DELETE FROM trash WHERE file = ?", [(f,) for f in files])

    # ---- sessions --------------------------------------------------------------------------------

    def remember_session(self, session_id: str, request_id: str, replace: bool, now: datetime) -> None:
        with self._tx() as db:
            _upsert_session(db, session_id, request_id, replace, now)

    def forget_session(self, session_id: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM session_items WHERE session_id = ?", (session_id,))
            db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    def sessions(self) -> list[RememberedSession]:
        with self._read() as db:
            rows = db.execute(
                "SELECT s.id, s.request_id, s.replace, s.created, s.listed, s.finished, "
                "(SELECT COUNT(*) FROM session_items i WHERE i.session_id = s.id AND i.state = 'pending') "
                "FROM sessions s ORDER BY s.created, s.id"
            ).fetchall()
        return [
            RememberedSession(
                id=str(r[0]),
                request_id=str(r[1]),
                replace=bool(r[2]),
                created=parse_time_text(str(r[3])) or datetime.fromtimestamp(0, UTC),
                listed=bool(r[4]),
                finished=bool(r[5]),
                pending=int(r[6]),
            )
            for r in rows
        ]

    def session(self, session_id: str) -> RememberedSession | None:
        return next((s for s in self.sessions() if s.id == session_id), None)

    def record_items(
        self,
        session_id: str,
        request_id: str,
        replace: bool,
        now: datetime,
        items: list[tuple[int, str, str, str]],
        associate: list[MediaRow],
    ) -> dict[str, str]:
        """Record part of a listing in one transaction: ``items`` as (position, stem, id, state).

        Called page by page while a session is listed, so each item is pending on disk before it is
        fetched. This never marks the session listed (``finish_listing`` does, once the whole list is here).
        An item already 'failed' or 'unsupported' from an earlier run of this session keeps that state, so a
        resume does not fetch a known-bad file again. ``associate`` are existing files now also picked in
        this session: they get the fresh id/date, and a merge shows them at once. Returns each stem's state
        as recorded.
        """
        with self._tx() as db:
            _upsert_session(db, session_id, request_id, replace, now)
            recorded: dict[str, str] = {}
            for position, stem, mid, state in items:
                old = db.execute(
                    "SELECT state FROM session_items WHERE session_id = ? AND stem = ?", (session_id, stem)
                ).fetchone()
                if old is not None and old[0] in ("failed", "unsupported") and state == "pending":
                    state = str(old[0])
                db.execute(
                    "INSERT INTO session_items (session_id, stem, id, position, state) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT(session_id, stem) DO UPDATE SET id = excluded.id, position = excluded.position, "
                    "state = excluded.state",
                    (session_id, stem, mid, position, state),
                )
                recorded[stem] = state
            for row in associate:
                db.execute(
                    "UPDATE media SET id = ?, created = COALESCE(?, created), shown = MAX(shown, ?) WHERE stem = ?",
                    (row.id, time_text(row.created), 0 if replace else 1, row.stem),
                )
            return recorded

    def finish_listing(
        self, session_id: str, request_id: str, replace: bool, now: datetime, stems: Iterable[str]
    ) -> None:
        """The whole list is recorded: drop items of an earlier listing that this one no longer has, and
        mark the session listed (only now may a restart trust its pending count)."""
        keep = set(stems)
        with self._tx() as db:
            db.execute(
                "INSERT INTO sessions (id, request_id, replace, created, listed) VALUES (?, ?, ?, ?, 1) "
                "ON CONFLICT(id) DO UPDATE SET listed = 1, replace = excluded.replace",
                (session_id, request_id, int(replace), time_text(now)),
            )
            known = [
                str(r[0])
                for r in db.execute("SELECT stem FROM session_items WHERE session_id = ?", (session_id,)).fetchall()
            ]
            for stem in known:
                if stem not in keep:
                    db.execute("DELETE FROM session_items WHERE session_id = ? AND stem = ?", (session_id, stem))

    def items(self, session_id: str) -> list[tuple[str, str, str]]:
        """(stem, id, state) of a session's items, in listing order."""
        with self._read() as db:
            rows = db.execute(
                "SELECT stem, id, state FROM session_items WHERE session_id = ? ORDER BY position",
                (session_id,),
            ).fetchall()
        return [(str(a), str(b), str(c)) for a, b, c in rows]

    def set_item_state(self, session_id: str, stem: str, state: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE session_items SET state = ? WHERE session_id = ? AND stem = ?", (state, session_id, stem)
            )

    def pending_count(self, session_id: str) -> int:
        with self._read() as db:
            row = db.execute(
                "SELECT COUNT(*) FROM session_items WHERE session_id = ? AND state = 'pending'", (session_id,)
            ).fetchone()
        return int(row[0])

    def finish(self, session_id: str, *, swap: bool) -> list[MediaRow]:
        """Mark a session finished; with ``swap`` its done items become the whole library, atomically.

        Returns the rows that left the library: they are in the trash, so their files are removed by the
        caller after this commit, or by the next start if it crashes before that.
        """
        with self._tx() as db:
            removed: list[MediaRow] = []
            if swap:
                keep = "SELECT stem FROM session_items WHERE session_id = ? AND state = 'done'"
                removed = [
                    media_row(r)
                    for r in db.execute(f"SELECT {MEDIA_COLS} FROM media WHERE stem NOT IN ({keep})", (session_id,))
                ]
                # Staged files of other unfinished replace sessions stay staged; everything else goes.
                removed = [r for r in removed if r.shown]
                for r in removed:
                    _to_trash(db, r.stem, r.file)
                db.execute(f"UPDATE media SET shown = 1 WHERE stem IN ({keep})", (session_id,))
            db.execute("UPDATE sessions SET finished = 1 WHERE id = ?", (session_id,))
            return removed


def _upsert_session(db: sqlite3.Connection, session_id: str, request_id: str, replace: bool, now: datetime) -> None:
    db.execute(
        "INSERT INTO sessions (id, request_id, replace, created) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET replace = excluded.replace",
        (session_id, request_id, int(replace), time_text(now)),
    )


def _to_trash(db: sqlite3.Connection, stem: str, file: str) -> None:
    """The row leaves the library; its file (and a video's poster) go to the trash."""
    poster = db.execute("SELECT poster FROM media WHERE stem = ?", (stem,)).fetchone()
    db.execute("DELETE FROM media WHERE stem = ?", (stem,))
    for name in (file, poster[0] if poster else None):
        if name:
            db.execute("INSERT OR IGNORE INTO trash (file) VALUES (?)", (name,))


def _upsert_media(db: sqlite3.Connection, row: MediaRow) -> None:
    db.execute("DELETE FROM trash WHERE file IN (?, ?)", (row.file, row.poster or row.file))
    db.execute(
        f"INSERT INTO media ({MEDIA_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(stem) DO UPDATE SET id = COALESCE(excluded.id, id), file = excluded.file, "
        "kind = excluded.kind, mime = excluded.mime, width = excluded.width, height = excluded.height, "
        "created = COALESCE(excluded.created, created), size = excluded.size, mtime_ns = excluded.mtime_ns, "
        "shown = MAX(shown, excluded.shown), poster = excluded.poster",
        (
            row.stem,
            row.id,
            row.file,
            row.kind,
            row.mime,
            row.width,
            row.height,
            time_text(row.created),
            row.size,
            row.mtime_ns,
            int(row.shown),
            row.poster,
        ),
    )
