"""Videos still processing at Google: the session stays open and is listed again every minute while it lasts,
the last listing keeps them as stills, and every way out deletes the session (fake time, the pure flow)."""

from __future__ import annotations

from core import flow
from core.errors import TransportError
from core.flow.processing import LONGEST_WAIT, RELIST_EVERY
from core.states import Choose, Slideshow, UserAction
from tests.test_flow import T0, Walk, signed_in_choosing


def downloaded_with_processing(processing: int = 2, timeout_in: float = 1800.0) -> Walk:
    """A session picked at T0 whose download saved 10 photos; ``processing`` videos were not ready at Google."""
    w = Walk()
    w.send(flow.Boot(signed_in=True, account="a@example.com"))
    w.send(flow.SessionCreated("s1", "https://photos.example/pick/s1", poll_interval=5.0, timeout_in=timeout_in))
    assert w.send(flow.SessionPolled("s1", True)) == [flow.Download("s1", False)]
    first = flow.DownloadFinished("s1", 10, 10, 0, photos=10, skipped=processing + 1, processing=processing)
    assert w.send(first) == [], "the session stays open: its videos may still get ready"
    return w


def relisted(w: Walk, *, photos: int, processing: int, stills: int = 0) -> list[flow.Effect]:
    return w.send(flow.DownloadFinished("s1", photos, photos, 0, photos=photos, processing=processing, stills=stills))


def test_the_session_is_listed_again_every_minute_and_deleted_once_none_is_processing() -> None:
    w = downloaded_with_processing()
    assert isinstance(w.m.state, Slideshow) and w.m.state.count == 10
    assert w.m.state.notice is not None
    assert "2 videos are still being processed by Google. They are added when they are ready" in w.m.state.notice
    assert "1 video skipped" in w.m.state.notice, "counted apart from the one left out for good"
    assert w.tick(T0 + RELIST_EVERY - 0.1) == []
    assert w.tick(T0 + RELIST_EVERY) == [flow.Download("s1", False, posters=False)]
    assert w.tick(T0 + RELIST_EVERY + 1) == [], "one listing at a time"
    assert relisted(w, photos=11, processing=1) == []  # one got ready and was fetched; the other still processes
    assert isinstance(w.m.state, Slideshow) and w.m.state.count == 11
    assert w.tick(T0 + 2 * RELIST_EVERY + 1) == [flow.Download("s1", False, posters=False)]
    assert relisted(w, photos=12, processing=0) == [flow.DeleteSession("s1")]
    assert w.m.waiting is None and w.tick(T0 + 10 * RELIST_EVERY) == []


def test_when_time_is_up_the_last_listing_keeps_them_as_stills_then_deletes() -> None:
    w = downloaded_with_processing()
    t = T0
    for _ in range(round(LONGEST_WAIT / RELIST_EVERY) - 1):
        t += RELIST_EVERY
        assert w.tick(t) == [flow.Download("s1", False, posters=False)]
        assert relisted(w, photos=10, processing=2) == []
    assert w.tick(T0 + LONGEST_WAIT - 0.1) == []
    assert w.tick(T0 + LONGEST_WAIT) == [flow.Download("s1", False, posters=True)], "ten minutes at most"
    out = relisted(w, photos=12, processing=0, stills=2)
    assert flow.DeleteSession("s1") in out
    assert any(isinstance(e, flow.Note) and "still" in e.text for e in out)


def test_the_wait_ends_before_the_session_expires_at_google() -> None:
    w = downloaded_with_processing(timeout_in=150.0)  # expires at T0 + 150: the last listing 30 s before
    assert w.tick(T0 + RELIST_EVERY) == [flow.Download("s1", False, posters=False)]
    assert relisted(w, photos=10, processing=2) == []
    assert w.tick(T0 + 119.9) == []
    assert w.tick(T0 + 120) == [flow.Download("s1", False, posters=True)]


def test_a_failed_listing_deletes_the_session() -> None:
    w = downloaded_with_processing()
    (relist,) = w.tick(T0 + RELIST_EVERY)
    out = w.send(flow.Failed(relist, TransportError("network down")))
    assert flow.DeleteSession("s1") in out and w.m.waiting is None
    assert isinstance(w.m.state, Slideshow), "the slideshow goes on: no problem screen for it"


def test_shutdown_while_waiting_deletes_the_session_then_exits() -> None:
    w = downloaded_with_processing()
    assert flow.DeleteSession("s1") in w.send(flow.Shutdown())
    assert w.m.exit is None  # not before Google confirmed the delete
    w.send(flow.SessionDeleted("s1"))
    assert w.m.exit == flow.Exit(0)


def test_sign_out_while_waiting_deletes_the_session() -> None:
    w = downloaded_with_processing()
    w.send(flow.Action(UserAction.SIGN_OUT))
    out = w.send(flow.Action(UserAction.SIGN_OUT))
    assert flow.DeleteSession("s1") in out and flow.SignOut(False) in out
    assert w.tick(T0 + RELIST_EVERY) == [], "no listing after sign-out"


def test_adding_photos_while_waiting_is_not_blocked_and_the_screen_is_left_alone() -> None:
    w = downloaded_with_processing()
    assert w.send(flow.Action(UserAction.ADD)) == [flow.CreateSession(False)]
    w.send(flow.SessionCreated("s2", "https://photos.example/pick/s2", poll_interval=5.0, timeout_in=1800.0))
    assert flow.Download("s1", False, posters=False) in w.tick(T0 + RELIST_EVERY)  # beside the new one's poll
    assert relisted(w, photos=12, processing=0) == [flow.DeleteSession("s1")]
    assert isinstance(w.m.state, Choose) and w.m.state.session_id == "s2", "the new session's screen stays"


def test_once_mode_does_not_wait() -> None:
    w = signed_in_choosing(once=True)
    w.send(flow.SessionPolled("s1", True))
    out = w.send(flow.DownloadFinished("s1", 10, 10, 0, photos=10, skipped=2, processing=2))
    assert out == [flow.DeleteSession("s1")]
