"""A real `picker-kiosk run --headless` with its phone companion on 127.0.0.1, for the companion's tests."""

from __future__ import annotations

import queue
import re
import socket
import subprocess
import threading
from pathlib import Path
from typing import IO

from core.emulator import Emulator, testing
from tests.helpers import CLIENT_ID, CLIENT_SECRET, KIOSK, ROOT

LINK = re.compile(r"Control from your phone .*?: (http://127\.0\.0\.1:\d+/p/\S+)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Output:
    """A process's output lines, read on a thread as they come (so the process never waits on a full pipe)."""

    def __init__(self) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self._reader: threading.Thread | None = None

    def follow(self, out: IO[str]) -> None:
        self._reader = threading.Thread(target=self._read, args=(out,), daemon=True)
        self._reader.start()

    def _read(self, out: IO[str]) -> None:
        for line in out:
            self.lines.put(line.rstrip("\n"))

    def wait_line(self, pattern: re.Pattern[str], timeout: float = 30) -> re.Match[str]:
        """The next line of its output that matches (the lines before it are kept in ``seen``)."""
        while True:
            line = self.lines.get(timeout=timeout)
            self.seen.append(line)
            found = pattern.search(line)
            if found:
                return found

    def drain(self, timeout: float = 10) -> str:
        """All it said, once its output has ended (the process is over): the lines seen, then the rest."""
        if self._reader is not None:
            self._reader.join(timeout)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return "\n".join(self.seen)


class RunningKiosk(Output):
    """`picker-kiosk run --headless` against ``emulator``; its stdout lines are read as they come."""

    def __init__(self, folder: Path, emulator: Emulator, port: int, *, enabled: bool = True) -> None:
        super().__init__()
        self.config = testing.write_config(
            folder,
            emulator.url,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            companion={"enabled": enabled, "bind": "127.0.0.1", "port": port},
            download={"workers": 4},
        )
        self.port = port
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> RunningKiosk:
        self.proc = subprocess.Popen(
            [*KIOSK, "run", "--headless", "--config", str(self.config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
        )
        assert self.proc.stdout is not None
        self.follow(self.proc.stdout)
        return self

    def link(self, timeout: float = 30) -> str:
        return self.wait_line(LINK, timeout).group(1)

    def press_enter(self) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()

    def stop(self) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.terminate()
        code = self.proc.wait(timeout=20)
        return code
