"""Words for a living room: every sentence names only buttons on its screen; one spelling; a quick new code."""

from __future__ import annotations

import pytest

from core import flow
from core.errors import DiskFull, SignInRequired
from core.flow.problems import RULES, nothing_picked, problem_for, session_timeout
from core.flow.wording import result_note
from core.states import Connect, Problem, UserAction
from device.ui.menu import SLIDESHOW_MENU
from device.ui.scenes import scene_for
from device.ui.wording import download_notes

BUTTON_WORDS = {item.label for item in SLIDESHOW_MENU} | {"Try again", "Try again now", "Choose photos", "Sign out"}


def problems() -> list[Problem]:
    out = [nothing_picked(None), session_timeout(0.0)]
    for kind, rule in RULES.items():
        try:
            err = kind("Something happened.")
        except TypeError:
            err = kind("Something happened.", status=503)  # type: ignore[call-arg]
        for photos in (False, True):
            out.append(problem_for(err, rule, failures=1, photos=photos, now=0.0))
    return out


@pytest.mark.parametrize("problem", problems(), ids=lambda p: f"{p.what}-{p.photos_available}")
def test_every_button_a_sentence_names_is_on_that_screen(problem: Problem) -> None:
    labels = {item.label for item in scene_for(problem).menu(problem)}
    words = f"{problem.title} {problem.detail} {problem.next_step}"
    for button in BUTTON_WORDS:
        if button in words and not (button == "Try again" and "Try again now" in labels):
            assert button in labels, f"{problem.what} says {button!r} but offers {sorted(labels)}"
    if "Press OK" in words:
        assert labels, "OK must do something there"


def test_disk_full_names_no_button_it_does_not_have() -> None:
    p = problem_for(DiskFull("The memory card is full."), RULES[DiskFull], failures=1, photos=True, now=0.0)
    assert "Replace photos" not in p.next_step


def test_nothing_picked_offers_what_it_says() -> None:
    p = nothing_picked(None)
    assert "choose photos" in p.next_step.lower()
    assert [i.label for i in scene_for(p).menu(p)] == ["Choose photos"]


def test_one_spelling_of_skipped_videos() -> None:
    e = flow.DownloadFinished("s", done=9, total=9, failed=0, photos=9, skipped=3)
    assert result_note(e) in download_notes(0, 3)


def test_sign_in_again_shows_a_new_code_within_seconds() -> None:
    m = flow.Machine()
    m, _ = flow.step(m, flow.Boot(signed_in=True, account="a", photos=3), 0.0)
    m, effects = flow.step(m, flow.Action(UserAction.ADD), 1.0)
    m, _ = flow.step(m, flow.Failed(effects[0], SignInRequired("The sign-in ran out.")), 2.0)
    assert isinstance(m.state, Problem) and m.state.what == "signin-expired"
    assert m.state.retry_at is not None and m.state.retry_at - 2.0 <= 15, "seconds, not minutes"
    m, effects = flow.step(m, flow.Tick(), m.state.retry_at)
    assert effects == [flow.StartSignIn()]
    m, _ = flow.step(m, flow.CodeIssued("https://x.test/d", "https://x.test/d", "AB-CD", 1800, 5), 13.0)
    assert isinstance(m.state, Connect)
