"""The phone page's check-up: one cut short by the frame stopping is a debug line, no traceback."""

from __future__ import annotations

import logging

import pytest

from device.companion.health import Health


def _broken() -> tuple[bool, list[object]]:
    raise RuntimeError("cannot schedule new futures after interpreter shutdown")


def test_a_check_up_failing_while_the_frame_runs_is_logged_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    health = Health(_broken)  # type: ignore[arg-type]
    health.start()
    assert health.wait(10)
    assert health.summary() == "The check-up could not run (see the frame's log)."
    assert any(r.levelno == logging.ERROR and r.exc_info for r in caplog.records)


def test_a_check_up_cut_short_by_the_frame_stopping_leaves_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    health = Health(_broken)  # type: ignore[arg-type]
    health.stop()
    health.start()
    assert health.wait(10)
    assert not any(r.levelno >= logging.ERROR or r.exc_info for r in caplog.records)
    assert any("cut short" in r.getMessage() for r in caplog.records)
