"""The pure state machine: the journey, its timing rules, and that every way out deletes the session."""

from __future__ import annotations

from core import flow
from core.errors import (
    AccessDenied,
    ApiError,
    CodeExpired,
    DiskFull,
    InvalidClient,
    KioskError,
    NoPhotosAccount,
    ScopeRefused,
    SessionExpired,
    SignInRequired,
    TransportError,
)
from core.states import Choose, Connect, Downloading, Problem, Slideshow, Starting, UserAction

T0 = 1000.0


class Walk:
    """Feeds events at chosen times and collects every effect."""

    def __init__(self, once: bool = False) -> None:
        self.m = flow.Machine(once=once)
        self.effects: list[flow.Effect] = []
        self.now = T0

    def send(self, event: flow.Event, at: float | None = None) -> list[flow.Effect]:
        if at is not None:
            self.now = at
        self.m, out = flow.step(self.m, event, self.now)
        self.effects.extend(out)
        return out

    def tick(self, at: float) -> list[flow.Effect]:
        return self.send(flow.Tick(), at)

    def deleted(self) -> set[str]:
        return {e.session_id for e in self.effects if isinstance(e, flow.DeleteSession)}


def signed_in_choosing(once: bool = False, photos: int = 0) -> Walk:
    w = Walk(once=once)
    assert w.send(flow.Boot(signed_in=True, account="a@example.com", photos=photos)) == (
        [flow.CreateSession()] if (photos == 0 or once) else []
    )
    if photos and not once:
        w.send(flow.Action(UserAction.ADD))
    w.send(flow.SessionCreated("s1", "https://photos.example/pick/s1", poll_interval=5.0, timeout_in=1800.0))
    return w


def test_whole_journey_from_boot_to_slideshow() -> None:
    w = Walk()
    assert w.send(flow.Boot(signed_in=False)) == [flow.StartSignIn()]
    w.send(flow.CodeIssued("GQVQ-JKEC", "google.com/device", "https://google.com/device", 1800, 5))
    assert isinstance(w.m.state, Connect)
    assert w.m.state.user_code == "GQVQ-JKEC"
    assert w.tick(T0 + 4.9) == []  # not before the interval
    assert w.tick(T0 + 5.0) == [flow.PollToken()]
    assert w.tick(T0 + 6.0) == []  # one poll in flight at a time
    w.send(flow.TokenPending(5.0), at=T0 + 6.5)
    assert w.tick(T0 + 11.4) == []  # the interval counts from the answer
    assert w.tick(T0 + 11.5) == [flow.PollToken()]
    assert w.send(flow.SignedIn("a@example.com")) == [flow.CreateSession()]
    w.send(flow.SessionCreated("s1", "https://photos.example/pick/s1", 5.0, 1800.0), at=T0 + 12)
    assert isinstance(w.m.state, Choose)
    assert w.m.state.account == "a@example.com"
    assert w.tick(T0 + 16.9) == []
    assert w.tick(T0 + 17) == [flow.PollSession("s1")]
    assert w.send(flow.SessionPolled("s1", True)) == [flow.Download("s1", False)]
    assert isinstance(w.m.state, Downloading)
    w.send(flow.Progress("s1", 3, 12))
    assert isinstance(w.m.state, Downloading) and (w.m.state.done, w.m.state.total) == (3, 12)
    assert w.send(flow.DownloadFinished("s1", 12, 12, 0, photos=12)) == [flow.DeleteSession("s1")]
    assert isinstance(w.m.state, Slideshow) and w.m.state.count == 12
    w.send(flow.SessionDeleted("s1"))
    assert w.m.exit is None  # a kiosk keeps running


def test_slow_down_interval_is_kept() -> None:
    w = Walk()
    w.send(flow.Boot(signed_in=False))
    w.send(flow.CodeIssued("ABC", "u", "u", 1800, 5))
    w.tick(T0 + 5)
    w.send(flow.TokenPending(10.0), at=T0 + 5.1)
    assert w.tick(T0 + 14) == []
    assert w.tick(T0 + 15.1) == [flow.PollToken()]


