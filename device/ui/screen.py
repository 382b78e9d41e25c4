"""The pygame renderer: draws each state of the journey through its scene, redraws only when something
changed, and hands keys, clicks and taps to ui.input."""

from __future__ import annotations

import contextlib
import logging
import os
import random
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pygame

from core.config import SlideshowConfig
from core.library import Photo
from core.schedule import Schedule
from core.states import State, UserAction
from device.display import open_display
from device.ui.builders import thumb_geometry
from device.ui.clock import date_text, next_minute_in, time_text, use_locale
from device.ui.covered import Covered
from device.ui.frame import Context, Frame, QrPlacement
from device.ui.input import Controls
from device.ui.layout import Layout
from device.ui.night import Night
from device.ui.photos import Player, Thumbs, Worker
from device.ui.rotation import events_to_view, present, turned
from device.ui.scenes import View, scene_for
from device.ui.text import Fonts, fit, render_block
from device.ui.wording import caption_for, countdown_changes_in

if TYPE_CHECKING:  # it runs commands (subprocess): a screen that never sleeps does not import it
    from device.standby import Standby

log = logging.getLogger(__name__)

DEFAULT_SLIDESHOW = SlideshowConfig()
# What the slideshow's own keys do: the screen moves through the photos, the journey never hears of it.
PHOTO_ACTIONS: dict[UserAction, Callable[[Player], None]] = {
    UserAction.NEXT: Player.next,
    UserAction.PREVIOUS: Player.previous,
    UserAction.PAUSE: Player.toggle_pause,
}
NO_NIGHT = Schedule()
DARK_INPUT_POLL = 0.5  # asleep, keys are read this often: a key then only wakes the frame
LONGEST_SLEEP = 30.0  # nothing on screen changes by itself: the loop still wakes now and then
TICK_MARGIN = 0.02  # wake just after a countdown changes, never just before it


