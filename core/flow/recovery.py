"""Failures and the passing of time: what a failed effect leads to, retries (re-issuing the effect), ticks."""

from __future__ import annotations

from dataclasses import replace
from typing import assert_never

from core.errors import CodeExpired, KioskError, NotReady, ScopeRefused, SessionExpired, TransportError
from core.flow import deadline, processing
from core.flow.effects import (
    CancelWork,
    CreateSession,
    DeleteSession,
    Download,
    Effect,
    ForgetToken,
    Note,
    OpenPairing,
    OpenPhonePairing,
    PollSession,
    PollToken,
    SignOut,
    StartSignIn,
)
from core.flow.events import Failed
from core.flow.memory import (
    PHONE_OPENING,
    ActiveSession,
    DeleteRetry,
    Exit,
    Machine,
    Outcome,
    begin_sign_in,
    choose,
    delete,
    drop_session,
    fail,
    maybe_exit,
    sign_in_effect,
    start_picking,
    with_notice,
)
from core.flow.problems import problem_for, rule_for, session_timeout
from core.flow.timing import DELETE_RETRY_WAIT, DELETE_TRIES, ONCE_MAX_FAILURES
from core.states import Choose, Connect, Downloading, Problem, SignInOnPhone, Slideshow, Starting

SWITCHED_TO_PHONE = "Google refused the Photos Picker scope to the device sign-in; signing in with the phone instead."


def on_failed(m: Machine, e: Failed, now: float) -> Outcome:
    err = e.error
    effect = e.effect
    if isinstance(effect, DeleteSession):
        return _delete_failed(m, effect, err, now)
    if isinstance(effect, OpenPhonePairing):
        return m, [Note(f"The phone pairing could not be opened: {err.message}")]  # nothing changes on screen
    if isinstance(effect, ForgetToken):
        return m, []  # the runner logged it; a token file left behind fails the same way at its next use
    if m.stopping:
        return maybe_exit(m)
    if (relist := processing.on_relist_failed(m, effect)) is not None:
        return relist
    if isinstance(err, ScopeRefused) and isinstance(effect, StartSignIn) and m.sign_in == "auto":
        # Google does not hand this scope to the device grant for this project: the other way, for good.
        m, effects = begin_sign_in(replace(m, sign_in="phone", sign_in_code=None, failures=0, retry=()))
        return m, [Note(SWITCHED_TO_PHONE), *effects]
    if isinstance(err, CodeExpired):
        # Not a problem for the person: a fresh code replaces the old one on screen.
        return replace(m, sign_in_code=None), [StartSignIn()]
    if isinstance(effect, PollSession) and isinstance(err, SessionExpired):
        return timed_out(m, now)
    if isinstance(effect, Download) and isinstance(err, NotReady | SessionExpired):
        return _download_lost(m, effect, err, now)
    rule = rule_for(err)
    failures = m.failures + 1
    problem = problem_for(err, rule, failures=failures, photos=m.photos > 0, now=now)
    retry = (sign_in_effect(m),) if rule.fresh_sign_in else _again(m, effect)
    now_effects: list[Effect] = [ForgetToken()] if rule.token_dead else []
    m = replace(m, failures=failures, retry=retry)
    if rule.token_dead:
        m = replace(m, signed_in=False, account=None)
    if m.sign_in_code is not None and isinstance(effect, PollToken):
        m = replace(m, sign_in_code=replace(m.sign_in_code, polling=False))
    if m.once:
        retryable = err.retryable or isinstance(err, TransportError)
        late = deadline.too_late(m, problem.retry_at, now)
        if rule.gives_up or not retryable or failures >= ONCE_MAX_FAILURES or late:
            line = f"{problem.title}: {problem.detail}"
            if late and problem.retry_at is not None:  # the detail may promise a later try: not this run's
                line = (
                    f"{problem.title}: the next try would be in {_minutes(problem.retry_at - now)}, past the deadline."
                )
            m, effects = drop_session(m)
            m, more = fail(replace(m, state=deadline.gave_up(problem)), line)
            return m, now_effects + effects + more  # e.g. a dead token is forgotten, so the next run signs in
    return replace(m, state=problem), now_effects


def _minutes(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} minutes"


def _again(m: Machine, effect: Effect) -> tuple[Effect, ...]:
    """What retrying ``effect`` is: the same effect, while what it works on is still there."""
    match effect:
        case StartSignIn() | OpenPairing() | CreateSession() | SignOut():
            return (effect,)
        case PollToken():
            if m.sign_in_code is not None:
                return (effect,)
        case PollSession() | Download():
            if m.session is not None:
                return (effect,)
        case ForgetToken() | DeleteSession() | CancelWork() | Note() | OpenPhonePairing():
            pass  # handled before, or never fail
        case _:
            assert_never(effect)
    return (CreateSession(),) if m.signed_in else (sign_in_effect(m),)


def _download_lost(m: Machine, effect: Download, err: KioskError, now: float) -> Outcome:
    """The session of a download cannot be listed (not picked yet) or is gone at Google."""
    m, effects = delete(replace(m, session=None), m.session.id if m.session else effect.session_id)
    if isinstance(err, NotReady):
        # Resuming a session a previous run left before the person tapped Done: start afresh instead.
        if m.photos > 0 and not m.once:
            return replace(m, state=Slideshow(count=m.photos)), effects
        m, more = start_picking(m, False)
        return m, effects + more
    # The session died before its photos were all fetched; what is complete stays.
    line = "The picking session expired before every photo was downloaded."
    if m.once:
        m, more = fail(m, line)
        return m, effects + more
    return with_notice(m, line, now), effects