def test_expired_code_is_replaced_without_a_problem_screen() -> None:
    w = Walk()
    w.send(flow.Boot(signed_in=False))
    w.send(flow.CodeIssued("ABC", "u", "u", 60, 5))
    assert w.tick(T0 + 60) == [flow.StartSignIn()]
    w.send(flow.CodeIssued("DEF", "u", "u", 60, 5))
    w.tick(T0 + 65)
    assert w.send(flow.Failed(flow.PollToken(), CodeExpired("expired"))) == [flow.StartSignIn()]
    assert not isinstance(w.m.state, Problem)


def test_poll_interval_and_timeout_from_google() -> None:
    w = signed_in_choosing()
    w.tick(T0 + 5)
    # Google may change the interval and tells the time left with every answer.
    w.send(flow.SessionPolled("s1", False, poll_interval=8.0, timeout_in=20.0), at=T0 + 5.2)
    assert isinstance(w.m.state, Choose)
    assert w.m.state.expires_at == T0 + 25.2
    assert w.tick(T0 + 13.1) == []
    assert w.tick(T0 + 13.2) == [flow.PollSession("s1")]
    w.send(flow.SessionPolled("s1", False, poll_interval=8.0, timeout_in=4.0), at=T0 + 13.3)
    assert w.tick(T0 + 17.3) == [flow.DeleteSession("s1")]
    assert isinstance(w.m.state, Problem) and w.m.state.what == "session-timeout"


def test_timeout_zero_means_stop_now() -> None:
    w = signed_in_choosing()
    w.tick(T0 + 5)
    assert w.send(flow.SessionPolled("s1", False, 5.0, 0.0)) == [flow.DeleteSession("s1")]


def test_timeout_with_photos_goes_back_to_the_slideshow_and_ok_retries() -> None:
    w = signed_in_choosing(photos=5)
    w.tick(T0 + 1800)
    assert "s1" in w.deleted()
    assert isinstance(w.m.state, Slideshow)
    assert w.send(flow.Action(UserAction.RETRY)) == [flow.CreateSession()]


def test_once_mode_exits_zero_only_after_the_session_is_deleted() -> None:
    w = signed_in_choosing(once=True)
    w.tick(T0 + 5)
    w.send(flow.SessionPolled("s1", True))
    w.send(flow.DownloadFinished("s1", 12, 12, 0, photos=12))
    assert w.m.exit is None
    w.send(flow.SessionDeleted("s1"))
    assert w.m.exit == flow.Exit(0)


def test_once_mode_timeout_exits_non_zero_and_deletes() -> None:
    w = signed_in_choosing(once=True)
    w.tick(T0 + 1800)
    assert "s1" in w.deleted()
    assert w.m.exit is None  # not before the session is gone at Google
    w.send(flow.SessionDeleted("s1"))
    assert w.m.exit is not None and w.m.exit.code == 1 and "expired" in w.m.exit.message


def test_shutdown_while_choosing_deletes_then_exits_zero() -> None:
    w = signed_in_choosing()
    out = w.send(flow.Shutdown())
    assert flow.DeleteSession("s1") in out and flow.CancelWork() in out
    assert w.m.exit is None
    w.send(flow.SessionDeleted("s1"))
    assert w.m.exit == flow.Exit(0)


def test_shutdown_while_downloading_deletes() -> None:
    w = signed_in_choosing()
    w.tick(T0 + 5)
    w.send(flow.SessionPolled("s1", True))
    out = w.send(flow.Shutdown())
    assert flow.DeleteSession("s1") in out


def test_shutdown_with_nothing_open_exits_at_once() -> None:
    w = Walk()
    w.send(flow.Boot(signed_in=True, photos=3))
    w.send(flow.Shutdown())
    assert w.m.exit == flow.Exit(0)


def test_cancel_deletes_the_session() -> None:
    w = signed_in_choosing(photos=3)
    assert w.send(flow.Action(UserAction.CANCEL)) == [flow.DeleteSession("s1")]
    assert isinstance(w.m.state, Slideshow)