class Screen:
    """A fullscreen (or windowed, with ``size``) pygame face for the journey.

    Nothing is opened in the constructor; ``open()`` starts the display and the decode worker, ``close()``
    stops both. ``now`` must be the same clock as the ``now`` given to ``show()``.
    """

    def __init__(
        self,
        *,
        size: tuple[int, int] | None = None,
        slideshow: SlideshowConfig = DEFAULT_SLIDESHOW,
        fonts_dir: Path | None = None,
        now: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        rotate: int = 0,
        wall: Callable[[], datetime] = datetime.now,
        schedule: Schedule = NO_NIGHT,
        standby: Standby | None = None,
    ) -> None:
        self._want_size = size  # in the viewer's orientation (the panel's when ``rotate`` is 0 or 180)
        self._rotate = rotate  # degrees clockwise the picture is turned on the panel
        self._config = slideshow
        self._fonts_dir = fonts_dir
        self._now = now
        self._wall = wall  # the time of day, for the clock and the night (tests hand a fake one)
        self._night = Night(schedule, wall)
        self._standby = standby
        self._dark = False  # the slideshow is asleep for the night: a black screen, the display in standby
        self._rng = rng
        self._surface: pygame.Surface | None = None  # what is drawn on, in the viewer's orientation
        self._panel: pygame.Surface | None = None  # the display itself, when that is not the same surface
        self._driver: str | None = None
        self._ctx: Context | None = None
        self._worker: Worker | None = None
        self._player: Player | None = None
        self._thumbs: Thumbs | None = None
        self._wake_event = 0
        self._wake_loop: Callable[[], None] | None = None
        self._closing = False
        self._state: State | None = None
        self._controls = Controls()
        self._frame: Frame | None = None
        self._frame_key: Hashable = None
        self._slot_values: dict[str, str] = {}
        self._texts: list[tuple[str, pygame.Rect]] = []
        self._dirty = True
        self._frames_drawn = 0
        self._draw_direct = False
        self._covered = Covered()  # the photos under the last frame's overlays
        self._photos_kept = False  # the screen shows the player's last picture (the overlays' parts aside)

    # ------------------------------------------------------------ life cycle

    def open(self) -> str:
        """Start the display; return the SDL video driver actually in use. Raises DisplayError."""
        want = turned(self._want_size, self._rotate) if self._want_size else None
        display, driver = open_display(want)
        surface = display
        self._panel = None
        if self._rotate:
            # KMS/DRM does not turn the picture: it is drawn upright offscreen and turned at present.
            surface = pygame.Surface(turned(display.get_size(), self._rotate), 0, display)
            self._panel = display
        self._surface, self._driver = surface, driver
        size = surface.get_size()
        self._ctx = Context(Fonts(self._fonts_dir), Layout(*size))
        # Still parts are drawn straight onto a screen of the backdrop's pixel format (the same pixels as
        # drawing them apart and copying them over; another format would round differently).
        like = pygame.Surface((1, 1), depth=32)
        self._draw_direct = surface.get_bitsize() == like.get_bitsize() and surface.get_masks() == like.get_masks()
        if self._config.clock != "off" or self._config.captions:
            log.info("clock: dates in the locale %s", use_locale(self._config.locale))
        self._wake_event = pygame.event.custom_type()
        self._closing = False
        self._worker = Worker(wake=self._post_wake)
        self._player = Player(self._config, size, self._worker, self._rng)
        self._thumbs = Thumbs(self._worker, self._now)
        self._dirty = True
        self._photos_kept = False
        self._covered.clear()
        return driver

    def close(self) -> None:
        """Stop the decode worker (waiting for the photo it is on) and close the display."""
        self._closing = True
        if self._worker is not None:
            self._worker.close()
            self._worker = None
        self._player = self._thumbs = None
        self._surface = self._ctx = self._panel = None
        self._frame = None
        pygame.quit()

    # ------------------------------------------------------------ read-only views, for tests and diagnostics

    @property
    def size(self) -> tuple[int, int]:
        """The screen's size as the viewer sees it (turned by ``rotate``)."""
        surface = self._require()
        return (surface.get_width(), surface.get_height())

    @property
    def driver(self) -> str | None:
        return self._driver

    @property
    def last_text_rects(self) -> tuple[pygame.Rect, ...]:
        """Every rect text was drawn into on the screen now showing (copies, unclipped)."""
        return tuple(pygame.Rect(rect) for _text, rect in self._texts)

    @property
    def last_texts(self) -> tuple[tuple[str, pygame.Rect], ...]:
        """The same, with the text of each line, in reading order (top to bottom, then left to right)."""
        return tuple((text, pygame.Rect(rect)) for text, rect in self._texts)

    @property
    def last_qr(self) -> QrPlacement | None:
        """Where the QR symbol on screen is, its module size and its text; None when none is shown."""
        return self._frame.qr if self._frame is not None else None

    @property
    def frames_drawn(self) -> int:
        """How many frames were drawn so far: stays put while nothing on screen changes."""
        return self._frames_drawn

    @property
    def decoding(self) -> bool:
        """A photo or thumbnail is being decoded in the worker right now (or waits for it)."""
        return bool((self._player and self._player.decoding) or (self._thumbs and self._thumbs.busy))

    def use_slideshow(self, slideshow: SlideshowConfig) -> None:
        """New slideshow settings (the phone page's), from the next frame on; safe from another thread."""
        self._config = slideshow
        if self._player is not None:
            self._player.use_config(slideshow)
        self._dirty = True

    def use_night(self, schedule: Schedule) -> None:
        """A new night schedule (the phone page's), from the next frame on; safe from another thread."""
        self._night = Night(schedule, self._wall)
        self._dirty = True

    @property
    def showing(self) -> Photo | None:
        """The photo the slideshow has on screen (the incoming one during a crossfade)."""
        return self._player.current if self._player is not None else None

    @property
    def showing_slide(self) -> tuple[Photo, ...]:
        """Every photo the slideshow has on screen (two for a pair)."""
        return self._player.current_slide if self._player is not None else ()

    @property
    def paused(self) -> bool:
        return self._player is not None and self._player.paused

    @property
    def menu_visible(self) -> bool:
        return self._controls.menu_visible(self._now())

    # ------------------------------------------------------------ input

    def handle_events(self) -> list[UserAction]:
        """Take every pending SDL event (never waits) and return what the person asked for."""
        self._require()
        if self._dark:
            return self._wake_on(pygame.event.get())
        buttons = self._frame.buttons if self._frame is not None else []
        events = pygame.event.get()
        if self._panel is not None:
            events = events_to_view(events, self._panel.get_size(), self._rotate)
        actions = self._controls.handle(events, self._now(), buttons)
        if self._player is not None and any(a in PHOTO_ACTIONS for a in actions):
            for action in actions:
                self.photo_action(action)
            actions = [a for a in actions if a not in PHOTO_ACTIONS]
        if self._controls.redraw:
            self._controls.redraw = False
            self._dirty = True
        return actions

    def photo_action(self, action: UserAction) -> None:
        """Previous/next/pause from the phone page (device.loop.WorksPhotos): as the keys do; others: nothing."""
        if self._player is not None and action in PHOTO_ACTIONS:
            PHOTO_ACTIONS[action](self._player)
            self._dirty = True

    def _wake_on(self, events: list[pygame.event.Event]) -> list[UserAction]:
        """Asleep: a key or a tap only wakes the frame (until the night is over); closing the window still quits."""
        kinds = {e.type for e in events}
        if kinds & {pygame.KEYDOWN, pygame.MOUSEBUTTONUP, pygame.FINGERUP}:
            self._night.wake()
            self._dirty = True
        return [UserAction.QUIT] if pygame.QUIT in kinds else []

    def input_poll(self) -> float | None:
        """How often the loop must read keys: seldom while asleep (a key then only wakes); None: as usual."""
        return DARK_INPUT_POLL if self._dark else None

    @property
    def dark(self) -> bool:
        """The frame is asleep for the night."""
        return self._dark

    def wake_loop_with(self, wake: Callable[[], None]) -> None:
        """Call ``wake`` too (from the decode thread) when a photo is decoded: a loop that waits on a queue of its
        own, not on SDL's events, then draws the photo at once instead of at its next poll."""
        self._wake_loop = wake

    def _post_wake(self) -> None:
        # Runs in the decode thread: a queued event ends the main loop's wait for events early.
        if self._closing:
            return
        with contextlib.suppress(pygame.error):
            pygame.event.post(pygame.event.Event(self._wake_event))
        if self._wake_loop is not None:
            self._wake_loop()

    # ------------------------------------------------------------ drawing

    def show(self, state: State, now: float, photos: Sequence[Photo]) -> None:
        """Draw ``state`` as of ``now`` if anything visible changed; never waits for a photo to decode."""
        surface = self._require()
        ctx, player, thumbs = self._parts()
        if self._sleep(state, surface, player, thumbs):
            return
        self._enter(state, now)
        scene = scene_for(state)
        over_photos = scene.over_photos(state)
        picture_changed = False
        if over_photos:
            picture_changed = player.update(now, photos)
            if player.current is not None:
                ctx.forget_background()  # photos cover the whole screen: one full-screen buffer less
        elif scene.thumbnails:
            player.warm(photos)  # photos are arriving: the show's first slide is ready when it starts
        else:
            player.suspend()
        side, per_row = thumb_geometry(ctx.layout)
        if scene.thumbnails:
            thumbs.update(photos, per_row, side)
        elif thumbs.active:
            thumbs.clear()
        controls = self._controls
        menu_visible = controls.bar_awake(now)
        if controls.sleeps and not menu_visible:
            controls.focus = 0  # a bar that shows again has the focus on its first button
        view = self._view(state, menu_visible, over_photos, thumbs.version)
        key = scene.key(state, view)
        rebuilt = key != self._frame_key or self._frame is None
        if rebuilt:
            # A new still part is drawn straight onto the screen: no full-screen buffer and copy on the way.
            ctx.canvas = surface if self._draw_direct else None
            try:
                self._frame = self._build(state, view, photos)
            finally:
                ctx.canvas = None
            self._frame_key = key
        slots = self._slot_texts(state, now)
        if not (rebuilt or picture_changed or slots != self._slot_values or self._dirty):
            return
        assert self._frame is not None
        if not rebuilt and self._frame.base is surface:
            # That still part is under the last frame's changing texts now: build it again, on its own buffer.
            self._frame = self._build(state, view, photos)
        self._draw(surface, ctx, over_photos, slots)
        if self._panel is not None:
            present(surface, self._panel, self._rotate)
        pygame.display.flip()
        self._slot_values = slots
        self._dirty = False
        self._frames_drawn += 1

    def next_wake(self, now: float) -> float:
        """Seconds the loop may sleep before show() has something new to draw (events wake it earlier)."""
        if self._surface is None or self._state is None or self._dirty:
            return 0.0
        if self._dark:
            wakes = self._night.changes_in()
            return LONGEST_SLEEP if wakes is None else max(0.0, min(LONGEST_SLEEP, wakes + TICK_MARGIN))
        state = self._state
        scene = scene_for(state)
        waits = [LONGEST_SLEEP]
        deadline = scene.deadline(state)
        if deadline is not None:
            change = countdown_changes_in(deadline - now)
            if change is not None:
                waits.append(change + TICK_MARGIN)
        if scene.over_photos(state) and self._player is not None:
            waits.append(self._player.next_wake(now))
            if self._config.clock != "off":
                waits.append(next_minute_in(self._wall()) + TICK_MARGIN)
        bar = self._controls.bar_sleeps_in(now)
        if bar is not None:
            waits.append(bar + TICK_MARGIN)
        if scene.thumbnails and self._thumbs is not None:
            thumb_wake = self._thumbs.next_wake(now)
            if thumb_wake is not None:
                waits.append(thumb_wake)
        esc = self._controls.esc_quits_in(now)
        if esc is not None:
            waits.append(esc)
        return max(0.0, min(waits))

    def save_screenshot(self, path: Path) -> None:
        """Write what is on screen now as a PNG, atomically (a reader never sees half a file)."""
        surface = self._require()
        path = Path(path)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as out:
                pygame.image.save(surface, out, "png")
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    # ------------------------------------------------------------ inside

    def _sleep(self, state: State, surface: pygame.Surface, player: Player, thumbs: Thumbs) -> bool:
        """The night: True while the slideshow is dark (drawn black once); a problem it shows over the photos
        (no network overnight) stays dark too. Any other screen (the phone picking, a download) wakes the frame
        until the night is over."""
        asleep = self._night.asleep()
        if asleep and not scene_for(state).over_photos(state):
            self._night.wake()
            asleep = False
        if not asleep:
            if self._dark:
                self._dark = False
                self._dirty = True
                self._frame_key = None
                log.info("night: awake")
                if self._standby is not None:
                    self._standby.wake()
            return False
        self._state = state
        self._dirty = False  # the black screen is all there is to draw
        if not self._dark:
            self._dark = True
            player.suspend()
            if thumbs.active:
                thumbs.clear()
            surface.fill((0, 0, 0))
            self._photos_kept = False
            pygame.display.flip()
            self._frames_drawn += 1
            self._texts = []
            log.info("night: asleep")
            if self._standby is not None:
                self._standby.sleep()
        return True

    def _require(self) -> pygame.Surface:
        if self._surface is None:
            raise RuntimeError("Screen.open() must be called first")
        return self._surface

    def _parts(self) -> tuple[Context, Player, Thumbs]:
        assert self._ctx is not None and self._player is not None and self._thumbs is not None
        return self._ctx, self._player, self._thumbs

    def _enter(self, state: State, now: float) -> None:
        previous = self._state
        self._state = state
        scene = scene_for(state)
        menu = scene.menu(state)
        if previous is not None and type(previous) is type(state) and scene.menu(previous) == menu:
            return
        was_sleeping = previous is not None and scene_for(previous).menu_sleeps
        self._controls.enter(
            menu, sleeps=scene.menu_sleeps, was_sleeping=was_sleeping, now=now, focus=scene.focus_first
        )

    def _placeholder(self, photos: Sequence[Photo]) -> str | None:
        player = self._parts()[1]
        if player.current is not None:
            return None
        if not photos or not player.has_photos:
            return "No photos here yet. Press OK to choose some."
        return "Getting the photos ready…"

    def _view(self, state: State, menu_visible: bool, over_photos: bool, thumbs_version: int) -> View:
        player = self._parts()[1]
        current = player.current
        controls = self._controls
        return View(
            focus=-1 if controls.sleeps and not controls.bar_engaged(self._now()) else controls.focus,
            menu_visible=menu_visible,
            caption=self._caption(player) if over_photos and current and self._config.captions else None,
            waiting=current is None if over_photos else False,
            empty=not player.has_photos if over_photos else False,
            paused=player.paused if over_photos else False,
            clock=self._clock_texts() if over_photos else None,
            clock_style=self._config.clock,
            thumbs_version=thumbs_version,
        )

    def _caption(self, player: Player) -> str | None:
        """The date of the photo on show; of both, when a pair was taken on different days."""
        dates = [caption_for(p.created) for p in player.current_slide]
        known = [d for d in dict.fromkeys(dates) if d]
        return " · ".join(known) or None

    def _clock_texts(self) -> tuple[str, str] | None:
        if self._config.clock == "off":
            return None
        wall = self._wall()
        return (time_text(wall), date_text(wall))

    def _build(self, state: State, view: View, photos: Sequence[Photo]) -> Frame:
        ctx, _player, thumbs = self._parts()
        scene = scene_for(state)
        if scene.over_photos(state):
            view = replace(view, placeholder=self._placeholder(photos))
        frame = scene.build(ctx, state, view, thumbs.shown() if scene.thumbnails else ())
        if frame.qr is None:
            ctx.forget_qrs()  # no QR code on this screen: those of the screens before are let go
        return frame

    def _slot_texts(self, state: State, now: float) -> dict[str, str]:
        scene = scene_for(state)
        deadline = scene.deadline(state)
        return {} if deadline is None else scene.slot_texts(state, deadline - now)

    def _draw(self, surface: pygame.Surface, ctx: Context, over_photos: bool, slots: dict[str, str]) -> None:
        frame = self._frame
        assert frame is not None
        player = self._parts()[1]
        photos = frame.base is None and over_photos and player.current is not None
        if frame.base is surface:
            pass  # built on the screen itself, just now (see show())
        elif frame.base is not None:
            surface.blit(frame.base, (0, 0))
        elif photos:
            # A crossfade blends into the picture on screen: the overlays' parts of it are put back first.
            if self._photos_kept:
                self._covered.restore(surface)
            player.draw(surface, kept=self._photos_kept)
        else:
            ctx.paint_background(surface)
        # Countdown texts are drawn straight onto the screen, where nothing of them is kept: the next frame
        # draws the photos afresh.
        self._photos_kept = photos and not any(name in frame.slots for name in slots)
        if self._photos_kept:
            self._covered.save(surface, [overlay.get_rect(topleft=at) for overlay, at in frame.overlays])
        else:
            self._covered.clear()
        for overlay, at in frame.overlays:
            surface.blit(overlay, at)
        texts = list(frame.texts)
        for name, text in slots.items():
            slot = frame.slots.get(name)
            if slot is None:
                continue
            block = fit(ctx.fonts, text, slot.style, slot.rect.width)
            texts += render_block(ctx.fonts, block, surface, slot.rect.x, slot.rect.y, slot.rect.width, slot.align)
        self._texts = sorted(texts, key=lambda item: (item[1].top, item[1].left))  # reading order
