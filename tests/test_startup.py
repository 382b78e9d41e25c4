"""The garbage collector is paused only while the program starts, and always comes back on."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from device import startup
from device.__main__ import main as console_script


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    yield
    startup.finished()
    gc.enable()


def test_pause_then_finished_turns_collection_back_on() -> None:
    startup.pause()
    assert not gc.isenabled()
    startup.finished()
    assert gc.isenabled()


def test_finished_without_pause_leaves_an_app_choice_alone() -> None:
    gc.disable()  # an embedding app turned it off on purpose
    startup.finished()
    assert not gc.isenabled()


def test_console_script_returns_with_collection_on_even_on_error(tmp_path: Path) -> None:
    code = console_script(["signout", "--config", str(tmp_path / "missing.toml")])
    assert code == 2
    assert gc.isenabled()
