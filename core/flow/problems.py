"""What the screen says when something goes wrong: a table from error type to the words, what happens next, when.

``RULES`` is looked up along the error's class hierarchy, most specific first, so a subclass without a row of
its own (``SessionExpired``, ``QuotaExceeded``) is told as its parent is. The journey's own two problems that
are not errors (nothing picked yet, a picking link that ran out) are worded here too.
"""

from __future__ import annotations

from collections.abc import Callable

from core.errors import (
    AccessDenied,
    ApiError,
    DiskFull,
    InvalidClient,
    KioskError,
    LibraryError,
    NoPhotosAccount,
    RateLimited,
    ScopeRefused,
    SignInRequired,
    TransportError,
)
from core.flow.timing import AFTER_DENIED, AFTER_MISCONFIG, AFTER_TIMEOUT, backoff
from core.record import record
from core.states import Problem

NEW_CODE_SOON = "A new sign-in code will appear by itself, or press OK to get it now."
TRY_AGAIN = "The device will try again by itself."


def _always(err: KioskError) -> bool:
    return True


def _google_busy(err: KioskError) -> bool:
    """An API error worth waiting out; any other falls through to "Something went wrong"."""
    return isinstance(err, ApiError) and (err.retryable or err.status in (429, 500, 502, 503, 504))


@record
class Rule:
    """One row: the Problem's words, when the device tries again, and what it does then."""

    what: str  # the Problem's slug (screenshot name, tests)
    title: str
    detail: str | None  # None: the error's own message
    next_step: str
    after: float | None = None  # seconds until the retry; None: the backoff, or the error's retry_after if longer
    next_step_with_photos: str | None = None  # said instead of next_step while saved photos are on show
    fresh_sign_in: bool = False  # the retry asks for a new sign-in code instead of re-issuing the failed effect
    token_dead: bool = False  # the stored token is forgotten and the device is signed out
    gives_up: bool = False  # `run --once` stops at the first one: waiting will not fix it
    applies: Callable[[KioskError], bool] = _always


RULES: dict[type[KioskError], Rule] = {
    ScopeRefused: Rule(
        "scope-refused",
        "Google refused access to Google Photos",
        None,
        "Check the OAuth client in the Google Cloud console; the device keeps trying by itself.",
        after=AFTER_MISCONFIG,
        fresh_sign_in=True,
        gives_up=True,
    ),
    InvalidClient: Rule(
        "invalid-client",
        "This device's Google sign-in is not set up right",
        None,
        "Fix client_id / client_secret in the config file; the device keeps trying by itself.",
        after=AFTER_MISCONFIG,
        fresh_sign_in=True,
        gives_up=True,
    ),
    AccessDenied: Rule(
        "access-denied",
        "Access was not allowed",
        "On the phone, access to Google Photos was declined.",
        NEW_CODE_SOON,
        after=AFTER_DENIED,
        fresh_sign_in=True,
        gives_up=True,
    ),
    SignInRequired: Rule(
        "signin-expired",
        "Please sign in again",
        None,
        NEW_CODE_SOON,
        after=AFTER_TIMEOUT,
        fresh_sign_in=True,
        token_dead=True,
    ),
    RateLimited: Rule(
        "busy",
        "Google is busy",
        "Too many sign-in codes were asked for.",
        "The device will ask again by itself.",
        fresh_sign_in=True,
    ),
    NoPhotosAccount: Rule(
        "no-photos-account",
        "No Google Photos account",
        "The Google account signed in on this device has no Google Photos library.",
        "Choose Sign out, then sign in with the Google account that has your photos.",
        after=AFTER_MISCONFIG,
        gives_up=True,
    ),
    DiskFull: Rule(
        "disk-full",
        "The memory card is full",
        None,
        "Free some space on it; the device tries again by itself.",
        after=AFTER_MISCONFIG,
        gives_up=True,
    ),
    TransportError: Rule(
        "offline",
        "No network",
        None,
        "The device will reconnect by itself.",
        next_step_with_photos="Showing saved photos meanwhile.",
    ),
    ApiError: Rule("busy", "Google is busy", None, TRY_AGAIN, applies=_google_busy),
    LibraryError: Rule("library", "A problem with the photo library", None, TRY_AGAIN),
    KioskError: Rule("unexpected", "Something went wrong", None, TRY_AGAIN),
}


def rule_for(err: KioskError) -> Rule:
    """The row for ``err``: its own class's, else its nearest parent's that applies."""
    for kind in type(err).__mro__:
        rule = RULES.get(kind)
        if rule is not None and rule.applies(err):
            return rule
    return RULES[KioskError]


def problem_for(err: KioskError, rule: Rule, *, failures: int, photos: bool, now: float) -> Problem:
    """The screen for the ``failures``-th failure in a row, ending in ``err``."""
    # Without a fixed delay, the backoff; RateLimited and ApiError may say to wait longer, never less.
    retry_after: float = getattr(err, "retry_after", None) or 0.0
    wait = rule.after if rule.after is not None else max(backoff(failures), retry_after)
    next_step = rule.next_step_with_photos if photos and rule.next_step_with_photos else rule.next_step
    detail = rule.detail if rule.detail is not None else err.message
    return Problem(rule.what, rule.title, detail, next_step, now + wait, photos)


def nothing_picked(notice: str | None) -> Problem:
    """An empty library: ``notice`` says why (no photos picked, a link that expired), if there is a reason."""
    return Problem(
        what="nothing-picked",
        title="No photos yet",
        detail=notice or "The photo library on this device is empty.",
        next_step="Press OK to choose photos with your phone.",  # its button says "Choose photos"
    )


def library_read_only(reason: str) -> Problem:
    """The disk is full or read-only and there are no saved photos to show meanwhile."""
    return Problem(
        what="library-read-only",
        title="The photo library cannot be written",
        detail=reason,
        next_step="The device keeps trying by itself every few minutes.",
    )


def session_timeout(now: float) -> Problem:
    """Nobody picked before the picking link ran out, and there are no photos to fall back on."""
    return Problem(
        what="session-timeout",
        title="The picking link expired",
        detail="No photos were chosen in time.",
        next_step="A new link will appear in a moment.",
        retry_at=now + AFTER_TIMEOUT,
    )
