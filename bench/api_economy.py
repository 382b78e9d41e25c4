"""API economy: the requests the device made for one picking session vs the fewest the protocol allows.

The fewest: one sessions.create; polls = floor(waiting time ÷ pollInterval) + 1, where the waiting time runs
from the session's creation to Done; mediaItems.list calls = ceil(items ÷ 100); one sessions.delete. The
ratio is over those calls. Media downloads are counted beside them and must be exactly one per picked photo.
Counted from the emulator's request log of the journey in bench/journey.py.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from bench import journey
from bench.common import Figure

TARGET = 1.1
PAGE = 100  # the most items one mediaItems.list page may hold


def _of_session(r: dict[str, Any], sid: str) -> bool:
    """Whether a recorded request belongs to the one picking session of the journey."""
    endpoint = r["endpoint"]
    if endpoint in ("sessions.get", "sessions.delete"):
        return bool(r["path"].endswith(sid))
    if endpoint == "mediaItems.list":
        return bool(r["query"].get("sessionId") == [sid])
    return endpoint in ("sessions.create", "media")  # the journey opens one session; media are its photos


def run() -> list[Figure]:
    seen = journey.observe()
    sid = seen.session_id
    counts: Counter[str] = Counter(r["endpoint"] for r in seen.requests if _of_session(r, sid))
    waited = seen.done_at - seen.created_at
    fewest = {
        "sessions.create": 1,
        "sessions.get": math.floor(waited / journey.POLL_INTERVAL) + 1,
        "mediaItems.list": math.ceil(journey.PICKS / PAGE),
        "sessions.delete": 1,
    }
    made = sum(counts[name] for name in fewest)
    least = sum(fewest.values())
    ratio = made / least
    media_ok = counts["media"] == seen.photos
    return [
        Figure(
            name="API requests per session",
            project=made,
            baseline=least,
            unit="requests",
            ratio=ratio,
            ratio_label="× minimum",
            target=f"≤ {TARGET:g}× minimum",
            passed=ratio <= TARGET and media_ok,
            details={
                "made": dict(counts),
                "fewest": fewest,
                "waited_s": waited,
                "media_requests": counts["media"],
                "photos_picked": seen.photos,
            },
        )
    ]
