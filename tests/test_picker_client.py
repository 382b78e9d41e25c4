"""PickerClient against the emulator over loopback, plus garbage thrown at it and at the record parsers."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.clock import FakeClock
from core.emulator import Emulator, Fault, Person
from core.errors import (
    ApiError,
    BadMedia,
    ConfigError,
    KioskError,
    NoPhotosAccount,
    NotReady,
    QuotaExceeded,
    ScopeRefused,
    SessionExpired,
    TransportError,
)
from core.picker import PickerClient, media_spec
from core.records import (
    MediaPage,
    MediaType,
    PickedMediaItem,
    PickingSession,
    is_uuid4,
    parse_duration,
    parse_time,
)
from core.transport import Transport
from tests.helpers import signed_in_session, token_by_hand

MakeEmu = Callable[..., Emulator]
NEVER = 10**9  # seconds: a person who never taps Done


def client_for(emulator: Emulator, fake_clock: FakeClock, *, max_items: int = 2000) -> PickerClient:
    return PickerClient(
        emulator.url, Transport(signed_in_session(emulator, fake_clock), clock=fake_clock.clock()), max_items=max_items
    )


@pytest.fixture
def client(emulator: Emulator, fake_clock: FakeClock) -> PickerClient:
    return client_for(emulator, fake_clock)


def picked_session(client: PickerClient, fake_clock: FakeClock) -> str:
    session = client.create_session()
    fake_clock.advance(10)
    assert client.get_session(session.id).media_items_set
    return session.id


def _count(emulator: Emulator, endpoint: str) -> int:
    return sum(1 for r in emulator.requests if r.endpoint == endpoint)


# -- sessions -------------------------------------------------------------------------------------------------


def test_create_session_sends_a_fresh_uuid4_and_keeps_it(emulator: Emulator, client: PickerClient) -> None:
    first, second = client.create_session(), client.create_session()
    assert emulator.request_ids == [first.request_id, second.request_id]
    assert first.request_id is not None and is_uuid4(first.request_id)
    assert first.request_id != second.request_id
    assert first.picker_uri and not first.media_items_set
    assert first.poll_interval == 5.0 and first.timeout_in == 1800.0
    assert emulator.violations == []


def test_create_session_sends_max_items_as_a_string(make_emulator: MakeEmu, fake_clock: FakeClock) -> None:
    emulator = make_emulator()
    client = client_for(emulator, fake_clock, max_items=25)
    assert client.create_session().max_item_count == 25


def test_given_request_id_is_sent(emulator: Emulator, client: PickerClient) -> None:
    rid = "1b4e28ba-2fa1-4d2b-a83c-0242ac130003"
    assert client.create_session(rid).request_id == rid
    assert emulator.request_ids == [rid]


@pytest.mark.parametrize(
    "rid",
    [
        "not-a-uuid",
        "1b4e28ba-2fa1-11d2-883f-0016d3cca427",  # version 1
        "1b4e28ba2fa14d2ba83c0242ac130003",  # no dashes
        "1b4e28ba-2fa1-4d2b-783c-0242ac130003",  # wrong variant
        "",
    ],
)
def test_malformed_request_id_is_refused_before_sending(emulator: Emulator, client: PickerClient, rid: str) -> None:
    with pytest.raises(ConfigError):
        client.create_session(rid)
    assert _count(emulator, "sessions.create") == 0
    assert emulator.violations == []


def test_get_session_shows_done_after_the_person_picks(
    emulator: Emulator, client: PickerClient, fake_clock: FakeClock
) -> None:
    session = client.create_session()
    assert not client.get_session(session.id).media_items_set
    fake_clock.advance(session.poll_interval or 5)
    done = client.get_session(session.id)
    assert done.media_items_set and done.poll_interval is None and done.timeout_in is None
    assert emulator.violations == []


def test_delete_session_closes_it_and_a_second_delete_is_fine(emulator: Emulator, client: PickerClient) -> None:
    session = client.create_session()
    assert emulator.open_sessions == [session.id]
    client.delete_session(session.id)
    assert emulator.open_sessions == []
    client.delete_session(session.id)  # NOT_FOUND: already gone, not an error


def test_expired_session_is_session_expired(emulator: Emulator, client: PickerClient) -> None:
    session = client.create_session()
    emulator.expire_session(session.id)
    with pytest.raises(SessionExpired) as info:
        client.get_session(session.id)
    assert info.value.status == 404
    with pytest.raises(SessionExpired):
        list(client.list_media_items(session.id))
    client.delete_session(session.id)


def test_session_no_longer_ours_is_session_expired(emulator: Emulator, client: PickerClient) -> None:
    session = client.create_session()
    emulator.expire_session(session.id, permission_denied=True)
    with pytest.raises(SessionExpired) as info:
        client.get_session(session.id)
    assert info.value.status == 403


def test_no_photos_account(emulator: Emulator, client: PickerClient) -> None:
    emulator.no_photos_account = True
    with pytest.raises(NoPhotosAccount) as info:
        client.create_session()
    assert "Google Photos" in str(info.value)


def test_too_many_open_sessions_is_quota_exceeded(
    emulator: Emulator, client: PickerClient, fake_clock: FakeClock
) -> None:
    emulator.max_open_sessions = 2
    client.create_session()
    client.create_session()
    with pytest.raises(QuotaExceeded) as info:
        client.create_session()
    assert info.value.retryable


def test_token_without_the_picker_scope_is_scope_refused(emulator: Emulator, fake_clock: FakeClock) -> None:
    # The person unticked Google Photos on the consent screen: the grant has only openid/email.
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token_by_hand(emulator, 'openid email')}"
    client = PickerClient(emulator.url, Transport(http, clock=fake_clock.clock()))
    with pytest.raises(ScopeRefused, match="Google Photos"):
        client.create_session()


def test_plain_http_picker_url_to_another_machine_is_refused(fake_clock: FakeClock) -> None:
    with pytest.raises(ConfigError):
        PickerClient("http://photospicker.example.com", Transport(requests.Session(), clock=fake_clock.clock()))


# -- listing --------------------------------------------------------------------------------------------------


def test_list_before_done_is_not_ready(emulator: Emulator, client: PickerClient) -> None:
    session = client.create_session()
    with pytest.raises(NotReady):
        list(client.list_media_items(session.id))


def test_list_gives_every_picked_item(emulator: Emulator, client: PickerClient, fake_clock: FakeClock) -> None:
    sid = picked_session(client, fake_clock)
    items = list(client.list_media_items(sid))
    assert [i.id for i in items] == [p.id for p in emulator.picked(sid)]
    assert len(items) == 12
    assert all(i.base_url for i in items)


@pytest.mark.parametrize("short", [False, True])
def test_list_follows_page_tokens_through_short_and_empty_pages(
    make_emulator: MakeEmu, fake_clock: FakeClock, short: bool
) -> None:
    emulator = make_emulator(photos=400, person=Person(pick_count=250))
    emulator.short_pages = short
    client = client_for(emulator, fake_clock)
    sid = picked_session(client, fake_clock)
    items = list(client.list_media_items(sid))
    assert [i.id for i in items] == [p.id for p in emulator.picked(sid)]
    assert len(items) == 250
    lists = [r for r in emulator.requests if r.endpoint == "mediaItems.list"]
    assert all(r.query["pageSize"] == ["100"] for r in lists)
    assert len(lists) >= 3
    if short:
        assert len(lists) > 3  # the first page is empty but carries a token


def test_list_with_zero_picked_is_empty(make_emulator: MakeEmu, fake_clock: FakeClock) -> None:
    emulator = make_emulator(person=Person(pick_count=0))
    client = client_for(emulator, fake_clock)
    assert list(client.list_media_items(picked_session(client, fake_clock))) == []


def test_a_page_token_loop_is_a_transport_error(
    emulator: Emulator, client: PickerClient, fake_clock: FakeClock
) -> None:
    sid = picked_session(client, fake_clock)
    loop = json.dumps({"mediaItems": [], "nextPageToken": "again"}).encode()
    emulator.add_fault(Fault(endpoint="mediaItems.list", garbage=loop, times=None))
    with pytest.raises(TransportError):
        list(client.list_media_items(sid))
    assert _count(emulator, "mediaItems.list") == 2


# -- media ----------------------------------------------------------------------------------------------------


def _first_photo(client: PickerClient, fake_clock: FakeClock) -> tuple[str, PickedMediaItem]:
    sid = picked_session(client, fake_clock)
    return sid, next(i for i in client.list_media_items(sid) if i.type is MediaType.PHOTO)


def _read(client: PickerClient, item: PickedMediaItem, spec: str, max_bytes: int = 64 << 20) -> bytes:
    with client.open_media(item, spec, max_bytes=max_bytes) as chunks:
        return b"".join(chunks)


def test_open_media_gives_the_screen_rendition_and_the_original(
    emulator: Emulator, client: PickerClient, fake_clock: FakeClock
) -> None:
    _, item = _first_photo(client, fake_clock)
    spec = media_spec(item, (800, 600), original=False)
    assert spec == "w800-h600"
    assert _read(client, item, spec) == emulator.rendition_bytes(item.id, spec)
    assert _read(client, item, "d") == emulator.original_bytes(item.id)
    assert all(r.bearer == "valid" for r in emulator.requests if r.endpoint == "media")


def test_open_media_over_the_cap_is_bad_media(emulator: Emulator, client: PickerClient, fake_clock: FakeClock) -> None:
    _, item = _first_photo(client, fake_clock)
    with pytest.raises(BadMedia):
        _read(client, item, "d", max_bytes=1000)


def test_open_media_after_the_url_expired_is_a_403(
    emulator: Emulator, client: PickerClient, fake_clock: FakeClock
) -> None:
    sid, item = _first_photo(client, fake_clock)
    fake_clock.advance(3601)
    with pytest.raises(ApiError) as info:
        _read(client, item, "w400-h300")
    assert info.value.status == 403
    fresh = next(i for i in client.list_media_items(sid) if i.id == item.id)
    assert _read(client, fresh, "w400-h300") == emulator.rendition_bytes(item.id, "w400-h300")


def test_open_media_truncated_is_a_transport_error(
    emulator: Emulator, client: PickerClient, fake_clock: FakeClock
) -> None:
    _, item = _first_photo(client, fake_clock)
    emulator.add_fault(Fault(endpoint="media", truncate=True))
    with pytest.raises(TransportError):
        _read(client, item, "w400-h300")


def test_open_media_refuses_bad_specs_and_unsafe_urls(client: PickerClient, fake_clock: FakeClock) -> None:
    _, item = _first_photo(client, fake_clock)
    with pytest.raises(ConfigError):
        client.open_media(item, "w800-h600&x=1", max_bytes=1000)
    unsafe = PickedMediaItem(
        "x", MediaType.PHOTO, None, "http://evil.example.com/steal", "image/jpeg", "a.jpg", 1, 1, None
    )
    with pytest.raises(TransportError):
        client.open_media(unsafe, "d", max_bytes=1000)


def test_media_spec() -> None:
    photo = PickedMediaItem("p", MediaType.PHOTO, None, "https://x", "image/jpeg", "a.jpg", 4000, 3000, None)
    video = PickedMediaItem("v", MediaType.VIDEO, None, "https://x", "video/mp4", "a.mp4", 640, 480, "READY")
    assert media_spec(photo, (1920, 1080), original=False) == "w1920-h1080"
    assert media_spec(photo, (1920, 1080), original=True) == "d"
    assert media_spec(photo, None, original=False) == "d"
    assert media_spec(video, (1920, 1080), original=False) == "dv"
    with pytest.raises(ConfigError):
        media_spec(photo, (0, 1080), original=False)


# -- garbage: the clients and the record parsers only ever raise KioskError -------------------------------------

KEYS = [
    "id", "pickerUri", "pollingConfig", "pollInterval", "timeoutIn", "expireTime", "pickingConfig",
    "maxItemCount", "mediaItemsSet", "mediaItems", "nextPageToken", "type", "createTime", "mediaFile",
    "baseUrl", "mimeType", "filename", "mediaFileMetadata", "width", "height", "videoMetadata",
    "processingStatus", "error", "code", "message", "status",
]  # fmt: skip
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["5s", "-3s", "1.5s", "0s", "2024-07-01T12:00:00Z", "0001-01-01T00:00:00+01:00",
                     "9999-12-31T23:59:59-01:00", "PHOTO", "VIDEO", "READY", "2000", "1e400", ""]),
)  # fmt: skip
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), inner, max_size=6)
    ),
    max_leaves=25,
)

PARSERS: list[Callable[[object], object]] = [
    PickingSession.from_json,
    PickedMediaItem.from_json,
    MediaPage.from_json,
    parse_duration,
    parse_time,
]


@settings(max_examples=400, deadline=None)
@given(value=json_values)
def test_record_parsers_raise_only_kiosk_errors(value: object) -> None:
    for parse in PARSERS:
        with contextlib.suppress(KioskError):
            parse(value)


@settings(max_examples=200, deadline=None)
@given(value=json_values)
def test_record_parsers_survive_garbage_inside_a_valid_shape(value: object) -> None:
    session = {"id": "s", "pickerUri": "https://p", "pollingConfig": {"pollInterval": value, "timeoutIn": value},
               "expireTime": value, "pickingConfig": {"maxItemCount": value}, "mediaItemsSet": value}  # fmt: skip
    item = {"id": "i", "type": value, "createTime": value,
            "mediaFile": {"baseUrl": value, "mimeType": value, "filename": value,
                          "mediaFileMetadata": {"width": value, "height": value, "videoMetadata": value}}}  # fmt: skip
    for parse, data in [
        (PickingSession.from_json, session),
        (PickedMediaItem.from_json, item),
        (MediaPage.from_json, {"mediaItems": [item], "nextPageToken": value}),
    ]:
        with contextlib.suppress(KioskError):
            parse(data)


def test_extreme_timestamps_are_bad_answers_not_crashes() -> None:
    for text in ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"]:
        with pytest.raises(TransportError):
            parse_time(text)
    assert parse_time("2024-07-01T12:00:00.123456789Z") == datetime(2024, 7, 1, 12, 0, 0, 123456, tzinfo=UTC)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=json_values)
def test_client_calls_on_garbage_raise_only_kiosk_errors(
    emulator: Emulator, client: PickerClient, fake_clock: FakeClock, value: object
) -> None:
    body = json.dumps(value).encode()
    emulator.clear_faults()
    emulator.add_fault(Fault(endpoint="sessions.get", garbage=body))
    emulator.add_fault(Fault(endpoint="mediaItems.list", garbage=body))
    emulator.add_fault(Fault(endpoint="sessions.create", garbage=body))
    for call in (
        lambda: client.get_session("abc"),
        lambda: list(client.list_media_items("abc")),
        lambda: client.create_session(),
    ):
        fake_clock.advance(5)  # stay a polite client: the emulator records polls faster than pollInterval
        with contextlib.suppress(KioskError):
            call()
