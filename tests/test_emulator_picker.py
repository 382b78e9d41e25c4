"""The emulator's Picker API against google-apis.md §2: sessions, their errors, mediaItems.list paging."""

from __future__ import annotations

import re
import uuid
from typing import Any

import requests

from core.clock import FakeClock
from core.emulator import Emulator, Person
from core.records import MediaPage, PickingSession, parse_duration, parse_time

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?Z$")


class Api:
    """A bare Picker API caller with one access token."""

    def __init__(self, emu: Emulator, token: str | None = None) -> None:
        self.url = emu.url
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token or emu.grant_token()['access_token']}"

    def create(self, request_id: str | None = None, body: Any = None) -> requests.Response:
        params = {"requestId": request_id or str(uuid.uuid4())}
        return self.http.post(f"{self.url}/v1/sessions", params=params, json={} if body is None else body, timeout=5)

    def get(self, sid: str) -> requests.Response:
        return self.http.get(f"{self.url}/v1/sessions/{sid}", timeout=5)

    def delete(self, sid: str) -> requests.Response:
        return self.http.delete(f"{self.url}/v1/sessions/{sid}", timeout=5)

    def page(self, sid: str, page_size: int | None = None, token: str | None = None) -> requests.Response:
        params: dict[str, Any] = {"sessionId": sid}
        if page_size is not None:
            params["pageSize"] = page_size
        if token:
            params["pageToken"] = token
        return self.http.get(f"{self.url}/v1/mediaItems", params=params, timeout=5)

    def picked_session(self, clock: FakeClock, emu: Emulator) -> str:
        sid: str = self.create().json()["id"]
        clock.advance(emu.person.pick_after)
        assert self.get(sid).json()["mediaItemsSet"] is True
        return sid

    def all_items(self, sid: str, page_size: int | None = None) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        token = None
        for _ in range(1000):
            page = self.page(sid, page_size, token)
            assert page.status_code == 200, page.text
            items += page.json().get("mediaItems", [])
            token = page.json().get("nextPageToken")
            if not token:
                return items
        raise AssertionError("paging never ended")


def google_error(r: requests.Response, status: int, name: str) -> str:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "status", "details"}
    assert body["error"]["code"] == status and body["error"]["status"] == name
    assert isinstance(body["error"]["details"], list)
    message: str = body["error"]["message"]
    return message


# -- sessions.create ---------------------------------------------------------------------------------------


def test_create_answers_a_picking_session(emulator: Emulator) -> None:
    api = Api(emulator)
    r = api.create()
    assert r.status_code == 200
    body = r.json()
    assert list(body) == ["id", "pickerUri", "pollingConfig", "expireTime", "pickingConfig", "mediaItemsSet"]
    assert body["pickerUri"] == f"{emulator.url}/pick/{body['id']}"
    assert body["pollingConfig"] == {"pollInterval": "5s", "timeoutIn": "1800s"}
    assert body["pickingConfig"] == {"maxItemCount": "2000"}  # an int64 as a JSON string
    assert body["mediaItemsSet"] is False
    assert RFC3339.match(body["expireTime"])
    session = PickingSession.from_json(body)  # the project's own parser accepts it
    assert session.poll_interval == 5.0 and session.max_item_count == 2000
    assert emulator.sessions_created == [body["id"]] == emulator.open_sessions


def test_create_keeps_max_item_count_and_fraction_durations(make_emulator: Any) -> None:
    emu = make_emulator(poll_interval=3.5, session_timeout=90.25)
    emu.fraction_digits = 9
    body = Api(emu).create(body={"pickingConfig": {"maxItemCount": "7"}}).json()
    assert body["pollingConfig"] == {"pollInterval": "3.5s", "timeoutIn": "90.25s"}
    assert body["pickingConfig"] == {"maxItemCount": "7"}
    assert re.search(r"\.\d{9}Z$", body["expireTime"])
    parse_time(body["expireTime"])


def test_create_refuses_bad_bodies(emulator: Emulator) -> None:
    api = Api(emulator)
    google_error(api.create(body={"pickingConfig": {"maxItemCount": "-1"}}), 400, "INVALID_ARGUMENT")
    google_error(api.create(body={"pickingConfig": {"maxItemCount": "2001"}}), 400, "INVALID_ARGUMENT")
    google_error(api.create(body={"nonsense": 1}), 400, "INVALID_ARGUMENT")
    google_error(api.create(body=[1]), 400, "INVALID_ARGUMENT")
    assert emulator.sessions_created == []


