"""Typed records of the Picker API (PickingSession, PickedMediaItem) and their wire-format parsing."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from core.errors import bad_answer as bad_answer  # built in core.errors; re-exported for older callers
from core.record import record

_DURATION = re.compile(r"^(-?)(\d{1,12})(?:\.(\d{1,9}))?s$")


def parse_duration(text: object) -> float:
    """A protobuf Duration ("5s", "3.5s", "0.250s") in seconds."""
    if not isinstance(text, str):
        raise bad_answer("a duration that is not a string")
    m = _DURATION.match(text)
    if not m:
        raise bad_answer(f"duration {text[:20]!r}")
    sign, whole, frac = m.groups()
    seconds = int(whole) + (int(frac) / 10 ** len(frac) if frac else 0.0)
    return -seconds if sign else seconds


def format_duration(seconds: float) -> str:
    """Seconds as a protobuf Duration string, with up to 9 fraction digits."""
    if seconds == int(seconds):
        return f"{int(seconds)}s"
    return f"{seconds:.9f}".rstrip("0") + "s"


def parse_time(text: object) -> datetime:
    """An RFC 3339 timestamp (0, 3, 6 or 9 fraction digits, 'Z' or an offset) as an aware UTC datetime.

    The one timestamp parser of the project (Google's answers, the emulator's, the library's index).
    """
    if not isinstance(text, str):
        raise bad_answer("a timestamp that is not a string")
    wire = text.upper()
    if len(wire) < 20 or wire[10] != "T" or not wire[:4].isdigit():
        raise bad_answer(f"timestamp {text[:40]!r}")
    if wire[17:19] == "60":  # a leap second: the datetime calendar has none
        wire = f"{wire[:17]}59{wire[19:]}"
    try:
        value = datetime.fromisoformat(wire)
        if value.tzinfo is None:
            raise ValueError("no offset")
        return value.astimezone(UTC)
    except (ValueError, OverflowError) as exc:  # OverflowError: year 1 or 9999 pushed past the calendar
        raise bad_answer(f"timestamp {text[:40]!r}") from exc


def is_uuid4(text: str) -> bool:
    """True if ``text`` is a UUID version 4 written 8-4-4-4-12 in hex (no braces, no urn: prefix)."""
    import uuid  # not needed before the first screen; importing it costs start-up time

    try:
        value = uuid.UUID(text)
    except (ValueError, TypeError, AttributeError):
        return False
    return value.version == 4 and str(value) == text.lower()


def new_request_id() -> str:
    """A fresh UUIDv4 for sessions.create's ``requestId``."""
    import uuid  # not needed before the first screen; importing it costs start-up time

    return str(uuid.uuid4())


def _get(data: Mapping[str, Any], key: str, kind: type, default: Any = None) -> Any:
    value = data.get(key, default)
    if value is None and default is None:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise bad_answer(f"field {key!r} has the wrong type")
    return value


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise bad_answer(f"{what} is not an object")
    return value


# What a PickingSession's pollingConfig means when it says nothing (or, for the interval, nonsense):
# Google's usual pollInterval, and the picking link's usual lifetime.
DEFAULT_POLL_INTERVAL = 5.0
DEFAULT_TIMEOUT_IN = 1800.0


@record
class PickingSession:
    """A picking session: the link the person opens, and how to poll it (defaults just above)."""

    id: str
    picker_uri: str
    media_items_set: bool
    poll_interval: float | None  # seconds; None once media items are set
    timeout_in: float | None  # seconds from the answer's arrival; None once media items are set
    expire_time: datetime | None
    max_item_count: int | None
    request_id: str | None = None  # the requestId this device sent to create it (not part of Google's answer)

    @classmethod
    def from_json(cls, data: object) -> PickingSession:
        d = _mapping(data, "the session")
        sid = _get(d, "id", str)
        uri = _get(d, "pickerUri", str, "")
        if not sid:
            raise bad_answer("a session without an id")
        polling = d.get("pollingConfig")
        interval = timeout = None
        if polling is not None:
            p = _mapping(polling, "pollingConfig")
            if "pollInterval" in p:
                interval = parse_duration(p["pollInterval"])
            if "timeoutIn" in p:
                timeout = parse_duration(p["timeoutIn"])
        expire = parse_time(d["expireTime"]) if d.get("expireTime") is not None else None
        max_count = None
        picking = d.get("pickingConfig")
        if picking is not None:
            raw = _mapping(picking, "pickingConfig").get("maxItemCount")
            if raw is not None:
                try:
                    max_count = int(str(raw))
                except ValueError as exc:
                    raise bad_answer("maxItemCount") from exc
        media_set = _get(d, "mediaItemsSet", bool, False)
        return cls(
            id=sid,
            picker_uri=uri,
            media_items_set=media_set,
            poll_interval=interval,
            timeout_in=timeout,
            expire_time=expire,
            max_item_count=max_count,
        )


class MediaType(Enum):
    """What a picked item is."""

    PHOTO = "PHOTO"
    VIDEO = "VIDEO"
    UNSPECIFIED = "TYPE_UNSPECIFIED"


@record
class PickedMediaItem:
    """One picked photo or video. ``filename`` is untrusted and only ever displayed, never used as a path."""

    id: str
    type: MediaType
    create_time: datetime | None
    base_url: str
    mime_type: str
    filename: str
    width: int | None
    height: int | None
    video_status: str | None  # PROCESSING | READY | FAILED | UNSPECIFIED, videos only

    @property
    def fetchable(self) -> bool:
        """Photos always; videos only once Google finished processing them."""
        if self.type is MediaType.VIDEO:
            return self.video_status == "READY"
        return bool(self.base_url)

    @classmethod
    def from_json(cls, data: object) -> PickedMediaItem:
        d = _mapping(data, "a media item")
        mid = _get(d, "id", str)
        if not mid:
            raise bad_answer("a media item without an id")
        raw_type = _get(d, "type", str, "TYPE_UNSPECIFIED")
        try:
            mtype = MediaType(raw_type)
        except ValueError:
            mtype = MediaType.UNSPECIFIED
        created = parse_time(d["createTime"]) if d.get("createTime") is not None else None
        mf = _mapping(d.get("mediaFile", {}), "mediaFile")
        meta = _mapping(mf.get("mediaFileMetadata", {}), "mediaFileMetadata")
        video = meta.get("videoMetadata")
        status = None
        if video is not None:
            status = _get(_mapping(video, "videoMetadata"), "processingStatus", str, "UNSPECIFIED")
        return cls(
            id=mid,
            type=mtype,
            create_time=created,
            base_url=_get(mf, "baseUrl", str, ""),
            mime_type=_get(mf, "mimeType", str, ""),
            filename=_get(mf, "filename", str, ""),
            width=_int_or_none(meta.get("width")),
            height=_int_or_none(meta.get("height")),
            video_status=status,
        )


def _int_or_none(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise bad_answer("a size that is not a number")
    try:
        return int(str(value))
    except ValueError as exc:
        raise bad_answer("a size that is not a number") from exc


@record
class MediaPage:
    """One page of mediaItems.list."""

    items: tuple[PickedMediaItem, ...]
    next_page_token: str | None

    @classmethod
    def from_json(cls, data: object) -> MediaPage:
        d = _mapping(data, "the media item list")
        raw = d.get("mediaItems", [])
        if not isinstance(raw, list):
            raise bad_answer("mediaItems is not a list")
        token = _get(d, "nextPageToken", str, "") or None
        return cls(items=tuple(PickedMediaItem.from_json(i) for i in raw), next_page_token=token)
