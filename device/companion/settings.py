"""The settings a phone changes, the slideshow's and the night's: saved on the device (atomic), over the config
file's defaults."""

from __future__ import annotations

import json
import logging
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from core.config import PHONE_SETTINGS, SLIDESHOW_CLOCKS, SLIDESHOW_LAYOUTS, SlideshowConfig
from core.errors import ConfigError
from core.library.files import atomic_write
from core.schedule import Schedule, parse_schedule_text, schedule_text

log = logging.getLogger("picker-kiosk.companion")
FILE_NAME = "settings.json"
INTERVAL = (1.0, 86400.0)  # seconds per photo, as the config file allows (at least 1 s), up to a day
FADE = (0.0, 10.0)
NIGHT = "sleep"  # the night schedule's key, as [schedule] sleep and [companion] locked name it
AWAKE = Schedule()  # no night: the frame never sleeps


class SettingsRefused(ValueError):
    """A value out of range; the message names the setting in plain words."""


def _number(form: Mapping[str, Any], name: str, bounds: tuple[float, float], label: str) -> float:
    try:
        value = float(str(form.get(name, "")).strip())
    except ValueError:
        raise SettingsRefused(f"{label} must be a number.") from None
    if not math.isfinite(value) or not bounds[0] <= value <= bounds[1]:
        raise SettingsRefused(f"{label} must be between {bounds[0]:g} and {bounds[1]:g} seconds.")
    return value


def _choice(form: Mapping[str, Any], name: str, choices: tuple[str, ...], label: str, default: str) -> str:
    """One of ``choices`` (as core.config checks the same key); a form without the field keeps ``default``."""
    value = str(form.get(name, default)).strip()
    if value not in choices:
        raise SettingsRefused(f"{label} must be one of {', '.join(choices)}.")
    return value


def _night(form: Mapping[str, Any], default: Schedule) -> str:
    """The night schedule as [schedule] sleep checks it (core.schedule), in its one-line form."""
    text = str(form.get(NIGHT, schedule_text(default))).strip()
    try:
        return schedule_text(parse_schedule_text(text, "Night"))
    except ConfigError as exc:
        raise SettingsRefused(str(exc)) from None


class PhoneSettings:
    """The slideshow's settings and the night schedule now: the config file's, then what phones saved for the
    keys it does not lock."""

    def __init__(
        self, state_dir: Path, defaults: SlideshowConfig, locked: tuple[str, ...], night: Schedule = AWAKE
    ) -> None:
        self.path = Path(state_dir) / FILE_NAME
        self.defaults = defaults
        self.night_default = night
        self.locked = frozenset(locked)
        self.on_change: Callable[[SlideshowConfig], None] = lambda slideshow: None
        self.on_night: Callable[[Schedule], None] = lambda schedule: None
        self._lock = threading.Lock()
        self._saved = self._read()

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            log.warning("companion: %s cannot be read; the config file's slideshow settings are used", self.path)
            return {}
        if not isinstance(data, dict):
            return {}
        try:
            return self._checked({**self._values(self.defaults), **data}, partial=data)
        except SettingsRefused:
            return {}

    @staticmethod
    def _values(slideshow: SlideshowConfig) -> dict[str, Any]:
        return {k: v for k, v in asdict(slideshow).items() if k in PHONE_SETTINGS}

    def _checked(self, form: Mapping[str, Any], partial: Mapping[str, Any] | None = None) -> dict[str, Any]:
        # A locked field is disabled on the page, so a browser does not send it: the config file's value stands.
        defaults = {**self._values(self.defaults), NIGHT: schedule_text(self.night_default)}
        form = {**form, **{k: v for k, v in defaults.items() if k in self.locked}}
        values = {
            "interval": _number(form, "interval", INTERVAL, "Seconds per photo"),
            "fade": _number(form, "fade", FADE, "Fade"),
            "shuffle": form.get("shuffle") in (True, "on", "true", "1"),
            "captions": form.get("captions") in (True, "on", "true", "1"),
            "layout": _choice(form, "layout", SLIDESHOW_LAYOUTS, "Layout", self.defaults.layout),
            "clock": _choice(form, "clock", SLIDESHOW_CLOCKS, "Clock", self.defaults.clock),
            NIGHT: _night(form, self.night_default),
        }
        keep = partial.keys() if partial is not None else values.keys()
        return {k: v for k, v in values.items() if k in keep and k not in self.locked}

    def current(self) -> SlideshowConfig:
        with self._lock:
            return replace(self.defaults, **{k: v for k, v in self._saved.items() if k != NIGHT})

    def night(self) -> Schedule:
        """The night schedule now (a saved one was checked when it was read or saved)."""
        with self._lock:
            saved = self._saved.get(NIGHT)
        return self.night_default if saved is None else parse_schedule_text(saved, "Night")

    def shown(self) -> dict[str, Any]:
        """The values and which are locked, for the page."""
        values = {**self._values(self.current()), NIGHT: schedule_text(self.night())}
        return {"values": values, "locked": sorted(self.locked)}

    def update(self, form: Mapping[str, Any]) -> SlideshowConfig:
        """Save the page's form (locked keys are kept as the config file says); SettingsRefused when out of range."""
        values = self._checked(form)
        with self._lock:
            self._saved = values
            atomic_write(self.path, json.dumps(values).encode("utf-8"))
            slideshow = replace(self.defaults, **{k: v for k, v in values.items() if k != NIGHT})
        self.on_change(slideshow)
        self.on_night(self.night())
        return slideshow
