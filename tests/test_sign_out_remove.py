"""Sign out asks first; "remove the photos" deletes every file and index row and frees the space."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import flow
from core.emulator import Emulator
from core.library import Library
from core.states import ConfirmSignOut, Slideshow, UserAction
from tests.test_flow import T0, signed_in_choosing
from tests.test_library import SCREEN, World, pick


@pytest.fixture
def world(emulator: Emulator, tmp_path: Path) -> World:
    return World(emulator, tmp_path)


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_remove_all_deletes_files_and_rows_and_survives_a_restart(world: World) -> None:
    lib = world.library()
    sid = pick(world.emu, world.client, count=5)
    lib.remember_session(sid, "00000000-0000-4000-8000-000000000000")
    lib.download_session(world.client, sid)
    paths = [Path(p.path) for p in lib.photos()]
    assert len(paths) >= 3 and all(p.exists() for p in paths)
    assert all(p.stat().st_nlink == 1 for p in paths), "no other link would keep the bytes on the disk"
    before = folder_bytes(world.library_dir)
    used = sum(p.stat().st_size for p in paths)
    assert lib.remove_all() == len(paths)
    assert lib.photos() == [] and lib.count() == 0
    assert not any(p.exists() for p in paths), "the files are gone from the disk"
    assert folder_bytes(world.library_dir) <= before - used, "the space is freed"
    lib.close()
    again = Library(world.state_dir, world.library_dir, screen=SCREEN)
    again.open()
    assert again.photos() == [], "no row came back, and no file was adopted again"
    again.close()


def test_sign_out_asks_and_remove_empties_the_screen() -> None:
    w = signed_in_choosing(photos=4)
    w.send(flow.Action(UserAction.CANCEL))
    assert isinstance(w.m.state, Slideshow)
    assert w.send(flow.Action(UserAction.SIGN_OUT)) == []
    assert w.m.state == ConfirmSignOut(photos=4)
    w.send(flow.Action(UserAction.CANCEL))
    assert isinstance(w.m.state, Slideshow), "Cancel: back to the photos, still signed in"
    assert w.m.signed_in
    w.send(flow.Action(UserAction.SIGN_OUT))
    out = w.send(flow.Action(UserAction.SIGN_OUT_REMOVE))
    assert out[-1] == flow.SignOut(remove_photos=True)
    assert w.send(flow.SignedOutDone(photos=0), at=T0 + 1) == [flow.StartSignIn()]
    assert w.m.photos == 0 and not w.m.signed_in


@pytest.mark.usefixtures("dummy_sdl")
def test_the_question_on_screen_starts_on_cancel_and_offers_both() -> None:
    import pygame

    from core.clock import FakeClock
    from device.ui.screen import Screen

    clock = FakeClock(1000.0)
    scr = Screen(size=(800, 480), now=clock.now)
    scr.open()
    try:
        scr.show(ConfirmSignOut(photos=4), clock.now(), [])
        texts = dict(scr.last_texts)
        assert "Sign out, keep the photos" in texts
        assert "Sign out and remove the photos from this device" in texts
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode="", scancode=0))
        assert scr.handle_events() == [UserAction.CANCEL], "an accidental OK keeps everything"
        pos = texts["Sign out and remove the photos from this device"].center
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=pos))
        assert scr.handle_events() == [UserAction.SIGN_OUT_REMOVE]
    finally:
        scr.close()