def test_sign_out_deletes_open_session_and_revokes() -> None:
    w = signed_in_choosing()
    out = w.send(flow.Action(UserAction.SIGN_OUT))
    assert flow.DeleteSession("s1") in out and out[-1] == flow.SignOut()
    assert w.send(flow.SignedOutDone()) == [flow.StartSignIn()]


def test_left_open_sessions_are_deleted_or_resumed_at_boot() -> None:
    w = Walk()
    out = w.send(
        flow.Boot(
            signed_in=True,
            photos=4,
            left_open=(flow.LeftOpen("old", False), flow.LeftOpen("half", True)),
        )
    )
    assert flow.DeleteSession("old") in out
    assert flow.Download("half", False) in out
    assert isinstance(w.m.state, Downloading)
    assert w.send(flow.DownloadFinished("half", 9, 9, 0, photos=9)) == [flow.DeleteSession("half")]


def test_network_failure_shows_offline_keeps_photos_and_retries_the_same_step() -> None:
    w = signed_in_choosing(photos=7)
    w.tick(T0 + 5)
    w.send(flow.Failed(flow.PollSession("s1"), TransportError("No connection to Google.")), at=T0 + 6)
    st = w.m.state
    assert isinstance(st, Problem) and st.what == "offline" and st.photos_available
    assert st.retry_at is not None and st.retry_at > T0 + 6
    assert w.tick(st.retry_at - 0.01) == []
    assert w.tick(st.retry_at) == [flow.PollSession("s1")]
    assert isinstance(w.m.state, Choose)
    w.send(flow.SessionPolled("s1", False, 5.0, 100.0))
    assert isinstance(w.m.state, Choose) and not w.m.state.polling


def test_backoff_grows_and_caps() -> None:
    assert [flow.backoff(n) for n in (1, 2, 3)] == [5.0, 10.0, 20.0]
    assert flow.backoff(50) == flow.BACKOFF_MAX


def test_quota_error_waits_at_least_retry_after() -> None:
    w = signed_in_choosing()
    w.tick(T0 + 5)
    err = ApiError("busy", status=429, code="RESOURCE_EXHAUSTED", retryable=True, retry_after=45.0)
    w.send(flow.Failed(flow.PollSession("s1"), err), at=T0 + 6)
    st = w.m.state
    assert isinstance(st, Problem) and st.what == "busy" and st.retry_at == T0 + 51


def test_each_error_has_plain_words() -> None:
    cases: list[tuple[flow.Effect, KioskError, str]] = [
        (flow.StartSignIn(), ScopeRefused("Google refused the Photos Picker scope."), "scope-refused"),
        (flow.PollToken(), AccessDenied("no"), "access-denied"),
        (flow.StartSignIn(), InvalidClient("bad client"), "invalid-client"),
        (flow.CreateSession(), NoPhotosAccount("none", status=400, code="FAILED_PRECONDITION"), "no-photos-account"),
        (flow.Download("s1"), DiskFull("The disk is full."), "disk-full"),
        (flow.CreateSession(), SignInRequired("Sign in again (7 days)"), "signin-expired"),
    ]
    for effect, err, what in cases:
        w = Walk()
        w.send(flow.Boot(signed_in=True, photos=1))
        w.send(flow.Failed(effect, err))
        st = w.m.state
        assert isinstance(st, Problem), effect
        assert st.what == what
        assert st.title and st.detail and st.next_step


def test_dead_refresh_token_forgets_it_and_signs_in_again() -> None:
    w = signed_in_choosing()
    w.tick(T0 + 5)
    out = w.send(flow.Failed(flow.PollSession("s1"), SignInRequired("expired after 7 days")), at=T0 + 6)
    assert out == [flow.ForgetToken()]
    assert not w.m.signed_in
    st = w.m.state
    assert isinstance(st, Problem) and st.retry_at is not None
    assert w.tick(st.retry_at) == [flow.StartSignIn()]


