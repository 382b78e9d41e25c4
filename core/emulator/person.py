"""The scripted person on the other side: how they answer the sign-in and what they pick, and when."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Answer = Literal["approve", "deny", "never"]


@dataclass
class Person:
    """What the person with the phone does; the emulator reads it lazily at each request.

    ``pick_after`` counts from the session's creation when the picking is streamlined (a ``requestId`` was
    sent and ``streamlined`` is true); otherwise from the first GET of the pickerUri (the phone scanned).
    A person who never finishes picking: set ``pick_after`` beyond the session timeout.
    """

    answer: Answer = "approve"
    approve_after: float = 2.0
    pick_count: int = 12
    pick_after: float = 3.0
    streamlined: bool = True
    email: str = "frame.owner@example.com"
    include_videos: bool = True
