"""Logging setup, with a filter that blanks out any secret that was registered, whatever logged it."""

from __future__ import annotations

import logging
import re
import sys
import threading

_secrets: set[str] = set()
_lock = threading.Lock()
_pattern: re.Pattern[str] | None = None
REDACTED = "[redacted]"
# Secrets shorter than this are not worth matching (they would blank out ordinary words).
_MIN_SECRET = 6


def register_secret(value: str | None) -> None:
    """From now on, ``value`` never appears in a log line (tokens, client secret, device code)."""
    global _pattern
    if not value or len(value) < _MIN_SECRET:
        return
    with _lock:
        if value in _secrets:
            return
        _secrets.add(value)
        alternatives = sorted(_secrets, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(s) for s in alternatives))


def redact(text: str) -> str:
    """``text`` with every registered secret replaced."""
    pattern = _pattern
    return pattern.sub(REDACTED, text) if pattern is not None else text


class RedactingFilter(logging.Filter):
    """Formats the record once and scrubs it, so secrets in arguments or tracebacks are caught too."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _pattern is None:
            return True
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
            record.exc_text = None
        record.msg = redact(message)
        record.args = None
        return True


def setup(verbose: bool = False, stream: object = None) -> None:
    """Log to stderr (journald picks it up under systemd), secrets redacted."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # urllib3 logs full URLs at DEBUG, and a revoke URL carries the token in its query string.
    logging.getLogger("urllib3").setLevel(logging.INFO)
