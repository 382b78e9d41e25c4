"""The scripted person on the other side: how they answer the sign-in and what they pick, and when."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Answer = Literal["approve", "deny", "never"]
Consent = Literal["allow", "cancel"]


@dataclass
class Person:
    """What the person with the phone does; the emulator reads it lazily at each request.

    ``pick_after`` counts from the session's creation when the picking is streamlined (a ``requestId`` was
    sent and ``streamlined`` is true); otherwise from the first GET of the pickerUri (the phone scanned).
    A person who never finishes picking: set ``pick_after`` beyond the session timeout.

    ``answer`` is their answer to the device grant (on google.com/device). ``consent`` is their answer on the
    consent page of the authorization-code flow: "allow" redirects to ``redirect_uri?state&code&scope``,
    "cancel" to ``redirect_uri?error=access_denied&state``. With ``consent_page`` false (the default, for
    scripts) ``GET /o/oauth2/v2/auth`` answers that 302 at once; with it true the GET shows an HTML page whose
    one form has an "Allow" and a "Cancel" button, and the button pressed decides (for a real browser).

    ``new_picks``: each session picks items no earlier session picked, while enough are left (a person adding
    new photos to their frame, session after session); by default every session draws from the whole library.

    ``processing_for``: a picked video Google is still processing becomes READY this many seconds (on the
    emulator's clock) after the person tapped Done; None keeps it PROCESSING for good.
    """

    answer: Answer = "approve"
    approve_after: float = 2.0
    pick_count: int = 12
    pick_after: float = 3.0
    streamlined: bool = True
    email: str = "frame.owner@example.com"
    include_videos: bool = True
    new_picks: bool = False
    consent: Consent = "allow"
    consent_page: bool = False
    processing_for: float | None = None
