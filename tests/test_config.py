"""The config contract of design.md: keys, defaults, plain errors, loopback-only http, secret files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.config import check_url, parse_config
from core.errors import ConfigError
from device.app import config_path, load_config

GOOD = """
[google]
client_id = "abc.apps.googleusercontent.com"
client_secret = "s3cret-value"
auth_url = "http://127.0.0.1:8765"
picker_url = "http://localhost:8765/"
[storage]
state_dir = "/tmp/pk-state"
library_dir = "/tmp/pk-state/photos"
[picking]
max_items = 300
"""


def test_design_md_keys_are_read(tmp_path: Path) -> None:
    f = tmp_path / "config.toml"
    f.write_text(GOOD)
    cfg = load_config(f)
    assert cfg.google.client_id == "abc.apps.googleusercontent.com"
    assert cfg.google.client_secret == "s3cret-value"
    assert cfg.google.picker_url == "http://localhost:8765"
    assert cfg.storage.library_dir == Path("/tmp/pk-state/photos")
    assert cfg.picking.max_items == 300
    assert "s3cret-value" not in repr(cfg)


def test_defaults_are_googles_and_var_lib() -> None:
    cfg = parse_config({"google": {"client_id": "x", "client_secret": "y"}})
    assert cfg.google.auth_url == "https://oauth2.googleapis.com"
    assert cfg.google.picker_url == "https://photospicker.googleapis.com"
    assert cfg.storage.state_dir == Path("/var/lib/picker-kiosk")
    assert cfg.storage.library_dir == Path("/var/lib/picker-kiosk/library")
    assert cfg.picking.max_items == 2000


@pytest.mark.parametrize(
    "url,ok",
    [
        ("https://oauth2.googleapis.com", True),
        ("http://127.0.0.1:9", True),
        ("http://127.8.9.10", True),
        ("http://[::1]:8080", True),
        ("http://localhost", True),
        ("http://192.168.1.5:8765", False),
        ("http://example.com", False),
        ("http://localhost.evil.com", False),
        ("ftp://127.0.0.1", False),
    ],
)
def test_plain_http_only_to_loopback(url: str, ok: bool) -> None:
    if ok:
        assert check_url(url, "x")
    else:
        with pytest.raises(ConfigError):
            check_url(url, "x")


def test_client_secret_file_with_credentials_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "client_secret").write_text("from-systemd-credential\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    f = tmp_path / "c.toml"
    f.write_text('[google]\nclient_id = "a"\nclient_secret_file = "${CREDENTIALS_DIRECTORY}/client_secret"\n')
    assert load_config(f).google.client_secret == "from-systemd-credential"


@pytest.mark.parametrize(
    "text,words",
    [
        ("[google\n", "not valid TOML"),
        ('[google]\nclient_secret = "x"\n', "client_id is missing"),
        ('[google]\nclient_id = "a"\n[picking]\nmax_items = 5000\n', "between 1 and 2000"),
        ('[google]\nclient_id = "a"\n[picking]\nmax_items = "ten"\n', "must be a int"),
        ('[google]\nclient_id = "a"\nauth_url = "http://10.0.0.2"\n', "only https://"),
        ('[google]\nclient_id = "a"\nclient_secret_file = "/nonexistent/secret"\n', "cannot be read"),
    ],
)
def test_bad_configs_say_what_is_wrong(tmp_path: Path, text: str, words: str) -> None:
    f = tmp_path / "c.toml"
    f.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(f)
    assert words in info.value.message


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="No config file"):
        load_config(tmp_path / "nope.toml")


def test_config_path_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PICKER_KIOSK_CONFIG", raising=False)
    assert config_path(None) == Path("/etc/picker-kiosk/config.toml")
    monkeypatch.setenv("PICKER_KIOSK_CONFIG", "/x/y.toml")
    assert config_path(None) == Path("/x/y.toml")
    assert config_path("/a.toml") == Path("/a.toml")
    assert os.environ["PICKER_KIOSK_CONFIG"] == "/x/y.toml"
