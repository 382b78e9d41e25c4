"""The whole journey, headless, over real sockets: `picker-kiosk run --headless --once` against the emulator."""

from __future__ import annotations

import signal
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.emulator import Emulator, Fault, Person
from core.records import is_uuid4
from tests.helpers import CLIENT_ID, CLIENT_SECRET, KIOSK, ROOT, cli, kiosk_emulator, write_config
from tests.test_resilience_kill import wait_for


@pytest.fixture
def fast_emulator() -> Iterator[Emulator]:
    """Real time, short intervals: a journey takes a few seconds."""
    with kiosk_emulator(
        photos=60, person=Person(approve_after=0.5, pick_count=12, pick_after=0.8), poll_interval=0.5
    ) as emu:
        yield emu


def library_files(tmp: Path) -> list[Path]:
    lib = tmp / "state" / "library"
    return sorted(p for p in lib.iterdir() if p.is_file()) if lib.exists() else []


def test_run_once_downloads_every_pick_exactly_and_cleans_up(tmp_path: Path, fast_emulator: Emulator) -> None:
    emu = fast_emulator
    config = write_config(tmp_path, emu.url)
    result = cli("run", "--headless", "--once", "--config", str(config))
    assert result.returncode == 0, result.stderr
    files = library_files(tmp_path)
    picked = [r for r in emu.requests if r.endpoint == "media"]
    assert len(files) == len(picked) > 0
    served = {emu.rendition_bytes(i.id, "w1920-h1080") for i in emu.items}
    picks = [i for sid in emu.sessions_created for i in emu.picked(sid)]
    ready = [i for i in picks if i.type == "VIDEO" and i.video_status == "READY"]
    assert ready, "the journey picks videos too"
    served |= {emu.rendition_bytes(i.id, "dv") for i in ready}
    for f in files:
        assert f.read_bytes() in served, f"{f.name} is not byte-identical to what was served"
    by_bytes = {f.read_bytes(): f for f in files}
    for item in ready:  # every READY video is in the library, beside its poster
        video = by_bytes[emu.rendition_bytes(item.id, "dv")]
        assert video.suffix == ".mp4"
        poster = video.with_name(video.stem + ".poster.jpg")
        assert poster.read_bytes() == emu.rendition_bytes(item.id, "w1920-h1080")
    assert not [p for p in (tmp_path / "state").rglob("*") if p.name.endswith((".part", ".tmp"))]
    token = tmp_path / "state" / "token.json"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert emu.sessions_created and not emu.open_sessions
    assert all(rid is not None and is_uuid4(rid) for rid in emu.request_ids)
    assert emu.violations == []
    assert CLIENT_SECRET not in result.stdout + result.stderr


def test_second_run_reuses_the_token_and_merges(tmp_path: Path, fast_emulator: Emulator) -> None:
    emu = fast_emulator
    config = write_config(tmp_path, emu.url)
    assert cli("run", "--headless", "--once", "--config", str(config)).returncode == 0
    codes_before = emu.device_codes_issued
    first = {p.name for p in library_files(tmp_path)}
    assert cli("run", "--headless", "--once", "--config", str(config)).returncode == 0
    assert emu.device_codes_issued == codes_before  # no second sign-in
    assert first <= {p.name for p in library_files(tmp_path)}
    assert not emu.open_sessions


def test_token_expiring_mid_download_is_refreshed_without_losing_an_item(tmp_path: Path) -> None:
    emu = Emulator(
        photos=60,
        person=Person(approve_after=0.3, pick_count=30, pick_after=0.5),
        interval=1,
        poll_interval=0.5,
        access_token_lifetime=2,
        latency=0.05,
    )
    with emu:
        config = write_config(tmp_path, emu.url)
        result = cli("run", "--headless", "--once", "--config", str(config))
        assert result.returncode == 0, result.stderr
        assert emu.tokens_refreshed >= 1
        media_ok = {r.path for r in emu.requests if r.endpoint == "media" and r.status == 200}
        assert len(library_files(tmp_path)) == len(media_ok)
        assert not emu.open_sessions


def test_access_denied_exits_non_zero_with_one_plain_line(tmp_path: Path) -> None:
    with Emulator(person=Person(answer="deny", approve_after=0.3), interval=1) as emu:
        config = write_config(tmp_path, emu.url)
        result = cli("run", "--headless", "--once", "--config", str(config))
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert "declined" in last and "Traceback" not in result.stderr


def test_wrong_client_secret_is_explained(tmp_path: Path) -> None:
    with Emulator(
        client_id=CLIENT_ID, client_secret="the-right-one", person=Person(approve_after=0.2), interval=1
    ) as emu:
        config = write_config(tmp_path, emu.url)
        result = cli("run", "--headless", "--once", "--config", str(config))
    assert result.returncode == 1
    assert "TVs and Limited Input" in result.stderr
    assert CLIENT_SECRET not in result.stderr


def test_refused_scope_is_explained(tmp_path: Path) -> None:
    with Emulator(interval=1) as emu:
        emu.refuse_scope = True
        config = write_config(tmp_path, emu.url)
        result = cli("run", "--headless", "--once", "--config", str(config))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Photos" in result.stderr.strip().splitlines()[-1]


def test_server_errors_are_retried_and_nothing_is_lost(tmp_path: Path, fast_emulator: Emulator) -> None:
    emu = fast_emulator
    emu.add_fault(Fault(endpoint="sessions.create", status=503, google_status="UNAVAILABLE", times=1))
    emu.add_fault(Fault(endpoint="mediaItems.list", status=500, google_status="INTERNAL", times=1))
    emu.add_fault(Fault(endpoint="media", drop=True, times=2))
    config = write_config(tmp_path, emu.url)
    result = cli("run", "--headless", "--once", "--config", str(config))
    assert result.returncode == 0, result.stderr
    fetchable = len({r.path for r in emu.requests if r.endpoint == "media" and r.status == 200})
    assert len(library_files(tmp_path)) == fetchable
    assert not emu.open_sessions


def test_http_to_a_remote_host_is_refused(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://203.0.113.7:8765")
    result = cli("run", "--headless", "--once", "--config", str(config))
    assert result.returncode == 2
    assert "only https://" in result.stderr


def test_sigterm_while_waiting_for_the_pick_deletes_the_session(tmp_path: Path) -> None:
    with Emulator(
        person=Person(approve_after=0.2, answer="approve", pick_after=3600), interval=1, poll_interval=0.5
    ) as emu:
        config = write_config(tmp_path, emu.url)
        proc = subprocess.Popen(
            [*KIOSK, "run", "--headless", "--config", str(config)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # The first poll of the session comes from the running loop, whose signal handlers are in place.
        assert wait_for(lambda: any(r.endpoint == "sessions.get" for r in emu.requests), 30), "no session was polled"
        assert emu.sessions_created, "no session was created"
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=10)
        took = time.monotonic() - sent
        assert code == 0
        assert not emu.open_sessions
        assert took < 5.0


def test_signout_revokes_and_forgets(tmp_path: Path, fast_emulator: Emulator) -> None:
    emu = fast_emulator
    config = write_config(tmp_path, emu.url)
    assert cli("run", "--headless", "--once", "--config", str(config)).returncode == 0
    result = cli("signout", "--config", str(config))
    assert result.returncode == 0 and "Signed out" in result.stdout
    assert not (tmp_path / "state" / "token.json").exists()
    assert any(r.endpoint == "revoke" for r in emu.requests)
