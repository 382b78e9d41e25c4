"""Client for the Google Photos Picker API v1: sessions, picked media items and their bytes, as typed records.

Errors are those of core.transport, refined by what each call means:
- sessions.get / mediaItems.list: NOT_FOUND or PERMISSION_DENIED -> SessionExpired (the session is gone or
  no longer ours); sessions.delete: NOT_FOUND -> nothing (already gone), PERMISSION_DENIED -> SessionExpired.
- sessions.create: FAILED_PRECONDITION -> NoPhotosAccount (the only precondition of creating a session is a
  Photos library); PERMISSION_DENIED about scopes -> ScopeRefused (the person unticked Photos on the consent
  screen, or Google refused the scope).
- mediaItems.list: FAILED_PRECONDITION -> NotReady (the person has not tapped Done).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import replace
from urllib.parse import quote

from core.config import check_url
from core.errors import (
    ApiError,
    ConfigError,
    KioskError,
    NoPhotosAccount,
    NotReady,
    ScopeRefused,
    SessionExpired,
    bad_answer,
)
from core.records import (
    MediaPage,
    MediaType,
    PickedMediaItem,
    PickingSession,
    is_uuid4,
    new_request_id,
)
from core.transport import Transport, google_error, object_or_error

log = logging.getLogger(__name__)

PAGE_SIZE = 100  # Google's maximum; fewer round trips for 2,000 items
MAX_EMPTY_PAGES = 50  # Google may send empty pages with a token; this many in a row is a loop, not a list
_SPEC = re.compile(r"^(w\d{1,5}-h\d{1,5}(-c)?|d|dv)$")


def _session_gone(exc: ApiError, session_id: str) -> SessionExpired:
    return SessionExpired(
        "The photo picking session has ended or expired; a new one is needed.",
        status=exc.status,
        code=exc.code,
    )


def _is_session_gone(exc: ApiError) -> bool:
    return exc.code in {"NOT_FOUND", "PERMISSION_DENIED"} or (not exc.code and exc.status in {403, 404})


class PickerClient:
    """The Picker API at ``base_url`` (Google's or the emulator's), through an authorized Transport."""

    def __init__(self, base_url: str, transport: Transport, *, max_items: int = 2000) -> None:
        if not 1 <= max_items <= 2000:
            raise ConfigError(f"max_items must be between 1 and 2000, not {max_items}.")
        self.base_url = check_url(base_url, "picker_url")
        self.transport = transport
        self.max_items = max_items

    def _session_url(self, session_id: str) -> str:
        if not session_id:
            raise ConfigError("A picking session id is needed.")
        return f"{self.base_url}/v1/sessions/{quote(session_id, safe='')}"

    def create_session(self, request_id: str | None = None) -> PickingSession:
        """A new picking session; ``request_id`` (UUIDv4) is made fresh when None and kept on the record."""
        rid = new_request_id() if request_id is None else request_id
        if not is_uuid4(rid):
            raise ConfigError("A picking session's requestId must be a UUID version 4 (8-4-4-4-12 hex).")
        reply = self.transport.call(
            "POST",
            f"{self.base_url}/v1/sessions",
            params={"requestId": rid},
            json={"pickingConfig": {"maxItemCount": str(self.max_items)}},
        )
        if reply.status >= 400:
            code, message = google_error(reply.body)
            if code == "FAILED_PRECONDITION":
                raise NoPhotosAccount(
                    "The Google account you signed in with has no Google Photos library.",
                    status=reply.status,
                    code=code,
                )
            if code == "PERMISSION_DENIED" and "scope" in message.lower():
                raise ScopeRefused(_SCOPE_TEXT)
        body = object_or_error(reply)
        return replace(PickingSession.from_json(body), request_id=rid)

    def get_session(self, session_id: str) -> PickingSession:
        """The session now: has the person tapped Done (``media_items_set``)?"""
        try:
            body = self.transport.json("GET", self._session_url(session_id))
        except ApiError as exc:
            if _is_session_gone(exc):
                raise _session_gone(exc, session_id) from exc
            raise
        return PickingSession.from_json(body)

    def delete_session(self, session_id: str) -> None:
        """Delete the session (Google limits open ones); one already gone counts as deleted."""
        try:
            self.transport.json("DELETE", self._session_url(session_id))
        except ApiError as exc:
            if exc.code == "NOT_FOUND" or (not exc.code and exc.status == 404):
                log.debug("session already gone")
                return
            if _is_session_gone(exc):
                raise _session_gone(exc, session_id) from exc
            raise

    def list_media_page(self, session_id: str, page_token: str | None = None) -> MediaPage:
        """One page of the picked items (at most PAGE_SIZE; possibly fewer, even none, with a next token)."""
        if not session_id:
            raise ConfigError("A picking session id is needed.")
        params = {"sessionId": session_id, "pageSize": str(PAGE_SIZE)}
        if page_token:
            params["pageToken"] = page_token
        try:
            body = self.transport.json("GET", f"{self.base_url}/v1/mediaItems", params=params)
        except ApiError as exc:
            if exc.code == "FAILED_PRECONDITION" and not isinstance(exc, NotReady):
                raise NotReady("The photos have not been chosen yet.", status=exc.status, code=exc.code) from exc
            if _is_session_gone(exc):
                raise _session_gone(exc, session_id) from exc
            raise
        return MediaPage.from_json(body)

    def list_media_items(self, session_id: str) -> Iterator[PickedMediaItem]:
        """Every picked item, following nextPageToken to the end."""
        token: str | None = None
        seen_tokens: set[str] = set()
        empty_in_a_row = 0
        while True:
            page = self.list_media_page(session_id, token)
            yield from page.items
            if page.next_page_token is None:
                return
            if page.next_page_token in seen_tokens:
                raise bad_answer("a page token that leads back to an earlier page")
            seen_tokens.add(page.next_page_token)
            empty_in_a_row = 0 if page.items else empty_in_a_row + 1
            if empty_in_a_row >= MAX_EMPTY_PAGES:
                raise bad_answer("page after page with nothing on it")
            token = page.next_page_token

    def open_media(
        self, item: PickedMediaItem, spec: str, *, max_bytes: int
    ) -> AbstractContextManager[Iterator[bytes]]:
        """The item's bytes at ``{baseUrl}={spec}`` ("w1920-h1080", "w800-h600-c", "d", "dv"), in chunks.

        Raises (on entering or while iterating) ApiError 403/404 when the baseUrl has expired (list the
        session again for fresh URLs), TransportError, BadMedia past ``max_bytes``.
        """
        if not _SPEC.match(spec):
            raise ConfigError(f"{spec!r} is not a media size Google understands.")
        if not item.base_url:
            raise bad_answer("a media item without a baseUrl")
        try:
            base = check_url(item.base_url, "a media item's baseUrl")
        except KioskError as exc:
            # The Bearer token goes with this request: never over plain http to another machine.
            raise bad_answer("a media URL that is not https") from exc
        return self.transport.stream(f"{base}={spec}", max_bytes=max_bytes)


_SCOPE_TEXT = (
    "Google did not give this device access to Google Photos. When you sign in on your phone, leave the "
    "Google Photos box ticked; if it keeps happening, Google may not allow the Photos Picker for this kind "
    "of sign-in."
)


def media_spec(item: PickedMediaItem, screen: tuple[int, int] | None, original: bool) -> str:
    """What to ask Google for: the video file, the original photo, or a photo that fits the screen."""
    if item.type is MediaType.VIDEO:
        return "dv"
    if original or screen is None:
        return "d"
    width, height = screen
    if not (0 < width <= 16383 and 0 < height <= 16383):
        raise ConfigError(f"A screen size of {width}×{height} makes no sense.")
    return f"w{width}-h{height}"