def test_create_with_malformed_request_id_is_invalid_argument_and_a_violation(emulator: Emulator) -> None:
    api = Api(emulator)
    for bad in ("not-a-uuid", str(uuid.uuid1()), "frame.owner@example.com"):
        google_error(api.create(request_id=bad), 400, "INVALID_ARGUMENT")
    assert len(emulator.violations) == 3 and all("requestId" in v for v in emulator.violations)
    assert emulator.request_ids == ["not-a-uuid", emulator.request_ids[1], "frame.owner@example.com"]
    assert api.create(request_id=str(uuid.uuid4()).upper()).status_code == 200  # upper-case hex is fine


def test_repeated_request_id_returns_the_same_open_session(emulator: Emulator) -> None:
    api = Api(emulator)
    rid = str(uuid.uuid4())
    first = api.create(request_id=rid).json()["id"]
    assert api.create(request_id=rid).json()["id"] == first
    assert emulator.sessions_created == [first] and emulator.request_ids == [rid, rid]
    api.delete(first)
    assert api.create(request_id=rid).json()["id"] != first  # once deleted, a new session


def test_create_without_photos_account_is_failed_precondition(emulator: Emulator) -> None:
    emulator.no_photos_account = True
    google_error(Api(emulator).create(), 400, "FAILED_PRECONDITION")


def test_too_many_open_sessions_is_resource_exhausted(emulator: Emulator) -> None:
    api = Api(emulator)
    ids = [api.create().json()["id"] for _ in range(10)]
    google_error(api.create(), 429, "RESOURCE_EXHAUSTED")
    api.delete(ids[0])
    assert api.create().status_code == 200


def test_missing_token_is_401_with_www_authenticate(emulator: Emulator) -> None:
    r = requests.post(f"{emulator.url}/v1/sessions", json={}, timeout=5)
    google_error(r, 401, "UNAUTHENTICATED")
    assert r.headers["WWW-Authenticate"].startswith("Bearer ")
    assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    bad = requests.get(f"{emulator.url}/v1/sessions/x", headers={"Authorization": "Bearer nope"}, timeout=5)
    google_error(bad, 401, "UNAUTHENTICATED")
    assert [r.bearer for r in emulator.requests] == ["missing", "invalid"]


def test_token_without_picker_scope_is_permission_denied(emulator: Emulator) -> None:
    api = Api(emulator, emulator.grant_token(scope="openid email")["access_token"])
    message = google_error(api.create(), 403, "PERMISSION_DENIED")
    assert "insufficient authentication scopes" in message


# -- sessions.get / delete -------------------------------------------------------------------------------


def test_get_counts_down_then_reports_picked(emulator: Emulator, fake_clock: FakeClock) -> None:
    emulator.person = Person(pick_after=12.0)
    api = Api(emulator)
    sid = api.create().json()["id"]
    fake_clock.advance(5)
    body = api.get(sid).json()
    assert body["mediaItemsSet"] is False and body["pollingConfig"]["timeoutIn"] == "1795s"
    fake_clock.advance(7)
    body = api.get(sid).json()
    assert body["mediaItemsSet"] is True and "pollingConfig" not in body  # only while not set
    assert emulator.violations == []


def test_get_after_timeout_says_stop_polling(emulator: Emulator, fake_clock: FakeClock) -> None:
    emulator.person = Person(pick_after=5000)  # never finishes in time
    api = Api(emulator)
    sid = api.create().json()["id"]
    fake_clock.advance(1800)
    body = api.get(sid).json()
    assert body["mediaItemsSet"] is False and parse_duration(body["pollingConfig"]["timeoutIn"]) == 0.0
    google_error(api.page(sid), 400, "FAILED_PRECONDITION")


def test_get_faster_than_poll_interval_is_a_violation(emulator: Emulator, fake_clock: FakeClock) -> None:
    emulator.person = Person(pick_after=100)
    api = Api(emulator)
    sid = api.create().json()["id"]
    api.get(sid)
    fake_clock.advance(4.9)
    api.get(sid)
    fake_clock.advance(4.96)  # within the 0.05 s slack
    api.get(sid)
    assert len(emulator.violations) == 1 and "sessions.get" in emulator.violations[0]


def test_session_belongs_to_its_client(emulator: Emulator) -> None:
    sid = Api(emulator).create().json()["id"]
    other = Api(emulator, emulator.grant_token(client_id="another-client")["access_token"])
    google_error(other.get(sid), 404, "NOT_FOUND")
    google_error(other.delete(sid), 404, "NOT_FOUND")
    google_error(other.page(sid), 404, "NOT_FOUND")
    assert emulator.open_sessions == [sid]


