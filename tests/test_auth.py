"""Device sign-in, token file and google-auth credentials against the emulator over loopback."""

from __future__ import annotations

import base64
import itertools
import json
import logging
import os
import stat
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.clock import FakeClock
from core.config import GoogleConfig
from core.emulator import Emulator, Fault, Person
from core.errors import (
    AccessDenied,
    ApiError,
    AuthError,
    Cancelled,
    CodeExpired,
    InvalidClient,
    KioskError,
    RateLimited,
    ScopeRefused,
    SignInRequired,
    TransportError,
)
from core.picker import PickerClient
from core.transport import Transport
from device.signin.credentials import authorized_session, credentials
from device.signin.grant import DeviceAuth, DeviceFlow, Granted, Pending
from device.signin.oauth import PICKER_SCOPE, SCOPES
from device.signin.token import StoredToken, TokenStore, account_from_id_token

MakeEmu = Callable[..., Emulator]
CLIENT_ID = "kiosk.apps.googleusercontent.com"
SECRET = "GOCSPX-very-secret-client"


@pytest.fixture
def emulator(make_emulator: MakeEmu) -> Emulator:
    return make_emulator(client_id=CLIENT_ID, client_secret=SECRET)


def google_for(emulator: Emulator, *, client_id: str = CLIENT_ID, secret: str = SECRET) -> GoogleConfig:
    return GoogleConfig(client_id, secret, emulator.url, emulator.url)


@pytest.fixture
def auth(emulator: Emulator, fake_clock: FakeClock) -> DeviceAuth:
    return DeviceAuth(google_for(emulator), requests.Session(), clock=fake_clock.clock())


def token_polls(emulator: Emulator) -> list[float]:
    return [r.time for r in emulator.requests if r.endpoint == "token"]


def gaps(times: list[float]) -> list[float]:
    return [round(b - a, 3) for a, b in itertools.pairwise(times)]


def picker(
    emulator: Emulator, token: StoredToken, fake_clock: FakeClock, store: TokenStore | None = None
) -> PickerClient:
    session = authorized_session(token, google_for(emulator), store)
    return PickerClient(emulator.url, Transport(session, clock=fake_clock.clock()))


# -- the happy path -------------------------------------------------------------------------------------------


def test_sign_in_waits_the_interval_and_gets_a_token(
    emulator: Emulator, auth: DeviceAuth, fake_clock: FakeClock
) -> None:
    emulator.person = Person(approve_after=22, email="grandma@example.com")
    flow = auth.start()
    assert flow.interval == 5 and flow.user_code and flow.qr_url == flow.verification_url
    token = auth.wait(flow)
    assert token.account == "grandma@example.com"
    assert PICKER_SCOPE in token.scopes and set(SCOPES) <= set(token.scopes)
    assert token.expiry is not None and token.expiry > datetime.now(UTC)
    assert gaps(token_polls(emulator)) == [5.0] * 4
    assert emulator.violations == []
    assert picker(emulator, token, fake_clock).create_session().id in emulator.open_sessions


def test_qr_prefers_verification_uri_complete(make_emulator: MakeEmu, fake_clock: FakeClock) -> None:
    emulator = make_emulator(complete_uri=True)
    flow = DeviceAuth(google_for(emulator), requests.Session(), clock=fake_clock.clock()).start()
    assert flow.verification_uri_complete and flow.user_code in flow.verification_uri_complete
    assert flow.qr_url == flow.verification_uri_complete


def test_rfc_spelling_and_missing_interval(emulator: Emulator, auth: DeviceAuth) -> None:
    answer = {"device_code": "4/abc", "user_code": "ABCD-EFGH", "verification_uri": "https://example.com/device",
              "verification_uri_complete": "https://example.com/device?code=ABCD-EFGH", "expires_in": 600}  # fmt: skip
    emulator.add_fault(Fault(endpoint="device_code", garbage=json.dumps(answer).encode()))
    flow = auth.start()
    assert flow.interval == 5.0
    assert flow.verification_url == "https://example.com/device"
    assert flow.qr_url == "https://example.com/device?code=ABCD-EFGH"


def test_device_code_is_not_in_repr(auth: DeviceAuth) -> None:
    flow = auth.start()
    assert flow.device_code not in repr(flow)


# -- every row of the polling table -----------------------------------------------------------------------------


