"""How the library's files are named: from the media id (never the untrusted filename), and temp names.

The media id itself is kept on each file as an extended attribute, so a rebuilt index gets the ids back
(where the file system keeps none, an adopted file's id is unknown until it is picked again).
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

TEMP_SUFFIX = ".part"
ID_ATTR = "user.picker-kiosk.id"
OUR_FILE = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp|gif|heic|mp4)$")
POSTER_MARK = ".poster"  # a video's poster sits beside it as <stem>.poster<ext>: never a file of its own
POSTER_FILE = re.compile(r"^[0-9a-f]{32}\.poster\.(jpg|png|webp|gif)$")


def media_stem(media_id: str) -> str:
    """The file name stem for a media id: safe for any id."""
    import hashlib  # with the first download: loading OpenSSL's hashes is ~4 ms of a start that needs none

    return hashlib.sha256(media_id.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def temp_name(stem: str) -> str:
    return f".{stem}{TEMP_SUFFIX}"


def poster_name(stem: str, ext: str) -> str:
    """The file name of the poster of the video named ``stem``."""
    return f"{stem}{POSTER_MARK}{ext}"


def is_temp_name(name: str) -> bool:
    """A temp file this library writes while a download runs (the only strays it ever removes)."""
    return name.startswith(".") and name.endswith(TEMP_SUFFIX)


def tag_media_id(fd: int, media_id: str) -> None:
    """Keep ``media_id`` on the open file (best effort: some file systems keep no extended attributes)."""
    with contextlib.suppress(OSError):
        os.setxattr(fd, ID_ATTR, media_id.encode("utf-8", "surrogatepass"))


def tagged_media_id(path: Path) -> str | None:
    """The media id kept on a file of ours, if it is there and matches the file's name."""
    try:
        value = os.getxattr(path, ID_ATTR).decode("utf-8", "surrogatepass")
    except (OSError, UnicodeDecodeError):
        return None
    return value if media_stem(value) == Path(path).name[:32] else None
