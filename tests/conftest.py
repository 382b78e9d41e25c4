"""Shared fixtures: a fake clock, a started emulator of Google driven by it, and a windowless SDL."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from core.clock import FakeClock
from core.emulator import Emulator

# The screen tests' shared ``screen`` fixture (a file with a ``screen`` of its own keeps that one).
pytest_plugins = ["tests.screen_events"]


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    """The app's CLI sets up logging (device.logs.setup: its own handler on the stderr of the moment, the old
    ones removed); put pytest's back after each test, so no later log line goes to a closed capture stream."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)


@pytest.fixture
def fake_clock() -> FakeClock:
    """A clock that only moves when advanced or slept on."""
    return FakeClock()


@pytest.fixture
def make_emulator(fake_clock: FakeClock) -> Iterator[Callable[..., Emulator]]:
    """Start emulators with custom settings (keyword arguments of Emulator), driven by ``fake_clock``."""
    started: list[Emulator] = []

    def make(**kwargs: Any) -> Emulator:
        emu = Emulator(clock=fake_clock.now, **kwargs)
        emu.fake_clock = fake_clock
        started.append(emu.start())
        return emu

    yield make
    for emu in started:
        emu.stop()


@pytest.fixture
def emulator(make_emulator: Callable[..., Emulator]) -> Emulator:
    """A started Emulator with default settings; ``emulator.fake_clock`` is the clock it reads."""
    return make_emulator()


@pytest.fixture(scope="module")
def dummy_sdl() -> Iterator[None]:
    """SDL with no window and no sound, for a module's screen tests: ``pytest.mark.usefixtures("dummy_sdl")``."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SDL_VIDEODRIVER", "dummy")
        mp.setenv("SDL_AUDIODRIVER", "dummy")
        yield
