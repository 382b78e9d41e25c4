"""`run --once` in the pure flow: its overall deadline, the exit code (0 only if every photo was saved), one line."""

from __future__ import annotations

from core import flow
from core.errors import ApiError, ScopeRefused, TransportError
from core.states import Problem
from tests import flow_walk
from tests.flow_walk import T0


class Walk(flow_walk.Walk):
    """A walk of a once run with an optional overall deadline (seconds from T0)."""

    def __init__(self, deadline: float | None = None) -> None:
        at = None if deadline is None else T0 + deadline
        super().__init__(flow.Machine(once=True, deadline=at, deadline_flag=deadline))


def downloading(deadline: float | None = None, timeout_in: float = 1800.0) -> Walk:
    w = Walk(deadline)
    w.send(flow.Boot(signed_in=True, account="a@example.com"))
    w.send(flow.SessionCreated("s1", "https://photos.example/pick/s1", poll_interval=5.0, timeout_in=timeout_in))
    w.tick(T0 + 5)
    assert w.send(flow.SessionPolled("s1", True)) == [flow.Download("s1", False)]
    return w


def busy(retry_after: float) -> ApiError:
    return ApiError("Slow down.", status=429, code="RESOURCE_EXHAUSTED", retryable=True, retry_after=retry_after)


def finished(w: Walk, e: flow.DownloadFinished) -> flow.Exit:
    w.send(e)
    assert w.m.exit is None  # not before the session is deleted
    w.send(flow.SessionDeleted("s1"))
    assert w.m.exit is not None
    return w.m.exit


def test_every_photo_saved_is_exit_zero() -> None:
    assert finished(downloading(), flow.DownloadFinished("s1", 12, 12, 0, photos=12)).code == 0


def test_skipped_videos_are_not_a_failure() -> None:
    out = finished(downloading(), flow.DownloadFinished("s1", 10, 12, 0, photos=10, skipped=2))
    assert out.code == 0 and "2 videos skipped" in out.message


def test_every_item_failing_is_exit_one_with_how_many_and_why() -> None:
    e = flow.DownloadFinished("s1", 0, 12, 12, photos=0, reasons=("Google no longer has the file.",))
    out = finished(downloading(), e)
    assert out.code == 1
    assert "0 of 12" in out.message and "Google no longer has the file." in out.message
    assert "\n" not in out.message


def test_some_failing_is_exit_one() -> None:
    e = flow.DownloadFinished("s1", 9, 12, 3, photos=9, reasons=("The file is larger than the 1000 bytes allowed.",))
    out = finished(downloading(), e)
    assert out.code == 1 and "9 of 12" in out.message and "1000 bytes" in out.message


def test_sigterm_during_once_deletes_the_session_then_exits_one() -> None:
    w = downloading()
    out = w.send(flow.Shutdown())
    assert flow.DeleteSession("s1") in out and flow.CancelWork() in out
    assert w.m.exit is None
    w.send(flow.SessionDeleted("s1"))
    assert w.m.exit is not None and w.m.exit.code == 1 and w.m.exit.message
    assert "try again" not in w.m.exit.message


def test_the_deadline_of_a_session_is_its_timeout_plus_the_download_bound() -> None:
    w = downloading(timeout_in=600.0)
    end = T0 + 600.0 + flow.DOWNLOAD_BOUND
    w.send(flow.Progress("s1", 3, 12, 0, 0))
    assert w.tick(end - 1) == [] and w.m.exit is None
    out = w.tick(end)
    assert flow.CancelWork() in out and w.deletes() == ["s1"]
    w.send(flow.SessionDeleted("s1"))
    assert w.m.exit is not None and w.m.exit.code == 1
    assert "3 of 12" in w.m.exit.message and "deadline" in w.m.exit.message


def test_deadline_flag_bounds_the_whole_run_and_deletes_first() -> None:
    w = downloading(deadline=120.0)
    assert w.tick(T0 + 119) == []
    out = w.tick(T0 + 120)
    assert flow.DeleteSession("s1") in out
    assert w.m.exit is None
    w.send(flow.SessionDeleted("s1"))
    assert w.m.exit is not None and w.m.exit.code == 1 and "120" in w.m.exit.message


def test_deadline_flag_bounds_a_run_that_never_gets_a_session() -> None:
    w = Walk(deadline=60.0)
    w.send(flow.Boot(signed_in=True))
    w.send(flow.Failed(flow.CreateSession(), TransportError("The network is down.")))
    assert w.m.exit is None
    w.tick(T0 + 60)
    assert w.m.exit is not None and w.m.exit.code == 1


def test_a_retry_after_longer_than_what_is_left_ends_the_run_at_once() -> None:
    w = downloading()
    w.send(flow.Failed(flow.Download("s1", False), busy(86400.0)))
    assert "s1" in w.deletes()
    w.send(flow.SessionDeleted("s1"))
    assert w.m.exit is not None and w.m.exit.code == 1
    st = w.m.state
    assert isinstance(st, Problem) and st.retry_at is None and "try again" not in st.next_step


def test_a_retry_after_within_the_deadline_is_waited_out() -> None:
    w = downloading()
    w.send(flow.Failed(flow.Download("s1", False), busy(30.0)))
    assert w.m.exit is None and w.deletes() == []
    st = w.m.state
    assert isinstance(st, Problem) and st.retry_at == T0 + 5 + 30.0


def test_the_kiosk_has_no_deadline() -> None:
    m = flow.Machine()
    m, _ = flow.step(m, flow.Boot(signed_in=True, photos=3), T0)
    m, _ = flow.step(m, flow.Tick(), T0 + 10 * 86400)
    assert m.exit is None


def test_giving_up_offline_promises_no_other_try() -> None:
    w = Walk()
    w.send(flow.Boot(signed_in=True))
    error = TransportError("Google's sign-in service did not answer properly; the device will try again.")
    for _ in range(flow.ONCE_MAX_FAILURES):
        w.send(flow.Failed(flow.CreateSession(), error))
        st = w.m.state
        if w.m.exit is None:
            assert isinstance(st, Problem) and st.retry_at is not None
            w.tick(st.retry_at)
    assert w.m.exit is not None and w.m.exit.code == 1
    assert "did not answer properly" in w.m.exit.message and "try again" not in w.m.exit.message
    st = w.m.state
    assert isinstance(st, Problem) and st.retry_at is None and "reconnect" not in st.next_step


def test_a_retry_exactly_the_longest_wait_away_is_not_too_late_whatever_the_clock_reads() -> None:
    # A refused scope is retried in 5 minutes, the longest a once run waits while signing in: it ends with the
    # refusal's own advice, not "past the deadline". 8001.685 is a clock value where (now + 300) - now > 300.
    for now in (T0, 8001.685, 8186.468):
        w = flow_walk.Walk(flow.Machine(once=True))
        w.now = now
        w.send(flow.Boot(signed_in=False))
        w.send(flow.Failed(flow.StartSignIn(), ScopeRefused("Google refused the Photos Picker scope.")))
        assert w.m.exit is not None and w.m.exit.code == 1
        assert "past the deadline" not in w.m.exit.message, now
