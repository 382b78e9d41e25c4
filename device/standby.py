"""Putting the display to sleep at night, the best way this machine allows, from userspace without X.

1. HDMI-CEC (``cec`` ): Debian's ``v4l-utils`` ``cec-ctl`` on ``/dev/cec0`` (a Pi's HDMI port, with KMS) sends
   the TV "Standby" (``--to 0 --standby``) and in the morning "Image View On" (``--to 0 --image-view-on``),
   which turns a TV on and to this input. The adapter must be set up once as a playback device
   (systemd/README.md).
2. The panel's backlight (``backlight``): a DSI/SPI panel's ``/sys/class/backlight/*/bl_power`` (4 = off,
   0 = on), writable by the service's user with a udev rule.
3. Otherwise (``black``) the screen is only drawn black: the TV stays on, lit black. (DPMS through the DRM
   connector needs the DRM master, which SDL holds; SDL has no call for it, so it is not used.)

The commands run on a thread of their own: the frame loop never waits for a TV.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

CEC_DEVICE = Path("/dev/cec0")
BACKLIGHTS = Path("/sys/class/backlight")
COMMAND_TIMEOUT = 10.0
Run = Callable[[Sequence[str]], int]


def _run(argv: Sequence[str]) -> int:
    done = subprocess.run(list(argv), capture_output=True, timeout=COMMAND_TIMEOUT, check=False)
    return done.returncode


class Standby:
    """The display's sleep and wake; ``way`` says which of the three (for the log and tests)."""

    def __init__(
        self,
        preference: str = "auto",
        *,
        run: Run = _run,
        which: Callable[[str], str | None] = shutil.which,
        cec_device: Path = CEC_DEVICE,
        backlights: Path = BACKLIGHTS,
    ) -> None:
        self._run = run
        self._cec_device = cec_device
        self._cec_ctl = which("cec-ctl")
        self._backlight = self._find_backlight(backlights)
        self.way = self._choose(preference)
        self._lock = threading.Lock()

    def _find_backlight(self, root: Path) -> Path | None:
        try:
            found = sorted(root.glob("*/bl_power"))
        except OSError:
            return None
        return next((p for p in found if _writable(p)), None)

    def _choose(self, preference: str) -> str:
        cec = self._cec_ctl is not None and self._cec_device.exists()
        if preference == "cec" or (preference == "auto" and cec):
            if not cec:
                log.warning(
                    "night: schedule.standby = cec but cec-ctl or %s is missing; the screen goes black",
                    self._cec_device,
                )
                return "black"
            return "cec"
        if preference == "backlight" or (preference == "auto" and self._backlight is not None):
            if self._backlight is None:
                log.warning("night: schedule.standby = backlight but no writable bl_power; the screen goes black")
                return "black"
            return "backlight"
        return "black"

    def describe(self) -> str:
        """One line for the log: what the night does to the display."""
        return {
            "cec": f"the TV goes to standby by HDMI-CEC (cec-ctl on {self._cec_device})",
            "backlight": f"the panel's backlight goes off ({self._backlight})",
            "black": "the screen is drawn black (no HDMI-CEC adapter or backlight control found)",
        }[self.way]

    def sleep(self) -> None:
        self._in_background(on=False)

    def wake(self) -> None:
        self._in_background(on=True)

    def apply(self, on: bool) -> None:
        """Carry out a sleep (``on`` False) or a wake now, on the calling thread; failures are logged."""
        with self._lock:
            try:
                if self.way == "cec" and self._cec_ctl is not None:
                    message = "--image-view-on" if on else "--standby"
                    code = self._run([self._cec_ctl, "-d", str(self._cec_device), "--to", "0", message])
                    if code != 0:
                        log.warning("night: cec-ctl %s exited with %d", message, code)
                elif self.way == "backlight" and self._backlight is not None:
                    self._backlight.write_text("0\n" if on else "4\n")
            except (OSError, subprocess.SubprocessError) as exc:
                log.warning("night: could not %s the display (%s)", "wake" if on else "put to sleep", exc)

    def _in_background(self, *, on: bool) -> None:
        if self.way == "black":
            return
        threading.Thread(target=self.apply, args=(on,), name="picker-kiosk-standby", daemon=True).start()


def _writable(path: Path) -> bool:
    import os

    return os.access(path, os.W_OK)
