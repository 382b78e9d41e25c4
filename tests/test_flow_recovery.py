"""The flow's recovery: a failure carries its effect and retrying re-issues it; deletes are sent again; the
problems table; the picker's defaults; notes for the log as effects."""

from __future__ import annotations

from dataclasses import dataclass

from core import flow
from core.errors import (
    ApiError,
    KioskError,
    QuotaExceeded,
    RateLimited,
    SessionExpired,
    TransportError,
)
from core.flow.problems import RULES, rule_for
from core.states import Choose, Connect, Downloading, Problem, Slideshow, UserAction
from tests.test_flow import T0, Walk, signed_in_choosing

OFFLINE = TransportError("No connection to Google.")


def replacing_download() -> Walk:
    """Signed in with photos, "Replace photos" picked, the person tapped Done: Download("s9", replace=True)."""
    w = Walk()
    w.send(flow.Boot(signed_in=True, photos=3))
    w.send(flow.Action(UserAction.REPLACE))
    w.send(flow.SessionCreated("s9", "https://photos.example/pick/s9", 5.0, 1800.0))
    w.tick(T0 + 5)
    assert w.send(flow.SessionPolled("s9", True), at=T0 + 5.5) == [flow.Download("s9", True)]
    return w


def test_retry_reissues_the_effect_that_failed_when_its_time_comes() -> None:
    w = replacing_download()
    w.send(flow.Failed(flow.Download("s9", True), OFFLINE), at=T0 + 6)
    st = w.m.state
    assert isinstance(st, Problem) and st.what == "offline" and st.retry_at is not None
    assert w.tick(st.retry_at - 0.01) == []
    assert w.tick(st.retry_at) == [flow.Download("s9", True)]  # the same session, still replacing the library
    assert isinstance(w.m.state, Downloading) and w.m.state.session_id == "s9" and w.m.state.replace


def test_ok_on_the_problem_screen_reissues_the_failed_effect_at_once() -> None:
    w = Walk()
    w.send(flow.Boot(signed_in=True, photos=3))
    assert w.send(flow.Action(UserAction.REPLACE)) == [flow.CreateSession(True)]
    w.send(flow.Failed(flow.CreateSession(True), OFFLINE), at=T0 + 1)
    assert isinstance(w.m.state, Problem)
    assert w.send(flow.Action(UserAction.RETRY), at=T0 + 2) == [flow.CreateSession(True)]


def test_a_failed_token_poll_polls_the_same_code_again() -> None:
    w = Walk()
    w.send(flow.Boot(signed_in=False))
    w.send(flow.CodeIssued("GQVQ-JKEC", "https://www.google.com/device", "https://www.google.com/device", 1800, 5))
    assert w.tick(T0 + 5) == [flow.PollToken()]
    w.send(flow.Failed(flow.PollToken(), OFFLINE), at=T0 + 6)
    st = w.m.state
    assert isinstance(st, Problem) and st.retry_at is not None
    assert w.tick(st.retry_at) == [flow.PollToken()]
    back = w.m.state
    assert isinstance(back, Connect) and back.user_code == "GQVQ-JKEC" and back.polling


def test_a_failed_sign_out_signs_out_again() -> None:
    w = signed_in_choosing(photos=2)
    w.send(flow.Action(UserAction.SIGN_OUT))  # "Sign out?"
    w.send(flow.Action(UserAction.SIGN_OUT))  # "Sign out, keep the photos"
    w.send(flow.Failed(flow.SignOut(), KioskError("Unexpected error (PermissionError).")), at=T0 + 1)
    st = w.m.state
    assert isinstance(st, Problem) and st.what == "unexpected" and st.retry_at is not None
    assert w.tick(st.retry_at) == [flow.SignOut()]