def test_delete_answers_empty_object_then_not_found(emulator: Emulator) -> None:
    api = Api(emulator)
    sid = api.create().json()["id"]
    r = api.delete(sid)
    assert r.status_code == 200 and r.json() == {}
    assert emulator.open_sessions == [] and emulator.sessions_created == [sid]
    google_error(api.delete(sid), 404, "NOT_FOUND")
    google_error(api.get(sid), 404, "NOT_FOUND")
    google_error(api.get("no-such-session"), 404, "NOT_FOUND")


def test_expired_session_is_not_found_or_permission_denied(emulator: Emulator) -> None:
    api = Api(emulator)
    gone, denied = api.create().json()["id"], api.create().json()["id"]
    emulator.expire_session(gone)
    emulator.expire_session(denied, permission_denied=True)
    google_error(api.get(gone), 404, "NOT_FOUND")
    google_error(api.get(denied), 403, "PERMISSION_DENIED")
    assert emulator.open_sessions == []


def test_without_streamlining_picking_starts_when_the_phone_opens_the_link(
    emulator: Emulator, fake_clock: FakeClock
) -> None:
    emulator.person = Person(streamlined=False, pick_after=3)
    api = Api(emulator)
    body = api.create().json()
    fake_clock.advance(10)
    assert api.get(body["id"]).json()["mediaItemsSet"] is False  # nobody scanned
    page = requests.get(body["pickerUri"], timeout=5)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    fake_clock.advance(5)
    assert api.get(body["id"]).json()["mediaItemsSet"] is True
    assert requests.get(body["pickerUri"], timeout=5).status_code == 404  # after Done the link stops working


def test_session_without_request_id_needs_a_scan(emulator: Emulator, fake_clock: FakeClock) -> None:
    api = Api(emulator)
    body = api.http.post(f"{emulator.url}/v1/sessions", json={}, timeout=5).json()
    assert emulator.request_ids == [None]
    fake_clock.advance(10)
    assert api.get(body["id"]).json()["mediaItemsSet"] is False
    requests.get(body["pickerUri"], timeout=5)
    fake_clock.advance(5)
    assert api.get(body["id"]).json()["mediaItemsSet"] is True


# -- mediaItems.list ------------------------------------------------------------------------------------


def test_list_before_done_is_failed_precondition(emulator: Emulator) -> None:
    api = Api(emulator)
    sid = api.create().json()["id"]
    google_error(api.page(sid), 400, "FAILED_PRECONDITION")
    google_error(api.page("no-such-session"), 404, "NOT_FOUND")
    google_error(api.http.get(f"{emulator.url}/v1/mediaItems", timeout=5), 400, "INVALID_ARGUMENT")


def test_list_gives_the_picked_items(emulator: Emulator, fake_clock: FakeClock) -> None:
    api = Api(emulator)
    sid = api.picked_session(fake_clock, emulator)
    r = api.page(sid)
    assert r.status_code == 200 and "nextPageToken" not in r.json()
    items = r.json()["mediaItems"]
    assert [i["id"] for i in items] == [i.id for i in emulator.picked(sid)] and len(items) == 12
    page = MediaPage.from_json(r.json())  # the project's own parser accepts it
    assert {i.type.value for i in page.items} == {"PHOTO", "VIDEO"}
    statuses = {i.video_status for i in page.items if i.video_status}
    assert statuses == {"READY", "PROCESSING", "FAILED"}  # a few videos in each state
    assert all(i.base_url.startswith(f"{emulator.url}/media/") for i in page.items)
    assert all(RFC3339.match(i["createTime"]) for i in items)
    photo = next(i for i in items if i["mediaFile"]["mimeType"] == "image/jpeg")
    meta = photo["mediaFile"]["mediaFileMetadata"]
    assert meta["width"] > 0 and meta["height"] > 0 and "photoMetadata" in meta


def test_paging_rules(make_emulator: Any, fake_clock: FakeClock) -> None:
    emu = make_emulator(photos=300, person=Person(pick_count=260))
    api = Api(emu)
    sid = api.picked_session(fake_clock, emu)
    assert len(api.page(sid).json()["mediaItems"]) == 50  # unset → 50
    assert len(api.page(sid, 0).json()["mediaItems"]) == 50  # 0 → 50
    assert len(api.page(sid, 500).json()["mediaItems"]) == 100  # > 100 → 100
    assert len(api.page(sid, 7).json()["mediaItems"]) == 7
    google_error(api.page(sid, -1), 400, "INVALID_ARGUMENT")
    google_error(api.page(sid, token="garbage!"), 400, "INVALID_ARGUMENT")
    items = api.all_items(sid, 100)
    assert [i["id"] for i in items] == [i.id for i in emu.picked(sid)]
    assert len({i["id"] for i in items}) == 260


