"""Scale: a library of 50,000 photos beside one of 2,000, measured in the same run.

Both libraries are built first (bench/tiny_library.py: sessions of 2,000 tiny photos through the library's
own ``download_session``) on a tmpfs (/dev/shm), so building 50,000 takes about a minute, not the hours of
fsyncs a real disk would. Then, for each size, the real `picker-kiosk run --size 1920x1080` (SDL's dummy
driver; signed in, so it boots straight into the slideshow):

- boot to first photo: process start to its log line ``drawn: first photo``, vs bench/floor.py (start
  Python, import the same libraries, open the display, flip). ``RUNS`` rounds of 2,000 / floor / 50,000 /
  floor; the medians are compared. Target ≤ 1.5× the floor for both sizes.
- idle CPU between transitions (interval 60 s): from 3 s after the first photo, ``RUNS`` windows of
  ``IDLE_WINDOW`` s, median; target < 2 % of a core for both.
- peak RSS over a slideshow of ``SHOW_PHOTOS`` photos (one a second, 0.5 s crossfades: the photos of 10
  minutes at the default 10 s interval), both sizes at once; VmHWM at the end; 50,000 within 1.2× of 2,000.
- adding 2,000 more photos: ``download_session`` of 2,000 tiny photos into the 50,000 library (it grows by
  2,000 each run) vs into an empty library, ``RUNS`` times each, interleaved; within 1.3×.
"""

from __future__ import annotations

import compileall
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import tiny_library
from bench.common import (
    CLIENT_ID,
    CLIENT_SECRET,
    ROOT,
    Figure,
    Watched,
    app_argv,
    cpu_share,
    interleaved,
    median,
    python_env,
    spread,
    status_kib,
    write_config,
)
from bench.first_qr import time_floor

SMALL, BIG = 2_000, 50_000
RUNS = 5
IDLE_WINDOW = 2.0
SHOW_PHOTOS = 60
BOOT_TARGET = 1.5
RSS_TARGET = 1.2
ADD_TARGET = 1.3
IDLE_TARGET = 0.02
SHM = Path("/dev/shm")


def _config(folder: Path, url: str, library: Path, **slideshow: Any) -> Path:
    """A config whose state folder is ``library`` (built by tiny_library), signed in with ``token``."""
    config = write_config(folder, url, slideshow=slideshow)
    text = config.read_text()
    text = text.replace(f'"{folder / "state"}"', f'"{library}"', 1)
    text = text.replace(f'"{folder / "state" / "library"}"', f'"{library / "library"}"', 1)
    config.write_text(text)
    return config


def _sign_in(state: Path, answer: dict[str, Any]) -> None:
    from device.signin.token import StoredToken, TokenStore

    TokenStore(state).save(
        StoredToken(
            access_token=answer["access_token"],
            refresh_token=answer["refresh_token"],
            expiry=datetime.now(UTC) + timedelta(seconds=int(answer["expires_in"])),
            scopes=tuple(answer["scope"].split()),
        )
    )


def _boot(config: Path, idle: list[float] | None = None) -> float:
    app = Watched(app_argv(config, "--size", "1920x1080"), env=python_env())
    try:
        first = app.wait_for(r"drawn: first photo$", 120) - app.started
        if idle is not None:
            time.sleep(3.0)
            idle += [cpu_share(app.pid, IDLE_WINDOW) for _ in range(RUNS)]
        return first
    finally:
        app.stop()


def _slideshow_peaks(configs: dict[int, Path]) -> dict[int, float]:
    """Both sizes at once: SHOW_PHOTOS photos each, then each app's VmHWM in MB."""
    apps = {size: Watched(app_argv(c, "--size", "1920x1080"), env=python_env()) for size, c in configs.items()}
    try:
        for app in apps.values():
            app.wait_for(r"drawn: first photo$", 120)
        time.sleep(SHOW_PHOTOS * 1.0 + 1.0)
        return {size: status_kib(app.pid, "VmHWM") / 1024 for size, app in apps.items()}
    finally:
        for app in apps.values():
            app.stop()


