"""`picker-kiosk run` as a service lives it, over real sockets: SIGTERM mid-download, secrets in a DEBUG log,
garbage from every endpoint, a full disk, a corrupted index or photo, a crash before the picks were listed."""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from PIL import Image

from core.emulator import Emulator, Fault, Person
from core.library import Library, media_stem
from tests.helpers import CLIENT_ID, CLIENT_SECRET, KIOSK, ROOT, cli, kiosk_emulator, write_config
from tests.test_resilience_kill import check_library, listed_sessions, temp_files, wait_for

STARTED: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def no_stray_process() -> Iterator[None]:
    """A failed test must not leave a kiosk running against the next test's emulator."""
    yield
    while STARTED:
        proc = STARTED.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def start(config: Path, *extra: str, once: bool = True) -> subprocess.Popen[str]:
    args = [*KIOSK, *extra, "run", "--headless", "--config", str(config)]
    if once:
        args.append("--once")
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    STARTED.append(proc)
    return proc


def run(config: Path, *extra: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    proc = start(config, *extra)
    out, err = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def our_files(tmp: Path) -> set[str]:
    lib = tmp / "state" / "library"
    return {p.name for p in lib.iterdir() if not p.name.startswith(".")} if lib.exists() else set()


def remembered_sessions(tmp: Path) -> list[str]:
    """Session ids in the running kiosk's index, read as a reader of its SQLite file (without its lock)."""
    db = tmp / "state" / "library.sqlite3"
    if not db.exists():
        return []
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
        try:
            return [row[0] for row in conn.execute("SELECT id FROM sessions")]
        except sqlite3.OperationalError:  # the schema is not there yet
            return []


def fails_plainly(result: subprocess.CompletedProcess[str]) -> str:
    """Exit 1, no traceback, and a last line of stderr that is a sentence, not a log record."""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    last = result.stderr.strip().splitlines()[-1]
    assert not last[:4].isdigit() and last.isprintable() and len(last) < 400, last
    return last


@pytest.fixture
def live_emulator() -> Iterator[Emulator]:
    with kiosk_emulator(
        photos=400, person=Person(approve_after=0.1, pick_count=24, pick_after=0.1), poll_interval=0.1
    ) as emulator:
        yield emulator


def slow_media(live_emulator: Emulator, seconds: float = 0.1) -> None:
    live_emulator.add_fault(Fault(endpoint="media", latency=seconds, times=None))


# -- 2. SIGTERM during a download -------------------------------------------------------------------------------


@pytest.mark.parametrize("stall", [0.1, 20.0], ids=["downloading", "answer-stalled"])
def test_sigterm_during_a_download_deletes_the_session_and_exits_0_quickly(
    tmp_path: Path, live_emulator: Emulator, stall: float
) -> None:
    config = write_config(tmp_path, live_emulator.url)
    slow_media(live_emulator, stall)
    proc = start(config, once=False)  # as systemd runs it: a first boot, an empty library
    assert wait_for(lambda: listed_sessions(live_emulator), 30)
    assert wait_for(lambda: any(r.endpoint == "media" for r in live_emulator.requests), 30), "no download started"
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    took = time.monotonic() - sent
    assert proc.returncode == 0, err
    assert took < 5.0, f"took {took:.1f} s to stop"
    assert "Traceback" not in err
    assert live_emulator.open_sessions == []
    assert temp_files(tmp_path) == []
    stopped = our_files(tmp_path)
    assert len(stopped) < 24  # it really was stopped in the middle
    consistent(tmp_path)

    live_emulator.clear_faults()
    created = len(live_emulator.sessions_created)
    again = run(config)
    assert again.returncode == 0, again.stderr
    assert len(live_emulator.sessions_created) == created + 1  # a fresh session; the stopped one is not resumed
    assert listed_sessions(live_emulator)[-1] == live_emulator.sessions_created[-1]
    assert stopped <= our_files(tmp_path)  # what was complete is kept
    assert live_emulator.open_sessions == []


# -- a crash after the person tapped Done, before the picks were listed --------------------------------------------


def test_crash_before_the_picks_were_listed_resumes_them(tmp_path: Path) -> None:
    # The device polls only every 5 s, so the kill lands after the person tapped Done but before any listing.
    with Emulator(photos=100, person=Person(approve_after=0.1, pick_count=8, pick_after=0.1, include_videos=False),
                  interval=1, poll_interval=5.0) as live_emulator:  # fmt: skip
        config = write_config(tmp_path, live_emulator.url)
        proc = start(config)
        assert wait_for(lambda: live_emulator.sessions_created, 30)
        [created] = live_emulator.sessions_created
        # The session is remembered on disk, and picked at Google, before the kill.
        assert wait_for(lambda: remembered_sessions(tmp_path) == [created] and live_emulator.picked(created), 30)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert listed_sessions(live_emulator) == []
        [sid] = live_emulator.sessions_created

        live_emulator.add_fault(Fault(endpoint="sessions.create", status=500, times=None))  # resuming needs none
        result = run(config)
        assert result.returncode == 0, result.stderr
        assert live_emulator.sessions_created == [sid]
        assert listed_sessions(live_emulator) == [sid]
        assert live_emulator.open_sessions == []
        check_library(tmp_path, live_emulator)


# -- 4. a whole journey at DEBUG level leaks no secret ---------------------------------------------------------------


def test_debug_log_of_a_whole_journey_holds_no_secret(tmp_path: Path) -> None:
    with Emulator(photos=60, person=Person(approve_after=1.5, pick_count=6, pick_after=0.3),
                  client_id=CLIENT_ID, client_secret=CLIENT_SECRET, interval=1, poll_interval=0.2,
                  access_token_lifetime=1) as live_emulator:  # fmt: skip
        # A short-lived access token: google-auth refreshes before almost every call.
        live_emulator.add_fault(Fault(endpoint="media", status=401, google_status="UNAUTHENTICATED", times=1))
        config = write_config(tmp_path, live_emulator.url)
        outputs = []

        def journey(expect: int) -> subprocess.CompletedProcess[str]:
            result = run(config, "-v")
            outputs.append(result.stdout + result.stderr)
            assert result.returncode == expect, result.stderr
            return result

        journey(0)
        signout = cli("-v", "signout", "--config", str(config), timeout=30)
        outputs.append(signout.stdout + signout.stderr)
        assert signout.returncode == 0 and any(r.endpoint == "revoke" for r in live_emulator.requests)
        journey(0)  # signs in again
        live_emulator.kill_refresh_tokens()
        live_emulator.expire_access_tokens()
        assert "7 days" in journey(1).stderr
        assert not (tmp_path / "state" / "token.json").exists()  # the next run shows a sign-in code
        secrets = [CLIENT_SECRET, *live_emulator.issued_secrets]
    text = "\n".join(outputs)
    assert "DEBUG" in text and "/v1/sessions" in text  # the log really is verbose
    assert live_emulator.tokens_refreshed >= 2 and live_emulator.device_codes_issued >= 2
    kinds = {s[:3] for s in secrets}
    assert {"4/", "1//", "ya2", "eyJ"} & kinds  # device codes, refresh/access tokens, id_tokens were issued
    for secret in secrets:
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            assert form not in text, f"a secret ({secret[:3]}…) is in the output"


# -- 3. garbage from every JSON endpoint, through the CLI ------------------------------------------------------------

RECOVERS = [
    ("device_code", Fault(endpoint="device_code", garbage=b'{"device_code": 42, "user_code": null}')),
    ("token", Fault(endpoint="token", garbage=b'{"access_token": ["x"], "refresh_token": {}}')),
    ("refresh", Fault(endpoint="refresh", garbage=b'{"access_token": 7, "expires_in": "soon"}')),
    ("sessions.create", Fault(endpoint="sessions.create", garbage=b"<html>502 Bad Gateway</html>")),
    ("sessions.get", Fault(endpoint="sessions.get", garbage=b'{"id": 5, "mediaItemsSet": "yes"}')),
    ("sessions.delete", Fault(endpoint="sessions.delete", garbage=b"[")),
    ("mediaItems.list", Fault(endpoint="mediaItems.list", garbage=b'{"mediaItems": [{"id": 0}], "nextPageToken": 7')),
    ("media", Fault(endpoint="media", garbage=b'{"error": {"code": "x"}}', status=500)),
]  # fmt: skip
GIVES_UP = [
    ("device_code", Fault(endpoint="device_code", garbage=b'{"error_code": "\\u202e\\u0000"}', status=403, times=None)),
    ("token", Fault(endpoint="token", garbage=b'{"error": ["access_denied"]}', status=403, times=None)),
    ("sessions.create", Fault(endpoint="sessions.create", garbage=b"<html>no</html>", status=400, times=None)),
    ("mediaItems.list", Fault(endpoint="mediaItems.list", garbage=b'{"error": "what"}', status=404, times=None)),
]  # fmt: skip


def emu_endpoint(case: str) -> str:
    return case.removeprefix("recovers-").removeprefix("gives-up-")


def test_garbage_from_every_endpoint_never_crashes_the_cli(tmp_path: Path) -> None:
    """Each case its own emulator and process, all at once: a recovery waits out a 5 s backoff."""
    cases = [(f"recovers-{n}", f, True) for n, f in RECOVERS] + [(f"gives-up-{n}", f, False) for n, f in GIVES_UP]
    running = []
    try:
        for name, fault, recovers in cases:
            live_emulator = Emulator(photos=30, person=Person(approve_after=0.2, pick_count=4, pick_after=0.2),
                           client_id=CLIENT_ID, client_secret=CLIENT_SECRET, interval=1, poll_interval=0.2,
                           access_token_lifetime=1 if fault.endpoint == "refresh" else 3600).start()  # fmt: skip
            live_emulator.add_fault(fault)
            folder = tmp_path / name
            folder.mkdir()
            running.append((name, live_emulator, start(write_config(folder, live_emulator.url)), recovers))
        for name, live_emulator, proc, recovers in running:
            out, err = proc.communicate(timeout=90)
            result = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
            assert any(r.endpoint == emu_endpoint(name) for r in live_emulator.requests), f"{name}: never called"
            assert "Traceback" not in err + out, f"{name}: {err}"
            if recovers:
                assert result.returncode == 0, f"{name}: {err}"
            else:
                fails_plainly(result)
            assert live_emulator.open_sessions == [], f"{name}: a session was left open"
    finally:
        for _, live_emulator, proc, _ in running:
            if proc.poll() is None:
                proc.kill()
            live_emulator.stop()


# -- 8. the disk filling up ------------------------------------------------------------------------------------------


def test_disk_full_ends_once_mode_with_a_plain_line_and_no_partial_file(
    tmp_path: Path, live_emulator: Emulator
) -> None:
    config = write_config(tmp_path, live_emulator.url, min_free_bytes=1 << 62)
    result = run(config)
    last = fails_plainly(result)
    assert "full" in last
    assert our_files(tmp_path) == set() and temp_files(tmp_path) == []
    assert live_emulator.open_sessions == []


# -- 9. a corrupted index or photo between two runs ---------------------------------------------------------------


def test_corrupted_index_is_rebuilt_from_the_photos(tmp_path: Path, live_emulator: Emulator) -> None:
    config = write_config(tmp_path, live_emulator.url)
    assert run(config).returncode == 0
    before = our_files(tmp_path)
    db = tmp_path / "state" / "library.sqlite3"
    db.write_bytes(b"this is not a database" * 200)
    result = run(config)
    assert result.returncode == 0, result.stderr
    assert before <= our_files(tmp_path)
    assert (tmp_path / "state" / "library.sqlite3.corrupt").exists()
    assert len(consistent(tmp_path)) == len(our_files(tmp_path))
    assert live_emulator.open_sessions == []


def files_of(tmp: Path, live_emulator: Emulator, session_id: str) -> list[Path]:
    """Complete files of the photos picked in ``session_id`` that are in the library folder now."""
    lib = tmp / "state" / "library"
    return [path for item in live_emulator.picked(session_id) for path in lib.glob(media_stem(item.id) + ".*")]


def consistent(tmp: Path) -> set[Path]:
    """No temp file; the index and the folder agree; every indexed picture decodes. Returns the files' paths."""
    assert temp_files(tmp) == []
    lib = Library(tmp / "state", tmp / "state" / "library")
    lib.open()
    try:
        shown = lib.photos()
    finally:
        lib.close()
    paths = {Path(p.path) for p in shown}  # photos, and videos' posters
    videos = {Path(p.video) for p in shown if p.video}
    assert {p.name for p in paths | videos} == our_files(tmp)
    for path in paths:
        with Image.open(path) as im:
            im.load()
    return paths | videos


def test_corrupted_photo_is_removed_and_fetched_again(tmp_path: Path, live_emulator: Emulator) -> None:
    config = write_config(tmp_path, live_emulator.url)
    assert run(config).returncode == 0
    slow_media(live_emulator, 0.15)
    proc = start(config)
    # Killed in the middle of the download, so the session is remembered with items still to fetch.
    assert wait_for(
        lambda: (
            len(listed_sessions(live_emulator)) == 2
            and len(files_of(tmp_path, live_emulator, listed_sessions(live_emulator)[1])) >= 3
        ),
        30,
    )
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    sid = listed_sessions(live_emulator)[1]
    victim = files_of(tmp_path, live_emulator, sid)[0]
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2])  # a power cut in the wrong place, a dying SD card
    live_emulator.clear_faults()
    result = run(config)
    assert result.returncode == 0, result.stderr
    assert victim.read_bytes() == data, "the broken photo was not fetched again"
    check_library(tmp_path, live_emulator)
    assert live_emulator.open_sessions == []

    # A photo broken when no session needs it any more is removed, never shown.
    other = sorted(p for p in (tmp_path / "state" / "library").iterdir() if p != victim)[0]
    other.write_bytes(b"\xff\xd8 not a photo any more")
    result = run(config)
    assert result.returncode == 0, result.stderr
    paths = consistent(tmp_path)
    assert other not in paths or other.read_bytes() != b"\xff\xd8 not a photo any more"
    assert live_emulator.open_sessions == []