def test_a_delete_that_fails_on_the_network_is_sent_again_twice_then_let_go() -> None:
    w = signed_in_choosing(photos=3)
    assert w.send(flow.Action(UserAction.CANCEL)) == [flow.DeleteSession("s1")]
    assert w.send(flow.Failed(flow.DeleteSession("s1"), OFFLINE), at=T0 + 1) == []
    assert isinstance(w.m.state, Slideshow)  # a delete never takes over the screen
    assert w.tick(T0 + 1.99) == []
    assert w.tick(T0 + 2) == [flow.DeleteSession("s1")]  # after 1 s
    assert w.tick(T0 + 3) == []  # in flight: not sent twice
    w.send(flow.Failed(flow.DeleteSession("s1"), OFFLINE), at=T0 + 3)
    assert w.tick(T0 + 4.99) == []
    assert w.tick(T0 + 5) == [flow.DeleteSession("s1")]  # after 2 s
    assert w.send(flow.Failed(flow.DeleteSession("s1"), OFFLINE), at=T0 + 5.5) == []
    assert w.tick(T0 + 600) == []  # three tries in all, as before
    assert "s1" not in w.m.to_delete and w.m.delete_retries == ()
    assert isinstance(w.m.state, Slideshow)


def test_a_delete_refused_by_google_is_not_sent_again() -> None:
    w = signed_in_choosing(photos=3)
    w.send(flow.Action(UserAction.CANCEL))
    w.send(flow.Failed(flow.DeleteSession("s1"), ApiError("no", status=400)), at=T0 + 1)
    assert w.tick(T0 + 600) == []
    assert w.m.to_delete == ()


def test_once_mode_exits_zero_after_a_delete_that_needed_a_second_try() -> None:
    w = signed_in_choosing(once=True)
    w.tick(T0 + 5)
    w.send(flow.SessionPolled("s1", True))
    assert w.send(flow.DownloadFinished("s1", 12, 12, 0, photos=12), at=T0 + 10) == [flow.DeleteSession("s1")]
    w.send(flow.Failed(flow.DeleteSession("s1"), OFFLINE), at=T0 + 11)
    assert w.m.exit is None
    assert w.tick(T0 + 12) == [flow.DeleteSession("s1")]
    w.send(flow.SessionDeleted("s1"))
    assert w.m.exit == flow.Exit(0)


def test_once_mode_exits_one_when_the_delete_never_goes_through() -> None:
    w = signed_in_choosing(once=True)
    w.tick(T0 + 5)
    w.send(flow.SessionPolled("s1", True))
    w.send(flow.DownloadFinished("s1", 12, 12, 0, photos=12), at=T0 + 10)
    for attempt in range(flow.DELETE_TRIES):
        if attempt:
            assert w.tick(w.now + 10) == [flow.DeleteSession("s1")]
        w.send(flow.Failed(flow.DeleteSession("s1"), OFFLINE))
    assert w.m.exit is not None and w.m.exit.code == 1
    assert "photos were saved" in w.m.exit.message and "could not be deleted" in w.m.exit.message


def test_shutdown_sends_a_failed_delete_again_and_exits_when_it_is_gone() -> None:
    w = signed_in_choosing()
    assert flow.DeleteSession("s1") in w.send(flow.Shutdown(), at=T0 + 1)
    w.send(flow.Failed(flow.DeleteSession("s1"), OFFLINE), at=T0 + 1.5)
    assert w.m.exit is None
    assert w.tick(T0 + 2.5) == [flow.DeleteSession("s1")]
    w.send(flow.SessionDeleted("s1"))
    assert w.m.exit == flow.Exit(0)


def test_giving_up_in_once_mode_still_sends_the_delete_again() -> None:
    w = signed_in_choosing(once=True)
    w.tick(T0 + 5)
    assert w.send(flow.Failed(flow.PollSession("s1"), ApiError("no", status=400)), at=T0 + 6) == [
        flow.DeleteSession("s1")
    ]
    w.send(flow.Failed(flow.DeleteSession("s1"), OFFLINE), at=T0 + 7)
    assert w.tick(T0 + 8) == [flow.DeleteSession("s1")]  # only the delete: no retry of the poll
    w.send(flow.SessionDeleted("s1"))
    assert w.m.exit is not None and w.m.exit.code == 1 and w.m.exit.message.startswith("Something went wrong")


