"""Who may use a library: a lock on the state folder and on the library folder, and the folder's owner mark."""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
from pathlib import Path
from typing import IO

from core.errors import LibraryError, LibraryInUse
from core.library.files import PRIVATE_FILE, fsync_dir
from core.library.index import Index

log = logging.getLogger(__name__)

LOCK_NAME = "library.lock"
OWNER_ATTR = "user.picker-kiosk.owner"  # on library_dir: which index owns the folder, and where it lives


class Claim:
    """Both folders held exclusively (flock) while the library is open; ``release`` lets them go."""

    def __init__(self, state_dir: Path, library_dir: Path) -> None:
        self.state_dir = state_dir
        self.library_dir = library_dir
        self._state_lock: IO[bytes] | None = None  # ab, or rb in degraded mode
        self._library_fd: int | None = None

    def take(self) -> None:
        """Lock the state folder (a lock file) and the library folder itself (its directory handle)."""
        try:
            fd = os.open(self.state_dir / LOCK_NAME, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
            os.fchmod(fd, PRIVATE_FILE)
        except OSError as exc:
            raise LibraryError(f"The state folder {self.state_dir} could not be opened.") from exc
        self._state_lock = open(fd, "ab")  # noqa: SIM115 (held open while the library is)
        try:
            busy = f"Another picker-kiosk is already using the state folder {self.state_dir}."
            _flock(self._state_lock.fileno(), busy)
            try:
                self._library_fd = os.open(self.library_dir, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            except OSError as exc:
                raise LibraryError(f"The photo library folder {self.library_dir} could not be opened.") from exc
            _flock(
                self._library_fd,
                f"Another picker-kiosk is already using the photo library folder {self.library_dir}; "
                "each needs a library_dir of its own.",
            )
        except BaseException:
            self.release()
            raise

    def take_read_only(self) -> None:
        """The same locks without writing anything (degraded mode): a lock file that is not there is skipped."""
        try:
            fd = os.open(self.state_dir / LOCK_NAME, os.O_RDONLY)
        except FileNotFoundError:
            fd = None
            log.warning("no lock file in %s (a read-only disk): only the library folder is locked", self.state_dir)
        except OSError as exc:
            raise LibraryError(f"The state folder {self.state_dir} could not be opened.") from exc
        try:
            if fd is not None:
                self._state_lock = open(fd, "rb")  # noqa: SIM115 (held open while the library is)
                _flock(fd, f"Another picker-kiosk is already using the state folder {self.state_dir}.")
            try:
                self._library_fd = os.open(self.library_dir, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            except OSError as exc:
                raise LibraryError(f"The photo library folder {self.library_dir} could not be opened.") from exc
            _flock(
                self._library_fd, f"Another picker-kiosk is already using the photo library folder {self.library_dir}."
            )
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        if self._library_fd is not None:
            os.close(self._library_fd)  # closing drops the flock
            self._library_fd = None
        if self._state_lock is not None:
            self._state_lock.close()
            self._state_lock = None

    @property
    def held(self) -> bool:
        return self._state_lock is not None or self._library_fd is not None

    def own(self, index: Index) -> None:
        """Make sure the library folder belongs to ``index``; refuse a folder another index owns.

        The mark is an extended attribute of the folder (so the folder holds nothing but photos). No mark
        yet (a new folder, or one of an older version): it is claimed. A mark of another index
        kept in this same state folder: ours, rebuilt after the index was lost or damaged, so the new index
        takes over its identity. A mark of an index elsewhere: LibraryInUse, and nothing is touched.
        """
        mine = index.identity()
        here = str(self.state_dir.resolve())
        owner = _read_mark(self.library_dir)
        if owner is _UNSUPPORTED:
            log.warning("the library folder's file system keeps no owner mark; only the lock protects it")
            return
        if owner is not None and owner.get("index") != mine:
            if owner.get("state_dir") != here:
                raise LibraryInUse(
                    f"The photo library folder {self.library_dir} belongs to another picker-kiosk (state folder "
                    f"{owner.get('state_dir')}); give this one a library_dir of its own, or run "
                    f"`setfattr -x {OWNER_ATTR} {self.library_dir}` if that one is gone for good."
                )
            log.warning("the library index was rebuilt; it takes over the library folder it had")
            index.set_identity(str(owner.get("index")))
            mine = index.identity()
        if owner is None or owner.get("index") != mine or owner.get("state_dir") != here:
            try:
                os.setxattr(self.library_dir, OWNER_ATTR, json.dumps({"index": mine, "state_dir": here}).encode())
                fsync_dir(self.library_dir)
            except OSError as exc:
                raise LibraryError(f"The photo library folder {self.library_dir} could not be written.") from exc


def _flock(fd: int, busy: str) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        raise LibraryInUse(busy) from exc


_UNSUPPORTED: dict[str, str] = {}


def _read_mark(folder: Path) -> dict[str, str] | None:
    """The owner mark of ``folder``; None if it has none; ``_UNSUPPORTED`` if its file system keeps none."""
    try:
        data = json.loads(os.getxattr(folder, OWNER_ATTR))
    except OSError as exc:
        if exc.errno == errno.ENODATA:
            return None
        if exc.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
            return _UNSUPPORTED
        raise LibraryError(f"The photo library folder {folder} could not be read.") from exc
    except ValueError:
        log.warning("the library folder's owner mark is damaged; claiming the folder again")
        return None
    if not isinstance(data, dict):
        return None
    return {str(k): str(v) for k, v in data.items()}
