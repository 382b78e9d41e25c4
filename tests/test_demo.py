"""`picker-kiosk demo` as a newcomer meets it: a bad --size refused up front, no developer noise in its output."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers import KIOSK, ROOT


def demo(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYGAME_HIDE_SUPPORT_PROMPT"}
    env.update(SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    return subprocess.run(
        [*KIOSK, "demo", *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT, check=False
    )


def test_a_bad_size_is_refused_before_the_emulator_starts(tmp_path: Path) -> None:
    state = tmp_path / "demo"
    state.mkdir()
    (state / "kept").write_text("the demo wipes its folder only once it really starts")
    result = demo("--size", "big", "--state-dir", str(state))
    assert result.returncode == 2
    assert "--size must look like 1920x1080" in result.stderr
    assert "stand-in for Google is running" not in result.stdout
    assert (state / "kept").exists()


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """One whole demo; --screenshots draws with pygame (SDL's dummy driver), so its import banner would show."""
    tmp = tmp_path_factory.mktemp("demo")
    result = demo("--photos", "2", "--latency", "0", "--state-dir", str(tmp / "state"), "--screenshots", str(tmp))
    assert result.returncode == 0, result.stderr
    assert "Done: 2 photos" in result.stdout
    return result


def test_the_demo_prints_no_banner_and_no_traceback(journey: subprocess.CompletedProcess[str]) -> None:
    out = journey.stdout + journey.stderr
    assert "pygame" not in out.lower()
    assert "Traceback" not in out


def test_the_demo_prints_no_check_report(journey: subprocess.CompletedProcess[str]) -> None:
    assert "CheckReport" not in journey.stdout + journey.stderr
