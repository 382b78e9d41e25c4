"""The overall deadline of `run --once`: set from --deadline or the session's timeoutIn, and what ends the run.

Pure, like the rest of the flow: times are the ``now`` each step is handed. The kiosk itself (not once) has no
deadline. Every way out deletes the open session first (``fail`` waits for the deletes).
"""

from __future__ import annotations

from dataclasses import replace

from core.flow.effects import CancelWork
from core.flow.memory import Machine, Outcome, drop_session, fail
from core.flow.timing import DOWNLOAD_BOUND, ONCE_LONGEST_WAIT
from core.states import Downloading, Problem

GIVEN_UP = "Not trying again: `run --once` gave up."


def with_session(m: Machine, now: float, timeout_in: float) -> Machine:
    """A session exists: a once run without --deadline now ends by its timeoutIn plus the download's bound."""
    if not m.once or m.deadline_flag is not None:
        return m
    return replace(m, deadline=now + max(0.0, timeout_in) + DOWNLOAD_BOUND)


def passed(m: Machine, now: float) -> bool:
    return m.once and m.deadline is not None and now >= m.deadline and m.failing is None and m.exit is None


def too_late(m: Machine, at: float | None, now: float) -> bool:
    """A retry at ``at`` would come after the deadline (or, with none yet, after too long a wait)."""
    if not m.once or at is None:
        return False
    if m.deadline is None:
        # Compared as times, not as a difference: ``(now + wait) - now`` is a hair over ``wait`` for some clock
        # values, which made a retry exactly ONCE_LONGEST_WAIT away "too late".
        return at > now + ONCE_LONGEST_WAIT
    return at > m.deadline


def out_of_time(m: Machine, now: float) -> Outcome:
    """The deadline came: stop the work, delete the session, exit 1 with what was done."""
    st = m.state
    doing = ""
    if isinstance(st, Downloading) and st.total:
        doing = f" while downloading: saved {st.done} of {st.total} photos"
    elif isinstance(st, Downloading):
        doing = " while downloading"
    if m.deadline_flag is not None:
        line = f"Stopped at the deadline (--deadline {m.deadline_flag:g} s){doing}."
    else:
        line = f"Stopped at the deadline (the picking link's time plus {DOWNLOAD_BOUND / 60:g} min){doing}."
    m, effects = drop_session(m)
    if isinstance(m.state, Problem):
        m = replace(m, state=gave_up(m.state))
    m, more = fail(m, line)
    return m, [CancelWork(), *effects, *more]


def gave_up(p: Problem) -> Problem:
    """The screen's last words once a once run gave up: no promise of another try."""
    return replace(p, next_step=GIVEN_UP, retry_at=None)
