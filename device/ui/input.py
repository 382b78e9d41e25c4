"""Input for the pygame screen: keys, clicks and taps become UserActions (a TV remote's through HDMI-CEC too);
the focus, and the slideshow's hint bar: when it shows, and when the focus is in it."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import pygame

from core.states import UserAction
from device.ui.menu import MenuItem

MENU_AWAKE = 10.0  # the slideshow's hint bar shows this long after the show starts or a key is pressed
ESC_HOLD_QUIT = 3.0  # holding Esc (Back) this long leaves the program

# SDLK_SELECT (what some remotes send for OK through HDMI-CEC) has no pygame name.
K_SELECT = getattr(pygame, "K_SELECT", (1 << 30) | 119)
# A TV remote through HDMI-CEC: the kernel's CEC input device (keymap rc-cec) sends Play/Pause as KEY_PLAYPAUSE,
# KEY_PLAYCD or KEY_PAUSECD and ⏭/⏮ as KEY_NEXTSONG/KEY_PREVIOUSSONG; SDL 2 reads those as its AUDIOPLAY,
# AUDIONEXT and AUDIOPREV keys (SDL 3 calls them MEDIA_*). pygame-ce names them only on some versions.
K_AUDIOPLAY = getattr(pygame, "K_AUDIOPLAY", getattr(pygame, "K_MEDIA_PLAY_PAUSE", (1 << 30) | 261))
K_AUDIONEXT = getattr(pygame, "K_AUDIONEXT", getattr(pygame, "K_MEDIA_NEXT_TRACK", (1 << 30) | 258))
K_AUDIOPREV = getattr(pygame, "K_AUDIOPREV", getattr(pygame, "K_MEDIA_PREVIOUS_TRACK", (1 << 30) | 259))
ACTIVATE_KEYS = {pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_SPACE, K_SELECT}
BACK_KEYS = {pygame.K_ESCAPE, pygame.K_AC_BACK, pygame.K_BACKSPACE}
PREVIOUS_KEYS = {pygame.K_LEFT, pygame.K_UP}
NEXT_KEYS = {pygame.K_RIGHT, pygame.K_DOWN}
# On the slideshow: photos by ←/→ (and a remote's ⏮/⏭), pause by OK and Play/Pause, the bar by ↑/↓ and Menu.
PHOTO_KEYS = {
    pygame.K_LEFT: UserAction.PREVIOUS,
    K_AUDIOPREV: UserAction.PREVIOUS,
    pygame.K_RIGHT: UserAction.NEXT,
    K_AUDIONEXT: UserAction.NEXT,
    K_AUDIOPLAY: UserAction.PAUSE,
    pygame.K_PAUSE: UserAction.PAUSE,
    **dict.fromkeys(ACTIVATE_KEYS, UserAction.PAUSE),
    pygame.K_p: UserAction.PHONE,  # the "Control from your phone" QR (when the companion runs)
}
BAR_KEYS = {pygame.K_UP, pygame.K_DOWN, pygame.K_MENU}
TAP_THIRDS = 3  # a tap on the photos: left third previous, right third next, the middle shows the bar
SHORTCUTS = {
    pygame.K_r: UserAction.RETRY,
    pygame.K_a: UserAction.ADD,
    pygame.K_s: UserAction.SIGN_OUT,
    pygame.K_p: UserAction.PHONE,
}
REDRAW_EVENTS = {
    getattr(pygame, name)
    for name in ("VIDEOEXPOSE", "WINDOWEXPOSED", "WINDOWSHOWN", "WINDOWRESTORED", "WINDOWSIZECHANGED")
    if hasattr(pygame, name)
}


class Controls:
    """The menu of the screen on show, which button has the focus, and whether a sleeping hint bar is awake.

    ``sleeps`` (the scene's ``menu_sleeps``) says the menu is a hint bar that hides until a key is pressed. On
    such a screen (the slideshow) the keys work the photos (←/→ previous/next, OK and Play/Pause pause) until
    ↑/↓ or Menu put the focus into the bar; any other key only shows the bar.
    ``redraw`` is set when what the person did changes what is on screen; the screen clears it once drawn.
    """

    def __init__(self) -> None:
        self.menu: tuple[MenuItem, ...] = ()
        self.focus = 0
        self.sleeps = False
        self.awake_until = -math.inf
        self.redraw = False
        self._esc_down_at: float | None = None
        self._esc_quit_sent = False
        self._engaged = False  # the focus is in the hint bar (see bar_engaged)

    def enter(
        self, menu: tuple[MenuItem, ...], *, sleeps: bool, was_sleeping: bool, now: float, focus: int = 0
    ) -> None:
        """A new screen (or the same screen with other buttons): focus on button ``focus`` (-1: on none, so the
        first OK or arrow only shows the focus)."""
        self.menu = menu
        self.sleeps = sleeps
        self.focus = focus
        self._engaged = False
        self._esc_down_at = None
        if sleeps and not was_sleeping:
            self.awake_until = now + MENU_AWAKE

    def menu_visible(self, now: float) -> bool:
        """The buttons are on screen: always, unless they are a hint bar that is asleep."""
        return bool(self.menu) and (not self.sleeps or now < self.awake_until)

    def bar_awake(self, now: float) -> bool:
        """The hint bar is up (False when the menu is not a hint bar)."""
        return self.sleeps and now < self.awake_until

    def handle(
        self, events: Iterable[pygame.event.Event], now: float, buttons: Sequence[tuple[pygame.Rect, UserAction]]
    ) -> list[UserAction]:
        """What the person asked for with ``events``; ``buttons`` are the tap targets on screen now."""
        actions: list[UserAction] = []
        for event in events:
            kind = event.type
            if kind == pygame.QUIT:
                actions.append(UserAction.QUIT)
            elif kind == pygame.KEYDOWN:
                self._key(event.key, now, actions)
            elif kind == pygame.KEYUP and event.key == pygame.K_ESCAPE:
                self._esc_down_at = None
            elif kind == pygame.MOUSEBUTTONUP and event.button == 1:
                self._tap(event.pos, now, buttons, actions)
            elif kind in REDRAW_EVENTS:
                self.redraw = True
        if self._esc_down_at is not None and not self._esc_quit_sent and now - self._esc_down_at >= ESC_HOLD_QUIT:
            self._esc_quit_sent = True
            actions.append(UserAction.QUIT)
        return actions

    def bar_sleeps_in(self, now: float) -> float | None:
        """Seconds until the awake hint bar falls asleep; None when none is up."""
        return self.awake_until - now if self.bar_awake(now) else None

    def esc_quits_in(self, now: float) -> float | None:
        """Seconds until a held Esc leaves the program; None when Esc is not held."""
        if self._esc_down_at is None or self._esc_quit_sent:
            return None
        return max(0.05, self._esc_down_at + ESC_HOLD_QUIT - now)

    def _key(self, key: int, now: float, actions: list[UserAction]) -> None:
        if self.sleeps and not self.bar_engaged(now):
            self._photo_key(key, now, actions)
            return
        if self.sleeps:
            self._wake(now)
            if key == pygame.K_MENU:
                self._put_bar_away(now)  # Menu again: back to the photos
                return
            if key == K_AUDIOPLAY or key == pygame.K_PAUSE:
                actions.append(UserAction.PAUSE)
                return
        if self.menu and self.focus < 0 and (key in ACTIVATE_KEYS or key in PREVIOUS_KEYS or key in NEXT_KEYS):
            self.focus = 0  # nothing had the focus: the first key only shows where it is
            self.redraw = True
        elif key in ACTIVATE_KEYS:
            if self.menu:
                actions.append(self.menu[min(self.focus, len(self.menu) - 1)].action)
        elif key in PREVIOUS_KEYS or key in NEXT_KEYS:
            if self.menu:
                step = -1 if key in PREVIOUS_KEYS else 1
                focus = max(0, min(len(self.menu) - 1, self.focus + step))
                if focus != self.focus:
                    self.focus = focus
                    self.redraw = True
        elif key in BACK_KEYS:
            self._back(key, now, actions)
        elif key in SHORTCUTS:
            actions.append(SHORTCUTS[key])

    def _photo_key(self, key: int, now: float, actions: list[UserAction]) -> None:
        """The slideshow, its bar hidden or only showing the hint: keys act on the photos; ↑/↓ and Menu take
        the focus into the bar; any other key shows the bar without acting."""
        if key in PHOTO_KEYS:
            actions.append(PHOTO_KEYS[key])
        elif key in BACK_KEYS:
            self._back(key, now, actions)
        elif key in BAR_KEYS:
            self._wake(now)
            self._engaged = True
            self.focus = 0
            self.redraw = True
        else:
            self._wake(now)

    def bar_engaged(self, now: float) -> bool:
        """The hint bar is up and the focus is in it (opened by ↑/↓ or Menu): arrows and OK work its buttons."""
        return self._engaged and self.bar_awake(now)

    def _put_bar_away(self, now: float) -> None:
        self.awake_until = now
        self._engaged = False
        self.redraw = True

    def _back(self, key: int, now: float, actions: list[UserAction]) -> None:
        if self.bar_awake(now):
            self._put_bar_away(now)  # Back puts the bar away first
        actions.append(UserAction.CANCEL)
        if key == pygame.K_ESCAPE and self._esc_down_at is None:
            self._esc_down_at = now
            self._esc_quit_sent = False

    def _tap(
        self,
        pos: tuple[int, int],
        now: float,
        buttons: Sequence[tuple[pygame.Rect, UserAction]],
        actions: list[UserAction],
    ) -> None:
        for i, (rect, action) in enumerate(buttons):
            if rect.collidepoint(pos):
                if self.focus != i:
                    self.focus = i
                    self.redraw = True
                actions.append(action)
                return
        if self.sleeps and self.menu:
            # On the photos: the left third goes back, the right third on, the middle shows (or hides) the bar.
            display = pygame.display.get_surface()
            third = display.get_width() / TAP_THIRDS if display is not None else 0
            if third and pos[0] < third:
                actions.append(UserAction.PREVIOUS)
            elif third and pos[0] >= 2 * third:
                actions.append(UserAction.NEXT)
            elif self.bar_awake(now):
                self._put_bar_away(now)
            else:
                self._wake(now)

    def _wake(self, now: float) -> None:
        if now >= self.awake_until:
            self.redraw = True
        self.awake_until = now + MENU_AWAKE
