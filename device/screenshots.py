"""``--screenshots DIR``: one PNG the first time each screen appears, and an end once the journey's are saved."""

from __future__ import annotations

import logging
from dataclasses import field
from pathlib import Path
from typing import Protocol, runtime_checkable

from core.record import mutable_record
from core.states import Downloading, State

log = logging.getLogger(__name__)

JOURNEY_SCREENS = frozenset({"connect", "choose", "downloading", "slideshow"})


@runtime_checkable
class SavesScreenshots(Protocol):
    """A renderer that can write what is on screen as a PNG (device.ui.screen.Screen)."""

    def save_screenshot(self, path: Path) -> None: ...


@mutable_record
class ScreenshotPlan:
    """Save one PNG the first time each screen appears; optionally stop once the journey's last one is saved."""

    folder: Path
    stop_after: frozenset[str] = frozenset()  # the journey's screens; the run ends once the last is saved
    last: str = "slideshow"
    settle: float = 1.5  # seconds a photo screen is shown before it is saved (photos decode, fades finish)
    saved: set[str] = field(default_factory=set)
    _first_seen: dict[str, float] = field(default_factory=dict)

    def due(self, state: State, now: float) -> str | None:
        name = state.screen_name
        if name in self.saved:
            return None
        if isinstance(state, Downloading) and state.done == 0:
            return None  # a progress bar with something on it says more
        first = self._first_seen.setdefault(name, now)
        wait = {"slideshow": self.settle, "downloading": 0.3}.get(name, 0.2)
        return name if now - first >= wait else None

    @property
    def complete(self) -> bool:
        return bool(self.stop_after) and self.last in self.saved

    @property
    def missing(self) -> frozenset[str]:
        return self.stop_after - self.saved


class Screenshots:
    """The loop's after-frame hook for a plan: saves what is due from ``renderer``; True once the plan is done."""

    def __init__(self, plan: ScreenshotPlan, renderer: object) -> None:
        self.plan = plan
        self._renderer = renderer if isinstance(renderer, SavesScreenshots) else None

    def __call__(self, state: State, now: float) -> bool:
        self._capture(state, now)
        plan = self.plan
        if not plan.complete:
            return False
        if plan.missing:
            log.warning("these screens went by too fast to be saved: %s", ", ".join(sorted(plan.missing)))
        log.info("the journey's screens are saved in %s", plan.folder)
        return True

    def _capture(self, state: State, now: float) -> None:
        plan, renderer = self.plan, self._renderer
        if renderer is None:
            return
        name = plan.due(state, now)
        if name is None:
            return
        path = plan.folder / f"{name}.png"
        try:
            renderer.save_screenshot(path)
        except OSError as exc:
            log.warning("could not save the screenshot %s: %s", path, exc)
            return
        plan.saved.add(name)
        log.info("saved %s", path)
