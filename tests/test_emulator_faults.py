"""Faults on demand: drop, truncate, latency, garbage, Retry-After, error bodies, and skip/times counting."""

from __future__ import annotations

import socket
import time
import uuid
from typing import Any

import pytest
import requests

from core.clock import FakeClock
from core.emulator import Emulator, Fault, Person


def create(emu: Emulator, token: str) -> requests.Response:
    return requests.post(
        f"{emu.url}/v1/sessions",
        params={"requestId": str(uuid.uuid4())},
        json={},
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )


def code(emu: Emulator) -> requests.Response:
    return requests.post(f"{emu.url}/device/code", data={"client_id": "c", "scope": "openid"}, timeout=5)


def test_drop_closes_the_connection_without_an_answer(emulator: Emulator) -> None:
    emulator.add_fault(Fault(endpoint="device_code", drop=True))
    with pytest.raises(requests.ConnectionError):
        code(emulator)
    assert code(emulator).status_code == 200
    assert [r.status for r in emulator.requests] == [0, 200]
    assert emulator.device_codes_issued == 1  # the dropped request never reached the endpoint


def test_truncate_sends_half_the_body(emulator: Emulator, fake_clock: FakeClock) -> None:
    token = emulator.grant_token()["access_token"]
    sid = create(emulator, token).json()["id"]
    fake_clock.advance(3)
    items = requests.get(
        f"{emulator.url}/v1/mediaItems",
        params={"sessionId": sid},
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    ).json()["mediaItems"]
    emulator.add_fault(Fault(endpoint="media", truncate=True))
    url = items[0]["mediaFile"]["baseUrl"] + "=w400-h300"
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=5)
    # On the wire: the full Content-Length is announced, half the body arrives, then the connection closes.
    emulator.add_fault(Fault(endpoint="media", truncate=True))
    path = url.removeprefix(emulator.url)
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
        raw = b"".join(iter(lambda: sock.recv(65536), b""))
    head, _, body = raw.partition(b"\r\n\r\n")
    announced = int(next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length:")).split(b":")[1])
    assert announced == len(emulator.rendition_bytes(items[0]["id"], "w400-h300"))
    assert len(body) == announced // 2


def test_latency_is_real_seconds(emulator: Emulator) -> None:
    emulator.add_fault(Fault(endpoint="device_code", latency=0.3))
    started = time.perf_counter()
    assert code(emulator).status_code == 200
    assert time.perf_counter() - started >= 0.3
    started = time.perf_counter()
    code(emulator)
    assert time.perf_counter() - started < 0.3


def test_emulator_wide_latency(make_emulator: Any) -> None:
    emu = make_emulator(latency=0.1)
    started = time.perf_counter()
    code(emu)
    code(emu)
    assert time.perf_counter() - started >= 0.2


def test_garbage_replaces_the_body(emulator: Emulator) -> None:
    emulator.add_fault(Fault(endpoint="token", garbage=b'{"access_token": [1, {'))
    r = requests.post(f"{emulator.url}/token", data={"grant_type": "x"}, timeout=5)
    assert r.status_code == 200 and r.content == b'{"access_token": [1, {'
    with pytest.raises(ValueError):
        r.json()
    emulator.add_fault(Fault(endpoint="token", garbage=b"\xff\xfe", status=502))
    r = requests.post(f"{emulator.url}/token", data={"grant_type": "x"}, timeout=5)
    assert (r.status_code, r.content) == (502, b"\xff\xfe")


def test_google_status_builds_googles_error_body_with_retry_after(emulator: Emulator) -> None:
    token = emulator.grant_token()["access_token"]
    emulator.add_fault(Fault(endpoint="sessions.create", google_status="RESOURCE_EXHAUSTED", retry_after=42))
    r = create(emulator, token)
    assert r.status_code == 429 and r.headers["Retry-After"] == "42"
    assert r.json()["error"]["status"] == "RESOURCE_EXHAUSTED" and r.json()["error"]["code"] == 429
    emulator.add_fault(Fault(endpoint="sessions.create", status=503))
    r = create(emulator, token)
    assert r.status_code == 503 and r.json()["error"]["status"] == "UNAVAILABLE"
    assert emulator.sessions_created == []  # neither ran the endpoint
    ok = create(emulator, token)
    assert ok.status_code == 200 and "Retry-After" not in ok.headers


def test_retry_after_on_a_normal_answer(emulator: Emulator) -> None:
    emulator.add_fault(Fault(endpoint="device_code", retry_after=7))
    r = code(emulator)
    assert r.status_code == 200 and r.headers["Retry-After"] == "7" and r.json()["device_code"]


def test_oauth_endpoint_status_fault_has_an_oauth_body(emulator: Emulator) -> None:
    emulator.add_fault(Fault(endpoint="device_code", status=500))
    r = code(emulator)
    assert r.status_code == 500 and r.json()["error"] == "internal_failure"


def test_skip_times_and_forever(emulator: Emulator) -> None:
    emulator.add_fault(Fault(endpoint="device_code", status=503, skip=1, times=2))
    assert [code(emulator).status_code for _ in range(4)] == [200, 503, 503, 200]
    emulator.add_fault(Fault(endpoint="*", status=500, times=None))
    assert [code(emulator).status_code for _ in range(3)] == [500, 500, 500]
    emulator.clear_faults()
    assert code(emulator).status_code == 200


def test_fault_on_one_endpoint_leaves_others_alone(emulator: Emulator, fake_clock: FakeClock) -> None:
    emulator.person = Person(approve_after=0)
    emulator.add_fault(Fault(endpoint="refresh", error="invalid_grant", times=None))
    tokens = emulator.grant_token()
    r = requests.post(
        f"{emulator.url}/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": "emulator-client"},
        timeout=5,
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    device_code = code(emulator).json()["device_code"]
    grant = "urn:ietf:params:oauth:grant-type:device_code"
    ok = requests.post(
        f"{emulator.url}/token", data={"client_id": "c", "device_code": device_code, "grant_type": grant}, timeout=5
    )
    assert ok.status_code == 200


def test_unknown_fault_endpoint_is_refused() -> None:
    with pytest.raises(ValueError):
        Fault(endpoint="sessions.list")
