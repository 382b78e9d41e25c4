"""The emulator's settings (fixed at construction) and world (what tests may change while it runs)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from core.emulator.person import Person

PICKER_SCOPE = "https://www.googleapis.com/auth/photospicker.mediaitems.readonly"
SLACK = 0.05  # seconds of grace when checking that a client waited its interval


@dataclass(frozen=True)
class Settings:
    """Timing and identity rules; every time is read from ``clock`` (seconds)."""

    clock: Callable[[], float]
    epoch_offset: float  # wall epoch seconds = clock() + epoch_offset
    client_id: str | None
    client_secret: str | None
    desktop_client_id: str | None  # the "Desktop app" client of the authorization-code flow; None: any
    desktop_client_secret: str | None
    auth_code_lifetime: float  # seconds an authorization code can be exchanged
    interval: int
    code_expires_in: int
    poll_interval: float
    session_timeout: float
    access_token_lifetime: int
    url_lifetime: float
    complete_uri: bool

    def wall(self, now: float) -> float:
        return now + self.epoch_offset


@dataclass
class World:
    """Knobs a test may turn at run time; read at each request."""

    person: Person = field(default_factory=Person)
    refuse_scope: bool = False  # /device/code refuses the Picker scope, as Google may (invalid_scope)
    wrong_client_type: bool = False  # /device/code answers 401 invalid_client, as for a non-TV client
    no_photos_account: bool = False
    short_pages: bool = False  # mediaItems.list pages hold fewer items than asked (first page: none)
    max_open_sessions: int = 10
    fraction_digits: int = 6  # of expireTime; Google sends 0, 3, 6 or 9
