"""The crossfade's drawing: the incoming slide blended into the picture already on the screen a share at a
time (pygame-ce's SIMD per-pixel-alpha blit), or both slides drawn afresh when the screen holds anything else."""

from __future__ import annotations

import pygame

# The picture may be off the fade's curve by this share of the difference between the two slides (2.5 of 255
# levels at most), ahead or behind: a frame whose step is no more than that leaves the picture as it is (the
# slow ends of the curve: a blend saved), and the incoming slide's alpha is set again only when keeping it
# would take the picture further off (each new alpha is a pass over the slide).
DRIFT = 0.01
# A new alpha aims this share of DRIFT ahead of the curve, so that the curve has the whole band to catch up
# and pass it before the next frame must blend or the alpha must change again (26 blends and 8 alphas in a
# 31-frame fade, against 30 and 9 aiming at the curve itself).
LEAD = 0.5
# A step to within this share of the end (half a level) is always drawn: it leaves exactly the new slide, so a
# frame at the very end of the fade (its clock a hair short of it) shows what the fade ends on.
END = 1 / 512
BLACK = (0, 0, 0)


def _blends_per_pixel(surface: pygame.Surface) -> bool:
    """Whether ``surface`` carries its own alpha channel (slides made by ``to_surface(..., blend=True)``)."""
    return bool(surface.get_flags() & pygame.SRCALPHA) and surface.get_bitsize() == 32


class Crossfade:
    """What the target shows of the slideshow (one slide, or a mix of two and in what shares), so that each
    frame of a fade only adds the incoming slide's next share; and the incoming slide's alpha channel.

    A blend step is ``(256 * d + (s - d) * A + s) >> 8`` per channel (pygame-ce's blitter, SIMD or not): it
    keeps ``(256 - A) / 256`` of the picture (d) and adds the slide (s); A = 255 leaves exactly the slide.
    Frames come when they come (the loop's timing), so each step is chosen from the share the picture holds
    now, never from a frame count.
    """

    def __init__(self) -> None:
        # The target shows ``_left`` of ``_from`` (None: black) and the rest of ``_to`` (None: ``_from`` alone);
        # ``_known`` False: nothing is known of what the target shows.
        self._known = False
        self._from: pygame.Surface | None = None
        self._to: pygame.Surface | None = None
        self._left = 1.0
        self._tinted: pygame.Surface | None = None  # the slide fading in, its alpha channel set to ``_alpha``
        self._alpha = 255

    def forget(self) -> None:
        """The target's picture is not this fade's any more (another screen, the night)."""
        self._known = False
        self._tinted = None

    def finish(self, slide: pygame.Surface) -> None:
        """``slide``'s fade is over: from now on it is copied as it is, its alpha channel unused."""
        if slide.get_flags() & pygame.SRCALPHA:
            slide.set_alpha(None)  # SDL_BLENDMODE_NONE
        if self._tinted is slide:
            self._tinted = None

    def show(self, target: pygame.Surface, slide: pygame.Surface) -> None:
        """``slide`` alone, all over ``target``."""
        self.finish(slide)
        target.blit(slide, (0, 0))
        self._known, self._from, self._to, self._left = True, slide, None, 1.0

    def blend(
        self,
        target: pygame.Surface,
        leaving: pygame.Surface | None,
        incoming: pygame.Surface,
        share: float,
        *,
        kept: bool,
        moving: bool = False,
    ) -> None:
        """``share`` of ``incoming`` over ``leaving`` (None: black) on ``target``. ``kept``: the target still
        holds the picture drawn here last (nothing drawn over it since, or that put back). ``moving``: the
        incoming slide changes while it fades in (a video playing): both are drawn afresh every frame."""
        per_pixel = _blends_per_pixel(incoming) and not moving
        on_target = kept and self._known and self._from is leaving and self._to in (None, incoming)
        # Steps of a few levels add up only on 8 bits a channel (a 16-bit screen would round most of them away).
        fine = target.get_bitsize() >= 24
        if per_pixel and on_target and fine and (self._to is incoming or leaving is not None):
            self._to = incoming
            self._step(target, incoming, 1.0 - share)
            return
        if leaving is None:
            target.fill(BLACK)
        else:
            self.finish(leaving)
            target.blit(leaving, (0, 0))
        self._known, self._from, self._to, self._left = not moving, leaving, incoming, 1.0
        if per_pixel:
            self._step(target, incoming, 1.0 - share)
            return
        alpha = round(255 * share)  # a blanket alpha over the slide's own (opaque) pixels: SDL's slower blit
        incoming.set_alpha(alpha)
        target.blit(incoming, (0, 0))
        incoming.set_alpha(255 if _blends_per_pixel(incoming) else None)
        self._left = 1.0 - alpha / 255

    def _step(self, target: pygame.Surface, incoming: pygame.Surface, left: float) -> None:
        """Blend ``incoming`` into the target until about ``left`` of the first picture is left (within DRIFT)."""
        if self._left - left <= DRIFT and left > END:
            return  # near enough the curve (or ahead of it): the picture stays as it is
        held = self._alpha if self._tinted is incoming else 255
        if held == 255 or left <= END or abs(self._left * (256 - held) / 256 - left) > DRIFT:
            aim = max(0.0, left - LEAD * DRIFT)
            held = min(255, max(0, round(256 * (1.0 - aim / self._left))))
            self._set_alpha(incoming, held)
        if held > 0:
            target.blit(incoming, (0, 0))
            self._left *= (256 - held) / 256

    def _set_alpha(self, surface: pygame.Surface, alpha: int) -> None:
        """Every pixel of ``surface``'s alpha channel to ``alpha`` (they are all equal: one pass, MIN or MAX)."""
        held = self._alpha if self._tinted is surface else 255
        if alpha < held:
            surface.fill((255, 255, 255, alpha), special_flags=pygame.BLEND_RGBA_MIN)
        elif alpha > held:
            surface.fill((0, 0, 0, alpha), special_flags=pygame.BLEND_RGBA_MAX)
        self._tinted, self._alpha = surface, alpha
