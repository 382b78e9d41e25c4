"""The journey's choice of sign-in, as a pure state machine: device grant, phone, and the switch between them."""

from __future__ import annotations

from core import flow
from core.errors import KioskError, ScopeRefused
from core.states import Problem, SignedOut, SignInOnPhone, Starting, UserAction

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
