"""Transport against the emulator over loopback: retry policy on the fake clock, error translation, streams."""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.clock import FakeClock
from core.emulator import Emulator, Fault
from core.errors import (
    ApiError,
    BadMedia,
    KioskError,
    NotReady,
    QuotaExceeded,
    SignInRequired,
    TransportError,
)
from core.records import new_request_id
from core.transport import RetryPolicy, Transport, parse_retry_after
from tests.helpers import signed_in_session


@pytest.fixture
def authed(emulator: Emulator, fake_clock: FakeClock) -> Iterator[Transport]:
    """A Transport whose session carries a real Bearer from the emulator's device grant."""
    session = signed_in_session(emulator, fake_clock)
    yield Transport(session, clock=fake_clock.clock())
    session.close()


def _times(emulator: Emulator, endpoint: str) -> list[float]:
    return [r.time for r in emulator.requests if r.endpoint == endpoint]


def _gaps(times: list[float]) -> list[float]:
    return [round(b - a, 3) for a, b in itertools.pairwise(times)]


def _create(t: Transport, emulator: Emulator, *, retry: bool = True, request_id: str | None = None) -> Any:
    return t.json(
        "POST",
        f"{emulator.url}/v1/sessions",
        params={"requestId": request_id or new_request_id()},
        json={},
        retry=retry,
    )


# -- retry policy -------------------------------------------------------------------------------------------


def test_5xx_is_retried_with_exponential_backoff_from_one_second(emulator: Emulator, authed: Transport) -> None:
    emulator.add_fault(Fault(endpoint="sessions.create", google_status="UNAVAILABLE", times=4))
    rid = new_request_id()
    session = _create(authed, emulator, request_id=rid)
    assert session["id"] in emulator.open_sessions
    assert _gaps(_times(emulator, "sessions.create")) == [1.0, 2.0, 4.0, 8.0]
    # The same requestId is sent on every attempt, so a retry can never open a second session.
    assert [r.query["requestId"] for r in emulator.requests if r.endpoint == "sessions.create"] == [[rid]] * 5
    assert len(emulator.sessions_created) == 1


def test_5xx_gives_up_after_five_tries_with_a_retryable_api_error(emulator: Emulator, authed: Transport) -> None:
    emulator.add_fault(Fault(endpoint="sessions.create", status=500, times=None))
    with pytest.raises(ApiError) as info:
        _create(authed, emulator)
    assert info.value.status == 500 and info.value.retryable
    assert info.value.code == "INTERNAL"
    assert len(_times(emulator, "sessions.create")) == 5
    assert emulator.sessions_created == []


def test_retry_can_be_switched_off_per_call(emulator: Emulator, authed: Transport) -> None:
    emulator.add_fault(Fault(endpoint="sessions.create", google_status="UNAVAILABLE", times=1))
    with pytest.raises(ApiError) as info:
        _create(authed, emulator, retry=False)
    assert info.value.status == 503 and info.value.retryable
    assert len(_times(emulator, "sessions.create")) == 1


def test_429_waits_at_least_30_seconds(emulator: Emulator, authed: Transport, fake_clock: FakeClock) -> None:
    emulator.add_fault(Fault(endpoint="sessions.create", google_status="RESOURCE_EXHAUSTED", times=1))
    _create(authed, emulator)
    assert _gaps(_times(emulator, "sessions.create")) == [30.0]


@pytest.mark.parametrize(("retry_after", "waited"), [(45, 45.0), (10, 30.0)])
def test_429_honours_a_larger_retry_after(
    emulator: Emulator, authed: Transport, retry_after: int, waited: float
) -> None:
    emulator.add_fault(Fault(endpoint="sessions.create", status=429, retry_after=retry_after, times=1))
    _create(authed, emulator)
    assert _gaps(_times(emulator, "sessions.create")) == [waited]


def test_429_with_a_long_retry_after_is_handed_up_not_slept(
    emulator: Emulator, authed: Transport, fake_clock: FakeClock
) -> None:
    emulator.add_fault(Fault(endpoint="sessions.create", status=429, retry_after=900, times=1))
    before = fake_clock.now()
    with pytest.raises(QuotaExceeded) as info:
        _create(authed, emulator)
    assert info.value.retry_after == 900 and info.value.retryable
    assert fake_clock.now() == before
    assert len(_times(emulator, "sessions.create")) == 1


