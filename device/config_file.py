"""Reading the config file: its path, the TOML, the client secret files; every problem a ConfigError."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from core.config import Config, parse_config, secret_file_path
from core.errors import ConfigError
from device import logs

DEFAULT_CONFIG = Path("/etc/picker-kiosk/config.toml")


def config_path(arg: str | None) -> Path:
    """--config, else $PICKER_KIOSK_CONFIG, else /etc/picker-kiosk/config.toml."""
    if arg:
        return Path(arg)
    env = os.environ.get("PICKER_KIOSK_CONFIG")
    return Path(env) if env else DEFAULT_CONFIG


def load_config(path: Path) -> Config:
    """Read and validate the TOML config; every problem is a ConfigError in plain words."""
    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"No config file at {path} (use --config FILE or $PICKER_KIOSK_CONFIG).") from exc
    except PermissionError as exc:
        raise ConfigError(f"The config file {path} cannot be read by this user.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The config file {path} is not valid TOML: {exc}") from exc
    google = data.get("google", {})
    secret_text = _secret_file(google, "google")
    desktop = google.get("desktop") if isinstance(google, dict) else None
    desktop_secret = _secret_file(desktop, "google.desktop")
    if desktop_secret is not None and isinstance(desktop, dict):
        data = {**data, "google": {**google, "desktop": {**desktop, "client_secret": desktop_secret}}}
    config = parse_config(data, client_secret_text=secret_text)
    logs.register_secret(config.google.client_secret)
    if config.google.desktop is not None:
        logs.register_secret(config.google.desktop.client_secret)
    return config


def _secret_file(table: object, where: str) -> str | None:
    """The text of ``[where] client_secret_file`` when the table names one instead of a client_secret."""
    if not isinstance(table, dict) or "client_secret" in table or "client_secret_file" not in table:
        return None
    # systemd's LoadCredential= puts the secret under $CREDENTIALS_DIRECTORY.
    path = secret_file_path(str(table["client_secret_file"]), os.environ, f"{where}.client_secret_file")
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{where}.client_secret_file {path} cannot be read ({exc.strerror}).") from exc
