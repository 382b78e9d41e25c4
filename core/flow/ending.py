"""How a `run --once` ends: the exit code and its one line, from the last download (0 only if all was saved)."""

from __future__ import annotations

from core.flow.events import DownloadFinished
from core.flow.wording import result_note

STOPPED = "Stopped before the photos were saved (the picking session was deleted)."


def once_result(e: DownloadFinished) -> tuple[int, str]:
    """0 and a note (skipped videos) when every photo that should be saved was; else 1 and why not."""
    wanted = e.total - e.skipped  # videos when videos are off are not meant to be saved
    if e.done >= wanted:
        return 0, result_note(e)
    return 1, shortfall(e.done, wanted, e.failed, e.reasons)


def no_promise(line: str) -> str:
    """A give-up line without the clauses that promise another try (error messages are written for the kiosk)."""
    parts = [part for part in line.replace(". ", "; ").split("; ") if not _promises(part)]
    text = "; ".join(parts).strip().rstrip(".;")
    return text + "." if text else "Gave up."


def _promises(part: str) -> bool:
    words = part.lower()
    return any(p in words for p in ("try again", "will reconnect", "keeps trying", "will ask again"))


def shortfall(done: int, wanted: int, failed: int, reasons: tuple[str, ...]) -> str:
    """One line: how many were saved, and why the rest were not."""
    line = f"Saved {done} of {wanted} photo{'s' if wanted != 1 else ''}"
    if failed:
        why = " ".join(r if r.endswith(".") else r + "." for r in reasons) or "They could not be downloaded."
        line += f"; {failed} of {wanted} could not be downloaded: {why}"
    else:
        line += "."
    missing = wanted - done - failed
    if missing > 0:
        line = line.rstrip(".") + f"; {missing} not downloaded (stopped before the end)."
    return " ".join(line.split())
