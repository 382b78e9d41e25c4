"""`python -m bench.naive_frame`: the idle-CPU baseline, a frame loop as most hobby photo frames write it.

A 1920×1080 picture is blitted and flipped 30 times a second, changed or not (SDL's dummy driver here).
"""

import sys

import pygame


def main() -> None:
    pygame.display.init()
    screen = pygame.display.set_mode((1920, 1080))
    picture = pygame.Surface((1920, 1080))
    picture.fill((40, 90, 160))
    clock = pygame.time.Clock()
    print("drawn", file=sys.stderr, flush=True)
    while True:
        pygame.event.pump()
        screen.blit(picture, (0, 0))
        pygame.display.flip()
        clock.tick(30)


if __name__ == "__main__":
    main()
