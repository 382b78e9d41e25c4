"""The journey's choice of sign-in, as a pure state machine: device grant, phone, and the switch between them;
and a picking the phone page asked for, which stays the phone's through a retry."""

from __future__ import annotations

from pathlib import Path

from core import flow
from core.errors import KioskError, ScopeRefused, TransportError
from core.states import Choose, Problem, SignedOut, SignInOnPhone, Starting, UserAction

REFUSED = ScopeRefused("Google refused the Photos Picker scope.")


def boot(sign_in: str, once: bool = False) -> tuple[flow.Machine, list[flow.Effect]]:
    return flow.step(flow.Machine(once=once, sign_in=sign_in), flow.Boot(signed_in=False), 0.0)


def test_device_and_auto_start_with_the_device_grant_phone_with_a_pairing() -> None:
    assert boot("device")[1] == [flow.StartSignIn()]
    assert boot("auto")[1] == [flow.StartSignIn()]
    m, effects = boot("phone")
    assert effects == [flow.OpenPairing()] and isinstance(m.state, Starting)


def test_auto_switches_to_the_phone_for_good_when_the_scope_is_refused() -> None:
    m, _ = boot("auto", once=True)
    m, effects = flow.step(m, flow.Failed(flow.StartSignIn(), REFUSED), 1.0)
    assert effects[-1] == flow.OpenPairing() and m.sign_in == "phone" and m.exit is None
    m, effects = flow.step(m, flow.PairingOpened("http://127.0.0.1:8080/p/x", "CODE", 600.0), 2.0)
    assert m.state == SignInOnPhone("http://127.0.0.1:8080/p/x", "CODE", 602.0) and effects == []
    m, effects = flow.step(m, flow.Tick(), 601.0)
    assert effects == []
    m, effects = flow.step(m, flow.Tick(), 602.0)  # the pairing ran out: a fresh one
    assert effects == [flow.OpenPairing()]
    m, _ = flow.step(m, flow.PairingOpened("http://127.0.0.1:8080/p/y", "CODE2", 600.0), 603.0)
    m, effects = flow.step(m, flow.SignedIn("frame.owner@example.com"), 604.0)
    assert effects == [flow.CreateSession()] and m.signed_in
    # Signing out later signs in again the phone way.
    m, effects = flow.step(m, flow.SignedOutDone(), 605.0)
    assert isinstance(m.state, SignedOut) and effects == [flow.OpenPairing()]


def test_device_only_with_a_refusal_is_one_screen_and_in_once_mode_exit_1() -> None:
    m, _ = boot("device")
    m, effects = flow.step(m, flow.Failed(flow.StartSignIn(), REFUSED), 1.0)
    assert isinstance(m.state, Problem) and m.state.what == "scope-refused" and flow.OpenPairing() not in effects
    m, _ = boot("device", once=True)
    m, _ = flow.step(m, flow.Failed(flow.StartSignIn(), REFUSED), 1.0)
    assert m.exit is not None and m.exit.code == 1 and "\n" not in m.exit.message


def test_a_pairing_that_cannot_open_is_a_problem_retried_the_same_way() -> None:
    m, _ = boot("phone")
    m, effects = flow.step(m, flow.Failed(flow.OpenPairing(), KioskError("The pairing server cannot listen.")), 1.0)
    assert isinstance(m.state, Problem) and m.retry == (flow.OpenPairing(),)
    m, effects = flow.step(m, flow.Action(UserAction.RETRY), 2.0)
    assert effects == [flow.OpenPairing()] and isinstance(m.state, Starting)


def phone_picking_failed() -> flow.Machine:
    """The phone page asked for photos; Google's create failed (no network): a problem, retried by itself."""
    m, _ = flow.step(flow.Machine(companion=True), flow.Boot(signed_in=True, account="a@example.com", photos=5), 0.0)
    m, effects = flow.step(m, flow.Action(UserAction.ADD, from_phone=True), 1.0)
    assert effects == [flow.CreateSession()]
    m, _ = flow.step(m, flow.Failed(flow.CreateSession(), TransportError("no route to host")), 2.0)
    assert isinstance(m.state, Problem) and m.state.retry_at is not None
    return m


def test_a_phone_started_picking_is_still_the_phones_after_a_failed_create_is_retried() -> None:
    from device.companion.status import DeviceSources, DeviceView
    from device.ui.scenes import scene_for

    failed = phone_picking_failed()
    assert isinstance(failed.state, Problem) and failed.state.retry_at is not None
    retried_by_itself = flow.step(failed, flow.Tick(), failed.state.retry_at)
    retried_by_hand = flow.step(failed, flow.Action(UserAction.RETRY), 3.0)  # "Try again now", on the TV
    retried_by_phone = flow.step(failed, flow.Action(UserAction.RETRY, from_phone=True), 3.0)
    for m, effects in (retried_by_itself, retried_by_hand, retried_by_phone):
        assert [type(e) for e in effects] == [flow.CreateSession]
        m, _ = flow.step(m, flow.SessionCreated("s1", "https://photos.google.com/picker/s1", 5.0, 1800.0), 4.0)
        assert isinstance(m.state, Choose) and m.state.on_phone  # the phone that asked has the link
        scene = scene_for(m.state)
        assert scene.terminal_lines(m.state, colour=False)[0] == "Choosing on a phone…"  # not the picker's QR
        assert [item.label for item in scene.menu(m.state)] == ["Cancel"]
        view = DeviceView(DeviceSources(photos=lambda: 5, account=lambda: "a@example.com", library_dir=Path(".")))
        view.observe(m.state, 4.0)
        assert view.describe()["picking"] and view.picker_uri() == "https://photos.google.com/picker/s1"


def test_a_picking_started_on_the_tv_stays_the_tvs_after_a_retry() -> None:
    m, _ = flow.step(flow.Machine(companion=True), flow.Boot(signed_in=True, account="a@example.com", photos=5), 0.0)
    m, _ = flow.step(m, flow.Action(UserAction.ADD), 1.0)
    m, _ = flow.step(m, flow.Failed(flow.CreateSession(), TransportError("no route to host")), 2.0)
    m, effects = flow.step(m, flow.Action(UserAction.RETRY), 3.0)
    assert effects == [flow.CreateSession()]
    m, _ = flow.step(m, flow.SessionCreated("s1", "https://photos.google.com/picker/s1", 5.0, 1800.0), 4.0)
    assert isinstance(m.state, Choose) and not m.state.on_phone  # the picker's QR on the TV, as before
