"""`picker-kiosk login`: sign in on a computer with a browser (or import a sign-in), for a device to use.

    picker-kiosk login [--config FILE] [--out FILE]          the browser opens; the token file is written
    picker-kiosk login --to http://<device>:<port> --code C  ... and sent to the device's pairing server instead
    picker-kiosk login --import FILE                         google-auth's authorized_user JSON, checked

The browser way is the authorization code + PKCE flow of the "Desktop app" client ([google.desktop]) with a
loopback redirect caught on 127.0.0.1 (device/signin/pkce.py). The token file is the device's own format,
written atomically and 0600; copy it into the device's state folder as token.json.
"""

from __future__ import annotations

import argparse
import json
import webbrowser
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

import requests

from core.config import Config
from core.errors import AuthError, ConfigError, TransportError
from core.proxies import ProxiesOnce
from core.transport import Transport
from device import logs
from device.signin import pkce
from device.signin.imported import token_from_authorized_user
from device.signin.token import StoredToken, save_token

SEND_TIMEOUT = 30.0
MAX_IMPORT = 64 * 1024


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="FILE", help="the device's TOML config (its [google] and [google.desktop])")
    p.add_argument("--out", metavar="FILE", help="where to write the token file (default: the config's state folder)")
    p.add_argument("--to", metavar="URL", help="send the sign-in to the device at http://<device>:<port> instead")
    p.add_argument("--code", metavar="CODE", help="with --to: the code shown on the device's sign-in screen")
    p.add_argument("--import", dest="import_file", metavar="FILE", help="google-auth authorized_user JSON to use")


def authorized_user(token: StoredToken) -> dict[str, object]:
    """google-auth's authorized_user JSON of ``token``, without the client secret (the device has it)."""
    info: dict[str, object] = {
        "type": "authorized_user",
        "client_id": token.client_id,
        "refresh_token": token.refresh_token,
    }
    if token.account:
        info["account"] = token.account
    return info


def read_import(path: Path) -> Mapping[str, object]:
    try:
        raw = path.read_bytes()[: MAX_IMPORT + 1]
    except OSError as exc:
        raise ConfigError(f"Cannot read {path} ({exc.strerror}).") from exc
    try:
        info = json.loads(raw) if len(raw) <= MAX_IMPORT else None
    except (ValueError, RecursionError):
        info = None
    if not isinstance(info, dict):
        raise AuthError(f"{path} is not google-auth's authorized_user JSON.")
    return info


def send_to_device(url: str, code: str, token: StoredToken, http: requests.Session) -> str:
    """POST the sign-in to the device's ``/login``; the account it reports, or an error in its words."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"--to must look like http://<device>:<port>, not {url!r}.")
    origin = f"{parts.scheme}://{parts.netloc}"
    try:
        # The device checks Origin on every POST (a page elsewhere cannot post a sign-in to it).
        reply = http.post(
            f"{origin}/login",
            json={"code": code, "token": authorized_user(token)},
            headers={"Origin": origin},
            timeout=SEND_TIMEOUT,
        )
    except requests.RequestException as exc:
        raise TransportError(f"Could not reach the device at {parts.netloc}.") from exc
    try:
        body = reply.json()
    except ValueError:
        body = None
    said = body.get("error") if isinstance(body, dict) else None
    if reply.status_code != 200:
        words = said if isinstance(said, str) and said.isprintable() else f"it answered {reply.status_code}"
        raise AuthError(f"The device did not take the sign-in: {words[:200]}")
    account = body.get("account") if isinstance(body, dict) else None
    return account if isinstance(account, str) and account.isprintable() else "your Google account"


def run_login(
    config: Config,
    args: argparse.Namespace,
    *,
    open_url: Callable[[str], object] = webbrowser.open,
    http: requests.Session | None = None,
) -> str:
    """Do what ``args`` asks; the line to print."""
    http = http or ProxiesOnce()
    if args.to and not args.code:
        raise ConfigError("--to needs --code: the code shown on the device's sign-in screen.")
    if args.import_file:
        token = token_from_authorized_user(read_import(Path(args.import_file)), config.google, Transport(http))
    else:
        print("Opening the browser for Google's consent page… (sign in there, then come back)")
        token = pkce.run_in_browser(config.google, open_url)
    logs.register_secret(token.access_token)
    logs.register_secret(token.refresh_token)
    who = token.account or "your Google account"
    if args.to:
        return f"Signed in on the device as {send_to_device(args.to, args.code, token, http)}."
    out = Path(args.out) if args.out else config.storage.state_dir / "token.json"
    try:
        save_token(out, token)
    except OSError as exc:
        raise ConfigError(f"Cannot write {out} ({exc.strerror}); choose another place with --out FILE.") from exc
    return f"Signed in as {who}. The sign-in is in {out} (0600): copy it to the device's state folder as token.json."


def cmd_login(args: argparse.Namespace, config: Config) -> int:
    """Errors are KioskErrors, printed in one line by device.app.main."""
    print(run_login(config, args))
    return 0