def test_a_failed_forget_token_leaves_the_journey_as_it_was() -> None:
    w = signed_in_choosing()
    before = w.m
    assert w.send(flow.Failed(flow.ForgetToken(), KioskError("Unexpected error (PermissionError)."))) == []
    assert w.m == before


def test_a_line_for_the_log_is_an_effect_not_state() -> None:
    w = Walk()
    out = w.send(flow.Boot(signed_in=False, left_open=(flow.LeftOpen("half", True),)))
    assert out == [flow.Note("An unfinished download was dropped: sign-in is needed."), flow.StartSignIn()]
    assert not hasattr(w.m, "notes")


def test_a_session_without_polling_config_gets_the_pickers_defaults() -> None:
    w = Walk()
    w.send(flow.Boot(signed_in=True))
    w.send(flow.SessionCreated("s1", "https://photos.example/pick/s1", poll_interval=None, timeout_in=None))
    st = w.m.state
    assert isinstance(st, Choose) and st.expires_at == T0 + 1800 and st.poll_interval == 5.0
    assert w.tick(T0 + 4.9) == []
    assert w.tick(T0 + 5) == [flow.PollSession("s1")]


def test_the_sign_in_link_is_shown_as_a_person_types_it() -> None:
    w = Walk()
    w.send(flow.Boot(signed_in=False))
    w.send(flow.CodeIssued("ABC", "https://www.google.com/device/", "https://www.google.com/device?c=ABC", 60, 5))
    st = w.m.state
    assert isinstance(st, Connect)
    assert st.verification_url == "www.google.com/device"
    assert st.qr_url == "https://www.google.com/device?c=ABC"  # the QR code keeps the whole link
    assert flow.display_url("HTTP://photos.example/pick/s1/") == "photos.example/pick/s1"


@dataclass(frozen=True)
class Counts:
    """A download report's counts, as core.library's DownloadReport has them."""

    total: int
    done: int
    failed: int
    unsupported: int
    reasons: tuple[str, ...] = ()
    processing: int = 0
    stills: int = 0


def test_a_download_report_becomes_counts_a_person_reads() -> None:
    e = flow.DownloadFinished.of("s1", Counts(total=12, done=8, failed=4, unsupported=3), photos=20)
    # 12 picked, 3 of them videos the settings leave out: 9 would be shown, so "of 9" (#14: counts that add up).
    assert (e.done, e.total, e.failed, e.skipped, e.photos) == (8, 9, 1, 3, 20)
    w = signed_in_choosing()
    w.tick(T0 + 5)
    w.send(flow.SessionPolled("s1", True))
    w.send(e)
    st = w.m.state
    assert isinstance(st, Slideshow)
    assert st.notice == "1 of 9 could not be downloaded. 3 videos skipped (not ready at Google, or videos are off)."


def test_the_problems_table_tells_a_subclass_as_its_parent_and_waits_as_google_asks() -> None:
    quota = QuotaExceeded("Too many requests.", status=429, code="RESOURCE_EXHAUSTED", retryable=True, retry_after=90)
    assert rule_for(quota).what == "busy"
    assert rule_for(SessionExpired("gone", status=404, code="NOT_FOUND")).what == "unexpected"  # not worth waiting
    assert rule_for(ApiError("down", status=503)).what == "busy"
    assert rule_for(KioskError("?")).what == "unexpected"
    assert all(r.title and r.next_step for r in RULES.values())
    w = signed_in_choosing()
    w.tick(T0 + 5)
    w.send(flow.Failed(flow.PollSession("s1"), quota), at=T0 + 6)
    st = w.m.state
    assert isinstance(st, Problem) and st.what == "busy" and st.retry_at == T0 + 96
    w = Walk()
    w.send(flow.Boot(signed_in=False))
    w.send(flow.Failed(flow.StartSignIn(), RateLimited("slow down", retry_after=120)), at=T0 + 1)
    st = w.m.state
    assert isinstance(st, Problem) and st.what == "busy" and st.retry_at == T0 + 121
    assert w.tick(T0 + 121) == [flow.StartSignIn()]
