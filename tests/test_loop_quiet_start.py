"""The loop's quiet start: while the first answer is awaited, the loop sleeps, it does not spin."""

from __future__ import annotations

from collections.abc import Sequence

from core import flow
from core.clock import Clock, FakeClock
from core.library import Photo
from core.states import Starting, State, UserAction
from device.loop import INPUT_POLL, QUIET_START, Loop

TURNS = 200  # far more turns than a quiet start of sleeps takes: a spinning loop reaches it without the clock moving


class FirstScreen:
    """A renderer that, like the Screen, asks to be drawn at once until it has shown something."""

    def __init__(self) -> None:
        self.shown: list[tuple[float, str]] = []

    def handle_events(self) -> list[UserAction]:
        return []

    def show(self, state: State, now: float, photos: Sequence[Photo]) -> None:
        self.shown.append((now, state.screen_name))

    def next_wake(self, now: float) -> float:
        return 0.0 if not self.shown else 60.0


def run_quiet_start(
    answer_at: float | None, first_frame: list[int] | None = None
) -> tuple[list[float], FirstScreen, float]:
    """Run a loop from Starting; the first answer comes ``answer_at`` fake seconds in (None: never).
    Return every wait the loop asked for, what it drew, and the start time."""
    clock = FakeClock()
    start = clock.now()
    screen = FirstScreen()
    waits: list[float] = []
    loop: Loop

    def next_event(wait: float) -> flow.Event | None:
        waits.append(wait)
        if len(waits) >= TURNS or screen.shown:
            loop.request_stop()
            return None
        if answer_at is not None and clock.now() + wait >= start + answer_at:
            clock.t = start + answer_at  # woken by the event when it comes, not at the end of the wait
            return flow.CodeIssued(
                "ABCD-EFGH", "https://www.google.com/device", "https://www.google.com/device", 1800, 5
            )
        clock.advance(wait)
        return None

    machine = flow.Machine(state=Starting())
    loop = Loop(
        machine,
        screen,
        lambda effects: None,
        next_event,
        lambda: [],
        lambda: [],
        clock=Clock(clock.now, clock.sleep),
        on_first_frame=None if first_frame is None else lambda: first_frame.append(len(screen.shown)),
    )
    loop.run()
    return waits, screen, start


def test_with_no_answer_yet_the_loop_sleeps_through_the_quiet_start_then_shows_starting() -> None:
    waits, screen, start = run_quiet_start(None)
    assert len(waits) < TURNS, "the loop turned without waiting while nothing was on the screen"
    assert all(w > 0 for w in waits[:-1]) and max(waits) <= INPUT_POLL  # keys are still read as often
    assert screen.shown and screen.shown[0][1] == "starting" and screen.shown[0][0] >= start + QUIET_START


def test_an_answer_during_the_quiet_start_is_drawn_when_it_comes() -> None:
    waits, screen, start = run_quiet_start(0.23)
    assert len(waits) <= round(0.23 / INPUT_POLL) + 2
    assert screen.shown and screen.shown[0][0] == start + 0.23 and screen.shown[0][1] != "starting"


def test_what_waits_for_the_first_frame_runs_after_it_is_drawn_not_after_a_quiet_turn() -> None:
    # device.startup's first_frame and the companion's server start (heavy imports): not before the first screen.
    seen: list[int] = []
    run_quiet_start(0.23, seen)
    assert seen == [1]  # once, with the first screen (Connect) already drawn