def test_429_twice_gives_quota_exceeded(emulator: Emulator, authed: Transport) -> None:
    emulator.add_fault(Fault(endpoint="sessions.create", google_status="RESOURCE_EXHAUSTED", times=None))
    with pytest.raises(QuotaExceeded) as info:
        _create(authed, emulator)
    assert info.value.status == 429 and info.value.retry_after is not None and info.value.retry_after >= 30
    assert len(_times(emulator, "sessions.create")) == 2


@pytest.mark.parametrize("status", [400, 403, 404])
def test_4xx_is_not_retried(emulator: Emulator, authed: Transport, fake_clock: FakeClock, status: int) -> None:
    emulator.add_fault(Fault(endpoint="sessions.create", status=status, times=None))
    before = fake_clock.now()
    with pytest.raises(ApiError) as info:
        _create(authed, emulator)
    assert info.value.status == status and not info.value.retryable
    assert len(_times(emulator, "sessions.create")) == 1
    assert fake_clock.now() == before


def test_custom_policy(emulator: Emulator, authed: Transport) -> None:
    t = Transport(authed.session, clock=authed.clock, retry=RetryPolicy(first_5xx=0.5, max_tries_5xx=3))
    emulator.add_fault(Fault(endpoint="sessions.create", status=502, times=None))
    with pytest.raises(ApiError):
        _create(t, emulator)
    assert _gaps(_times(emulator, "sessions.create")) == [0.5, 1.0]


# -- error translation ----------------------------------------------------------------------------------------


def test_google_error_bodies_become_typed_errors(emulator: Emulator, authed: Transport) -> None:
    session = _create(authed, emulator)
    with pytest.raises(NotReady) as info:
        authed.json("GET", f"{emulator.url}/v1/mediaItems", params={"sessionId": session["id"]})
    assert info.value.code == "FAILED_PRECONDITION" and info.value.status == 400


def test_no_bearer_means_sign_in_required(emulator: Emulator, fake_clock: FakeClock) -> None:
    t = Transport(requests.Session(), clock=fake_clock.clock())
    with pytest.raises(SignInRequired):
        _create(t, emulator)


def test_dropped_connection_is_a_transport_error(emulator: Emulator, authed: Transport) -> None:
    emulator.add_fault(Fault(endpoint="sessions.create", drop=True))
    with pytest.raises(TransportError) as info:
        _create(authed, emulator)
    assert info.value.retryable
    assert "ya29" not in str(info.value) and "requestId" not in str(info.value)


def test_truncated_json_is_a_transport_error(emulator: Emulator, authed: Transport) -> None:
    emulator.add_fault(Fault(endpoint="sessions.create", truncate=True))
    with pytest.raises(TransportError):
        _create(authed, emulator)


def test_nobody_listening_is_a_transport_error(fake_clock: FakeClock) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t = Transport(requests.Session(), clock=fake_clock.clock())
    with pytest.raises(TransportError, match="No connection to Google"):
        t.json("GET", f"http://127.0.0.1:{port}/v1/sessions/x")


def test_slow_answer_times_out_as_transport_error(emulator: Emulator, authed: Transport) -> None:
    t = Transport(authed.session, clock=authed.clock, timeout=0.1)
    emulator.add_fault(Fault(endpoint="sessions.create", latency=0.6))
    with pytest.raises(TransportError, match="in time"):
        _create(t, emulator)


@pytest.mark.parametrize(
    "garbage", [b"", b"<html>502 Bad Gateway</html>", b"[1, 2, 3]", b'"just a string"', b"{", b"[" * 100_000]
)
def test_garbage_answers_are_transport_errors(emulator: Emulator, authed: Transport, garbage: bytes) -> None:
    emulator.add_fault(Fault(endpoint="sessions.create", garbage=garbage))
    with pytest.raises(TransportError):
        _create(authed, emulator)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(garbage=st.binary(max_size=300), status=st.sampled_from([200, 400, 404, 418, 429, 500]))
def test_any_answer_bytes_give_a_dict_or_a_kiosk_error(
    emulator: Emulator, authed: Transport, garbage: bytes, status: int
) -> None:
    emulator.add_fault(Fault(endpoint="sessions.get", garbage=garbage, status=status))
    try:
        body = authed.json("GET", f"{emulator.url}/v1/sessions/whatever", retry=False)
    except KioskError:
        return
    assert isinstance(body, dict)


# -- media streams --------------------------------------------------------------------------------------------


@pytest.fixture
def picked(emulator: Emulator, authed: Transport, fake_clock: FakeClock) -> list[dict[str, Any]]:
    session = _create(authed, emulator)
    fake_clock.advance(10)
    page = authed.json("GET", f"{emulator.url}/v1/mediaItems", params={"sessionId": session["id"], "pageSize": "100"})
    return [i for i in page["mediaItems"] if i.get("type") == "PHOTO"]


