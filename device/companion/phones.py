"""The paired phones: each holds a random cookie; the device keeps only its SHA-256, in one private file."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from pathlib import Path

from core.library.files import atomic_write, safe_unlink

log = logging.getLogger("picker-kiosk.companion")

COOKIE = "picker_kiosk_phone"
COOKIE_BYTES = 32  # 256 random bits
COOKIE_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie (Chrome caps Max-Age at 400 days)
FILE_NAME = "phones.json"
MAX_PHONES = 20  # the oldest pairing is forgotten beyond this


def _digest(cookie: str) -> str:
    return hashlib.sha256(b"picker-kiosk phone\0" + cookie.encode()).hexdigest()


class Phones:
    """Pair a phone, recognise its cookie (constant-time), forget them all; survives a restart. Thread-safe."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / FILE_NAME
        self._lock = threading.Lock()
        self._hashes: list[str] = self._read()

    def _read(self) -> list[str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            hashes = [str(p["hash"]) for p in data["phones"]]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("companion: %s cannot be read; phones have to pair again", self.path)
            return []
        return [h for h in hashes if len(h) == 64]

    def _write(self) -> None:
        data = {"phones": [{"hash": h} for h in self._hashes], "saved": int(time.time())}
        atomic_write(self.path, json.dumps(data).encode("utf-8"))

    def pair(self) -> str:
        """A new phone: its cookie value (given to the phone only; the device keeps the hash)."""
        cookie = secrets.token_urlsafe(COOKIE_BYTES)
        with self._lock:
            self._hashes = [*self._hashes, _digest(cookie)][-MAX_PHONES:]
            self._write()
        return cookie

    def known(self, cookie: str | None) -> str | None:
        """The stored hash of a paired phone's ``cookie``, else None (every stored hash compared)."""
        if not cookie:
            return None
        digest = _digest(cookie)
        with self._lock:
            found = None
            for stored in self._hashes:
                if hmac.compare_digest(stored, digest):
                    found = stored
            return found

    def count(self) -> int:
        with self._lock:
            return len(self._hashes)

    def forget_all(self) -> int:
        """Unpair every phone; returns how many were paired."""
        with self._lock:
            gone, self._hashes = len(self._hashes), []
            safe_unlink(self.path)
        return gone


def set_cookie(cookie: str) -> tuple[str, str]:
    return ("Set-Cookie", f"{COOKIE}={cookie}; Path=/; Max-Age={COOKIE_AGE}; HttpOnly; SameSite=Lax")


def clear_cookie() -> tuple[str, str]:
    return ("Set-Cookie", f"{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
