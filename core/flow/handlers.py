"""The journey's answers to each event that is not a failure or a tick: sign-in, picking, downloads, buttons."""

from __future__ import annotations

from dataclasses import replace

from core.flow import deadline, phone, processing
from core.flow.effects import CancelWork, CreateSession, Download, Effect, Note, SignOut
from core.flow.events import (
    Action,
    Boot,
    CodeIssued,
    DownloadFinished,
    PairingOpened,
    Progress,
    SessionCreated,
    SessionDeleted,
    SessionPolled,
    SignedIn,
    SignedOutDone,
    TokenPending,
)
from core.flow.memory import (
    ActiveSession,
    Machine,
    Outcome,
    begin_sign_in,
    choose,
    delete,
    drop_session,
    fail,
    idle,
    maybe_exit,
    sign_in_effect,
    start_picking,
    with_notice,
)
from core.flow.problems import library_read_only
from core.flow.recovery import run_retry, timed_out
from core.flow.timing import NOTICE_SECONDS, sane_interval
from core.flow.wording import display_url, result_note
from core.records import DEFAULT_TIMEOUT_IN
from core.states import (
    Choose,
    ConfirmSignOut,
    Connect,
    Downloading,
    Problem,
    SignedOut,
    SignInOnPhone,
    Slideshow,
    Starting,
    UserAction,
)


def on_boot(m: Machine, e: Boot) -> Outcome:
    m = replace(m, signed_in=e.signed_in, account=e.account, photos=e.photos, degraded=e.degraded)
    if e.degraded is not None:  # a full or read-only disk: show what is saved, start nothing that writes
        if m.once:
            return fail(m, e.degraded)
        if m.photos > 0:
            return replace(m, state=Slideshow(count=m.photos, notice=e.degraded), notice_until=None), []
        return replace(m, state=library_read_only(e.degraded), retry=()), []
    effects: list[Effect] = []
    resume = next((s for s in e.left_open if s.has_pending), None)
    if resume is None:
        # A session never listed may hold picks made after the crash began (or just before it); listing it
        # tells: its photos are fetched, or NotReady and it is deleted. Only the newest can matter.
        resume = next((s for s in reversed(e.left_open) if not s.listed), None)
    for s in e.left_open:
        if s is not resume:
            m, more = delete(m, s.session_id)
            effects += more
    if resume is not None and e.signed_in:
        session = ActiveSession(id=resume.session_id, replace=resume.replace)
        m = replace(m, session=session, state=Downloading(session_id=resume.session_id, replace=resume.replace))
        effects.append(Download(resume.session_id, resume.replace))
        return m, effects
    if resume is not None:
        # Without a token the left-open session cannot be listed; it dies on Google's side by itself.
        effects.append(Note("An unfinished download was dropped: sign-in is needed."))
    if not e.signed_in:
        m, more = begin_sign_in(m)
        return m, [*effects, *more]
    if m.photos > 0 and not m.once:
        return replace(m, state=Slideshow(count=m.photos)), effects
    return replace(m, state=Starting("Opening the photo picker…")), [*effects, CreateSession()]


def on_code(m: Machine, e: CodeIssued, now: float) -> Outcome:
    interval = sane_interval(e.interval)
    connect = Connect(
        verification_url=display_url(e.verification_url),
        qr_url=e.qr_url,
        user_code=e.user_code,
        expires_at=now + e.expires_in,
        interval=interval,
        next_poll_at=now + interval,
    )
    return replace(m, state=connect, sign_in_code=connect, failures=0, retry=()), []


def on_pairing(m: Machine, e: PairingOpened, now: float) -> Outcome:
    """The pairing page is open: show its QR (the phone completes it; SignedIn follows)."""
    if m.signed_in or m.stopping:
        return m, []
    screen = SignInOnPhone(pairing_url=e.url, login_code=e.login_code, expires_at=now + max(1.0, e.expires_in))
    return replace(m, state=screen, failures=0, retry=()), []