def test_session_expired_during_download_keeps_what_is_done() -> None:
    w = signed_in_choosing(photos=2)
    w.tick(T0 + 5)
    w.send(flow.SessionPolled("s1", True))
    out = w.send(flow.Failed(flow.Download("s1"), SessionExpired("gone", status=404, code="NOT_FOUND")))
    assert flow.DeleteSession("s1") in out
    assert isinstance(w.m.state, Slideshow)


def test_once_mode_gives_up_on_fatal_errors_with_one_line() -> None:
    w = Walk(once=True)
    w.send(flow.Boot(signed_in=False))
    w.send(flow.Failed(flow.StartSignIn(), InvalidClient("The OAuth client is wrong.")))
    assert w.m.exit is not None and w.m.exit.code == 1
    assert "OAuth client" in w.m.exit.message


def test_once_mode_retries_transient_errors_a_few_times() -> None:
    w = Walk(once=True)
    w.send(flow.Boot(signed_in=True))
    for _ in range(flow.ONCE_MAX_FAILURES - 1):
        w.send(flow.Failed(flow.CreateSession(), TransportError("down")))
        assert w.m.exit is None
        st = w.m.state
        assert isinstance(st, Problem) and st.retry_at is not None
        assert w.tick(st.retry_at) == [flow.CreateSession()]
    w.send(flow.Failed(flow.CreateSession(), TransportError("down")))
    assert w.m.exit is not None and w.m.exit.code == 1


def test_add_is_ignored_while_busy() -> None:
    w = signed_in_choosing(photos=3)
    assert w.send(flow.Action(UserAction.ADD)) == []
    assert isinstance(w.m.state, Choose)


def test_replace_flag_reaches_the_download() -> None:
    w = Walk()
    w.send(flow.Boot(signed_in=True, photos=3))
    assert w.send(flow.Action(UserAction.REPLACE)) == [flow.CreateSession(True)]
    assert isinstance(w.m.state, Starting)
    w.send(flow.SessionCreated("s9", "u", 5.0, 100.0))
    w.tick(T0 + 5)
    assert w.send(flow.SessionPolled("s9", True)) == [flow.Download("s9", True)]


def test_nonsense_poll_interval_falls_back_to_five_seconds() -> None:
    w = Walk()
    w.send(flow.Boot(signed_in=True))
    w.send(flow.SessionCreated("s1", "u", poll_interval=0.0, timeout_in=100.0))
    assert w.tick(T0 + 4.9) == []
    assert w.tick(T0 + 5.0) == [flow.PollSession("s1")]
    w.send(flow.SessionPolled("s1", False, poll_interval=-3.0, timeout_in=90.0), at=T0 + 5.1)
    assert w.tick(T0 + 10.0) == []
    assert w.tick(T0 + 10.1) == [flow.PollSession("s1")]


def test_new_link_replaces_the_session() -> None:
    w = signed_in_choosing()
    out = w.send(flow.Action(UserAction.RETRY))
    assert out == [flow.DeleteSession("s1"), flow.CreateSession(False)]
    w.send(flow.SessionCreated("s2", "https://photos.example/pick/s2", 5.0, 1800.0))
    assert isinstance(w.m.state, Choose) and w.m.state.session_id == "s2"


def test_a_note_after_a_download_goes_away_but_the_slideshow_stays() -> None:
    w = signed_in_choosing()
    w.tick(T0 + 5)
    w.send(flow.SessionPolled("s1", True))
    w.send(flow.DownloadFinished("s1", 9, 12, 0, photos=9, skipped=3), at=T0 + 10)
    st = w.m.state
    assert isinstance(st, Slideshow) and st.notice == "3 videos skipped (not ready at Google, or videos are off)."
    w.tick(T0 + 10 + flow.NOTICE_SECONDS - 1)
    assert isinstance(w.m.state, Slideshow) and w.m.state.notice
    w.tick(T0 + 10 + flow.NOTICE_SECONDS)
    assert w.m.state == Slideshow(9)
