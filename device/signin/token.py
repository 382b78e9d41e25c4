"""The sign-in the device keeps: ``StoredToken`` and its file, 0600 from the start and replaced atomically."""

from __future__ import annotations

import base64
import binascii
import json
import logging
from dataclasses import field
from datetime import UTC, datetime
from pathlib import Path

from core.library.files import PRIVATE_DIR, atomic_write, fsync_dir
from core.record import record

log = logging.getLogger(__name__)


@record
class StoredToken:
    """What the device keeps of a sign-in. ``expiry`` is aware UTC; ``account`` the email, when known.

    ``client_id`` is the OAuth client that made it, which alone can refresh it: the device client ("TVs and
    Limited Input devices") or the "Desktop app" client. None (files written before it was recorded) is the
    device client's.
    """

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expiry: datetime | None
    scopes: tuple[str, ...]
    account: str | None = None
    client_id: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": 1,
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expiry": self.expiry.isoformat() if self.expiry else None,
                "scopes": list(self.scopes),
                "account": self.account,
                "client_id": self.client_id,
            }
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> StoredToken:
        """Parse what ``to_json`` wrote; ValueError if it is not that."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        access, refresh = data.get("access_token"), data.get("refresh_token")
        scopes, account, raw_expiry = data.get("scopes", []), data.get("account"), data.get("expiry")
        if not isinstance(access, str) or not isinstance(refresh, str) or not refresh:
            raise ValueError("tokens missing")
        if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            raise ValueError("scopes")
        if account is not None and not isinstance(account, str):
            raise ValueError("account")
        client_id = data.get("client_id")
        if client_id is not None and (not isinstance(client_id, str) or not client_id):
            raise ValueError("client_id")
        expiry = None if raw_expiry is None else parse_expiry(raw_expiry)
        return cls(access, refresh, expiry, tuple(scopes), account, client_id)


# An access token lives an hour: an expiry outside these years was never written by us, and near the ends of
# datetime's range google-auth's own arithmetic overflows. Such an expiry, or garbage, means "expired".
EXPIRY_YEARS = range(2000, 3000)
EXPIRED = datetime(1970, 1, 1, tzinfo=UTC)


def parse_expiry(raw: object) -> datetime:
    """A stored expiry as aware UTC; anything that cannot be trusted is EXPIRED, so the token is refreshed."""
    try:
        when = datetime.fromisoformat(raw) if isinstance(raw, str) else None
        if when is not None:
            when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except (ValueError, OverflowError):
        when = None
    if when is None or when.year not in EXPIRY_YEARS:
        log.warning("the stored sign-in has an impossible expiry; it is refreshed")
        return EXPIRED
    return when


def account_from_id_token(id_token: object) -> str | None:
    """The email in an OpenID id_token, or None if there is none or it is garbled.

    The signature is not verified: the token came straight from Google's token endpoint over TLS (RFC 8628's
    direct back channel), and the email is only shown on screen, never used to decide anything.
    """
    if not isinstance(id_token, str) or id_token.count(".") != 2:
        return None
    payload = id_token.split(".")[1]
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, binascii.Error, RecursionError):
        return None
    email = data.get("email") if isinstance(data, dict) else None
    if not isinstance(email, str) or not 0 < len(email) <= 320 or not email.isprintable():
        return None
    return email


class TokenStore:
    """``state_dir/token.json``: mode 0600 from the moment it exists, replaced atomically."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / "token.json"

    def load(self) -> StoredToken | None:
        """The stored token; None if there is none or the file is unreadable (then a warning is logged)."""
        try:
            text = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cannot read the stored sign-in (%s); signing in again", type(exc).__name__)
            return None
        try:
            return StoredToken.from_json(text)
        except (ValueError, RecursionError):
            log.warning("the stored sign-in file is damaged; signing in again")
            return None

    def save(self, token: StoredToken) -> None:
        """Write the token atomically, 0600 from the moment it exists (core.library.files.atomic_write)."""
        save_token(self.path, token)

    def clear(self) -> None:
        """Forget the token."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return
        fsync_dir(self.state_dir)


def save_token(path: Path, token: StoredToken) -> None:
    """``token`` as a token file at ``path`` (its folder made 0700 if missing), replaced atomically, 0600."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    atomic_write(path, token.to_json().encode())
