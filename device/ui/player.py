"""The slideshow: which slide (one photo, or a pair) is on screen, which comes next, the crossfade, and the
person's next / previous / pause. A video plays over its own slide (device.ui.video), always alone."""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Mapping, Sequence
from concurrent.futures import Future

import pygame

from core.config import SlideshowConfig
from core.library import Photo, PhotoList, PlayOrder
from core.record import mutable_record
from device.startup import trim_heap
from device.ui import video
from device.ui.compose import UnreadablePhoto, compose_pieces
from device.ui.crossfade import Crossfade
from device.ui.decode import Pieces, Worker, to_surface
from device.ui.pairs import WINDOW, Shape, Shot, Upcoming, pairs_with, shape_of, take_slide

log = logging.getLogger(__name__)

POLL = 0.1  # how often the loop looks for a finished decode when it has nothing else to do
HISTORY = 200  # slides remembered for "previous"
SKIPS = 32  # at most this many turns passed over (undecodable, left out) in one look for the next slide
JUMP_FADE = 0.25  # seconds of crossfade when the person asked for another photo: an answer, not a show


@mutable_record
class _Slide:
    """A slide made: its photos (one, or a pair), its picture, and its place in the history."""

    photos: tuple[Photo, ...]
    surface: pygame.Surface
    place: int  # its index in the history


def _ease(p: float) -> float:
    return p * p * (3 - 2 * p)