def run(runs: int = RUNS) -> list[Figure]:
    from core.emulator import Emulator, Person

    for package in ("core", "device", "bench"):
        compileall.compile_dir(ROOT / package, quiet=1)
    with (
        Emulator(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, person=Person(answer="never")) as emu,
        tempfile.TemporaryDirectory(prefix="bench-scale-", dir=SHM if SHM.is_dir() else None) as tmp,
    ):
        root = Path(tmp)
        libraries = {size: root / f"lib{size}" for size in (SMALL, BIG)}
        build_s = {size: sum(tiny_library.build(lib, lib / "library", size)) for size, lib in libraries.items()}
        answer = emu.grant_token()
        for lib in libraries.values():
            _sign_in(lib, answer)
        idle_cfg = {s: _config(root / f"idle{s}", emu.url, lib, interval=60.0) for s, lib in libraries.items()}
        show_cfg = {s: _config(root / f"show{s}", emu.url, lib, interval=1.0, fade=0.5) for s, lib in libraries.items()}

        idle: dict[int, list[float]] = {SMALL: [], BIG: []}
        boots: dict[int, list[float]] = {SMALL: [], BIG: []}
        floors: list[float] = []
        _boot(idle_cfg[SMALL])  # warm the file cache, untimed
        time_floor()
        for i in range(runs):
            for size in (SMALL, BIG):
                boots[size].append(_boot(idle_cfg[size], idle[size] if i == 0 else None))
                floors.append(time_floor()[0])
        peaks = _slideshow_peaks(show_cfg)

        grown = BIG
        into_big: list[float] = []
        into_empty: list[float] = []

        def add_big() -> None:
            nonlocal grown
            into_big.append(tiny_library.add_photos(libraries[BIG], libraries[BIG] / "library", grown, SMALL))
            grown += SMALL

        def add_empty() -> None:
            fresh = root / f"empty{len(into_empty)}"
            into_empty.append(tiny_library.add_photos(fresh, fresh / "library", 0, SMALL))
            shutil.rmtree(fresh)

        interleaved(runs, add_big, add_empty)

    floor = median(floors)
    rows: list[Figure] = []
    for size in (SMALL, BIG):
        boot = median(boots[size])
        rows.append(
            Figure(
                name=f"Boot to first photo, {size:,} photos",
                project=boot,
                baseline=floor,
                unit="s",
                ratio=boot / floor,
                ratio_label="× floor",
                target=f"≤ {BOOT_TARGET:g}× floor",
                passed=boot / floor <= BOOT_TARGET,
                project_spread=spread(boots[size]),
                baseline_spread=spread(floors),
                details={"app_runs": boots[size], "floor_runs": floors, "build_s": build_s[size]},
            )
        )
    for size in (SMALL, BIG):
        share = median(idle[size])
        rows.append(
            Figure(
                name=f"Idle CPU, slideshow of {size:,}",
                project=100 * share,
                baseline=100 * IDLE_TARGET,
                unit="% core",
                ratio=share / IDLE_TARGET,
                ratio_label="× target",
                target=f"< {100 * IDLE_TARGET:g} % of a core",
                passed=share < IDLE_TARGET,
                project_spread=spread([100 * s for s in idle[size]]),
                details={"windows": idle[size], "window_s": IDLE_WINDOW},
            )
        )
    rows.append(
        Figure(
            name=f"Peak RSS, slideshow of {BIG:,} vs {SMALL:,}",
            project=peaks[BIG],
            baseline=peaks[SMALL],
            unit="MB",
            ratio=peaks[BIG] / peaks[SMALL],
            ratio_label="× 2,000",
            target=f"≤ {RSS_TARGET:g}× 2,000",
            passed=peaks[BIG] / peaks[SMALL] <= RSS_TARGET,
            details={"photos_shown": SHOW_PHOTOS, "interval_s": 1.0, "fade_s": 0.5},
        )
    )
    big, empty = median(into_big), median(into_empty)
    rows.append(
        Figure(
            name=f"Add {SMALL:,} photos to {BIG:,} vs to none",
            project=big,
            baseline=empty,
            unit="s",
            ratio=big / empty,
            ratio_label="× empty",
            target=f"≤ {ADD_TARGET:g}× empty",
            passed=big / empty <= ADD_TARGET,
            project_spread=spread(into_big),
            baseline_spread=spread(into_empty),
            details={"into_big_runs": into_big, "into_empty_runs": into_empty},
        )
    )
    return rows


if __name__ == "__main__":
    for figure in run():
        print(figure.as_json(), file=sys.stderr)
