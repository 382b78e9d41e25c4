"""How long the flow waits: backoff after failures, delays before retrying, poll intervals made safe."""

from __future__ import annotations

from core.records import DEFAULT_POLL_INTERVAL

# Backoff for failures the device recovers from by itself: 5 s doubling, capped so a frame on a wall
# whose Wi-Fi comes back is showing new photos within 5 minutes.
BACKOFF_FIRST = 5.0
BACKOFF_MAX = 300.0
# A person who declined, or a code that ran into trouble: give them time to read the screen first.
AFTER_DENIED = 30.0
# Misconfiguration (bad client, refused scope) will not fix itself quickly; still retry, slowly, so that a
# fixed config file or a fixed Google Cloud console setting is picked up without a reboot.
AFTER_MISCONFIG = 300.0
# An empty frame whose picking link timed out shows the reason briefly, then a fresh link.
AFTER_TIMEOUT = 10.0
# A note after a download ("3 videos skipped") stays on the slideshow this long, then the photos are left alone.
NOTICE_SECONDS = 60.0
# `run --once` gives up after this many failures in a row instead of retrying forever.
ONCE_MAX_FAILURES = 5
# `run --once` ends by the picking session's timeoutIn plus this (the download's own bound), or by --deadline.
DOWNLOAD_BOUND = 1800.0
# With no deadline yet (signing in, no session), a once run does not wait longer than this for a retry.
ONCE_LONGEST_WAIT = BACKOFF_MAX
# sessions.delete is what keeps a person under Google's open-session limit: on a network failure it is sent
# again, up to this many times in all, after 1 s, then 2 s.
DELETE_TRIES = 3
DELETE_RETRY_WAIT = 1.0
# Never hammer the server faster than this, whatever an answer says.
MIN_POLL_INTERVAL = 0.1


def backoff(failures: int) -> float:
    """Seconds to wait after the n-th failure in a row (1-based)."""
    return min(BACKOFF_MAX, BACKOFF_FIRST * 2.0 ** max(0, failures - 1))


def sane_interval(value: float | None, fallback: float = DEFAULT_POLL_INTERVAL) -> float:
    """An interval from Google, made safe to wait on."""
    if value is None or not value > 0:
        return fallback
    return max(MIN_POLL_INTERVAL, value)
