"""Durable file work, the one copy for the whole project: atomic write, fsync of a folder, safe unlink, privacy."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def fsync_dir(path: Path) -> None:
    """Make a rename, a create or an unlink in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, *, mode: int = PRIVATE_FILE) -> None:
    """Write ``data`` to ``path`` so a reader (or a power cut) sees the old file or the new one, never half.

    A temp file in the same folder, created exclusively with ``mode`` (whatever the umask), written and
    fsynced, renamed over ``path``; then the folder is fsynced. On any error the temp file is gone.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), mode)
        with open(fd, "wb") as out:
            os.fchmod(out.fileno(), mode)
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)


def safe_unlink(path: Path) -> int:
    """Remove a file: 1 if it went, 0 if it was not there or could not be removed (logged, never raised)."""
    try:
        Path(path).unlink()
    except FileNotFoundError:
        return 0
    except OSError as exc:
        log.warning("could not remove %s: %s", path, exc.strerror)
        return 0
    return 1


def private_dir(path: Path) -> bool:
    """Create ``path`` (and parents) if needed; a folder created here is 0700 whatever the umask.

    Returns True if it was created. A folder that already existed keeps its mode (it may be shared on
    purpose, e.g. 0750 with the service's group) but loses any access for others.
    """
    path = Path(path)
    created = not path.exists()
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    mode = path.stat().st_mode & 0o777
    wanted = PRIVATE_DIR if created else mode & 0o770
    if mode != wanted:
        os.chmod(path, wanted)
    return created


def private_file(path: Path) -> None:
    """Make an existing file of ours 0600 (files sqlite or an older version created with the umask's mode)."""
    with contextlib.suppress(FileNotFoundError):
        if Path(path).stat().st_mode & 0o777 != PRIVATE_FILE:
            os.chmod(path, PRIVATE_FILE)


class Trash(Protocol):
    """Where the index keeps the names of files a committed change took out (core.library.index.Index)."""

    def empty_trash(self, files: Iterable[str]) -> None: ...


def remove_trashed(index: Trash, directory: Path, files: list[str]) -> int:
    """Remove files the index put in its trash (a committed change took them out), then forget them."""
    removed = sum(safe_unlink(directory / f) for f in files)
    if files:
        try:
            fsync_dir(directory)
        except OSError:
            log.warning("could not make the removal of old photos durable")
        index.empty_trash(files)
    return removed
