"""Start-up without the garbage collector: paused until the first screen is up, then back on for good.

Importing pygame, requests, google-auth and our modules allocates hundreds of thousands of objects, and the
collector walks them again and again on the way (about 10 ms of a 170 ms start). Nothing started then is
garbage, so the pause costs no memory; ``finished`` turns collection back on and freezes what start-up made,
so later collections do not walk it either.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence

_paused = False


def pause() -> None:
    """Stop automatic collection until ``finished()``."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def finished() -> None:
    """Start-up is over: collect automatically again (a no-op when ``pause()`` was not called)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def main(argv: Sequence[str] | None = None) -> int:
    """The `picker-kiosk` console script (``argv`` as device.app.main takes it)."""
    pause()
    try:
        from device.app import main as app_main

        return app_main(argv)
    finally:
        finished()
