"""The runner maps an effect to one client call and its answer to one event: a failure comes back as
``Failed(effect, error)`` for the flow to retry, and the token file is deleted on a worker, not the caller."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from core import flow
from core.clock import FakeClock
from core.config import Config, DownloadConfig, GoogleConfig, StorageConfig
from core.emulator import Emulator, Fault
from core.errors import SignInRequired, TransportError
from core.library import Library
from device.runner import EventQueue, Runner
from device.signin.grant import DeviceAuth
from device.signin.token import TokenStore

GOOGLE_CLIENT = ("client.apps.googleusercontent.com", "s3cret-client")  # the emulator's default client


class WatchedStore(TokenStore):
    """The device's token store, telling which thread deleted the file."""

    def __init__(self, state_dir: Path) -> None:
        super().__init__(state_dir)
        self.cleared_on: threading.Thread | None = None
        self.cleared = threading.Event()

    def clear(self) -> None:
        super().clear()
        self.cleared_on = threading.current_thread()
        self.cleared.set()


class Rig:
    """A Runner wired as device.app wires it, against the emulator, with its event inbox."""

    def __init__(self, emu: Emulator, tmp: Path, clock: FakeClock) -> None:
        google = GoogleConfig(*GOOGLE_CLIENT, emu.url, emu.url)
        state = tmp / "state"
        download = DownloadConfig(workers=2, min_free_bytes=0)
        config = Config(google=google, storage=StorageConfig(state, state / "library"), download=download)
        self.store = WatchedStore(state)
        self.library = Library(state, state / "library", download=download, screen=(640, 480), clock=clock.clock())
        self.library.open()
        self.events = EventQueue()
        self.runner = Runner(config, self.library, self.store, self.events.post, clock=clock.clock())
        self.google = google
        self.clock = clock

    def sign_in(self) -> None:
        auth = DeviceAuth(self.google, requests.Session(), clock=self.clock.clock())
        self.store.save(auth.wait(auth.start()))
        assert self.runner.load_token() is not None

    def answer(self, effect: flow.Effect) -> flow.Event:
        self.runner.run([effect])
        event = self.events.get(timeout=10)
        assert event is not None, f"no answer to {effect}"
        return event

    def close(self) -> None:
        self.runner.close(wait=True)
        self.library.close()


@pytest.fixture
def rig(emulator: Emulator, tmp_path: Path, fake_clock: FakeClock) -> Iterator[Rig]:
    made = Rig(emulator, tmp_path, fake_clock)
    yield made
    made.close()


def test_a_failure_comes_back_with_the_effect_that_failed(rig: Rig) -> None:
    event = rig.answer(flow.PollSession("s1"))  # not signed in: nothing to poll with
    assert isinstance(event, flow.Failed)
    assert event.effect == flow.PollSession("s1") and isinstance(event.error, SignInRequired)


def test_a_dropped_delete_is_one_request_and_one_failure_and_sending_it_again_deletes(
    rig: Rig, emulator: Emulator
) -> None:
    rig.sign_in()
    created = rig.answer(flow.CreateSession())
    assert isinstance(created, flow.SessionCreated)
    sid = created.session_id
    assert (created.poll_interval, created.timeout_in) == (5.0, 1800.0)  # Google's pollingConfig, as sent
    emulator.add_fault(Fault(endpoint="sessions.delete", drop=True, times=1))
    failed = rig.answer(flow.DeleteSession(sid))
    assert isinstance(failed, flow.Failed) and failed.effect == flow.DeleteSession(sid)
    assert isinstance(failed.error, TransportError)
    deletes = [r for r in emulator.requests if r.endpoint == "sessions.delete"]
    assert len(deletes) == 1  # no retry loop of its own: the flow decides whether to send it again
    assert emulator.open_sessions == [sid]
    assert rig.answer(flow.DeleteSession(sid)) == flow.SessionDeleted(sid)
    assert emulator.open_sessions == []
    assert rig.library.open_sessions() == []


def test_forgetting_the_token_deletes_the_file_on_a_worker(rig: Rig) -> None:
    rig.sign_in()
    assert rig.store.path.exists()
    rig.runner.run([flow.ForgetToken()])
    assert rig.store.cleared.wait(10)
    assert rig.store.cleared_on is not None and rig.store.cleared_on is not threading.current_thread()
    assert not rig.store.path.exists()
    assert rig.runner.load_token() is None
    failed = rig.answer(flow.PollSession("s1"))  # the picker went with the token
    assert isinstance(failed, flow.Failed) and isinstance(failed.error, SignInRequired)