def _delete_failed(m: Machine, effect: DeleteSession, err: KioskError, now: float) -> Outcome:
    """A network failure sends the delete again, a few times; then, or on any other error, it is let go."""
    earlier = next((r for r in m.delete_retries if r.effect == effect), None)
    others = tuple(r for r in m.delete_retries if r.effect != effect)
    failures = earlier.failures + 1 if earlier else 1
    if isinstance(err, TransportError) and failures < DELETE_TRIES:
        again = DeleteRetry(effect, failures, now + DELETE_RETRY_WAIT * failures)
        return replace(m, delete_retries=(*others, again)), []
    # The id stays remembered on disk, so the next start deletes it; it must not take over the screen (Google
    # also ends sessions by itself).
    m = replace(m, delete_retries=others, to_delete=tuple(s for s in m.to_delete if s != effect.session_id))
    if m.once and m.last_result is not None and not m.stopping:
        line = "The photos were saved, but the picking session could not be deleted: " + err.message
        return replace(m, exit=Exit(1, line)), []
    return maybe_exit(m)


def timed_out(m: Machine, now: float) -> Outcome:
    """The picking link ran out before the person tapped Done."""
    m, effects = drop_session(m)
    if m.once:
        m, more = fail(m, "Nobody picked photos before the picking link expired.")
        return m, effects + more
    if m.photos > 0:
        # Often a link opened by accident: back to the photos, quietly, with a note that fades.
        return with_notice(replace(m, retry=()), "The picking link expired.", now), effects
    return replace(m, state=session_timeout(now), retry=(CreateSession(),)), effects


def on_tick(m: Machine, now: float) -> Outcome:
    m, resent = _resend_deletes(m, now)
    if deadline.passed(m, now):
        m, effects = deadline.out_of_time(m, now)
        return m, resent + effects
    if m.stopping or m.failing is not None:
        return m, resent  # only the deletes still matter
    m, effects = _on_time(m, now)
    m, relist = processing.on_tick(m, now)
    return m, resent + effects + relist


def _resend_deletes(m: Machine, now: float) -> Outcome:
    due = [r for r in m.delete_retries if r.at is not None and now >= r.at]
    if not due:
        return m, []
    waiting = tuple(replace(r, at=None) if r in due else r for r in m.delete_retries)
    return replace(m, delete_retries=waiting), [r.effect for r in due]


def _on_time(m: Machine, now: float) -> Outcome:
    st = m.state
    if isinstance(st, Connect):
        if now >= st.expires_at and not st.polling:
            return replace(m, sign_in_code=None, state=Starting("Getting a new sign-in code…")), [StartSignIn()]
        if not st.polling and now >= st.next_poll_at:
            polling = replace(st, polling=True)
            return replace(m, state=polling, sign_in_code=polling), [PollToken()]
        return m, []
    if isinstance(st, SignInOnPhone):
        if now >= st.expires_at:
            return replace(m, state=Starting(PHONE_OPENING)), [OpenPairing()]
        return m, []
    if isinstance(st, Choose):
        if now >= st.expires_at and not st.polling:
            return timed_out(m, now)
        if not st.polling and now >= st.next_poll_at:
            return replace(m, state=replace(st, polling=True)), [PollSession(st.session_id)]
        return m, []
    if isinstance(st, Slideshow) and st.notice and m.notice_until is not None and now >= m.notice_until:
        return replace(m, state=replace(st, notice=None), notice_until=None), []
    if isinstance(st, Problem) and st.retry_at is not None and now >= st.retry_at and m.retry:
        return run_retry(m)
    return m, []


def run_retry(m: Machine) -> Outcome:
    """Issue the Problem's retry effects again, and show the screen they lead to."""
    effects = list(m.retry)
    m = replace(m, retry=())
    first = effects[0] if effects else None
    if isinstance(first, PollToken) and m.sign_in_code is not None:
        polling = replace(m.sign_in_code, polling=True)
        return replace(m, sign_in_code=polling, state=polling), effects
    if isinstance(first, PollSession) and m.session is not None:
        return replace(m, state=choose(m, m.session, 0.0, polling=True)), effects
    if isinstance(first, Download) and m.session is not None:
        s = m.session
        return replace(m, state=Downloading(session_id=s.id, replace=s.replace)), effects
    if isinstance(first, CreateSession):
        # A create the phone page asked for stays the phone's: it opens the link, the TV says a phone is choosing.
        asked = m.session is not None and not m.session.id and m.session.on_phone
        pending = ActiveSession(id="", replace=first.replace, on_phone=asked)
        return replace(m, session=pending, state=Starting("Opening the photo picker…")), effects
    if isinstance(first, OpenPairing):
        return replace(m, state=Starting(PHONE_OPENING)), effects
    if isinstance(first, StartSignIn):
        return replace(m, sign_in_code=None, state=Starting("Getting a sign-in code…")), effects
    return m, effects
