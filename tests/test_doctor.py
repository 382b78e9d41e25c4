"""`picker-kiosk doctor` against the emulator over real sockets: the three answers of the device grant, and more."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.emulator import Emulator
from tests.helpers import cli
from tests.test_signin_journey import _config_file, emulator


def doctor(config: Path, *more: str) -> tuple[int, dict[str, Any]]:
    result = cli("doctor", "--config", str(config), "--json", *more, env={"SDL_VIDEODRIVER": "dummy"})
    assert "Traceback" not in result.stderr
    return result.returncode, json.loads(result.stdout)


def checks(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in report["checks"]}


def state_files(tmp: Path) -> list[str]:
    state = tmp / "state"
    return sorted(str(p.relative_to(tmp)) for p in state.rglob("*")) if state.exists() else []


def test_scope_accepted(tmp_path: Path) -> None:
    with emulator() as emu:
        code, report = doctor(_config_file(tmp_path, emu.url, "device"))
        assert emu.device_codes_issued == 1 and emu.tokens_refreshed == 0
    by_name = checks(report)
    assert code == 0 and report["ok"] is True
    assert by_name["device-grant"] == {
        "name": "device-grant",
        "ok": True,
        "detail": "accepted: Google hands this client sign-in codes for the Photos Picker",
    }
    assert by_name["desktop-client"]["ok"] is True
    assert by_name["token"]["ok"] and "not signed in yet" in by_name["token"]["detail"]
    assert [c["name"] for c in report["checks"]] == [
        "config",
        "network",
        "device-grant",
        "desktop-client",
        "token",
        "library",
        "display",
        "disk",
    ]
    assert "dummy" in by_name["display"]["detail"]
    assert state_files(tmp_path) == []  # no token, no library, no lock file left behind


def test_scope_refused_is_told_in_googles_words_and_auto_can_still_sign_in(tmp_path: Path) -> None:
    with emulator() as emu:
        emu.refuse_scope = True
        code, report = doctor(_config_file(tmp_path, emu.url, "auto"))
        device_only, alone = doctor(_config_file(tmp_path / "d", emu.url, "device"))
    grant = checks(report)["device-grant"]
    assert grant["ok"] is False
    assert grant["detail"].startswith("refused: Google says") and "Invalid device flow scope" in grant["detail"]
    assert code == 0 and report["ok"] is True  # the phone way works: the device can sign in
    assert device_only == 1 and alone["ok"] is False  # the device grant was the only way


def test_wrong_client_type(tmp_path: Path) -> None:
    with emulator() as emu:
        emu.wrong_client_type = True
        code, report = doctor(_config_file(tmp_path, emu.url, "device"))
    grant = checks(report)["device-grant"]
    assert code == 1 and grant["ok"] is False
    assert 'not of type "TVs and Limited Input devices"' in grant["detail"]


def test_a_wrong_desktop_secret_and_a_stored_token(tmp_path: Path) -> None:
    with Emulator(
        client_id="tv.apps", client_secret="tv-secret", desktop_client_id="desk.apps", desktop_client_secret="another"
    ) as emu:
        code, report = doctor(_config_file(tmp_path, emu.url, "phone"))
    desktop = checks(report)["desktop-client"]
    assert code == 1 and not desktop["ok"] and "invalid_client" in desktop["detail"]
    assert "desk-secret" not in json.dumps(report)


def test_the_text_form_is_one_line_per_check(tmp_path: Path) -> None:
    with emulator() as emu:
        config = _config_file(tmp_path, emu.url, "auto")
        result = cli("doctor", "--config", str(config), env={"SDL_VIDEODRIVER": "dummy"})
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 0
    assert [line.split(":")[0].split()[-1] for line in lines[:-1]] == [
        "config",
        "network",
        "device-grant",
        "desktop-client",
        "token",
        "library",
        "display",
        "disk",
    ]
    assert lines[0].startswith("ok ")


def test_a_stored_token_is_refreshed_in_memory_and_a_running_kiosk_keeps_its_library(tmp_path: Path) -> None:
    import fcntl
    import os

    import requests

    from device.app import load_config
    from device.signin.phone import PhoneSignInFlow
    from device.signin.token import TokenStore

    with emulator() as emu:
        config_path = _config_file(tmp_path, emu.url, "auto")
        config = load_config(config_path)
        store = TokenStore(config.storage.state_dir)
        phone = PhoneSignInFlow(config.google, store, lambda token: None)
        phone.complete(requests.get(phone.consent_url(), allow_redirects=False, timeout=5).headers["Location"])
        before = store.path.read_bytes()
        lock = config.storage.state_dir / "library.lock"
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)  # what a running kiosk holds
        try:
            code, report = doctor(config_path)
        finally:
            os.close(fd)
        assert emu.tokens_refreshed == 1
    by_name = checks(report)
    assert code == 0, report
    assert by_name["token"]["ok"] and "Desktop app client" in by_name["token"]["detail"]
    assert "frame.owner@example.com" in by_name["token"]["detail"]
    assert "photospicker.mediaitems.readonly" in by_name["token"]["detail"]
    assert by_name["library"] == {"name": "library", "ok": True, "detail": "in use by the running kiosk"}
    assert store.path.read_bytes() == before  # the refresh was not written
