"""One-time pairing secrets (in the pairing link's path), their short codes, and the limit on wrong guesses."""

from __future__ import annotations

import base64
import collections
import hashlib
import hmac
import secrets
import threading
from dataclasses import field
from typing import Literal

from core.clock import Now
from core.record import mutable_record

Purpose = Literal["signin", "pair"]
LIFETIME = 600.0  # a pairing link works for 10 minutes after it is made
WINDOW = 60.0  # wrong secrets are counted over this many seconds...
MAX_WRONG = 10  # ...and this many of them answer 429 until the window has passed
SECRET_BYTES = 24  # 192 random bits
CODE_LENGTH = 8


def short_code(secret: str) -> str:
    """The code a person types on a computer (`login --code`): 8 letters and digits derived from the secret."""
    digest = hashlib.sha256(b"picker-kiosk login code\0" + secret.encode()).digest()
    return base64.b32encode(digest).decode()[:CODE_LENGTH]


@mutable_record
class _Open:
    secret: str = field(repr=False)
    purpose: Purpose
    expires: float


class Pairing:
    """The open pairing secrets, at most one per purpose; gone after ``LIFETIME`` or when spent. Thread-safe."""

    def __init__(self, now: Now) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._open: list[_Open] = []
        self._wrong: collections.deque[float] = collections.deque()

    def open(self, purpose: Purpose) -> str:
        """A fresh secret for ``purpose``; the previous link of that purpose stops working."""
        secret = secrets.token_urlsafe(SECRET_BYTES)
        with self._lock:
            self._open = [o for o in self._open if o.purpose != purpose]
            self._open.append(_Open(secret, purpose, self._now() + LIFETIME))
        return secret

    def is_open(self, purpose: Purpose) -> bool:
        with self._lock:
            return any(o.purpose == purpose for o in self._alive())

    def find(self, secret: str) -> Purpose | None:
        """The purpose of a live ``secret`` (compared in constant time with each), else None."""
        with self._lock:
            return next((o.purpose for o in self._alive() if _same(o.secret, secret)), None)

    def find_code(self, code: str, purpose: Purpose) -> str | None:
        """The live secret of ``purpose`` whose short code is ``code`` (case-insensitive), else None."""
        typed = code.strip().upper()
        with self._lock:
            return next(
                (o.secret for o in self._alive() if o.purpose == purpose and _same(short_code(o.secret), typed)), None
            )

    def current(self, purpose: Purpose) -> str | None:
        """The live secret of ``purpose`` (the link shown last), else None."""
        with self._lock:
            return next((o.secret for o in self._alive() if o.purpose == purpose), None)

    def spend(self, secret: str) -> None:
        """``secret`` no longer works."""
        with self._lock:
            self._open = [o for o in self._open if not _same(o.secret, secret)]

    def close(self, purpose: Purpose) -> None:
        with self._lock:
            self._open = [o for o in self._open if o.purpose != purpose]

    # -- wrong guesses -----------------------------------------------------------------------------------

    def wrong(self) -> None:
        """Count one wrong secret, code or refused paste toward the limit."""
        with self._lock:
            self._wrong.append(self._now())

    def limited(self) -> bool:
        """True while ``MAX_WRONG`` wrong guesses fell within the last ``WINDOW`` seconds."""
        with self._lock:
            cutoff = self._now() - WINDOW
            while self._wrong and self._wrong[0] <= cutoff:
                self._wrong.popleft()
            return len(self._wrong) >= MAX_WRONG

    def _alive(self) -> list[_Open]:
        now = self._now()
        self._open = [o for o in self._open if o.expires > now]
        return self._open


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
