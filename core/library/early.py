"""The photos a library hands out before its start-up check has run (``Library.open(check_later=True)``).

Each is checked against its file first, with the check's own step (core.library.repair.Repair.verify_row): a
photo whose file is gone or broken is dropped as the check would drop it, and never handed out. Those that
stay make the early list, ``snapshot()``'s (``PhotoList.complete`` False) until the whole check has run.
"""

from __future__ import annotations

from collections.abc import Callable

from core.library.records import MediaRow, Photo
from core.library.repair import Repair


class EarlyPhotos:
    """The early list and what was dropped on the way; the library's lock guards every call."""

    def __init__(self, repair: Callable[[], Repair], make: Callable[[MediaRow], Photo]) -> None:
        self._repair = repair
        self._make = make
        self.pending = False  # the start-up check is still to run
        self.photos: dict[str, Photo] = {}  # by stem, in the order they were handed out
        self.dropped: set[str] = set()  # stems found gone or broken on their turn

    def start(self) -> None:
        self.pending = True
        self.photos, self.dropped = {}, set()

    def finish(self) -> set[str]:
        """The check has run: the stems dropped meanwhile (the whole list made beside them may hold them)."""
        dropped = self.dropped
        self.pending = False
        self.photos, self.dropped = {}, set()
        return dropped

    def verified(self, row: MediaRow) -> tuple[bool, bool]:
        """(whether ``row`` may be handed out, whether it is new to the early list). Before the check, ``row`` is
        checked against its file as the check does (dropped if it is gone or broken)."""
        if not self.pending:
            return True, False
        fingerprint = (row.stem, row.file, row.kind, row.size, row.mtime_ns, row.poster)
        if not self._repair().verify_row(fingerprint):
            self.dropped.add(row.stem)
            return False, False
        if row.stem in self.photos:
            return True, False
        self.photos[row.stem] = self._make(row)
        return True, True
