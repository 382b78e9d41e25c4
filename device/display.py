"""Which SDL video driver to use, opening the pygame display with it, and proving it is the one in use."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, MutableMapping

import pygame

from core.errors import KioskError

log = logging.getLogger(__name__)

# SDL quietly falls back to these when the driver asked for cannot start: the program would run with
# nothing on the screen, which is the one failure a photo frame must never have.
HEADLESS_DRIVERS = frozenset({"offscreen", "dummy"})


class DisplayError(KioskError):
    """The screen cannot be opened or drawn on; the message says why in plain words."""


def choose_driver(environ: Mapping[str, str], dri_glob: str = "/dev/dri/card*") -> str | None:
    """The SDL video driver to ask for, "" to let SDL choose, or None when there is no display at all.

    An explicit SDL_VIDEODRIVER wins; a desktop session (X11 or Wayland) lets SDL pick; otherwise a
    DRM device means the Pi console, where only kmsdrm can draw.
    """
    wanted = environ.get("SDL_VIDEODRIVER", "").strip()
    if wanted:
        return wanted
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return ""
    import glob  # only a start without a display named in the environment looks for a DRM device

    if glob.glob(dri_glob):
        return "kmsdrm"
    return None


def _kms_hint(driver: str) -> str:
    if driver != "kmsdrm":
        return ""
    return (
        " On the console this needs KMS/DRM: the user must be in the 'video' and 'render' groups, the "
        "Pi needs dtoverlay=vc4-kms-v3d, and no desktop may be holding the screen."
    )


def check_driver(wanted: str, actual: str) -> None:
    """Raise DisplayError (after a clear log line) when SDL runs a headless driver nobody asked for."""
    if actual in HEADLESS_DRIVERS and wanted not in HEADLESS_DRIVERS:
        log.error(
            "screen: SDL fell back to the %r video driver although %r was wanted: nothing would be visible",
            actual,
            wanted or "a desktop driver",
        )
        raise DisplayError(
            f"The screen could not be used: SDL started its {actual!r} driver instead of "
            f"{wanted or 'a desktop driver'!r}.{_kms_hint(wanted)}"
        )


def open_display(
    size: tuple[int, int] | None,
    environ: MutableMapping[str, str] | None = None,
    dri_glob: str = "/dev/dri/card*",
) -> tuple[pygame.Surface, str]:
    """Open the window (``size``) or the fullscreen display (None); return it and the driver in use.

    ``environ`` must be the process environment SDL reads (os.environ, the default). Raises DisplayError
    with a plain message when no driver works or SDL fell back to a headless one while a real screen was
    wanted.
    """
    env = os.environ if environ is None else environ
    wanted = choose_driver(env, dri_glob)
    if wanted is None:
        raise DisplayError(
            "No screen found: no desktop session (DISPLAY/WAYLAND_DISPLAY) and no KMS/DRM device (/dev/dri/card*)."
        )
    if wanted and not env.get("SDL_VIDEODRIVER"):
        env["SDL_VIDEODRIVER"] = wanted
    try:
        pygame.display.init()
        pygame.font.init()
        # (0, 0) fullscreen means the display's own resolution.
        surface = pygame.display.set_mode((0, 0), pygame.FULLSCREEN) if size is None else pygame.display.set_mode(size)
    except pygame.error as exc:
        shown = f"the {wanted}" if wanted else "the desktop's"
        log.error("screen: could not open the display with %s video driver: %s", shown, exc)
        pygame.display.quit()
        raise DisplayError(f"The screen could not be opened with {shown} driver ({exc}).{_kms_hint(wanted)}") from exc
    actual = str(pygame.display.get_driver())
    try:
        check_driver(wanted, actual)
    except DisplayError:
        pygame.display.quit()
        raise
    if size is None:
        # A pointer in the middle of a photo frame is the first thing everyone notices.
        pygame.mouse.set_visible(False)
    log.info("screen: %dx%d with the %s video driver", surface.get_width(), surface.get_height(), actual)
    return surface, actual
