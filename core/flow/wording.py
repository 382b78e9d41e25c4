"""Words the flow puts on screen that are not about a problem: links as typed, a download's summary."""

from __future__ import annotations

from core.flow.events import DownloadFinished


def display_url(url: str) -> str:
    """A link as a person reads and types it: no scheme, no trailing slash."""
    for scheme in ("https://", "http://"):
        if url.lower().startswith(scheme):
            url = url[len(scheme) :]
            break
    return url.rstrip("/")


def result_note(e: DownloadFinished) -> str:
    """One line on what did not make it into the library, or ""."""
    parts = []
    if e.failed:
        parts.append(f"{e.failed} of {e.total} could not be downloaded.")
    if e.skipped:
        videos = f"{e.skipped} video{'s' if e.skipped != 1 else ''}"
        parts.append(f"{videos} skipped (not ready at Google, or videos are off).")
    return " ".join(parts)
