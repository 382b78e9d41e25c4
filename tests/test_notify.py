"""device.notify against a real AF_UNIX datagram socket standing in for systemd's notify socket."""

from __future__ import annotations

import os
import select
import socket
import struct
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.clock import FakeClock
from device import notify
from device.notify import Notifier, Watchdog

ROOT = Path(__file__).resolve().parent.parent


class Manager:
    """The service manager's end: a bound datagram socket that reads what was sent and by whom."""

    def __init__(self, sock: socket.socket, env_value: str) -> None:
        self.sock = sock
        self.env_value = env_value
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)

    def receive(self, timeout: float = 2.0) -> tuple[dict[str, str], int]:
        """One datagram as {KEY: value} plus the sender's pid from SCM_CREDENTIALS."""
        ready, _, _ = select.select([self.sock], [], [], timeout)
        assert ready, "nothing arrived on the notify socket"
        data, ancillary, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(struct.calcsize("3i")))
        pid = -1
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = struct.unpack("3i", payload[: struct.calcsize("3i")])[0]
        fields = dict(line.split("=", 1) for line in data.decode().split("\n"))
        return fields, pid

    def silent(self, timeout: float = 0.05) -> bool:
        ready, _, _ = select.select([self.sock], [], [], timeout)
        return not ready


@pytest.fixture
def path_manager(tmp_path: Path) -> Iterator[Manager]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = tmp_path / "notify"
    sock.bind(str(path))
    with sock:
        yield Manager(sock, str(path))


@pytest.fixture
def abstract_manager() -> Iterator[Manager]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    name = f"picker-kiosk-test/{uuid.uuid4()}"
    sock.bind("\0" + name)
    with sock:
        yield Manager(sock, "@" + name)


@pytest.fixture(params=["path", "abstract"])
def manager(request: pytest.FixtureRequest, path_manager: Manager, abstract_manager: Manager) -> Manager:
    return path_manager if request.param == "path" else abstract_manager


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"):
        monkeypatch.delenv(name, raising=False)


def test_ready_and_watchdog_reach_the_socket(manager: Manager, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", manager.env_value)

    assert notify.ready("Showing the sign-in code") is True
    fields, pid = manager.receive()
    assert fields == {"READY": "1", "STATUS": "Showing the sign-in code"}
    # NotifyAccess=main: systemd only believes datagrams whose credentials name the main process.
    assert pid == os.getpid()

    assert notify.watchdog() is True
    assert manager.receive()[0] == {"WATCHDOG": "1"}

    assert notify.stopping() is True
    assert manager.receive()[0] == {"STOPPING": "1"}

    assert notify.status("37 of 120 photos") is True
    assert manager.receive()[0] == {"STATUS": "37 of 120 photos"}


def test_ping_from_a_worker_thread_carries_the_main_pid(path_manager: Manager, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", path_manager.env_value)
    results: list[bool] = []
    worker = threading.Thread(target=lambda: results.append(notify.watchdog()))
    worker.start()
    worker.join()
    fields, pid = path_manager.receive()
    assert results == [True]
    assert fields == {"WATCHDOG": "1"}
    assert pid == os.getpid()


def test_a_child_process_notifies_through_the_inherited_environment(abstract_manager: Manager) -> None:
    env = {**os.environ, "NOTIFY_SOCKET": abstract_manager.env_value, "PYTHONPATH": str(ROOT)}
    code = "import os; from device import notify; print(os.getpid()); raise SystemExit(0 if notify.ready() else 3)"
    child = subprocess.run(
        [sys.executable, "-c", code], env=env, timeout=30, check=False, capture_output=True, text=True
    )
    assert child.returncode == 0, child.stderr
    fields, pid = abstract_manager.receive()
    assert fields == {"READY": "1"}
    assert pid == int(child.stdout)


def test_nothing_is_sent_and_nothing_fails_when_notify_socket_is_unset(path_manager: Manager) -> None:
    assert "NOTIFY_SOCKET" not in os.environ
    assert notify.ready("x") is False
    assert notify.watchdog() is False
    assert notify.stopping() is False
    assert notify.status("x") is False
    assert path_manager.silent()
    assert Notifier.from_environ().enabled is False


@pytest.mark.parametrize("value", ["relative/socket", "@", "vsock:2:1234"])
def test_unusable_addresses_are_ignored(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", value)
    assert Notifier.from_environ().enabled is False
    assert notify.ready() is False


def test_a_vanished_socket_is_reported_not_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "gone"))
    assert notify.ready() is False
    assert notify.watchdog() is False


def test_status_text_cannot_smuggle_in_another_field(path_manager: Manager) -> None:
    notifier = Notifier(address=path_manager.env_value)
    assert notifier.status("Offline\nREADY=1\nWATCHDOG=trigger") is True
    fields, _ = path_manager.receive()
    assert list(fields) == ["STATUS"]
    assert "\n" not in fields["STATUS"]


def test_watchdog_ping_never_blocks_on_a_full_queue(path_manager: Manager) -> None:
    # Fill the receiver's queue the way a busy PID 1 would leave it.
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as filler:
        filler.setblocking(False)
        with pytest.raises(BlockingIOError):
            for _ in range(100_000):
                filler.sendto(b"WATCHDOG=1", path_manager.env_value)
    notifier = Notifier(address=path_manager.env_value)
    done = threading.Event()
    result: list[bool] = []

    def ping() -> None:
        result.append(notifier.watchdog())
        done.set()

    threading.Thread(target=ping, daemon=True).start()
    # Well under the wait READY=1 may spend: the ping must not wait for the queue at all.
    assert done.wait(notify.SEND_TIMEOUT / 2), "watchdog() blocked on a full socket queue"
    assert result == [False]


def test_watchdog_interval_follows_watchdog_usec_and_pid(monkeypatch: pytest.MonkeyPatch) -> None:
    assert notify.watchdog_interval() is None
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")  # WatchdogSec=30
    assert notify.watchdog_interval() == 30.0
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert notify.watchdog_interval() == 30.0
    assert Notifier.from_environ().watchdog_interval == 30.0
    # A WATCHDOG_PID naming another process means the watchdog is not ours to feed.
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid() + 1))
    assert notify.watchdog_interval() is None
    for bad in ("0", "-5", "soon", ""):
        monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
        monkeypatch.setenv("WATCHDOG_USEC", bad)
        assert notify.watchdog_interval() is None


def test_frame_loop_pinger_sends_once_per_interval(path_manager: Manager) -> None:
    clock = FakeClock()
    notifier = Notifier.from_environ(
        {"NOTIFY_SOCKET": path_manager.env_value, "WATCHDOG_USEC": "30000000"}, pid=os.getpid()
    )
    pinger = Watchdog(notifier, now=clock.now)

    sent = []
    for _ in range(60 * 40):  # 40 s of frames at 60 fps
        sent.append(pinger.tick())
        clock.advance(1 / 60)
    # Half of the 30 s timeout: a ping at 0 s, 15 s and 30 s — and never a 30 s gap.
    assert sent.count(True) == 3
    for _ in range(3):
        assert path_manager.receive()[0] == {"WATCHDOG": "1"}
    assert path_manager.silent()


def test_pinger_is_silent_without_a_watchdog(path_manager: Manager) -> None:
    pinger = Watchdog(Notifier(address=path_manager.env_value), now=FakeClock().now)
    assert [pinger.tick() for _ in range(10)] == [False] * 10
    assert path_manager.silent()
