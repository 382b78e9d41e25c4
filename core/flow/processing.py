"""Videos Google is still processing: their session stays open and is listed again every minute while it lasts
(at most ten minutes); the last listing keeps those still processing as their poster, a still; then it is deleted.

Pure: the timing is here, the listing and fetching are the runner's ``Download`` effect. Every way out deletes the
session: it finishes, a listing fails, sign-out and shutdown (``memory.drop_session``).
"""

from __future__ import annotations

from dataclasses import replace

from core.flow.effects import Download, Effect, Note
from core.flow.events import DownloadFinished
from core.flow.memory import Machine, Outcome, Waiting, delete
from core.states import Slideshow

RELIST_EVERY = 60.0  # seconds between two listings of a session whose videos are still processing
LONGEST_WAIT = 600.0  # a session is kept open this long at most after its download
EXPIRY_MARGIN = 30.0  # the last listing goes out this long before the session expires at Google


def added_later(count: int) -> str:
    """What becomes of ``count`` videos still processing while their session is kept open."""
    if count == 1:
        return "It is added when it is ready, or shown as a still picture."
    return "They are added when they are ready, or shown as still pictures."


def keep_open(m: Machine, e: DownloadFinished, now: float) -> Machine | None:
    """``m`` keeping session ``e.session_id`` open for its videos still processing, or None when it is not kept
    (nothing processing, a ``--once`` run, stopping, or another session already kept open)."""
    s = m.session
    if not e.processing or m.once or m.stopping or m.waiting is not None or s is None or s.id != e.session_id:
        return None
    until = max(now, min(now + LONGEST_WAIT, s.expires_at - EXPIRY_MARGIN))
    return replace(m, waiting=Waiting(e.session_id, next_at=min(now + RELIST_EVERY, until), until=until))


def is_relisting(m: Machine, e: DownloadFinished) -> bool:
    """``e`` answers a listing of the session kept open (not its first download)."""
    return m.waiting is not None and m.waiting.session_id == e.session_id


def on_relisted(m: Machine, e: DownloadFinished, now: float) -> Outcome:
    """A later listing is done: wait for the next one while videos still process and time is left; else the end."""
    assert m.waiting is not None
    w = m.waiting
    m = replace(m, photos=e.photos)
    if isinstance(m.state, Slideshow):
        m = replace(m, state=replace(m.state, count=e.photos))
    if e.processing and not w.last:
        return replace(m, waiting=replace(w, next_at=min(now + RELIST_EVERY, w.until))), []
    m, effects = delete(replace(m, waiting=None), w.session_id)
    if e.stills:
        return m, [Note(f"{e.stills} video(s) Google had not finished processing are kept as a still."), *effects]
    return m, effects


def on_tick(m: Machine, now: float) -> tuple[Machine, list[Effect]]:
    """List the kept session again when its time has come (the last time, with ``posters``, at ``until``)."""
    w = m.waiting
    if w is None or w.next_at is None or now < w.next_at or m.stopping:
        return m, []
    # Listed again as a merge: a replace already swapped the library after its first download.
    last = now >= w.until
    return replace(m, waiting=replace(w, next_at=None, last=last)), [Download(w.session_id, posters=last)]


def on_relist_failed(m: Machine, effect: Effect) -> Outcome | None:
    """A later listing failed: the videos still processing are left out and the session is deleted (None: the
    failed effect was not such a listing)."""
    w = m.waiting
    if w is None or not isinstance(effect, Download) or effect.session_id != w.session_id:
        return None
    m, effects = delete(replace(m, waiting=None), w.session_id)
    return m, [Note("Listing the session again for its videos still processing failed; it is deleted."), *effects]
