"""The rules every request passes first: a Host this server serves (DNS rebinding), a matching Origin on POST."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Callable

from core.clock import Now

REFRESH = 5.0  # an unknown Host re-reads the interfaces (DHCP may have moved us), at most this often


class HostGuard:
    """Knows the ``host:port`` names this server answers to: the addresses it serves, on its port."""

    def __init__(self, addresses: Callable[[], list[str]], port: int, now: Now) -> None:
        self._addresses = addresses
        self._port = port
        self._now = now
        self._lock = threading.Lock()
        self._names = self._read()
        self._read_at = now()

    def _read(self) -> frozenset[str]:
        names: set[str] = set()
        for address in self._addresses():
            shown = f"[{address}]" if ":" in address else address
            names.add(f"{shown}:{self._port}".lower())
            if self._port == 80:
                names.add(shown.lower())
        return frozenset(names)

    def host_ok(self, host: str) -> bool:
        """True when ``host`` (the Host header) names one of our addresses with our port."""
        name = host.strip().lower()
        if name in self._names:
            return True
        with self._lock:
            if self._now() - self._read_at < REFRESH:
                return False
            self._names, self._read_at = self._read(), self._now()
            return name in self._names

    @staticmethod
    def origin_ok(origin: str | None, host: str) -> bool:
        """True when a POST's Origin is this very server (the Host already checked); a missing Origin fails."""
        return origin is not None and origin.lower() == f"http://{host.strip().lower()}"


def csrf_token(key: bytes, scope: str) -> str:
    """The CSRF token a page of ``scope`` carries in its forms: an HMAC, so nothing extra is stored."""
    return hmac.new(key, b"picker-kiosk csrf\0" + scope.encode(), hashlib.sha256).hexdigest()


def csrf_ok(key: bytes, scope: str, given: object) -> bool:
    """True when ``given`` is the CSRF token of ``scope`` (compared in constant time)."""
    return isinstance(given, str) and hmac.compare_digest(csrf_token(key, scope).encode(), given.encode())
