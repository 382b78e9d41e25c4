"""Pairs: two portrait photos share a landscape screen (two landscape ones a portrait screen), fairly."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from core.clock import FakeClock
from core.config import SlideshowConfig
from core.library import Photo
from core.states import Slideshow
from device.ui.pairs import Shape, Shot, pairs_with, plan, shape_of, take_slide
from device.ui.screen import Screen

T = datetime(2024, 5, 1, 12, 0)
shots = st.lists(
    st.builds(
        Shot,
        id=st.uuids().map(str),
        shape=st.sampled_from(list(Shape)),
        taken=st.one_of(st.none(), st.integers(0, 10_000).map(lambda m: T + timedelta(minutes=m))),
    ),
    max_size=40,
    unique_by=lambda s: s.id,
)


@given(shots, st.sampled_from([Shape.LANDSCAPE, Shape.PORTRAIT]))
def test_one_pass_shows_every_photo_once_and_pairs_only_the_other_shape(order: list[Shot], screen: Shape) -> None:
    paired = pairs_with(screen)
    slides = plan(order, paired)
    shown = [s.id for slide in slides for s in slide]
    assert sorted(shown) == sorted(s.id for s in order), "each photo exactly once: pairing never repeats one"
    for slide in slides:
        if len(slide) == 2:
            assert all(s.shape is paired for s in slide)
        else:
            assert len(slide) == 1
    alone = [slide[0] for slide in slides if len(slide) == 1 and slide[0].shape is paired]
    assert len(alone) <= 1, "a photo of the paired shape is alone only when no other one is left"


@settings(max_examples=60)
@given(shots, st.integers(3, 8))
def test_over_many_rounds_no_photo_comes_twice_as_often(order: list[Shot], rounds: int) -> None:
    """An endless show (round after round, as the player feeds it): every photo within one showing of the rest."""
    if not order:
        return
    queue = [s for _ in range(rounds + 1) for s in order]
    counts: Counter[str] = Counter()
    for _ in range(rounds * len(order)):
        if len(queue) <= len(order):
            break
        slide, partner = take_slide(queue, Shape.PORTRAIT)
        if partner >= 0:
            del queue[partner]
        del queue[0]
        counts.update(s.id for s in slide)
    seen = [counts[s.id] for s in order]
    assert max(seen) <= max(2 * min(seen), min(seen) + 2)


def test_a_partner_taken_close_in_time_is_preferred() -> None:
    a = Shot("a", Shape.PORTRAIT, T)
    far = Shot("far", Shape.PORTRAIT, T + timedelta(days=300))
    land = Shot("land", Shape.LANDSCAPE, T)
    close = Shot("close", Shape.PORTRAIT, T - timedelta(minutes=3))
    slide, partner = take_slide([a, far, land, close], Shape.PORTRAIT)
    assert [s.id for s in slide] == ["close", "a"], "the closer one, and the earlier on the left"
    assert partner == 3


def test_shapes() -> None:
    assert shape_of(3000, 4000) is Shape.PORTRAIT
    assert shape_of(1920, 1080) is Shape.LANDSCAPE
    assert shape_of(1000, 1050) is Shape.SQUARE
    assert shape_of(None, 100) is Shape.SQUARE


@pytest.mark.usefixtures("dummy_sdl")
@pytest.mark.parametrize(("size", "alone"), [((1920, 1080), Shape.LANDSCAPE), ((1080, 1920), Shape.PORTRAIT)])
def test_mixed_library_on_a_tv_never_leaves_a_portrait_alone(
    tmp_path: Path, size: tuple[int, int], alone: Shape
) -> None:
    photos = []
    for i in range(9):
        portrait = i % 3 != 0
        w, h = (300, 400) if portrait else (400, 300)
        path = tmp_path / f"p{i}.jpg"
        Image.new("RGB", (w, h), (40 * i, 100, 200 - 20 * i)).save(path)
        photos.append(Photo(id=f"p{i}", path=str(path), width=w, height=h, created=T + timedelta(hours=i)))
    clock = FakeClock(1000.0)
    scr = Screen(size=size, slideshow=SlideshowConfig(interval=1.0, fade=0.0), now=clock.now)
    scr.open()
    try:
        slides: list[tuple[str, ...]] = []
        deadline = time.monotonic() + 30
        while len(slides) < 18 and time.monotonic() < deadline:
            scr.show(Slideshow(count=len(photos)), clock.now(), photos)
            slide = tuple(p.id for p in scr.showing_slide)
            if slide and (not slides or slides[-1] != slide):
                slides.append(slide)
            time.sleep(0.005)
            clock.advance(0.1)
        assert len(slides) >= 18
        by_id = {p.id: p for p in photos}
        for slide in slides:
            shapes = {shape_of(by_id[i].width, by_id[i].height) for i in slide}
            if len(slide) == 1:
                assert shapes == {alone}, f"{slide} is alone on a screen it does not fit"
            else:
                assert shapes != {alone}
        counts = Counter(i for slide in slides for i in slide)
        assert max(counts.values()) <= 2 * min(counts.values())
    finally:
        scr.close()


def test_a_partner_is_never_the_next_rounds_copy_nor_the_photo_on_screen() -> None:
    """Round after round (the same photos queued again), a partner comes from this round, and not off the screen."""
    a, b, c = (Shot(n, Shape.PORTRAIT, T + timedelta(minutes=i)) for i, n in enumerate("abc"))
    land = Shot("land", Shape.LANDSCAPE, T)
    # c waits in this round, and the next round's a is nearer in time to a: the copy is not a partner
    slide, partner = take_slide([a, land, a, c], Shape.PORTRAIT)
    assert [s.id for s in slide] == ["a", "c"] and partner == 3
    # b is on screen now: c is taken instead, though b is nearer
    slide, partner = take_slide([a, b, c], Shape.PORTRAIT, avoid=frozenset({"b"}))
    assert [s.id for s in slide] == ["a", "c"] and partner == 2
