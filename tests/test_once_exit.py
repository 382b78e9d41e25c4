"""`run --once` from outside, over real sockets: exit 0 only if every photo was saved, one line otherwise,
an overall deadline that a stall or a day-long Retry-After cannot outlast, and no session left open."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.emulator import Emulator, Fault, Person
from tests.helpers import KIOSK, ROOT, kiosk_emulator, write_config


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with kiosk_emulator(
        photos=60, person=Person(approve_after=0.1, pick_count=6, pick_after=0.1, include_videos=False),
        poll_interval=0.1,
    ) as emulator:  # fmt: skip
        yield emulator


def run_once(config: Path, *extra: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*KIOSK, "run", "--headless", "--once", "--config", str(config), *extra],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def one_line_failure(result: subprocess.CompletedProcess[str]) -> str:
    """Exit 1, no traceback, and the last line of stderr is one plain sentence that promises no retry."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    last = result.stderr.strip().splitlines()[-1]
    assert last.isprintable() and len(last) < 400 and not last[:4].isdigit(), last
    assert "try again" not in last
    return last


def test_every_photo_saved_exits_zero(tmp_path: Path, emu: Emulator) -> None:
    result = run_once(write_config(tmp_path, emu.url))
    assert result.returncode == 0, result.stderr
    assert "Done: 6 photos" in result.stdout
    assert emu.open_sessions == []


def test_every_item_gone_exits_one_with_how_many_and_why(tmp_path: Path, emu: Emulator) -> None:
    emu.add_fault(Fault(endpoint="media", status=404, times=None))
    last = one_line_failure(run_once(write_config(tmp_path, emu.url)))
    assert "Saved 0 of 6 photos" in last and "no longer has" in last, last
    assert emu.open_sessions == []


def test_a_max_bytes_too_small_exits_one_and_says_so(tmp_path: Path, emu: Emulator) -> None:
    last = one_line_failure(run_once(write_config(tmp_path, emu.url, max_bytes=1000)))
    assert "Saved 0 of 6 photos" in last and "1000 bytes" in last, last
    assert emu.open_sessions == []


def test_a_retry_after_of_a_day_ends_the_run_at_once(tmp_path: Path, emu: Emulator) -> None:
    emu.add_fault(Fault(endpoint="media", status=429, google_status="RESOURCE_EXHAUSTED", retry_after=86400,
                        times=None))  # fmt: skip
    started = time.monotonic()
    last = one_line_failure(run_once(write_config(tmp_path, emu.url)))
    assert time.monotonic() - started < 30
    assert "deadline" in last, last
    assert emu.sessions_created and emu.open_sessions == []


def test_a_stalled_download_ends_at_the_deadline_with_the_session_deleted(tmp_path: Path, emu: Emulator) -> None:
    emu.add_fault(Fault(endpoint="media", latency=120.0, times=None))
    started = time.monotonic()
    last = one_line_failure(run_once(write_config(tmp_path, emu.url), "--deadline", "6"))
    took = time.monotonic() - started
    assert took < 20, took
    assert "deadline" in last and "6" in last, last
    assert emu.sessions_created and emu.open_sessions == []
    assert not [p for p in (tmp_path / "state" / "library").iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf"])
def test_a_senseless_deadline_is_a_configuration_error(tmp_path: Path, emu: Emulator, value: str) -> None:
    result = run_once(write_config(tmp_path, emu.url), f"--deadline={value}")
    assert result.returncode == 2 and "--deadline" in result.stderr, result.stderr
    assert emu.sessions_created == []