def test_pending_while_the_person_has_not_answered(emulator: Emulator, auth: DeviceAuth, fake_clock: FakeClock) -> None:
    emulator.person = Person(answer="never")
    flow = auth.start()
    fake_clock.advance(flow.interval)
    assert auth.poll_once(flow) == Pending(flow)


def test_slow_down_from_polling_too_fast_adds_five_seconds_for_good(
    emulator: Emulator, auth: DeviceAuth, fake_clock: FakeClock
) -> None:
    emulator.person = Person(approve_after=40)
    flow = auth.start()
    fake_clock.advance(5)
    assert isinstance(auth.poll_once(flow), Pending)
    fake_clock.advance(1)  # too soon on purpose: Google answers slow_down
    slower = auth.poll_once(flow)
    assert isinstance(slower, Pending) and slower.flow.interval == 10.0
    assert len(emulator.violations) == 1  # the one provoked above
    auth.wait(slower.flow)
    assert all(gap >= 10.0 for gap in gaps(token_polls(emulator)[1:]))
    assert len(emulator.violations) == 1


def test_each_slow_down_adds_five_seconds(emulator: Emulator, auth: DeviceAuth) -> None:
    emulator.add_fault(Fault(endpoint="token", error="slow_down", times=2))
    auth.wait(auth.start())
    assert gaps(token_polls(emulator)) == [10.0, 15.0]
    assert emulator.violations == []


def test_access_denied(emulator: Emulator, auth: DeviceAuth) -> None:
    emulator.person = Person(answer="deny")
    with pytest.raises(AccessDenied):
        auth.wait(auth.start())


def test_wrong_client_secret_is_invalid_client(emulator: Emulator, fake_clock: FakeClock) -> None:
    auth = DeviceAuth(google_for(emulator, secret="wrong"), requests.Session(), clock=fake_clock.clock())
    flow = auth.start()
    fake_clock.advance(5)
    with pytest.raises(InvalidClient, match="TVs and Limited Input devices"):
        auth.poll_once(flow)


def test_wrong_client_id_is_invalid_client(emulator: Emulator, fake_clock: FakeClock) -> None:
    auth = DeviceAuth(google_for(emulator, client_id="other.apps"), requests.Session(), clock=fake_clock.clock())
    with pytest.raises(InvalidClient, match="TVs and Limited Input devices"):
        auth.start()


def test_unknown_or_used_code_is_code_expired(emulator: Emulator, auth: DeviceAuth, fake_clock: FakeClock) -> None:
    flow = auth.start()
    fake_clock.advance(5)
    with pytest.raises(CodeExpired):
        auth.poll_once(replace(flow, device_code="4/nobody-knows-this"))
    assert isinstance(auth.poll_once(flow), Granted)
    fake_clock.advance(5)
    with pytest.raises(CodeExpired):
        auth.poll_once(flow)  # already used


def test_expired_token_from_google_is_code_expired(emulator: Emulator, auth: DeviceAuth, fake_clock: FakeClock) -> None:
    emulator.person = Person(answer="never")
    flow = auth.start()
    fake_clock.advance(1800)
    with pytest.raises(CodeExpired):
        auth.poll_once(replace(flow, expires_at=flow.expires_at + 100))  # our fake_clock says fine, Google does not
    with pytest.raises(CodeExpired):
        auth.poll_once(flow)  # known to be expired here: not even sent
    assert len(token_polls(emulator)) == 1


@pytest.mark.parametrize("endpoint", ["device_code", "token"])
def test_rate_limit_exceeded(emulator: Emulator, auth: DeviceAuth, fake_clock: FakeClock, endpoint: str) -> None:
    emulator.add_fault(Fault(endpoint=endpoint, error="rate_limit_exceeded"))
    with pytest.raises(RateLimited) as info:
        flow = auth.start()
        fake_clock.advance(5)
        auth.poll_once(flow)
    assert info.value.retry_after >= 60


def test_refused_scope_is_explained(emulator: Emulator, auth: DeviceAuth) -> None:
    emulator.refuse_scope = True
    with pytest.raises(ScopeRefused, match="Photos Picker"):
        auth.start()