def on_pending(m: Machine, e: TokenPending, now: float) -> Outcome:
    if m.sign_in_code is None:
        return m, []
    interval = sane_interval(e.interval, m.sign_in_code.interval)
    connect = replace(m.sign_in_code, interval=interval, next_poll_at=now + interval, polling=False)
    m = replace(m, sign_in_code=connect, failures=0)
    if isinstance(m.state, Connect | Problem | Starting):
        m = replace(m, state=connect, retry=())
    return m, []


def on_signed_in(m: Machine, e: SignedIn) -> Outcome:
    m = replace(m, signed_in=True, account=e.account, sign_in_code=None, failures=0, retry=())
    return replace(m, state=Starting("Signed in. Opening the photo picker…")), [CreateSession()]


def on_created(m: Machine, e: SessionCreated, now: float) -> Outcome:
    replacing = m.session.replace if m.session is not None else False
    on_phone = m.session.on_phone if m.session is not None else False
    if m.stopping:
        return delete(m, e.session_id)
    interval = sane_interval(e.poll_interval)
    timeout_in = e.timeout_in if e.timeout_in is not None else DEFAULT_TIMEOUT_IN
    session = ActiveSession(
        id=e.session_id,
        picker_uri=e.picker_uri,
        replace=replacing,
        on_phone=on_phone,
        poll_interval=interval,
        expires_at=now + timeout_in,
    )
    m = deadline.with_session(m, now, timeout_in)
    return replace(m, session=session, state=choose(m, session, now + interval), failures=0), []


def on_polled(m: Machine, e: SessionPolled, now: float) -> Outcome:
    s = m.session
    if s is None or s.id != e.session_id or m.stopping:
        return m, []
    m = replace(m, failures=0, retry=())
    if e.media_items_set:
        return replace(m, session=s, state=Downloading(session_id=s.id, replace=s.replace)), [Download(s.id, s.replace)]
    interval = sane_interval(e.poll_interval, s.poll_interval)
    expires_at = now + e.timeout_in if e.timeout_in is not None else s.expires_at
    s = replace(s, poll_interval=interval, expires_at=expires_at)
    m = replace(m, session=s)
    if e.timeout_in is not None and e.timeout_in <= 0:
        return timed_out(m, now)
    return replace(m, state=choose(m, s, now + interval)), []


def on_progress(m: Machine, e: Progress) -> Outcome:
    if isinstance(m.state, Downloading) and m.state.session_id == e.session_id:
        # The bar counts what will be shown: items the settings leave out (videos) are told apart, so it ends full.
        total = max(0, e.total - e.skipped)
        return replace(m, state=replace(m.state, done=e.done, total=total, failed=e.failed, skipped=e.skipped)), []
    return m, []


def on_finished(m: Machine, e: DownloadFinished, now: float) -> Outcome:
    if processing.is_relisting(m, e):
        return processing.on_relisted(m, e, now)
    m = replace(m, photos=e.photos, failures=0, retry=(), last_result=e)
    kept = processing.keep_open(m, e, now)  # videos still processing: listed again later, deleted then
    m, effects = (kept, []) if kept is not None else delete(m, e.session_id)
    if m.session is not None and m.session.id == e.session_id:
        m = replace(m, session=None)
    if m.stopping:
        return m, effects
    if m.once:
        done = Downloading(session_id=e.session_id, done=e.done, total=e.total, failed=e.failed)
        return replace(m, state=done), effects
    if e.total == 0:
        return with_notice(m, "No photos were picked.", now), effects
    notice = " ".join(filter(None, (result_note(e), processing.added_later(e.processing) if kept else ""))) or None
    until = now + NOTICE_SECONDS if notice else None
    return replace(m, state=Slideshow(count=m.photos, notice=notice), notice_until=until), effects


def on_deleted(m: Machine, e: SessionDeleted) -> Outcome:
    m = replace(
        m,
        to_delete=tuple(s for s in m.to_delete if s != e.session_id),
        delete_retries=tuple(r for r in m.delete_retries if r.effect.session_id != e.session_id),
    )
    if m.session is not None and m.session.id == e.session_id:
        m = replace(m, session=None)
    return maybe_exit(m)


