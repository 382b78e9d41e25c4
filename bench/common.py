"""What every figure shares: the result record, the emulator and app processes, and /proc readers."""

from __future__ import annotations

import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from core.emulator import testing

ROOT = Path(__file__).resolve().parents[1]
CLIENT_ID = "bench.apps.googleusercontent.com"
CLIENT_SECRET = "bench-client-secret"  # the emulator's; not a Google secret
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Figure:
    """One row of the table: the project's number beside a baseline from the same run, and their ratio.

    ``ratio`` is read against ``target`` (its text says which way is better); ``passed`` is decided by the
    figure's module, never here.
    """

    name: str
    project: float
    baseline: float
    unit: str
    ratio: float
    ratio_label: str
    target: str
    passed: bool
    project_spread: tuple[float, float] | None = None  # (min, max) of the runs whose median is ``project``
    baseline_spread: tuple[float, float] | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "figure": self.name,
            "project": self.project,
            "baseline": self.baseline,
            "unit": self.unit,
            "ratio": self.ratio,
            "ratio_label": self.ratio_label,
            "target": self.target,
            "pass": self.passed,
            "project_spread": self.project_spread,
            "baseline_spread": self.baseline_spread,
            "details": self.details,
        }


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def spread(values: Sequence[float]) -> tuple[float, float]:
    """(min, max) of some runs: printed beside their median, so a figure that flips with the weather shows it."""
    return (min(values), max(values))


def interleaved(runs: int, project: Callable[[], Any], baseline: Callable[[], Any]) -> None:
    """``project``, ``baseline``, ``project``, ``baseline``, … ``runs`` times each: a busy moment of the
    machine slows both sides alike instead of one."""
    for _ in range(runs):
        project()
        baseline()


def python_env(**extra: str) -> dict[str, str]:
    """The environment for a child Python: this checkout importable, pygame's banner off, SDL drawing in memory."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"
    env["SDL_VIDEODRIVER"] = "dummy"
    env["SDL_AUDIODRIVER"] = "dummy"
    env.pop("PICKER_KIOSK_CONFIG", None)
    env.update(extra)
    return env


# ---- /proc -----------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of every thread of ``pid`` so far, read from outside (/proc/<pid>/stat)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14 and 15 of stat)


def status_kib(pid: int | str, key: str) -> int:
    """A ``kB`` line of /proc/<pid>/status, e.g. VmHWM (peak resident set) or VmRSS."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def cpu_share(pid: int, seconds: float) -> float:
    """Share of one core ``pid`` used over the next ``seconds`` of wall time (0.01 = 1 %)."""
    c0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    c1, t1 = cpu_seconds(pid), time.monotonic()
    return (c1 - c0) / (t1 - t0)


# ---- the emulator in its own process ----------------------------------------------------------------


class EmulatorProcess:
    """`python -m bench.emulator` with ``settings`` (Emulator keywords, ``person``, ``warm``)."""

    def __init__(self, settings: dict[str, Any], *, timeout: float = 120.0) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bench.emulator", json.dumps(settings)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=python_env(),
        )
        assert self._proc.stdout is not None
        line = _readline(self._proc.stdout, timeout)
        if not line:
            self.close()
            raise RuntimeError("the emulator process did not start")
        ready = json.loads(line)
        self.url: str = ready["url"]
        self.token: dict[str, Any] = ready["token"]

    @property
    def pid(self) -> int:
        return self._proc.pid

    def requests(self) -> list[dict[str, Any]]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write("requests\n")
        self._proc.stdin.flush()
        answer: list[dict[str, Any]] = json.loads(self._proc.stdout.readline())
        return answer

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _readline(stream: IO[str], timeout: float) -> str:
    box: list[str] = []
    reader = threading.Thread(target=lambda: box.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return box[0] if box else ""


# ---- the app (or any child) with its stderr lines time-stamped as they arrive --------------------------


class Watched:
    """A child process whose stderr lines are time-stamped (time.monotonic) by this process on arrival."""

    def __init__(self, argv: list[str], *, env: dict[str, str], cwd: Path = ROOT) -> None:
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            argv,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
            cwd=cwd,
        )
        self.lines: list[tuple[float, str]] = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._cond:
                self.lines.append((time.monotonic(), line.rstrip("\n")))
                self._cond.notify_all()
        with self._cond:
            self.lines.append((time.monotonic(), "<eof>"))
            self._cond.notify_all()

    def wait_for(self, pattern: str, timeout: float) -> float:
        """When a stderr line matching ``pattern`` (a regex) arrived; RuntimeError after ``timeout``."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        seen = 0
        with self._cond:
            while True:
                for at, line in self.lines[seen:]:
                    if rx.search(line):
                        return at
                    if line == "<eof>":
                        raise RuntimeError(f"exited before {pattern!r}:\n{self.tail()}")
                seen = len(self.lines)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"no {pattern!r} within {timeout:g} s:\n{self.tail()}")
                self._cond.wait(left)

    def tail(self, n: int = 15) -> str:
        return "\n".join(line for _, line in self.lines[-n:])

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM (the app deletes any open session and exits), then SIGKILL if it takes too long."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(timeout=5)
        return self.proc.returncode


def write_config(folder: Path, url: str, **sections: dict[str, Any]) -> Path:
    """A config TOML for `picker-kiosk run` against the emulator at ``url`` with the benchmarks' client."""
    return testing.write_config(folder, url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **sections)


def app_argv(config: Path, *extra: str) -> list[str]:
    return [*testing.KIOSK, "run", "--config", str(config), *extra]


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start