class Player:
    """Which slide is on screen, which comes next, and the crossfade between them.

    At most two full-screen pictures are held (the one shown and the one fading out, or the one shown and
    the next one ready), whatever the size of the library. The order photos come in is the library's fair
    shuffle (PhotoList.order, kept in the index across restarts) when shuffling, else the library's order (a
    degraded library has no order; a plain list of photos is shuffled here, one round after another); pairing
    (device.ui.pairs) only brings a partner forward from a short look-ahead of that order.
    """

    def __init__(
        self,
        config: SlideshowConfig,
        size: tuple[int, int],
        worker: Worker,
        rng: random.Random | None = None,
    ) -> None:
        self._config = config
        self._size = size
        self._worker = worker
        self._rng = rng or random.Random()
        screen = shape_of(*size)
        self._layout = config.layout
        self._paired: Shape | None = pairs_with(screen) if config.layout == "pairs" else None
        self._source: Sequence[Photo] | None = None
        self._source_len = -1
        self._version: int | None = None  # the PhotoList.version last seen: same version, nothing to compare
        self._fair: PlayOrder | None = None  # the library's fair shuffle (PhotoList.order), when shuffling
        self._shuffle = config.shuffle  # shuffle here, in memory (photos that are not a library's PhotoList)
        self._early = False  # the library's list is an early one (PhotoList.complete): it grows as photos come
        self._marking: list[Future[None]] = []  # photos on screen being marked shown, on the worker
        self._photos: Mapping[str, Photo] = {}  # by id: a PhotoList's own look-up, or a dict of a plain list
        self._order: Sequence[str] = []  # ids in the library's order
        self._queue: list[str] = []  # ids still to come: the rest of this round, and the next
        self._history: list[tuple[str, ...]] = []  # slides shown (and the one prepared next), oldest first
        self._place = -1  # the history index of the slide on screen
        self._bad: set[str] = set()
        self._current: _Slide | None = None
        self._leaving: _Slide | None = None  # fading out
        self._ready: _Slide | None = None
        self._pending: tuple[int, tuple[Photo, ...], Future[bytes | bytearray | Pieces]] | None = None
        self._jump = False  # the person asked for the prepared slide: show it as soon as it is ready
        self._shown_at = 0.0
        self._fade_start: float | None = None
        self._fade = config.fade
        self._mix = 1.0  # the incoming slide's share of the picture, by the fade's curve
        self._crossfade = Crossfade()
        self._video: video.Playback | None = None  # the video on screen, while it plays
        self.paused = False

    def use_config(self, config: SlideshowConfig) -> None:
        """Interval, shuffle, fade and layout from now on (one attribute: the frame reads it whole; a new layout
        is taken up by ``update``, on the loop's thread)."""
        self._config = config

    # -- what the screen asks

    @property
    def current(self) -> Photo | None:
        return self._current.photos[0] if self._current else None

    @property
    def current_slide(self) -> tuple[Photo, ...]:
        """Every photo on screen now (two for a pair)."""
        return self._current.photos if self._current else ()

    @property
    def has_photos(self) -> bool:
        return any(pid not in self._bad for pid in self._order)

    @property
    def decoding(self) -> bool:
        return self._pending is not None

    @property
    def fading(self) -> bool:
        return self._fade_start is not None

    def suspend(self) -> None:
        """Let go of every picture (another screen is up); the order is kept for when the show resumes."""
        self._current = self._leaving = self._ready = None
        self._fade_start = None
        self._crossfade.forget()
        self._play(None)
        if self._pending is not None and self._pending[2].cancel():
            self._pending = None
        # A decode already running is kept: its photo comes first when the show resumes, not decoded twice.

    def warm(self, photos: Sequence[Photo]) -> None:
        """Another screen is up while photos arrive (the download's): have the first slide decoded meanwhile,
        so that the show starts with it at once instead of with a decode."""
        self._refresh(photos)
        self._collect()
        if self._current is None and self._pending is None and self._ready is None and self.has_photos:
            self._prepare(self._place + 1)

    # -- what the person asks

    def next(self) -> None:
        """The next slide now (as soon as it is decoded)."""
        self._jump = True
        if self._ready is not None and self._ready.place < self._place:
            self._drop_prepared()  # it was the previous one: go on instead

    def previous(self) -> None:
        """The slide before the one on screen."""
        if self._place <= 0:
            return
        self._drop_prepared()
        self._jump = True
        self._prepare(self._place - 1)

    def toggle_pause(self) -> None:
        self.paused = not self.paused

    # -- the frame loop

    def update(self, now: float, photos: Sequence[Photo]) -> bool:
        """Advance the show to ``now``; True when the picture on screen changed."""
        if self._layout != self._config.layout:
            self._use_layout(self._config.layout)
        self._refresh(photos)
        changed = False
        self._collect()
        if self._video is not None:
            self._video.pause(self.paused, now)  # frozen on its frame while paused; its time stands still
        due = self._current is None or self._jump or (not self.paused and now - self._shown_at >= self._hold())
        if self._ready is not None and self._fade_start is None and due:
            self._fade = JUMP_FADE if self._jump and self._current is not None else self._config.fade
            self._leaving, self._current, self._ready = self._current, self._ready, None
            self._place = self._current.place
            self._jump = False
            self._shown_at = now
            self._fade_start = now
            self._play(self._current)
            changed = True
            if self._fair is not None:  # their turn in this round is taken (a small write: on the worker)
                self._marking += [self._worker.submit(self._fair.mark_shown, p) for p in self._current.photos]
        if self._video is not None:
            self._video.pause(self.paused, now)  # a video reached while paused starts frozen on its poster
            changed |= self._video.update(now)
        if self._current is not None and not self._photos:
            self.suspend()  # the library was emptied
            changed = True
        if self._fade_start is not None:
            progress = (now - self._fade_start) / self._fade if self._fade > 0 else 1.0
            if progress >= 1.0:
                self._fade_start = None
                self._leaving = None
                self._mix = 1.0
                if self._current is not None:
                    self._crossfade.finish(self._current.surface)
            else:
                self._mix = _ease(max(0.0, progress))
            changed = True
        if self._pending is None and self._ready is None and self._fade_start is None:
            self._prepare(self._place + 1)
        return changed

    def draw(self, target: pygame.Surface, *, kept: bool = False) -> None:
        """The slide on screen over all of ``target``; during a crossfade, the mix of the two. ``kept``: the target
        still holds the picture drawn here last (nothing drawn over it since, or that put back): then a frame
        of the fade only blends the incoming slide's next share into it (see device.ui.crossfade)."""
        if self._current is None:
            return
        if self._fade_start is None:
            self._crossfade.show(target, self._current.surface)
            return
        leaving = self._leaving.surface if self._leaving is not None else None
        moving = self._video is not None  # its frames are drawn into the slide while it fades in
        self._crossfade.blend(target, leaving, self._current.surface, self._mix, kept=kept, moving=moving)

    def next_wake(self, now: float) -> float:
        if self._fade_start is not None:
            return 1 / 30
        if self._pending is not None:
            return POLL
        wake = self._video.next_wake(now) if self._video is not None else math.inf
        if self._ready is not None and self._current is not None and (self._jump or not self.paused):
            return 0.0 if self._jump else min(wake, max(0.0, self._shown_at + self._hold() - now))
        return wake

    # -- inside

    def _hold(self) -> float:
        """How long the slide on screen stays: ``interval`` for photos, a video's own time for a video."""
        return self._video.hold(self._config.interval) if self._video is not None else self._config.interval

    def _play(self, slide: _Slide | None) -> None:
        """Stop the video that was playing; start ``slide``'s if it is one (always alone) and videos play."""
        if self._video is not None:
            self._video.stop()
            self._video = None
        if slide is None or len(slide.photos) != 1 or self._config.videos != "play":
            return
        if slide.photos[0].video is not None:
            self._video = video.Playback(slide.photos[0], slide.surface, self._config)

    def _refresh(self, photos: Sequence[Photo]) -> None:
        # Every frame: the library's PhotoList is the same object with the same version until the photos
        # change, so an unchanged library costs nothing here, however many photos it holds.
        version = photos.version if isinstance(photos, PhotoList) else None
        if photos is self._source and len(photos) == self._source_len and version == self._version:
            return
        self._source, self._source_len, self._version = photos, len(photos), version
        library = isinstance(photos, PhotoList)
        fair = photos.order if isinstance(photos, PhotoList) and self._config.shuffle else None
        if fair is not self._fair:
            self._queue = []  # another order: the slides already prepared stay, the rest comes from it
        self._fair = fair
        self._early = isinstance(photos, PhotoList) and not photos.complete
        self._shuffle = self._config.shuffle and not library  # a degraded library's: in its order
        photos = video.shown(photos, self._config)
        if isinstance(photos, PhotoList) and not self._early:  # its ids and look-up as they are: nothing copied
            ids: Sequence[str] = photos.ids
            same = len(ids) == len(self._order) and ids == self._order
            old, self._photos, self._order = self._photos, photos.by_id(), ids  # the old list let go, even so
            if same:
                return
        else:
            # A plain list, or an early one (a few photos, and _known adds to it): a copy of its own
            if len(photos) == len(self._order) and all(p.id == pid for p, pid in zip(photos, self._order, strict=True)):
                return  # a fresh list each time: usually the same photos
            old = self._photos
            self._photos = {p.id: p for p in photos}
            self._order = list(self._photos)
        if self._current is not None and any(p.id not in self._photos for p in self._current.photos):
            self._shown_at = -math.inf  # its file is gone from the library: move on as soon as possible
            self._jump = True
        self._queue = [pid for pid in self._queue if pid in self._photos]
        for pid in self._order:
            if pid not in old and self._queue and self._fair is None:  # new picks join the coming round: seen soon
                self._queue.insert(self._rng.randint(0, len(self._queue)) if self._shuffle else 0, pid)
        if self._ready is not None and any(p.id not in self._photos for p in self._ready.photos):
            self._drop_prepared()
        if self._pending is not None and any(p.id not in self._photos for p in self._pending[1]):
            self._drop_prepared()

    def _use_layout(self, layout: str) -> None:
        """The layout changed (the phone page): the slides made for the other one, after the one on screen, go
        back to the front of the queue, to be made again."""
        self._layout = layout
        self._paired = pairs_with(shape_of(*self._size)) if layout == "pairs" else None
        self._drop_prepared()
        ahead = self._history[self._place + 1 :]
        del self._history[self._place + 1 :]
        self._queue[:0] = [pid for ids in ahead for pid in ids]

    def _drop_prepared(self) -> None:
        self._ready = None
        if self._pending is not None:
            self._pending[2].cancel()
            self._pending = None

    def _collect(self) -> None:
        if self._pending is None or not self._pending[2].done():
            return
        place, photos, future = self._pending
        self._pending = None
        if future.cancelled():
            return
        try:
            data = future.result()
        except UnreadablePhoto as exc:  # any undecodable file is skipped, never fatal
            bad = photos[exc.index]
            log.warning("slideshow: skipping photo %s: it cannot be decoded (%s)", bad.id, exc.cause)
            self._bad.add(bad.id)
            self._forget(place)
            return
        except Exception as exc:
            log.warning("slideshow: skipping a slide: it cannot be composed (%s)", exc)
            self._bad.update(p.id for p in photos)
            self._forget(place)
            return
        # A photo's slide gets an alpha channel for its crossfade; a video's stays a plain copy (its frames are
        # drawn into it and it is put on screen every frame it plays; it fades in under a blanket alpha).
        plays = len(photos) == 1 and photos[0].video is not None and self._config.videos == "play"
        self._ready = _Slide(photos, to_surface(data, self._size, blend=not plays), place)
        del data, future
        self._worker.submit(trim_heap)  # the decoding's freed buffers go back to the system

    def _forget(self, place: int) -> None:
        """The slide at ``place`` cannot be shown: out of the history (its good photo comes round again)."""
        if 0 <= place < len(self._history) and place != self._place:
            del self._history[place]
            if place < self._place:
                self._place -= 1

    def _fill_queue(self) -> None:
        """Keep at least one whole round beyond the front, so a partner is found if one exists at all."""
        if self._fair is not None:
            self._fill_from_library(self._fair)
            return
        good = [pid for pid in self._order if pid not in self._bad]
        if not good:
            return
        while len(self._queue) <= len(good):
            round_ = list(good)
            if self._shuffle:
                self._rng.shuffle(round_)
            self._queue += round_

    def _fill_from_library(self, fair: PlayOrder) -> None:
        """The next photos of the library's fair shuffle onto the queue: one, or as many as pairing looks ahead
        (``WINDOW``) when the first is of the shape shown two at a time. Photos on screen, prepared or queued are
        not chosen again; one the slideshow leaves out (undecodable, a video skipped) has its turn passed."""
        for marking in self._marking:  # long done after a fade; they must count before the next choice
            try:
                marking.result()
            except Exception as exc:  # the order is a nicety: the show goes on without it
                log.warning("slideshow: a photo shown could not be recorded (%s)", exc)
        self._marking = []
        taken = {pid for slide in self._history[max(self._place, 0) :] for pid in slide} | set(self._queue)
        exclude = [self._photos[pid] for pid in taken if pid in self._photos]
        for _ in range(SKIPS):
            if self._queue:
                break
            photo = fair.next_in_order(exclude)  # when this round is over, it begins the next
            if photo is None or photo.id in taken:
                return
            if self._known(photo) and photo.id not in self._bad:
                self._queue.append(photo.id)
                taken.add(photo.id)
                exclude.append(photo)
            else:
                fair.mark_shown(photo)  # undecodable, or left out (videos skipped): its turn passes
        if self._queue and self._look_ahead() and len(self._queue) <= WINDOW:
            # The rest of this round only (a new round must not begin before this one is shown).
            for photo in fair.upcoming(WINDOW + 1 - len(self._queue), exclude):
                if self._known(photo) and photo.id not in self._bad:
                    self._queue.append(photo.id)

    def _known(self, photo: Photo) -> bool:
        """Whether the slideshow shows ``photo``: one of the library's list, or, while that list is an early one
        (taken before the library's start-up check), one its order hands out (it joins the list here at once,
        as it does the library's next list)."""
        if photo.id not in self._photos and self._early and video.shown([photo], self._config):
            assert isinstance(self._photos, dict) and isinstance(self._order, list)  # an early list is a copy
            self._photos[photo.id] = photo
            self._order.append(photo.id)
        return photo.id in self._photos

    def _look_ahead(self) -> bool:
        """Whether the front of the queue may be paired: then pairing looks for a partner further on."""
        return self._paired is not None and self._shot(self._queue[0]).shape is self._paired

    def _shot(self, pid: str) -> Shot:
        p = self._photos[pid]
        shape = Shape.SQUARE if p.video is not None else shape_of(p.width, p.height)  # a video is never paired
        return Shot(pid, shape, p.created)

    def _take(self) -> tuple[str, ...] | None:
        """The next slide off the front of the queue."""
        self._fill_queue()
        self._queue = [pid for pid in self._queue if pid in self._photos and pid not in self._bad]
        shown = {p.id for p in self._current.photos} if self._current is not None else set()
        if self._queue[:1] and self._queue[0] in shown:  # never the same photo twice in a row: the first other
            other = next((i for i, pid in enumerate(self._queue) if pid not in shown), None)  # one goes first
            if other is not None:
                self._queue.insert(0, self._queue.pop(other))
        if not self._queue:
            return None
        shots = Upcoming(self._queue, self._shot)
        slide, partner = take_slide(shots, self._paired, avoid=frozenset(shown))
        first = slide[0] if slide else None
        if (
            first is not None
            and partner < 0
            and first.shape is self._paired
            and any(s.shape is self._paired and s.id in shown and s.id != first.id for s in shots)
        ):
            # Its only partners are on screen now: a photo shown alone goes first, if there is one; else the
            # pair is made anyway (a photo alone on a screen it does not fit is the worse of the two).
            alone = next((i for i, s in enumerate(shots) if s.shape is not self._paired and s.id not in shown), None)
            if alone is not None:
                slide, partner = (shots[alone],), -1
                self._queue.insert(0, self._queue.pop(alone))
            else:
                slide, partner = take_slide(shots, self._paired)
        if partner >= 0:
            del self._queue[partner]
        del self._queue[0]
        ids = tuple(s.id for s in slide)
        return None if set(ids) <= shown and len(self._order) - len(self._bad) <= len(ids) else ids

    def _prepare(self, place: int) -> None:
        if place >= len(self._history):
            ids = self._take()
            if ids is None:
                return
            self._history.append(ids)
            if len(self._history) > HISTORY:
                del self._history[0]
                self._place -= 1
            place = len(self._history) - 1
        ids = tuple(pid for pid in self._history[place] if pid in self._photos and pid not in self._bad)
        if not ids:
            self._forget(place)
            return
        photos = tuple(self._photos[pid] for pid in ids)
        if len(photos) == 1:
            job, args = video.slide_job(photos[0], self._config)  # a video's poster, with its mark if asked
            self._pending = (place, photos, self._worker.submit(job, *args, self._size))
        else:
            self._pending = (place, photos, self._worker.submit(compose_pieces, [p.path for p in photos], self._size))
        if self._current is None:  # the show begins: what start-up freed (the library's check) goes back, after
            self._worker.submit(trim_heap)  # the first slide is made (the trim and its ctypes import wait for it)
