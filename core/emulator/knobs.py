"""The knobs a test turns on a running emulator: the person and the world's switches, read at each request."""

from __future__ import annotations

from core.emulator.person import Person
from core.emulator.state import World


class WorldKnobs:
    """Properties over the emulator's ``World``; the Emulator inherits them."""

    _world: World

    @property
    def person(self) -> Person:
        return self._world.person

    @person.setter
    def person(self, value: Person) -> None:
        self._world.person = value

    @property
    def refuse_scope(self) -> bool:
        return self._world.refuse_scope

    @refuse_scope.setter
    def refuse_scope(self, value: bool) -> None:
        self._world.refuse_scope = value

    @property
    def wrong_client_type(self) -> bool:
        """/device/code answers 401 invalid_client, as Google does for a client not of the TV type."""
        return self._world.wrong_client_type

    @wrong_client_type.setter
    def wrong_client_type(self, value: bool) -> None:
        self._world.wrong_client_type = value

    @property
    def no_photos_account(self) -> bool:
        return self._world.no_photos_account

    @no_photos_account.setter
    def no_photos_account(self, value: bool) -> None:
        self._world.no_photos_account = value

    @property
    def short_pages(self) -> bool:
        """mediaItems.list answers short pages (the first one empty) that still carry a nextPageToken."""
        return self._world.short_pages

    @short_pages.setter
    def short_pages(self, value: bool) -> None:
        self._world.short_pages = value

    @property
    def max_open_sessions(self) -> int:
        return self._world.max_open_sessions

    @max_open_sessions.setter
    def max_open_sessions(self, value: int) -> None:
        self._world.max_open_sessions = value

    @property
    def fraction_digits(self) -> int:
        """Fraction digits of expireTime (0, 3, 6 or 9)."""
        return self._world.fraction_digits

    @fraction_digits.setter
    def fraction_digits(self, value: int) -> None:
        if value not in (0, 3, 6, 9):
            raise ValueError("fraction_digits is 0, 3, 6 or 9")
        self._world.fraction_digits = value
