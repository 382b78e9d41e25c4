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
    if e.skipped - e.processing:
        parts.append(skipped_note(e.skipped - e.processing))
    if e.processing:
        parts.append(processing_note(e.processing))
    return " ".join(parts)


def processing_note(count: int) -> str:
    """Videos picked that Google has not finished processing: counted apart from the ones left out."""
    return f"{count} video{'s are' if count != 1 else ' is'} still being processed by Google."


def skipped_note(skipped: int) -> str:
    """The one wording of videos left out by the settings (the download screen and the slideshow's note)."""
    return f"{skipped} video{'s' if skipped != 1 else ''} skipped (not ready at Google, or videos are off)."
