"""Hypothesis garbage for the JSON answers tests/test_picker_client.py and tests/test_auth.py leave out:
sessions.delete, the refresh-token grant and revoke. The client layer raises a KioskError, never anything else."""

from __future__ import annotations

import contextlib
import json

import requests
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.clock import FakeClock
from core.config import GoogleConfig
from core.emulator import Emulator, Fault
from core.errors import KioskError
from core.picker import PickerClient
from core.transport import Transport
from device.signin.credentials import authorized_session
from device.signin.grant import DeviceAuth
from device.signin.token import StoredToken
from tests.test_picker_client import json_values

STATUSES = st.sampled_from([200, 400, 401, 403, 404, 429, 500, 503])
RAW = st.one_of(json_values.map(lambda v: json.dumps(v).encode()), st.binary(max_size=200))
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def signed_in(emu: Emulator, clock: FakeClock) -> tuple[DeviceAuth, StoredToken, GoogleConfig]:
    google = GoogleConfig("client.apps.googleusercontent.com", "s3cret-client", emu.url, emu.url)
    auth = DeviceAuth(google, requests.Session(), clock=clock.clock())
    return auth, auth.wait(auth.start()), google


@SETTINGS
@given(body=RAW, status=STATUSES)
def test_garbage_answers_to_sessions_delete(
    emulator: Emulator, fake_clock: FakeClock, body: bytes, status: int
) -> None:
    _, token, google = signed_in(emulator, fake_clock)
    client = PickerClient(emulator.url, Transport(authorized_session(token, google, None), clock=fake_clock.clock()))
    session = client.create_session()
    emulator.clear_faults()
    emulator.add_fault(Fault(endpoint="sessions.delete", garbage=body, status=status))
    with contextlib.suppress(KioskError):
        client.delete_session(session.id)
    client.delete_session(session.id)  # the fault was used up: a real delete (or "already gone") works
    assert session.id not in emulator.open_sessions


@SETTINGS
# google-auth itself retries a refresh after 5xx/429 with real sleeps; those statuses are covered in test_auth.
@given(body=RAW, status=st.sampled_from([200, 400, 401, 403, 404]))
@example(body=b'{"error": []}', status=400)  # once escaped as a TypeError from the error translation
def test_garbage_answers_to_the_refresh_grant(
    emulator: Emulator, fake_clock: FakeClock, body: bytes, status: int
) -> None:
    _, token, google = signed_in(emulator, fake_clock)
    client = PickerClient(emulator.url, Transport(authorized_session(token, google, None), clock=fake_clock.clock()))
    emulator.expire_access_tokens()
    emulator.clear_faults()
    emulator.add_fault(Fault(endpoint="refresh", garbage=body, status=status))
    with contextlib.suppress(KioskError):
        client.create_session()


@SETTINGS
@given(body=RAW, status=STATUSES)
def test_garbage_answers_to_revoke(emulator: Emulator, fake_clock: FakeClock, body: bytes, status: int) -> None:
    auth, token, _ = signed_in(emulator, fake_clock)
    emulator.clear_faults()
    emulator.add_fault(Fault(endpoint="revoke", garbage=body, status=status))
    with contextlib.suppress(KioskError):
        auth.revoke(token)
