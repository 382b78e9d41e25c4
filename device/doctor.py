"""`picker-kiosk doctor`: one line per check of what the device needs, in plain words (or JSON); no state left behind.

Checks: config, network, device-grant, desktop-client (when configured), token, library, display, disk. The
device grant is asked for a code with the configured scopes (the code is never used); the "Desktop app"
client is asked to exchange a made-up code, which tells a known client (invalid_grant) from an unknown one
(invalid_client); the stored token is refreshed in memory only; the library is read, never repaired, and not
at all while the kiosk holds it (a full or read-only disk, which puts the kiosk in degraded mode, is found
with a one-byte probe file, removed at once). The display check says which way the night schedule puts the
display to sleep. Exit 0 when the device can sign in one of the configured ways (not being
signed in yet is fine) and every other check passed; 1 otherwise.
"""

from __future__ import annotations

import argparse
import errno
import fcntl
import json
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlsplit

import requests

from core.config import Config
from core.errors import KioskError, TransportError
from core.library.degraded import degraded_reason
from core.library.names import temp_name
from core.proxies import ProxiesOnce
from core.record import record
from core.transport import NO_RETRY, Reply, Transport
from device.signin.credentials import client_of
from device.signin.imported import token_from_authorized_user
from device.signin.oauth import PICKER_SCOPE, SCOPES, oauth_error
from device.signin.token import TokenStore

TIMEOUT = 10.0
DB_NAME = "library.sqlite3"  # core.library's index (read here, never written)
LOCK_NAME = "library.lock"  # core.library.claim's lock file (tested, never created)
BOGUS_VERIFIER = "doctor-" + "0" * 43  # a well-formed PKCE verifier for a code that does not exist


@record
class Check:
    name: str
    ok: bool
    detail: str


def _words(reply: Reply) -> str:
    """Google's own words in an error answer (error_description, else the error name), printable and short."""
    body = reply.body if isinstance(reply.body, dict) else {}
    said = body.get("error_description") or oauth_error(reply) or f"HTTP {reply.status}"
    text = "".join(ch for ch in str(said) if ch.isprintable())
    return text[:200]


class Doctor:
    """Runs the checks against one config; ``http`` is the session every request goes through."""

    def __init__(self, config: Config, http: requests.Session) -> None:
        self.config = config
        self.google = config.google
        self.transport = Transport(http, retry=NO_RETRY, timeout=TIMEOUT)
        self.http = http

    def network(self) -> Check:
        hosts: dict[str, str] = {}
        for url in (self.google.auth_url, self.google.picker_url, self.google.authorize_url):
            parts = urlsplit(url)
            hosts.setdefault(parts.netloc, f"{parts.scheme}://{parts.netloc}/")
        silent = []
        for netloc, root in hosts.items():
            try:
                self.http.get(root, timeout=TIMEOUT, allow_redirects=False).close()
            except requests.RequestException:
                silent.append(netloc)
        if silent:
            return Check("network", False, f"no answer from {', '.join(silent)}")
        return Check("network", True, f"{', '.join(hosts)} answer")

    def device_grant(self) -> Check:
        try:
            reply = self.transport.call(
                "POST",
                f"{self.google.auth_url}/device/code",
                data={"client_id": self.google.client_id, "scope": " ".join(SCOPES)},
                retry=False,
            )
        except TransportError as exc:
            return Check("device-grant", False, f"could not ask Google ({exc.message})")
        error = oauth_error(reply)
        if reply.status == 200 and isinstance(reply.body, dict) and reply.body.get("device_code"):
            return Check("device-grant", True, "accepted: Google hands this client sign-in codes for the Photos Picker")
        if error == "invalid_scope":
            return Check("device-grant", False, f"refused: Google says “{_words(reply)}”")
        if error == "invalid_client":
            return Check(
                "device-grant",
                False,
                'invalid_client: this client is not of type "TVs and Limited Input devices" (or its id is wrong)',
            )
        if error == "rate_limit_exceeded":
            return Check("device-grant", False, "Google says too many sign-in codes were asked for; try again later")
        return Check("device-grant", False, f"Google answered {reply.status}: {_words(reply)}")

    def desktop_client(self) -> Check | None:
        desktop = self.google.desktop
        if desktop is None:
            return None
        try:
            reply = self.transport.call(
                "POST",
                f"{self.google.auth_url}/token",
                data={
                    "grant_type": "authorization_code",
                    "code": "picker-kiosk-doctor-made-up-code",
                    "client_id": desktop.client_id,
                    "client_secret": desktop.client_secret,
                    "redirect_uri": "http://127.0.0.1/",
                    "code_verifier": BOGUS_VERIFIER,
                },
                retry=False,
            )
        except TransportError as exc:
            return Check("desktop-client", False, f"could not ask Google ({exc.message})")
        error = oauth_error(reply)
        if error == "invalid_grant":
            return Check("desktop-client", True, "Google knows this client and its secret: the phone sign-in can work")
        if error == "invalid_client":
            detail = "invalid_client: Google does not know this client id, or the secret is wrong"
            return Check("desktop-client", False, detail)
        return Check("desktop-client", False, f"Google answered {reply.status}: {_words(reply)}")

    def token(self) -> Check:
        store = TokenStore(self.config.storage.state_dir)
        if not store.path.exists():
            return Check("token", True, "not signed in yet: the device will ask")
        token = store.load()
        if token is None:
            return Check("token", False, f"{store.path} is damaged or unreadable: the device will sign in again")
        client_id, _ = client_of(token, self.google)
        kind = "Desktop app" if self.google.desktop and client_id == self.google.desktop.client_id else "device"
        try:
            fresh = token_from_authorized_user(
                {"client_id": client_id, "refresh_token": token.refresh_token}, self.google, self.transport
            )
        except KioskError as exc:
            return Check("token", False, f"present ({kind} client) but it does not refresh: {exc.message}")
        account = fresh.account or token.account or "an unnamed account"
        scopes = ", ".join(s.rsplit("/", 1)[-1] for s in fresh.scopes)
        ok = PICKER_SCOPE in fresh.scopes
        return Check("token", ok, f"refreshes ({kind} client), signed in as {account}; scopes: {scopes}")

    def library(self) -> Check:
        state = self.config.storage.state_dir
        degraded = _degraded(state, self.config.storage.library_dir)
        if degraded is not None:
            return Check("library", False, f"degraded: {degraded}")
        if _held_by_kiosk(state / LOCK_NAME):
            return Check("library", True, "in use by the running kiosk")
        db = state / DB_NAME
        if not db.exists():
            return Check("library", True, "empty: no photos yet")
        try:
            conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True, timeout=2.0)
            try:
                if conn.execute("PRAGMA quick_check").fetchall() != [("ok",)]:
                    return Check("library", False, "the index is damaged; the kiosk repairs it at its next start")
                files = [row[0] for row in conn.execute("SELECT file FROM media")]
            finally:
                conn.close()
        except sqlite3.Error:
            return Check("library", False, "the index cannot be read; the kiosk repairs it at its next start")
        missing = sum(1 for name in files if not (self.config.storage.library_dir / name).is_file())
        if missing:
            detail = f"{len(files)} photos indexed, {missing} missing; the kiosk repairs it at its next start"
            return Check("library", False, detail)
        return Check("library", True, f"{len(files)} photos, consistent")

    def disk(self) -> Check:
        folder = self.config.storage.state_dir
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        free = shutil.disk_usage(folder).free
        need = self.config.download.min_free_bytes
        detail = f"{free / 2**30:.1f} GiB free in {folder}"
        if free < need:
            return Check("disk", False, f"{detail}; downloads need {need / 2**20:.0f} MiB")
        return Check("disk", True, detail)


