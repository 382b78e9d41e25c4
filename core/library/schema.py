"""The index's SQL schema, and how one of its media rows becomes a MediaRow."""

from __future__ import annotations

import contextlib
from datetime import datetime

from core.library.records import MediaRow
from core.records import parse_time

SCHEMA_VERSION = 3  # 2: media.poster; 3: play_order (the slideshow's fair shuffle)

SCHEMA = """
CREATE TABLE IF NOT EXISTS media (
    stem     TEXT PRIMARY KEY,      -- sha256(media id)[:32]: the file name without extension
    id       TEXT,                  -- Google's media id; NULL for files adopted when the index was rebuilt
    file     TEXT NOT NULL UNIQUE,  -- name inside library_dir
    kind     TEXT NOT NULL,         -- 'photo' | 'video'
    mime     TEXT NOT NULL,
    width    INTEGER,
    height   INTEGER,
    created  TEXT,                  -- fixed-width ISO 8601 UTC, so text order is time order
    size     INTEGER NOT NULL,      -- size and mtime_ns when last verified: an unchanged file is not decoded
    mtime_ns INTEGER NOT NULL,      -- again at every start
    shown    INTEGER NOT NULL,      -- 1 in the library; 0 staged for a replace that is not complete yet
    poster   TEXT                   -- a video's poster file beside it (<stem>.poster<ext>); NULL for photos
);
CREATE TABLE IF NOT EXISTS sessions (
    id         TEXT PRIMARY KEY,
    request_id TEXT NOT NULL,
    replace    INTEGER NOT NULL,
    created    TEXT NOT NULL,
    listed     INTEGER NOT NULL DEFAULT 0,  -- the whole list of its items is recorded below
    finished   INTEGER NOT NULL DEFAULT 0   -- nothing pending and (for replace) the swap is done
);
CREATE TABLE IF NOT EXISTS session_items (
    session_id TEXT NOT NULL,
    stem       TEXT NOT NULL,
    id         TEXT NOT NULL,
    position   INTEGER NOT NULL,
    state      TEXT NOT NULL,           -- 'pending' | 'done' | 'failed' | 'unsupported' | 'processing'
    PRIMARY KEY (session_id, stem)
);
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,             -- 'identity': this index's id, also written in the library folder
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS trash (
    file TEXT PRIMARY KEY               -- left the library in a committed change; its file is to be removed
);
CREATE INDEX IF NOT EXISTS session_items_stem ON session_items (stem);  -- a file dropped: its sessions' items
CREATE INDEX IF NOT EXISTS media_shown ON media (shown, kind, poster);  -- counted without reading every row
"""

PLAY_ORDER = """
CREATE TABLE IF NOT EXISTS play_order (  -- the slideshow's fair shuffle, across restarts
    stem   TEXT PRIMARY KEY,            -- a media row's
    rank   INTEGER NOT NULL,            -- random: its place in the current round
    played INTEGER NOT NULL DEFAULT 0   -- 1 once shown in this round
);
CREATE INDEX IF NOT EXISTS play_order_next ON play_order (played, rank);
CREATE TRIGGER IF NOT EXISTS play_order_join AFTER INSERT ON media BEGIN  -- new photos join the current round
    INSERT OR IGNORE INTO play_order (stem, rank) VALUES (NEW.stem, random());
END;
CREATE TRIGGER IF NOT EXISTS play_order_leave AFTER DELETE ON media BEGIN
    DELETE FROM play_order WHERE stem = OLD.stem;
END;
"""
SCHEMA += PLAY_ORDER


# Each step takes an index of version N-1 to version N, inside the transaction that writes the schema.
MIGRATIONS = {
    2: "ALTER TABLE media ADD COLUMN poster TEXT;",
    3: PLAY_ORDER + "INSERT OR IGNORE INTO play_order (stem, rank) SELECT stem, random() FROM media;",
}


def parse_time_text(text: str | None) -> datetime | None:
    if not text:
        return None
    if len(text) == 27 and text[-1] == "Z":  # as the index writes them (time_text): 50,000 at every start
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(text)
    return parse_time(text)


MEDIA_COLS = "stem, id, file, kind, mime, width, height, created, size, mtime_ns, shown, poster"


def media_row(row: tuple[object, ...]) -> MediaRow:
    stem, mid, file, kind, mime, width, height, created, size, mtime_ns, shown, poster = row
    return MediaRow(
        stem=str(stem),
        id=None if mid is None else str(mid),
        file=str(file),
        kind=str(kind),
        mime=str(mime),
        width=width if isinstance(width, int) else None,
        height=height if isinstance(height, int) else None,
        created=parse_time_text(created if isinstance(created, str) else None),
        size=int(size) if isinstance(size, int) else -1,
        mtime_ns=int(mtime_ns) if isinstance(mtime_ns, int) else -1,
        shown=bool(shown),
        poster=poster if isinstance(poster, str) else None,
    )