def on_signed_out(m: Machine, e: SignedOutDone, now: float) -> Outcome:
    m = replace(m, signed_in=False, account=None, sign_in_code=None, retry=())
    if e.photos is not None:
        m = replace(m, photos=e.photos)
    if m.photos > 0:
        # "Add photos" signs in again; the note goes, like any other, after a minute.
        return with_notice(m, "Signed out. Add photos signs in again.", now), []
    return replace(m, state=SignedOut()), [sign_in_effect(m)]


def on_action(m: Machine, e: Action, now: float) -> Outcome:
    a = e.action
    st = m.state
    # A session being created (id still "") or open, or a download running: one thing at a time.
    busy = isinstance(st, Downloading) or m.session is not None
    if a is UserAction.SIGN_OUT and not isinstance(st, ConfirmSignOut):
        # Asked first: one press of a remote must not undo the sign-in. Cancel comes back here.
        return replace(m, state=ConfirmSignOut(photos=m.photos), before_confirm=st), []
    if a is UserAction.CANCEL and isinstance(st, ConfirmSignOut):
        back = m.before_confirm if m.before_confirm is not None else idle(m).state
        return replace(m, state=back, before_confirm=None), []
    if a is UserAction.SIGN_OUT or (a is UserAction.SIGN_OUT_REMOVE and isinstance(st, ConfirmSignOut)):
        remove = a is UserAction.SIGN_OUT_REMOVE
        m = replace(m, before_confirm=None)
        m, effects = drop_session(m)
        doing = "Signing out and removing the photos…" if remove else "Signing out…"
        return replace(m, state=Starting(doing), retry=()), [CancelWork(), *effects, SignOut(remove)]
    if a is UserAction.PHONE:
        return phone.on_phone(m)
    if a in (UserAction.CANCEL, UserAction.RETRY) and isinstance(st, Choose) and phone.showing(st) and not e.from_phone:
        return phone.hide(m), []  # Back on the pairing QR goes back to the picker's code, never cancels it
    if a in (UserAction.ADD, UserAction.REPLACE):
        if busy or m.degraded is not None:  # nothing can be saved while the library is read-only
            return m, []
        return start_picking(m, a is UserAction.REPLACE, on_phone=e.from_phone)
    if isinstance(st, ConfirmSignOut):
        return m, []  # only its own buttons
    if a is UserAction.RETRY and isinstance(st, Choose) and not st.confirm_new and now < st.expires_at:
        # "New link" would lose what the phone picked so far: asked again first (an expired link is not).
        return replace(m, state=replace(st, confirm_new=True)), []
    if a is UserAction.RETRY and isinstance(st, Choose) and not st.polling:
        # "New link": the old session is deleted and a fresh one (new requestId) takes its place.
        m, effects = delete(replace(m, session=None), st.session_id)
        m, more = start_picking(m, st.replace, on_phone=st.on_phone)
        return m, effects + more
    if a is UserAction.RETRY:
        if isinstance(st, Problem | Slideshow) and m.retry:
            return run_retry(m)
        if isinstance(st, Slideshow | Problem) and not busy:
            return start_picking(m, False)
        return m, []
    if a is UserAction.CANCEL:
        if isinstance(st, Choose) and st.confirm_new:
            return replace(m, state=replace(st, confirm_new=False)), []  # "Keep this link"
        if isinstance(st, Choose) and m.photos > 0:
            m, effects = delete(replace(m, session=None), st.session_id)
            return replace(m, state=Slideshow(m.photos)), effects
        return phone.hide(m), []  # Back over the slideshow hides the pairing QR
    return m, []


def on_shutdown(m: Machine) -> Outcome:
    m, effects = drop_session(replace(m, stopping=True, state=Starting("Stopping…")))
    m, more = maybe_exit(m)
    return m, [CancelWork(), *effects, *more]