def _read(t: Transport, url: str, max_bytes: int = 64 << 20, chunk: int = 64 * 1024) -> bytes:
    with t.stream(url, max_bytes=max_bytes, chunk=chunk) as chunks:
        return b"".join(chunks)


def test_stream_gives_the_exact_bytes(emulator: Emulator, authed: Transport, picked: list[dict[str, Any]]) -> None:
    item = picked[0]
    data = _read(authed, item["mediaFile"]["baseUrl"] + "=w800-h600", chunk=1000)
    assert data == emulator.rendition_bytes(item["id"], "w800-h600")


def test_stream_over_max_bytes_by_content_length_is_bad_media(
    emulator: Emulator, authed: Transport, picked: list[dict[str, Any]]
) -> None:
    item = picked[0]
    size = len(emulator.original_bytes(item["id"]))
    with pytest.raises(BadMedia):
        _read(authed, item["mediaFile"]["baseUrl"] + "=d", max_bytes=size - 1)
    assert _read(authed, item["mediaFile"]["baseUrl"] + "=d", max_bytes=size) == emulator.original_bytes(item["id"])


def test_stream_truncated_is_a_transport_error(
    emulator: Emulator, authed: Transport, picked: list[dict[str, Any]]
) -> None:
    emulator.add_fault(Fault(endpoint="media", truncate=True))
    with pytest.raises(TransportError, match=r"broke|cut short"):
        _read(authed, picked[0]["mediaFile"]["baseUrl"] + "=w400-h300")


def test_stream_dropped_is_a_transport_error(
    emulator: Emulator, authed: Transport, picked: list[dict[str, Any]]
) -> None:
    emulator.add_fault(Fault(endpoint="media", drop=True))
    with pytest.raises(TransportError):
        _read(authed, picked[0]["mediaFile"]["baseUrl"] + "=w400-h300")


def test_stream_error_status_is_an_api_error_and_5xx_is_retried(
    emulator: Emulator, authed: Transport, picked: list[dict[str, Any]]
) -> None:
    url = picked[0]["mediaFile"]["baseUrl"] + "=w400-h300"
    emulator.add_fault(Fault(endpoint="media", status=404))
    with pytest.raises(ApiError) as info:
        _read(authed, url)
    assert info.value.status == 404
    emulator.add_fault(Fault(endpoint="media", status=503, times=2))
    assert _read(authed, url) == emulator.rendition_bytes(picked[0]["id"], "w400-h300")
    assert _gaps(_times(emulator, "media")[-3:]) == [1.0, 2.0]


class _ChunkedServer:
    """A raw loopback server answering chunked bodies without Content-Length (the emulator always sends one)."""

    def __init__(self, body: bytes, *, cut: bool = False) -> None:
        self.body, self.cut = body, cut
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/media"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        # The client hangs up early on purpose when it stops reading (BadMedia): that is not a failure here.
        with conn, contextlib.suppress(OSError):
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
            for i in range(0, len(self.body), 1000):
                part = self.body[i : i + 1000]
                conn.sendall(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                if self.cut and i > len(self.body) // 2:
                    return
            conn.sendall(b"0\r\n\r\n")

    def close(self) -> None:
        self.thread.join(timeout=5)
        self.sock.close()


def test_stream_without_length_is_capped_while_streaming(fake_clock: FakeClock) -> None:
    server = _ChunkedServer(b"x" * 50_000)
    try:
        t = Transport(requests.Session(), clock=fake_clock.clock())
        received: list[bytes] = []
        with pytest.raises(BadMedia), t.stream(server.url, max_bytes=20_000, chunk=1000) as chunks:
            received.extend(chunks)
        assert sum(map(len, received)) <= 20_000
    finally:
        server.close()


def test_stream_without_length_cut_short_is_a_transport_error(fake_clock: FakeClock) -> None:
    server = _ChunkedServer(b"y" * 50_000, cut=True)
    try:
        t = Transport(requests.Session(), clock=fake_clock.clock())
        with pytest.raises(TransportError):
            _read(t, server.url)
    finally:
        server.close()


# -- small pieces ---------------------------------------------------------------------------------------------


def test_parse_retry_after() -> None:
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    wall = datetime(2030, 1, 1, tzinfo=UTC)
    later = format_datetime(wall + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(later, wall=wall.timestamp()) == 90.0
    earlier = format_datetime(wall - timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(earlier, wall=wall.timestamp()) == 0.0
