"""`python -m bench.floor`: the least any photo frame pays before its first screen, the baseline of two figures.

Start Python, import the libraries picker-kiosk uses (pygame, requests, google.auth, Pillow, qrcode, sqlite3),
open a 1920×1080 display (SDL's dummy driver in the benchmark) and show one frame. Then print ``drawn``
and the process's peak resident memory (VmHWM, kB) on stderr.
"""

import sqlite3  # noqa: F401
import sys

import google.auth  # noqa: F401
import PIL.Image  # noqa: F401
import pygame
import qrcode  # noqa: F401
import requests  # noqa: F401


def main() -> None:
    pygame.display.init()
    pygame.display.set_mode((1920, 1080))
    pygame.display.flip()
    print("drawn", file=sys.stderr, flush=True)
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    print(f"peak {peak}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
