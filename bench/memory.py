"""Memory: the app's peak resident memory over a whole journey of 2,000 picked photos plus a slideshow over them.

`picker-kiosk run --size 1920x1080` (SDL's dummy driver, so the slideshow really decodes and draws photos at
1920×1080) against the emulator in its own process: sign-in, 2,000 picks, their download, then
``SLIDESHOW`` seconds of slideshow with a new photo every 2 s, each with its 1 s crossfade. The figure is the
app's VmHWM (the kernel's record of its peak resident set) read just before it is stopped. The baseline is the
floor of bench/floor.py: Python with the same libraries and a 1920×1080 display, nothing else; target
≤ 2.2× the floor. RSS is also sampled every 0.2 s, and the peak of each phase (sign-in, download,
slideshow) is in results.json.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

from bench.common import (
    EmulatorProcess,
    Figure,
    Watched,
    app_argv,
    cpu_seconds,
    python_env,
    status_kib,
    write_config,
)
from bench.first_qr import time_floor

PICKS = 2000


class RssSamples:
    """VmRSS of ``pid`` every ``every`` seconds, in a thread: which phase of the journey holds the peak."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        self.samples: list[tuple[float, int]] = []
        self._done = threading.Event()
        self._pid, self._every = pid, every
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(self._every):
            try:
                self.samples.append((time.monotonic(), status_kib(self._pid, "VmRSS")))
            except (OSError, KeyError):
                return

    def stop(self) -> None:
        self._done.set()
        self._thread.join(timeout=5)

    def peaks(self, ends: dict[str, float]) -> dict[str, float]:
        """The highest sample (MB) of each phase, a phase ending at its time in ``ends`` (in order)."""
        out: dict[str, float] = {}
        start = -1.0
        for name, end in ends.items():
            inside = [kib for at, kib in self.samples if start < at <= end]
            out[name] = max(inside, default=0) / 1024
            start = end
        return out


SLIDESHOW = 12.0
TARGET = 2.2  # × the floor


def run() -> list[Figure]:
    settings = {
        "photos": 2400,  # 2,040 photos among them; videos are not picked here
        "interval": 1,
        "poll_interval": 1.0,
        "person": {"approve_after": 0.3, "pick_count": PICKS, "pick_after": 1.5, "include_videos": False},
    }
    with EmulatorProcess(settings) as emu, tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        config = write_config(Path(tmp), emu.url, slideshow={"interval": 2.0, "fade": 1.0})
        app = Watched(app_argv(config, "--size", "1920x1080"), env=python_env())
        samples = RssSamples(app.pid)
        try:
            downloading = app.wait_for(r"drawn: downloading$", 60)
            cpu_before = cpu_seconds(app.pid)
            first_photo = app.wait_for(r"drawn: first photo$", 300)
            hwm_before_slideshow = status_kib(app.pid, "VmHWM")  # the peak of sign-in and download
            download_cpu = cpu_seconds(app.pid) - cpu_before
            time.sleep(SLIDESHOW)
            peak_kib = status_kib(app.pid, "VmHWM")
            rss_kib = status_kib(app.pid, "VmRSS")
            finished = [line for _, line in app.lines if "download finished" in line]
        finally:
            samples.stop()
            app.stop()
        phases = samples.peaks({"sign-in": downloading, "download": first_photo, "slideshow": time.monotonic()})
    _, floor_kib = time_floor()
    peak, floor = peak_kib / 1024, floor_kib / 1024
    return [
        Figure(
            name=f"Peak memory, {PICKS:,} picks + slideshow",
            project=peak,
            baseline=floor,
            unit="MB",
            ratio=peak / floor,
            ratio_label="× floor",
            target=f"≤ {TARGET:g}× floor",
            passed=peak / floor <= TARGET,
            details={
                "rss_at_end_mb": rss_kib / 1024,
                "rss_peak_by_phase_mb": phases,
                "vmhwm_at_first_photo_mb": hwm_before_slideshow / 1024,
                "download_s": first_photo - downloading,
                "app_cpu_during_download_s": download_cpu,
                "download_log": finished[-1].split(": ", 1)[-1] if finished else None,
            },
        )
    ]