def _degraded(state_dir: Path, library_dir: Path) -> str | None:
    """Why the kiosk would run its library in degraded mode (a full or read-only disk), or None.

    Each existing folder gets a one-byte probe file, written, fsynced and removed at once (named as the
    library's own temp files, which it removes at start-up should the probe ever be left behind)."""
    for folder in dict.fromkeys((state_dir, library_dir)):
        if not folder.is_dir():
            continue
        probe = folder / temp_name(f"doctor-{os.getpid()}")
        try:
            fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, b"\0")
                os.fsync(fd)
            finally:
                os.close(fd)
                probe.unlink(missing_ok=True)
        except OSError as exc:  # named after the probe: a failed write names no file, the reason names the folder
            reason = degraded_reason(OSError(exc.errno, exc.strerror, str(probe)), state_dir, library_dir)
            if reason is not None:
                return reason
    return None


def _held_by_kiosk(lock: Path) -> bool:
    """True when a running kiosk holds the library lock. The file is never created, and a free lock is taken
    shared for an instant only, so a kiosk starting meanwhile is not locked out for longer."""
    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        return exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES)
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def display_check(config: Config) -> Check:
    from device import display

    driver = display.choose_driver(os.environ)
    if driver is None:
        detail = "no display found: the kiosk shows the journey in the terminal"
    elif not driver:
        detail = "a desktop session: SDL chooses the driver"
    else:
        detail = f"SDL video driver {driver!r}"
    return Check("display", True, f"{detail}; {night_words(config)}")


def night_words(config: Config) -> str:
    """What the night schedule does to the display, chosen as the kiosk's night chooses it (device.standby)."""
    night = config.schedule
    if not night.sleep.enabled:
        return "no night schedule (schedule.sleep is off)"
    from device.standby import Standby

    return f"at night {Standby(night.standby).describe()}"


def run_checks(path: Path, load: Callable[[Path], Config], http: requests.Session) -> tuple[bool, list[Check]]:
    """Every check, in order, and whether the device is fine overall."""
    try:
        config = load(path)
    except KioskError as exc:
        return False, [Check("config", False, exc.message)]
    checks = [Check("config", True, f"{path} is valid; sign_in = {config.google.sign_in}")]
    doctor = Doctor(config, http)
    checks.append(doctor.network())
    grant = doctor.device_grant()
    desktop = doctor.desktop_client()
    checks += [grant] + ([desktop] if desktop else [])
    checks += [doctor.token(), doctor.library(), display_check(config), doctor.disk()]
    way = config.google.sign_in
    can_sign_in = (grant.ok and way != "phone") or (desktop is not None and desktop.ok and way != "device")
    others = [c for c in checks if c.name not in ("device-grant", "desktop-client")]
    return can_sign_in and all(c.ok for c in others), checks


def cmd_doctor(args: argparse.Namespace, path: Path, load: Callable[[Path], Config]) -> int:
    ok, checks = run_checks(path, load, ProxiesOnce())
    if args.json:
        print(json.dumps({"ok": ok, "checks": [asdict(c) for c in checks]}, ensure_ascii=False))
    else:
        for c in checks:
            print(f"{'ok  ' if c.ok else 'FAIL'} {c.name}: {c.detail}")
        print("Everything needed is in place." if ok else "Something needs fixing (see FAIL above).")
    return 0 if ok else 1