def test_page_token_is_bound_to_its_session(emulator: Emulator, fake_clock: FakeClock) -> None:
    api = Api(emulator)
    a, b = api.picked_session(fake_clock, emulator), api.picked_session(fake_clock, emulator)
    token = api.page(a, 5).json()["nextPageToken"]
    google_error(api.page(b, 5, token), 400, "INVALID_ARGUMENT")


def test_short_pages_still_carry_a_token(emulator: Emulator, fake_clock: FakeClock) -> None:
    emulator.short_pages = True
    api = Api(emulator)
    sid = api.picked_session(fake_clock, emulator)
    first = api.page(sid, 10).json()
    assert first.get("mediaItems", []) == [] and first["nextPageToken"]  # empty, yet more to come
    sizes = []
    token = first["nextPageToken"]
    while token:
        page = api.page(sid, 10, token).json()
        sizes.append(len(page["mediaItems"]))
        token = page.get("nextPageToken")
    assert sum(sizes) == 12
    assert [i["id"] for i in api.all_items(sid, 10)] == [i.id for i in emulator.picked(sid)]


def test_ids_are_stable_across_sessions(emulator: Emulator, fake_clock: FakeClock) -> None:
    emulator.person = Person(pick_count=60)
    api = Api(emulator)
    first = {i["id"]: i["mediaFile"]["baseUrl"] for i in api.all_items(api.picked_session(fake_clock, emulator))}
    second = {i["id"]: i["mediaFile"]["baseUrl"] for i in api.all_items(api.picked_session(fake_clock, emulator))}
    assert set(first) == set(second) == {i.id for i in emulator.items}
    assert all(first[k] != second[k] for k in first)  # but each listing hands out fresh URLs


def test_person_picks_zero(emulator: Emulator, fake_clock: FakeClock) -> None:
    emulator.person = Person(pick_count=0)
    api = Api(emulator)
    sid = api.picked_session(fake_clock, emulator)
    assert api.page(sid).json().get("mediaItems", []) == []


def test_person_picks_2000_capped_by_max_item_count(make_emulator: Any, fake_clock: FakeClock) -> None:
    emu = make_emulator(photos=2100, person=Person(pick_count=2000))
    api = Api(emu)
    sid = api.picked_session(fake_clock, emu)
    items = api.all_items(sid, 100)
    assert len(items) == 2000 and len({i["id"] for i in items}) == 2000
    capped = api.create(body={"pickingConfig": {"maxItemCount": "25"}}).json()["id"]
    fake_clock.advance(3)
    assert len(api.all_items(capped)) == 25


def test_without_videos_only_photos_are_picked(emulator: Emulator, fake_clock: FakeClock) -> None:
    emulator.person = Person(include_videos=False, pick_count=30)
    api = Api(emulator)
    items = api.all_items(api.picked_session(fake_clock, emulator))
    assert len(items) == 30 and {i["type"] for i in items} == {"PHOTO"}


def test_same_seed_same_picks(make_emulator: Any, fake_clock: FakeClock) -> None:
    picks = []
    for _ in range(2):
        emu = make_emulator(seed=3)
        api = Api(emu)
        picks.append([i["id"] for i in api.all_items(api.picked_session(fake_clock, emu))])
    assert picks[0] == picks[1] and len(picks[0]) == 12


def test_new_picks_grow_the_library_session_by_session(make_emulator: Any, fake_clock: FakeClock) -> None:
    emu = make_emulator(photos=100, person=Person(pick_count=40, new_picks=True))
    api = Api(emu)
    sessions = [{i["id"] for i in api.all_items(api.picked_session(fake_clock, emu))} for _ in range(3)]
    first, second, third = sessions
    assert len(first) == len(second) == 40 and not first & second  # the second session picks 40 new ones
    assert len(third) == 40 and len(first | second | third) == 100  # 20 were left: the rest come from all
    emu.person = Person(pick_count=40)  # the default person draws from the whole library every time
    overlaps = [{i["id"] for i in api.all_items(api.picked_session(fake_clock, emu))} & first for _ in range(3)]
    assert any(overlaps)
