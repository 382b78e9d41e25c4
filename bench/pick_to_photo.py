"""Pick to first photo: from the person's Done tap to the first photo on screen, vs the session's pollInterval.

Done is placed 50 ms after one of the device's polls, so the device needs nearly a whole pollInterval to
notice: the worst case. "On screen" is the first frame of the first photo's fade-in (``drawn: first
photo`` in the app's log); the photo is fully opaque one fade (slideshow.fade, 1 s by default) later.
See bench/journey.py.
"""

from __future__ import annotations

from bench import journey
from bench.common import Figure, median, spread

SLACK = 1.0  # seconds allowed beyond one pollInterval: list, download, decode, draw


def run() -> list[Figure]:
    seen = journey.observe_all()
    runs = [s.first_photo_at - s.done_at for s in seen]
    took = median(runs)
    interval = journey.POLL_INTERVAL
    return [
        Figure(
            name=f"Pick to first photo ({journey.PICKS} picks)",
            project=took,
            baseline=interval,
            unit="s",
            ratio=took / interval,
            ratio_label="× pollInterval",
            target=f"≤ pollInterval + {SLACK:g} s",
            passed=took <= interval + SLACK,
            project_spread=spread(runs),
            details={
                "runs_s": runs,
                "timelines_s": [s.timeline for s in seen],
                "latency_per_request_s": journey.LATENCY,
            },
        )
    ]
