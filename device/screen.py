"""The pygame renderer: draws each state of the journey, redraws only when something changed, and turns
keys, clicks and taps into UserActions."""

from __future__ import annotations

import contextlib
import logging
import math
import os
import random
import time
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path

import pygame

from core.config import SlideshowConfig
from core.library import Photo
from core.states import (
    Choose,
    Connect,
    Downloading,
    Problem,
    SignedOut,
    Slideshow,
    State,
    UserAction,
)
from device.display import open_display
from device.layout import Layout
from device.photos import Player, Thumbs, Worker
from device.scenes import (
    Context,
    Frame,
    QrPlacement,
    build_choose,
    build_connect,
    build_downloading,
    build_problem,
    build_signed_out,
    build_slideshow,
    build_starting,
    caption_for,
    countdown,
    countdown_changes_in,
    menu_for,
    thumb_geometry,
)
from device.text import Fonts, fit, render_block
from device.widgets import MenuItem

log = logging.getLogger(__name__)

DEFAULT_SLIDESHOW = SlideshowConfig()
MENU_AWAKE = 10.0  # the slideshow's hint bar shows this long after the show starts or a key is pressed
ESC_HOLD_QUIT = 3.0  # holding Esc (Back) this long leaves the program
LONGEST_SLEEP = 30.0  # nothing on screen changes by itself: the loop still wakes now and then
TICK_MARGIN = 0.02  # wake just after a countdown changes, never just before it

# SDLK_SELECT (what some remotes send for OK through HDMI-CEC) has no pygame name.
K_SELECT = getattr(pygame, "K_SELECT", (1 << 30) | 119)
ACTIVATE_KEYS = {pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_SPACE, K_SELECT}
BACK_KEYS = {pygame.K_ESCAPE, pygame.K_AC_BACK, pygame.K_BACKSPACE}
PREVIOUS_KEYS = {pygame.K_LEFT, pygame.K_UP}
NEXT_KEYS = {pygame.K_RIGHT, pygame.K_DOWN}
SHORTCUTS = {pygame.K_r: UserAction.RETRY, pygame.K_a: UserAction.ADD, pygame.K_s: UserAction.SIGN_OUT}
REDRAW_EVENTS = {
    getattr(pygame, name)
    for name in ("VIDEOEXPOSE", "WINDOWEXPOSED", "WINDOWSHOWN", "WINDOWRESTORED", "WINDOWSIZECHANGED")
    if hasattr(pygame, name)
}