@pytest.mark.parametrize(
    ("error", "words"),
    [
        ("admin_policy_enforced", "administrator"),
        ("org_internal", "organisation"),
        ("unsupported_grant_type", "kind of sign-in"),
        ("something_new", "something_new"),
    ],
)
def test_other_errors_are_plain_auth_errors(
    emulator: Emulator, auth: DeviceAuth, fake_clock: FakeClock, error: str, words: str
) -> None:
    flow = auth.start()
    emulator.add_fault(Fault(endpoint="token", error=error, status=403 if error == "org_internal" else 400))
    fake_clock.advance(5)
    with pytest.raises(AuthError, match=words) as info:
        auth.poll_once(flow)
    assert type(info.value) is AuthError


def test_google_trouble_while_polling_is_retryable_and_waited_out(
    emulator: Emulator, auth: DeviceAuth, fake_clock: FakeClock
) -> None:
    flow = auth.start()
    emulator.add_fault(Fault(endpoint="token", status=503))
    fake_clock.advance(5)
    with pytest.raises(ApiError) as info:
        auth.poll_once(flow)
    assert info.value.retryable and len(token_polls(emulator)) == 1  # poll_once never retries by itself
    emulator.add_fault(Fault(endpoint="token", status=500, times=2))
    emulator.add_fault(Fault(endpoint="token", drop=True, skip=2))
    assert auth.wait(flow).refresh_token
    assert emulator.violations == []


def test_expired_code_is_replaced_automatically(make_emulator: MakeEmu, fake_clock: FakeClock) -> None:
    emulator = make_emulator(code_expires_in=60, person=Person(answer="never"))
    auth = DeviceAuth(google_for(emulator), requests.Session(), clock=fake_clock.clock())
    first = auth.start()
    shown: list[DeviceFlow] = []

    def new_code(flow: DeviceFlow) -> None:
        shown.append(flow)
        emulator.person = Person(approve_after=0)  # they scan the new code right away

    token = auth.wait(first, on_new_code=new_code)
    assert token.refresh_token
    assert len(shown) == 1 and shown[0].user_code != first.user_code
    assert emulator.device_codes_issued == 2
    assert emulator.violations == []


def test_wait_can_be_cancelled(make_emulator: MakeEmu, fake_clock: FakeClock) -> None:
    emulator = make_emulator(code_expires_in=20, person=Person(answer="never"))
    auth = DeviceAuth(google_for(emulator), requests.Session(), clock=fake_clock.clock())
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        auth.wait(auth.start(), on_new_code=lambda flow: cancel.set(), cancel=cancel)
    assert emulator.device_codes_issued == 2
    assert max(token_polls(emulator)) < max(r.time for r in emulator.requests if r.endpoint == "device_code")


# -- token answers --------------------------------------------------------------------------------------------


def _token_answer(**fields: Any) -> bytes:
    answer = {"access_token": "ya29.x", "refresh_token": "1//y", "expires_in": 3599, "token_type": "Bearer",
              "scope": " ".join(SCOPES)}  # fmt: skip
    answer.update(fields)
    return json.dumps({k: v for k, v in answer.items() if v is not None}).encode()


def _jwt(payload: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256'})}.{part(payload)}.c2ln"


@pytest.mark.parametrize(
    ("id_token", "account"),
    [
        (_jwt({"email": "a@b.example"}), "a@b.example"),
        ("garbage", None),
        ("a.!!!.c", None),
        (_jwt({"sub": "1"}), None),
        (None, None),
    ],
)
def test_account_from_id_token(
    emulator: Emulator, auth: DeviceAuth, fake_clock: FakeClock, id_token: str | None, account: str | None
) -> None:
    flow = auth.start()
    emulator.add_fault(Fault(endpoint="token", garbage=_token_answer(id_token=id_token)))
    fake_clock.advance(5)
    result = auth.poll_once(flow)
    assert isinstance(result, Granted) and result.token.account == account
    assert account_from_id_token(id_token) == account


def test_grant_without_the_photos_scope_is_scope_refused(
    emulator: Emulator, auth: DeviceAuth, fake_clock: FakeClock
) -> None:
    flow = auth.start()
    emulator.add_fault(Fault(endpoint="token", garbage=_token_answer(scope="openid email")))
    fake_clock.advance(5)
    with pytest.raises(ScopeRefused, match="Google Photos box"):
        auth.poll_once(flow)


oauth_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(
        st.sampled_from(["access_token", "refresh_token", "expires_in", "scope", "id_token", "error", "error_code",
                         "device_code", "user_code", "verification_url", "verification_uri", "interval"])
        | st.text(max_size=4),
        inner,
        max_size=6,
    ),
    max_leaves=15,
)  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=oauth_json, status=st.sampled_from([200, 400, 401, 403, 428, 500]))
def test_garbage_from_the_oauth_endpoints_is_only_ever_a_kiosk_error(
    emulator: Emulator, auth: DeviceAuth, fake_clock: FakeClock, body: object, status: int
) -> None:
    flow = DeviceFlow("4/x", "ABCD", "https://example.com/device", None, fake_clock.now() + 1000, 5.0)
    emulator.clear_faults()
    emulator.add_fault(Fault(endpoint="device_code", garbage=json.dumps(body).encode(), status=status))
    emulator.add_fault(Fault(endpoint="token", garbage=json.dumps(body).encode(), status=status))
    for call in (auth.start, lambda: auth.poll_once(flow)):
        try:
            result = call()
        except KioskError:
            continue
        assert isinstance(result, DeviceFlow | Pending | Granted)


