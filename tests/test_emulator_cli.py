"""`picker-kiosk emulator` as a service: its flags, what it prints, what it logs, and bad input."""

from __future__ import annotations

import argparse
import re
import signal
import subprocess
import threading
import tomllib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import pytest
import requests

from core.config import parse_config
from core.emulator import PICKER_SCOPE, Emulator
from core.emulator.cli import add_arguments, announcement
from tests.helpers import KIOSK, ROOT, cli, device_token

SCOPES = f"{PICKER_SCOPE} openid email"


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(argv)


def read_until(stream: IO[str], pattern: str) -> re.Match[str]:
    for line in stream:
        found = re.search(pattern, line)
        if found:
            return found
    raise AssertionError(f"the emulator ended before printing {pattern!r}")


@contextmanager
def served(*flags: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`picker-kiosk emulator --port 0 FLAGS` on 127.0.0.1; yields its URL once it says it listens."""
    proc = subprocess.Popen(
        [*KIOSK, "emulator", "--port", "0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    watchdog = threading.Timer(60, proc.kill)  # a hung emulator fails the test instead of holding the suite
    watchdog.start()
    try:
        assert proc.stdout is not None
        url = read_until(proc.stdout, r"listening on (http://127\.0\.0\.1:\d+)")[1]
        yield url, proc
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        watchdog.cancel()


def stopped_stderr(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    return err


def ask_code(url: str, client_id: str = "cid") -> requests.Response:
    return requests.post(f"{url}/device/code", data={"client_id": client_id, "scope": SCOPES}, timeout=10)


def test_port_out_of_range_is_a_clear_error_with_exit_2() -> None:
    done = cli("emulator", "--port", "70000")
    assert done.returncode == 2
    assert "70000 is not a port" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_bad_fault_flag_is_a_clear_error_with_exit_2() -> None:
    done = cli("emulator", "--port", "0", "--fault", "sessions.get:fast")
    assert done.returncode == 2 and "cannot read 'fast'" in done.stderr
    assert "Traceback" not in done.stderr


def test_help_lists_the_switches_and_the_fault_syntax() -> None:
    done = cli("emulator", "--help")
    for flag in ("--refuse-picker-scope", "--wrong-client-type", "--fault", "--consent-page", "--desktop-client-id"):
        assert flag in done.stdout
    assert "sessions.get:503" in done.stdout and "exchange" in done.stdout


@pytest.mark.parametrize(("host", "loopback"), [("0.0.0.0", "127.0.0.1"), ("::", "[::1]")])
def test_every_address_warns_and_prints_a_config_run_accepts(host: str, loopback: str) -> None:
    text, warning = announcement(parse("--host", host), f"http://{host}:8765", 8765)
    assert warning is not None and "anyone on your network can reach" in warning
    assert "refuses plain http" in warning
    config_text = text.split("in the config file:", 1)[1]
    data = tomllib.loads(config_text)
    assert data["google"]["auth_url"] == f"http://{loopback}:8765"
    config = parse_config(data)  # what `picker-kiosk run` reads: a non-loopback http URL would be refused
    assert config.google.auth_url == f"http://{loopback}:8765"


def test_loopback_host_has_no_warning() -> None:
    text, warning = announcement(parse(), "http://127.0.0.1:8765", 8765)
    assert warning is None and 'auth_url = "http://127.0.0.1:8765"' in text


def test_quiet_by_default_and_switches_reach_the_server() -> None:
    with served("--wrong-client-type") as (url, proc):
        r = ask_code(url)
        assert (r.status_code, r.json()["error"]) == (401, "invalid_client")
        err = stopped_stderr(proc)
    assert "/device/code" not in err


def test_verbose_logs_requests_and_faults_and_refused_scope_come_from_flags() -> None:
    with served("-v", "--refuse-picker-scope", "--fault", "device_code:503,retry-after=7") as (url, proc):
        first = ask_code(url)
        assert first.status_code == 503 and first.headers["Retry-After"] == "7"
        second = ask_code(url)
        assert (second.status_code, second.json()) == (
            400,
            {"error": "invalid_scope", "error_description": f"Invalid device flow scope: {PICKER_SCOPE}"},
        )
        assert ask_code(url).status_code == 400  # the fault was for one request; the refusal stays
        err = stopped_stderr(proc)
    assert "POST /device/code -> 503" in err and "POST /device/code -> 400" in err


def test_deeply_nested_json_is_a_400_and_the_server_keeps_serving(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    token = emulator.grant_token()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    r = requests.post(f"{emulator.url}/v1/sessions", data="[" * 100_000, headers=headers, timeout=10)
    assert (r.status_code, r.json()["error"]["status"]) == (400, "INVALID_ARGUMENT")
    assert not [rec for rec in caplog.records if rec.levelname == "ERROR"]  # no traceback logged
    assert requests.post(f"{emulator.url}/v1/sessions", json={}, headers=headers, timeout=10).status_code == 200


def test_a_big_library_of_new_photos_only_from_flags() -> None:
    """--photos past 5,000, --new-picks and --no-videos: what grows a 10,000-photo library session by session."""
    with served(
        "--photos",
        "10000",
        "--pick-count",
        "30",
        "--new-picks",
        "--no-videos",
        "--approve-after",
        "0",
        "--pick-after",
        "0",
        "--poll-interval",
        "1",
    ) as (url, _):
        token = device_token(url, ask_code(url).json()["device_code"], "cid", "s")
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {token}"
        picks = []
        for _ in range(2):
            sid = http.post(f"{url}/v1/sessions", params={"requestId": str(uuid.uuid4())}, json={}, timeout=10)
            items = http.get(
                f"{url}/v1/mediaItems", params={"sessionId": sid.json()["id"], "pageSize": 100}, timeout=10
            ).json()["mediaItems"]
            assert len(items) == 30 and {i["type"] for i in items} == {"PHOTO"}
            picks.append({i["id"] for i in items})
        assert not picks[0] & picks[1]