def _over_photos(state: State) -> bool:
    return isinstance(state, Slideshow) or (isinstance(state, Problem) and state.photos_available)


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
    ) -> None:
        self._want_size = size
        self._config = slideshow
        self._fonts_dir = fonts_dir
        self._now = now
        self._rng = rng
        self._surface: pygame.Surface | None = None
        self._driver: str | None = None
        self._ctx: Context | None = None
        self._worker: Worker | None = None
        self._player: Player | None = None
        self._thumbs: Thumbs | None = None
        self._wake_event = 0
        self._closing = False
        self._state: State | None = None
        self._menu: tuple[MenuItem, ...] = ()
        self._focus = 0
        self._awake_until = -math.inf
        self._esc_down_at: float | None = None
        self._esc_quit_sent = False
        self._frame: Frame | None = None
        self._frame_key: Hashable = None
        self._slot_values: dict[str, str] = {}
        self._texts: list[tuple[str, pygame.Rect]] = []
        self._dirty = True
        self._frames_drawn = 0
        self._draw_direct = False

    # ------------------------------------------------------------ life cycle

    def open(self) -> str:
        """Start the display; return the SDL video driver actually in use. Raises DisplayError."""
        surface, driver = open_display(self._want_size)
        self._surface, self._driver = surface, driver
        size = surface.get_size()
        self._ctx = Context(Fonts(self._fonts_dir), Layout(*size))
        # Still parts are drawn straight onto a screen of the backdrop's pixel format (the same pixels as
        # drawing them apart and copying them over; another format would round differently).
        like = pygame.Surface((1, 1), depth=32)
        self._draw_direct = surface.get_bitsize() == like.get_bitsize() and surface.get_masks() == like.get_masks()
        self._wake_event = pygame.event.custom_type()
        self._closing = False
        self._worker = Worker(wake=self._post_wake)
        self._player = Player(self._config, size, self._worker, self._rng)
        self._thumbs = Thumbs(self._worker, self._now)
        self._dirty = True
        return driver

    def close(self) -> None:
        """Stop the decode worker (waiting for the photo it is on) and close the display."""
        self._closing = True
        if self._worker is not None:
            self._worker.close()
            self._worker = None
        self._player = self._thumbs = None
        self._surface = self._ctx = None
        self._frame = None
        pygame.quit()

    # ------------------------------------------------------------ read-only views, for tests and diagnostics

    @property
    def size(self) -> tuple[int, int]:
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

    @property
    def showing(self) -> Photo | None:
        """The photo the slideshow has on screen (the incoming one during a crossfade)."""
        return self._player.current if self._player is not None else None

    @property
    def menu_visible(self) -> bool:
        return bool(self._menu) and (not isinstance(self._state, Slideshow) or self._now() < self._awake_until)

    # ------------------------------------------------------------ input

    def handle_events(self) -> list[UserAction]:
        """Take every pending SDL event (never waits) and return what the person asked for."""
        self._require()
        now = self._now()
        actions: list[UserAction] = []
        for event in pygame.event.get():
            kind = event.type
            if kind == pygame.QUIT:
                actions.append(UserAction.QUIT)
            elif kind == pygame.KEYDOWN:
                self._key(event.key, now, actions)
            elif kind == pygame.KEYUP and event.key == pygame.K_ESCAPE:
                self._esc_down_at = None
            elif kind == pygame.MOUSEBUTTONUP and event.button == 1:
                self._tap(event.pos, now, actions)
            elif kind in REDRAW_EVENTS:
                self._dirty = True
        if self._esc_down_at is not None and not self._esc_quit_sent and now - self._esc_down_at >= ESC_HOLD_QUIT:
            self._esc_quit_sent = True
            actions.append(UserAction.QUIT)
        return actions

    def _key(self, key: int, now: float, actions: list[UserAction]) -> None:
        hidden = isinstance(self._state, Slideshow) and now >= self._awake_until
        if isinstance(self._state, Slideshow):
            self._wake_menu(now)
        if key in ACTIVATE_KEYS:
            if self._menu:
                actions.append(self._menu[min(self._focus, len(self._menu) - 1)].action)
        elif key in PREVIOUS_KEYS or key in NEXT_KEYS:
            # On a sleeping hint bar the first arrow only shows where the focus is.
            if self._menu and not hidden:
                step = -1 if key in PREVIOUS_KEYS else 1
                focus = max(0, min(len(self._menu) - 1, self._focus + step))
                if focus != self._focus:
                    self._focus = focus
                    self._dirty = True
        elif key in BACK_KEYS:
            actions.append(UserAction.CANCEL)
            if key == pygame.K_ESCAPE and self._esc_down_at is None:
                self._esc_down_at = now
                self._esc_quit_sent = False
        elif key in SHORTCUTS:
            actions.append(SHORTCUTS[key])

    def _tap(self, pos: tuple[int, int], now: float, actions: list[UserAction]) -> None:
        if self._frame is not None:
            for i, (rect, action) in enumerate(self._frame.buttons):
                if rect.collidepoint(pos):
                    if self._focus != i:
                        self._focus = i
                        self._dirty = True
                    actions.append(action)
                    return
        if isinstance(self._state, Slideshow) and self._menu:
            # The design's one button: a tap anywhere on the photos adds more (the hint bar says so).
            self._wake_menu(now)
            actions.append(self._menu[self._focus].action)

    def _wake_menu(self, now: float) -> None:
        if now >= self._awake_until:
            self._dirty = True
        self._awake_until = now + MENU_AWAKE

    def _post_wake(self) -> None:
        # Runs in the decode thread: a queued event ends the main loop's wait for events early.
        if self._closing:
            return
        with contextlib.suppress(pygame.error):
            pygame.event.post(pygame.event.Event(self._wake_event))

    # ------------------------------------------------------------ drawing

    def show(self, state: State, now: float, photos: Sequence[Photo]) -> None:
        """Draw ``state`` as of ``now`` if anything visible changed; never waits for a photo to decode."""
        surface = self._require()
        ctx, player, thumbs = self._parts()
        self._enter(state, now)
        over_photos = _over_photos(state)
        picture_changed = False
        if over_photos:
            picture_changed = player.update(now, photos)
        else:
            player.suspend()
        side, per_row = thumb_geometry(ctx.layout)
        if isinstance(state, Downloading):
            thumbs.update(photos, per_row, side)
        elif thumbs.active:
            thumbs.clear()
        menu_visible = isinstance(state, Slideshow) and now < self._awake_until
        if isinstance(state, Slideshow) and not menu_visible:
            self._focus = 0  # a sleeping bar wakes on "Add photos": the design's one-button use
        key = self._key_for(state, menu_visible, over_photos, thumbs.version)
        rebuilt = key != self._frame_key or self._frame is None
        if rebuilt:
            # A new still part is drawn straight onto the screen: no full-screen buffer and copy on the way.
            ctx.canvas = surface if self._draw_direct else None
            try:
                self._frame = self._build(state, menu_visible, over_photos, photos)
            finally:
                ctx.canvas = None
            self._frame_key = key
        slots = self._slot_texts(state, now)
        if not (rebuilt or picture_changed or slots != self._slot_values or self._dirty):
            return
        assert self._frame is not None
        if not rebuilt and self._frame.base is surface:
            # That still part is under the last frame's changing texts now: build it again, on its own buffer.
            self._frame = self._build(state, menu_visible, over_photos, photos)
        self._draw(surface, ctx, over_photos, slots)
        pygame.display.flip()
        self._slot_values = slots
        self._dirty = False
        self._frames_drawn += 1

    def next_wake(self, now: float) -> float:
        """Seconds the loop may sleep before show() has something new to draw (events wake it earlier)."""
        if self._surface is None or self._state is None or self._dirty:
            return 0.0
        state = self._state
        waits = [LONGEST_SLEEP]
        deadline = self._deadline(state)
        if deadline is not None:
            change = countdown_changes_in(deadline - now)
            if change is not None:
                waits.append(change + TICK_MARGIN)
        if _over_photos(state) and self._player is not None:
            waits.append(self._player.next_wake(now))
        if isinstance(state, Slideshow) and now < self._awake_until:
            waits.append(self._awake_until - now + TICK_MARGIN)
        if isinstance(state, Downloading) and self._thumbs is not None:
            thumb_wake = self._thumbs.next_wake(now)
            if thumb_wake is not None:
                waits.append(thumb_wake)
        if self._esc_down_at is not None and not self._esc_quit_sent:
            waits.append(max(0.05, self._esc_down_at + ESC_HOLD_QUIT - now))
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
        if previous is not None and type(previous) is type(state) and menu_for(previous) == menu_for(state):
            return
        self._menu = menu_for(state)
        self._focus = 0
        self._esc_down_at = None
        if isinstance(state, Slideshow) and not isinstance(previous, Slideshow):
            self._awake_until = now + MENU_AWAKE

    def _placeholder(self, photos: Sequence[Photo]) -> str | None:
        player = self._parts()[1]
        if player.current is not None:
            return None
        if not photos or not player.has_photos:
            return "No photos here yet. Press OK to choose some."
        return "Getting the photos ready…"

    def _key_for(self, state: State, menu_visible: bool, over_photos: bool, thumbs_version: int) -> Hashable:
        player = self._parts()[1]
        waiting = player.current is None if over_photos else False
        empty = not player.has_photos if over_photos else False
        if isinstance(state, Connect):
            return ("connect", state.verification_url, state.qr_url, state.user_code)
        if isinstance(state, Choose):
            return ("choose", state.picker_uri, state.account, state.replace, self._focus)
        if isinstance(state, Downloading):
            return ("downloading", state.done, state.total, state.failed, thumbs_version)
        if isinstance(state, Slideshow):
            caption = caption_for(player.current.created) if player.current and self._config.captions else None
            return ("slideshow", state.notice, menu_visible, self._focus, caption, waiting, empty)
        if isinstance(state, Problem):
            return (
                "problem",
                state.what,
                state.title,
                state.detail,
                state.next_step,
                state.retry_at is None,
                state.photos_available,
                self._focus,
                waiting,
            )
        if isinstance(state, SignedOut):
            return ("signed-out", self._focus)
        return ("starting", state.message)

    def _build(self, state: State, menu_visible: bool, over_photos: bool, photos: Sequence[Photo]) -> Frame:
        ctx, player, thumbs = self._parts()
        if isinstance(state, Connect):
            return build_connect(ctx, state)
        if isinstance(state, Choose):
            return build_choose(ctx, state, self._focus)
        if isinstance(state, Downloading):
            return build_downloading(ctx, state, thumbs.shown())
        if isinstance(state, Slideshow):
            current = player.current
            caption = caption_for(current.created) if current is not None and self._config.captions else None
            return build_slideshow(
                ctx,
                state,
                caption=caption,
                menu_visible=menu_visible,
                focus=self._focus,
                placeholder=self._placeholder(photos),
            )
        if isinstance(state, Problem):
            return build_problem(ctx, state, self._focus, over_photos=over_photos)
        if isinstance(state, SignedOut):
            return build_signed_out(ctx, state, self._focus)
        return build_starting(ctx, state)

    @staticmethod
    def _deadline(state: State) -> float | None:
        if isinstance(state, Connect | Choose):
            return state.expires_at
        if isinstance(state, Problem):
            return state.retry_at
        return None

    def _slot_texts(self, state: State, now: float) -> dict[str, str]:
        deadline = self._deadline(state)
        if deadline is None:
            return {}
        left = deadline - now
        if isinstance(state, Connect):
            text = f"This code expires in {countdown(left)}" if left > 0 else "This code has expired."
            return {"countdown": text}
        if isinstance(state, Choose):
            text = f"The link expires in {countdown(left)}" if left > 0 else "The link has expired."
            return {"countdown": text}
        return {"retry": f"Trying again in {countdown(left)}" if left > 0 else "Trying again now…"}

    def _draw(self, surface: pygame.Surface, ctx: Context, over_photos: bool, slots: dict[str, str]) -> None:
        frame = self._frame
        assert frame is not None
        player = self._parts()[1]
        if frame.base is surface:
            pass  # built on the screen itself, just now (see show())
        elif frame.base is not None:
            surface.blit(frame.base, (0, 0))
        elif over_photos and player.current is not None:
            player.draw(surface)
        else:
            surface.blit(ctx.background, (0, 0))
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