# -- refresh, revoke ------------------------------------------------------------------------------------------


@pytest.fixture
def signed_in(emulator: Emulator, auth: DeviceAuth) -> StoredToken:
    return auth.wait(auth.start())


def test_google_auth_refreshes_an_expired_access_token_and_the_store_keeps_it(
    emulator: Emulator, signed_in: StoredToken, fake_clock: FakeClock, tmp_path: Path
) -> None:
    store = TokenStore(tmp_path)
    store.save(signed_in)
    client = picker(emulator, signed_in, fake_clock, store)
    emulator.expire_access_tokens()
    session = client.create_session()
    assert session.id in emulator.open_sessions
    assert emulator.tokens_refreshed == 1
    saved = store.load()
    assert saved is not None and saved.access_token != signed_in.access_token
    assert saved.refresh_token == signed_in.refresh_token and saved.account == signed_in.account
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert [r.bearer for r in emulator.requests if r.endpoint == "sessions.create"] == ["expired", "valid"]


def test_many_threads_with_an_expired_token_make_one_refresh(
    emulator: Emulator, signed_in: StoredToken, fake_clock: FakeClock
) -> None:
    stale = replace(signed_in, expiry=datetime.now(UTC) - timedelta(minutes=1))
    client = picker(emulator, stale, fake_clock)
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def work() -> None:
        barrier.wait()
        try:
            client.create_session()
        except BaseException as exc:  # collected and reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert emulator.tokens_refreshed == 1
    assert len(emulator.open_sessions) == 8


def test_dead_refresh_token_means_sign_in_again_and_says_why(
    emulator: Emulator, signed_in: StoredToken, fake_clock: FakeClock
) -> None:
    client = picker(emulator, signed_in, fake_clock)
    emulator.kill_refresh_tokens()
    emulator.expire_access_tokens()
    with pytest.raises(SignInRequired) as info:
        client.create_session()
    assert "7 days" in str(info.value) and "Testing" in str(info.value)


@pytest.mark.parametrize(
    "fault",
    [
        Fault(endpoint="refresh", drop=True),
        Fault(endpoint="refresh", garbage=b"[]"),
        Fault(endpoint="refresh", garbage=b"<html>proxy login</html>"),
        Fault(endpoint="refresh", garbage=b'{"access_token": "x", "expires_in": "soon"}'),
    ],
)
def test_refresh_that_breaks_is_a_transport_error_and_the_next_try_works(
    emulator: Emulator, signed_in: StoredToken, fake_clock: FakeClock, fault: Fault
) -> None:
    client = picker(emulator, signed_in, fake_clock)
    emulator.expire_access_tokens()
    emulator.add_fault(fault)
    with pytest.raises(TransportError):
        client.create_session()
    assert client.create_session().id in emulator.open_sessions


def test_revoke(emulator: Emulator, auth: DeviceAuth, signed_in: StoredToken, fake_clock: FakeClock) -> None:
    auth.revoke(signed_in)
    auth.revoke(signed_in)  # already revoked: nothing to do, no error
    revokes = [r for r in emulator.requests if r.endpoint == "revoke"]
    assert [r.status for r in revokes] == [200, 400]
    assert all("token" not in r.query for r in revokes)  # in the body: URLs end up in logs
    with pytest.raises(SignInRequired):
        picker(emulator, signed_in, fake_clock).create_session()


