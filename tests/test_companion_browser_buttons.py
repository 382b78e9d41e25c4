"""Every button of the paired page, pressed in headless chromium: each reaches the frame as its key would (the
flow's event, the screen's own previous/pause/next), and the page follows the frame from screen to screen."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from core import flow
from core.clock import FakeClock
from core.config import CompanionConfig, SlideshowConfig
from core.errors import TransportError
from core.library import Photo
from core.states import Choose, ConfirmSignOut, Problem, Slideshow, State
from device.companion.health import Health
from device.companion.phone_page import LABELS, SHOWING
from device.companion.server import Companion
from device.doctor import Check
from device.loop import Loop
from device.ui.screen import Screen
from tests.companion_browser import browsers, wait_for  # noqa: F401 - the fixture
from tests.test_companion_kiosk import by_id, shown
from tests.test_companion_remote import Device
from tests.test_slideshow_controls import photos, showing

__all__ = ["photos"]  # the fixture, shared
pytestmark = pytest.mark.usefixtures("dummy_sdl")
PICKER = "https://photos.google.com/picker/AF1QipNnZx7kTq2hWl0cD9vR3sYb8uJm4eKa6oPiG5f"


class Frame:
    """A frame in this process: the flow's loop, a real screen (SDL's dummy driver), the companion serving on
    127.0.0.1. What the page posts is fed to the loop on this thread (``pump``), as the kiosk's loop does."""

    companion: Companion  # serving, once the fixture started it

    def __init__(self, state_dir: Path, photos: list[Photo], clock: FakeClock) -> None:
        self.photos = photos
        self.clock = clock
        self.device = Device(state_dir)
        results = iter([(True, [Check("network", True, "fine")]), (False, [Check("disk", False, "12 MB free")])])
        self.health = Health(lambda: next(results))
        self.device.view.sources.health = self.health
        self.events: queue.Queue[flow.Event] = queue.Queue()
        self.effects: list[flow.Effect] = []
        self.screen = Screen(
            size=(800, 480), slideshow=SlideshowConfig(interval=60.0, fade=0.0, shuffle=False), now=clock.now
        )
        machine = flow.Machine(companion=True)
        machine, _ = flow.step(machine, flow.Boot(signed_in=True, account="owner@example.com", photos=3), 0.0)
        self.loop = Loop(machine, self.screen, self.effects.extend, _no_wait, list, lambda: photos, clock=clock)

    @property
    def state(self) -> State:
        return self.loop.machine.state

    def pump(self) -> None:
        """One turn of the frame: the page's events into the flow, the state to the page and on the screen."""
        while True:
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                break
            self.loop.feed(event)
        self.device.view.observe(self.state, self.clock.now())
        self.screen.show(self.state, self.clock.now(), self.photos)
        time.sleep(0.005)
        self.clock.advance(0.05)


def _no_wait(seconds: float) -> flow.Event | None:
    return None  # the page's events come in through Frame.pump


@pytest.fixture
def frame(tmp_path: Path, photos: list[Photo], fake_clock: FakeClock) -> Iterator[Frame]:
    built = Frame(tmp_path / "state", photos, FakeClock(1000.0))
    built.screen.open()
    device = built.device
    parts = {"phones": device.phones, "view": device.view, "phone_settings": device.settings}
    config = CompanionConfig(bind="127.0.0.1", port=0)
    with Companion(config, None, built.events.put, fake_clock.clock(), **parts) as companion:
        built.companion = companion
        yield built
    built.screen.close()


def test_every_button_of_the_page_works_the_frame(
    frame: Frame,
    browsers: Callable[[], Any],  # noqa: F811
) -> None:
    phone = browsers()
    pressed: set[str] = set()

    def until(done: Callable[[], object], timeout: float = 20) -> None:
        def turn(_driver: Any) -> object:
            frame.pump()
            return done()

        wait_for(phone, turn, timeout)

    def press(name: str) -> None:
        """Wait until the page shows the button (it follows the frame), then press it."""
        until(lambda: shown(phone, f"do-{name}"))
        by_id(phone, f"do-{name}").click()
        pressed.add(name)

    until(lambda: showing(frame.screen) == "p0" and not frame.screen.decoding)
    phone.get(frame.companion.pairing_url("pair"))
    until(lambda: shown(phone, "status") and "Showing 3 photos." in by_id(phone, "status").text)

    # Now showing: the screen's own keys, from the phone.
    press("next")
    until(lambda: showing(frame.screen) == "p1")
    press("previous")
    until(lambda: showing(frame.screen) == "p0")
    press("pause")
    until(lambda: frame.screen.paused)
    press("pause")  # again: it goes on
    until(lambda: not frame.screen.paused)

    # Add photos: the device creates the session; the page offers the picker, the TV says a phone is choosing.
    press("add")
    until(lambda: flow.CreateSession() in frame.effects)
    frame.events.put(flow.SessionCreated("s1", PICKER, 5.0, 1800.0))
    until(lambda: isinstance(frame.state, Choose) and frame.state.on_phone and shown(phone, "open-picker"))
    until(lambda: "Choosing on a phone…" in [t for t, _r in frame.screen.last_texts])
    press("cancel")
    until(lambda: flow.DeleteSession("s1") in frame.effects and isinstance(frame.state, Slideshow))

    # Replace photos, Google unreachable: the problem's Try again, from the phone, keeps the picking the phone's.
    press("replace")
    until(lambda: flow.CreateSession(True) in frame.effects)
    frame.events.put(flow.Failed(flow.CreateSession(True), TransportError("no route to host")))
    until(lambda: isinstance(frame.state, Problem))
    press("retry")
    until(lambda: frame.effects.count(flow.CreateSession(True)) == 2)
    frame.events.put(flow.SessionCreated("s2", PICKER, 5.0, 1800.0))
    until(lambda: isinstance(frame.state, Choose) and frame.state.on_phone and frame.state.replace)
    press("cancel")
    until(lambda: flow.DeleteSession("s2") in frame.effects and isinstance(frame.state, Slideshow))

    # Sign out: asked first, as on the device; Cancel, then each of the device's two answers.
    press("sign-out")
    until(lambda: isinstance(frame.state, ConfirmSignOut) and shown(phone, "do-sign-out-keep"))
    press("cancel")
    until(lambda: isinstance(frame.state, Slideshow))
    press("sign-out")
    press("sign-out-keep")
    until(lambda: flow.SignOut(False) in frame.effects)
    frame.events.put(flow.SignedOutDone(photos=3))
    until(lambda: isinstance(frame.state, Slideshow) and not frame.loop.machine.signed_in)
    press("sign-out")
    press("sign-out-remove")
    until(lambda: flow.SignOut(True) in frame.effects)

    # Status: Check runs doctor's check-up again (the first ran when the companion started).
    frame.health.start()
    assert frame.health.wait(10)
    press("check")
    until(lambda: "Needs fixing — disk: 12 MB free" in by_id(phone, "doctor").text)
    assert frame.health.runs == 2

    # Every action button of the page was pressed here; Save, Forget and the picker link in test_companion_kiosk.
    assert pressed == set(LABELS) | set(SHOWING) | {"check"}
