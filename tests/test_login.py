"""`picker-kiosk login` on a computer: the loopback flow against the emulator, the token file, --import."""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
from pathlib import Path

import pytest
import requests

from core.emulator import Person
from core.errors import AccessDenied, AuthError, SignInRequired
from device.app import load_config
from device.login import run_login
from device.signin.token import StoredToken
from tests.helpers import cli
from tests.test_signin_journey import DESKTOP_ID, _config_file, emulator


def browser(url: str) -> None:
    """A browser that shows Google's consent page and goes where it is sent (the local redirect)."""
    requests.get(url, timeout=10)


def args(**given: object) -> argparse.Namespace:
    return argparse.Namespace(**{"config": None, "out": None, "to": None, "code": None, "import_file": None, **given})


def test_login_catches_the_loopback_redirect_and_writes_a_private_token_file(tmp_path: Path) -> None:
    with emulator() as emu:
        config = load_config(_config_file(tmp_path, emu.url, "auto"))
        out = tmp_path / "copy-me" / "token.json"
        line = run_login(config, args(out=str(out)), open_url=browser)
        assert "frame.owner@example.com" in line and str(out) in line
        token = StoredToken.from_json(out.read_text())
        assert token.client_id == DESKTOP_ID
        assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
        redirect = [r for r in emu.requests if r.endpoint == "authorize"]
        assert redirect and not emu.violations  # S256 and a loopback redirect_uri


def test_login_consent_denied_says_so_and_writes_nothing(tmp_path: Path) -> None:
    with emulator() as emu:
        emu.person = Person(consent="cancel")
        config = load_config(_config_file(tmp_path, emu.url, "auto"))
        with pytest.raises(AccessDenied, match="not allowed"):
            run_login(config, args(out=str(tmp_path / "t.json")), open_url=browser)
        assert not (tmp_path / "t.json").exists()


def test_login_command_with_browser_env_writes_the_state_folder_token(tmp_path: Path) -> None:
    script = tmp_path / "browser"
    script.write_text(f"#!{sys.executable}\nimport sys, requests\nrequests.get(sys.argv[1], timeout=10)\n")
    script.chmod(0o755)
    with emulator() as emu:
        config = _config_file(tmp_path, emu.url, "auto")
        result = cli("login", "--config", str(config), env={"BROWSER": str(script)}, timeout=60)
    assert result.returncode == 0, result.stderr
    token = json.loads((tmp_path / "state" / "token.json").read_text())
    assert token["client_id"] == DESKTOP_ID and token["account"] == "frame.owner@example.com"
    assert token["refresh_token"] not in result.stdout + result.stderr


def test_import_checks_the_sign_in_at_google(tmp_path: Path) -> None:
    with emulator() as emu:
        config = load_config(_config_file(tmp_path, emu.url, "auto"))
        made = run_login(config, args(out=str(tmp_path / "first.json")), open_url=browser)
        assert made
        first = StoredToken.from_json((tmp_path / "first.json").read_text())
        exported = tmp_path / "authorized_user.json"
        info = {"type": "authorized_user", "client_id": DESKTOP_ID, "client_secret": "x"}
        exported.write_text(json.dumps({**info, "refresh_token": first.refresh_token}))
        line = run_login(config, args(import_file=str(exported), out=str(tmp_path / "imported.json")))
        assert "Signed in as frame.owner@example.com" in line
        imported = StoredToken.from_json((tmp_path / "imported.json").read_text())
        assert imported.client_id == DESKTOP_ID and imported.refresh_token == first.refresh_token
        emu.revoke_all()
        with pytest.raises(SignInRequired):
            run_login(config, args(import_file=str(exported), out=str(tmp_path / "again.json")))
        exported.write_text(json.dumps({"client_id": "someone-else", "refresh_token": "r"}))
        with pytest.raises(AuthError, match="does not name"):
            run_login(config, args(import_file=str(exported), out=str(tmp_path / "other.json")))
        assert not (tmp_path / "again.json").exists() and not (tmp_path / "other.json").exists()


def test_login_to_a_device_sends_what_accept_takes_and_reports_a_wrong_code(tmp_path: Path) -> None:
    """The device's POST /login is the companion's (another branch); here a loopback stand-in with the agreed
    answers hands the body to the device's PhoneSignIn.accept, as the companion does."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from device.signin.phone import PhoneSignInFlow
    from device.signin.token import TokenStore

    with emulator() as emu:
        config = load_config(_config_file(tmp_path, emu.url, "auto"))
        device_store = TokenStore(tmp_path / "device")
        device = PhoneSignInFlow(config.google, device_store, lambda token: None)

        class Login(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                assert self.headers["Origin"] == to  # the device refuses a POST without its own Origin
                if self.path != "/login" or body.get("code") != "K7QF-2MXD":
                    status, answer = 403, {"ok": False, "error": "That code is not the one on the screen."}
                else:
                    status, answer = 200, {"ok": True, "account": device.accept(body["token"])}
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Login)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        to = f"http://127.0.0.1:{server.server_port}"
        try:
            with pytest.raises(AuthError, match="not the one on the screen"):
                run_login(config, args(to=to, code="WRONG-000"), open_url=browser)
            assert device_store.load() is None
            line = run_login(config, args(to=to, code="K7QF-2MXD"), open_url=browser)
        finally:
            server.shutdown()
            server.server_close()
        assert line == "Signed in on the device as frame.owner@example.com."
        stored = device_store.load()
        assert stored is not None and stored.client_id == DESKTOP_ID
        assert not (tmp_path / "state" / "token.json").exists()  # --to writes no file on the computer