def test_credentials_point_at_our_token_endpoint(emulator: Emulator, signed_in: StoredToken) -> None:
    google = google_for(emulator)
    creds = credentials(signed_in, google)
    assert creds.token_uri == f"{emulator.url}/token"
    assert creds.client_id == CLIENT_ID and creds.refresh_token == signed_in.refresh_token
    assert signed_in.expiry is not None and creds.expiry is not None
    assert creds.expiry.tzinfo is None
    assert creds.expiry == signed_in.expiry.astimezone(UTC).replace(tzinfo=None)
    assert creds.valid


# -- the token file -------------------------------------------------------------------------------------------


def _token() -> StoredToken:
    return StoredToken("ya29.access", "1//refresh", datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC), SCOPES, "a@b.example")


def test_token_store_round_trip_mode_0600_and_no_leftovers(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "state")
    assert store.load() is None
    old = os.umask(0)
    try:
        store.save(_token())
        store.save(replace(_token(), access_token="ya29.newer"))
    finally:
        os.umask(old)
    assert store.load() == replace(_token(), access_token="ya29.newer")
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert sorted(p.name for p in store.path.parent.iterdir()) == ["token.json"]
    store.clear()
    assert store.load() is None
    store.clear()


def test_token_store_writes_atomically_and_never_world_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = TokenStore(tmp_path)
    store.save(_token())
    seen: list[tuple[int, StoredToken | None]] = []
    real_fsync = os.fsync

    def watching_fsync(fd: int) -> None:
        # While the new token is being written, the temp file is 0600 and the old token is intact.
        for tmp in tmp_path.glob(".token.*"):
            seen.append((stat.S_IMODE(tmp.stat().st_mode), store.load()))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", watching_fsync)
    store.save(replace(_token(), access_token="ya29.second"))
    assert seen and all(mode == 0o600 and tok == _token() for mode, tok in seen)
    assert store.load() == replace(_token(), access_token="ya29.second")

    def failing_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        store.save(replace(_token(), access_token="ya29.third"))
    assert store.load() == replace(_token(), access_token="ya29.second")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["token.json"]


@pytest.mark.parametrize("content", [b"", b"{not json", b"[]", b'{"access_token": 1}', b"\xff\xfe", b"[" * 50_000])
def test_corrupt_token_file_is_forgotten_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: bytes
) -> None:
    store = TokenStore(tmp_path)
    store.path.write_bytes(content)
    with caplog.at_level(logging.WARNING):
        assert store.load() is None
    assert any("damaged" in r.getMessage() for r in caplog.records)


def test_stored_token_repr_hides_the_tokens() -> None:
    text = repr(_token())
    assert "ya29" not in text and "1//refresh" not in text and "a@b.example" in text


# -- secrets never reach the logs -------------------------------------------------------------------------------


class _Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name} {record.getMessage()} {record.__dict__!r}")


def test_a_whole_sign_in_logs_no_secret(make_emulator: MakeEmu, fake_clock: FakeClock, tmp_path: Path) -> None:
    handler = _Everything()
    loggers = [logging.getLogger(), logging.getLogger("google"), logging.getLogger("urllib3")]
    saved = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    try:
        emulator = make_emulator(client_id=CLIENT_ID, client_secret=SECRET)
        auth = DeviceAuth(google_for(emulator), requests.Session(), clock=fake_clock.clock())
        flow = auth.start()
        emulator.add_fault(Fault(endpoint="token", error="slow_down"))
        codes = [flow.device_code]
        token = auth.wait(flow)
        store = TokenStore(tmp_path)
        store.save(token)
        client = picker(emulator, token, fake_clock, store)
        emulator.expire_access_tokens()
        session = client.create_session()
        client.delete_session(session.id)
        refreshed = store.load()
        assert refreshed is not None
        emulator.kill_refresh_tokens()
        emulator.expire_access_tokens()
        with pytest.raises(SignInRequired) as info:
            client.create_session()
        auth.revoke(refreshed)
    finally:
        for lg, level in saved:
            lg.removeHandler(handler)
            lg.setLevel(level)
    text = "\n".join(handler.lines)
    assert "POST /token" in text or "/token" in text  # the capture really saw the traffic
    secrets = [SECRET, *codes, token.access_token, token.refresh_token, refreshed.access_token]
    for secret in secrets:
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:  # as they would sit in a URL or form
            assert form not in text
        assert secret not in str(info.value)
    assert all(s not in repr(flow) + repr(token) + repr(google_for(emulator)) for s in secrets)


