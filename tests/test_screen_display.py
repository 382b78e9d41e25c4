"""Choosing the SDL video driver, refusing a silent fallback to a headless one, fullscreen without a pointer."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pygame
import pytest

from core.errors import KioskError
from device.display import DisplayError, check_driver, choose_driver, open_display
from device.ui.screen import Screen


@pytest.fixture
def dri(tmp_path: Path) -> str:
    (tmp_path / "card0").touch()
    return str(tmp_path / "card*")


@pytest.fixture
def no_dri(tmp_path: Path) -> str:
    return str(tmp_path / "nothing" / "card*")


def test_an_explicit_driver_is_respected(dri: str) -> None:
    assert choose_driver({"SDL_VIDEODRIVER": "wayland", "DISPLAY": ":0"}, dri) == "wayland"
    assert choose_driver({"SDL_VIDEODRIVER": "dummy"}, dri) == "dummy"


def test_a_desktop_session_lets_sdl_choose(dri: str) -> None:
    assert choose_driver({"DISPLAY": ":0"}, dri) == ""
    assert choose_driver({"WAYLAND_DISPLAY": "wayland-0"}, dri) == ""


def test_the_console_with_a_drm_card_means_kmsdrm(dri: str, no_dri: str) -> None:
    assert choose_driver({}, dri) == "kmsdrm"
    assert choose_driver({}, no_dri) is None  # no display at all: the terminal takes over


def test_a_silent_fallback_is_an_error_with_a_clear_log_line(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="device.display"), pytest.raises(DisplayError) as err:
        check_driver("kmsdrm", "offscreen")
    assert isinstance(err.value, KioskError)
    assert "offscreen" in err.value.message and "kmsdrm" in err.value.message
    assert "video" in err.value.message  # says what to check: the user's groups
    assert any("fell back" in r.getMessage() for r in caplog.records)
    with pytest.raises(DisplayError):
        check_driver("", "dummy")  # a desktop was wanted
    check_driver("dummy", "dummy")  # asked for: fine (tests, --screenshots)
    check_driver("", "x11")
    check_driver("kmsdrm", "kmsdrm")


@pytest.fixture
def sdl_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in ("SDL_VIDEODRIVER", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    yield monkeypatch
    pygame.quit()


def test_kmsdrm_that_cannot_start_is_a_plain_error(
    sdl_env: pytest.MonkeyPatch, dri: str, caplog: pytest.LogCaptureFixture
) -> None:
    # This machine has no usable DRM device: SDL's kmsdrm driver refuses to start.
    if Path("/dev/dri").exists():
        pytest.skip("this machine has a DRM device")
    with caplog.at_level(logging.ERROR), pytest.raises(DisplayError) as err:
        open_display((640, 480), dri_glob=dri)
    assert "kmsdrm" in err.value.message
    assert "Traceback" not in err.value.message
    assert any("kmsdrm" in r.getMessage() for r in caplog.records)


def test_no_display_at_all(sdl_env: pytest.MonkeyPatch, no_dri: str) -> None:
    with pytest.raises(DisplayError, match="No screen found"):
        open_display((640, 480), dri_glob=no_dri)


def test_fullscreen_hides_the_pointer_and_reports_the_driver(sdl_env: pytest.MonkeyPatch) -> None:
    sdl_env.setenv("SDL_VIDEODRIVER", "dummy")
    screen = Screen()  # no size: fullscreen at the display's own size
    assert not pygame.display.get_init(), "nothing is opened by the constructor"
    try:
        assert screen.open() == "dummy"
        assert screen.size[0] > 0 and screen.size[1] > 0
        assert pygame.mouse.get_visible() is False
    finally:
        screen.close()
    assert not pygame.display.get_init()


def test_windowed_keeps_the_pointer(sdl_env: pytest.MonkeyPatch) -> None:
    sdl_env.setenv("SDL_VIDEODRIVER", "dummy")
    screen = Screen(size=(640, 360))
    try:
        assert screen.open() == "dummy"
        assert screen.size == (640, 360)
        assert pygame.mouse.get_visible() is True
    finally:
        screen.close()


def test_drawing_before_open_is_refused() -> None:
    screen = Screen()
    assert screen.next_wake(0.0) == 0.0
    with pytest.raises(RuntimeError):
        screen.handle_events()