@pytest.mark.parametrize(
    "expiry",
    ["0001-01-01T00:00:00+00:00", "0001-01-01T00:00:00", "9999-12-31T23:59:59+00:00", "soon", 12, [], "2026-13-45"],
)
def test_a_token_file_with_an_impossible_expiry_is_refreshed_not_a_traceback(
    emulator: Emulator, signed_in: StoredToken, fake_clock: FakeClock, tmp_path: Path, expiry: object
) -> None:
    # A year-1 expiry made google-auth's `expired` overflow at every start; any expiry that cannot be
    # trusted is taken as expired: the next request refreshes, and the account stays signed in.
    store = TokenStore(tmp_path)
    store.save(signed_in)
    data = json.loads(store.path.read_text(encoding="utf-8"))
    data["expiry"] = expiry
    store.path.write_text(json.dumps(data), encoding="utf-8")
    token = store.load()
    assert token is not None and token.refresh_token == signed_in.refresh_token
    client = picker(emulator, token, fake_clock, store)
    assert client.create_session().id in emulator.open_sessions
    assert emulator.tokens_refreshed == 1
    saved = store.load()
    assert saved is not None and saved.expiry is not None and saved.expiry > datetime.now(UTC)


def test_a_burst_of_401s_is_refreshed_and_retried_not_sign_in_again(
    emulator: Emulator, signed_in: StoredToken, fake_clock: FakeClock
) -> None:
    # Google refusing fresh access tokens a few times in a row (revoked again and again) is not a dead
    # sign-in: each 401 leads to a refresh and a retry; google-auth's own limit is two refreshes a request.
    client = picker(emulator, signed_in, fake_clock)
    emulator.add_fault(Fault(endpoint="sessions.create", status=401, google_status="UNAUTHENTICATED", times=4))
    assert client.create_session().id in emulator.open_sessions
    assert emulator.tokens_refreshed == 4


def test_a_longer_burst_of_401s_is_a_retryable_error_not_sign_in_again(
    emulator: Emulator, signed_in: StoredToken, fake_clock: FakeClock
) -> None:
    client = picker(emulator, signed_in, fake_clock)
    emulator.add_fault(Fault(endpoint="sessions.create", status=401, google_status="UNAUTHENTICATED", times=None))
    with pytest.raises(ApiError) as info:
        client.create_session()
    assert info.value.retryable and not isinstance(info.value, SignInRequired)
    emulator.clear_faults()
    assert client.create_session().id in emulator.open_sessions  # the sign-in was fine all along


def test_only_a_refused_refresh_means_sign_in_again_even_mid_burst(
    emulator: Emulator, signed_in: StoredToken, fake_clock: FakeClock
) -> None:
    client = picker(emulator, signed_in, fake_clock)
    emulator.add_fault(Fault(endpoint="sessions.create", status=401, google_status="UNAUTHENTICATED", times=None))
    emulator.kill_refresh_tokens()
    with pytest.raises(SignInRequired):
        client.create_session()
    assert emulator.tokens_refreshed == 0


def test_a_netrc_login_goes_neither_to_the_picker_api_nor_to_the_refresh(
    emulator: Emulator,
    signed_in: StoredToken,
    fake_clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A ``default`` entry of ~/.netrc matches every host; requests on its own sends it as Basic auth."""
    netrc = tmp_path / "netrc"
    netrc.write_text("default login frame password ftp-secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    client = picker(emulator, signed_in, fake_clock, None)
    emulator.expire_access_tokens()
    session = client.create_session()
    assert session.id in emulator.open_sessions
    assert emulator.tokens_refreshed == 1
    assert [r.bearer for r in emulator.requests if r.endpoint == "sessions.create"] == ["expired", "valid"]
    assert [r.bearer for r in emulator.requests if r.endpoint == "refresh"] == ["missing"]
