"""What start-up puts off until the first screen is up: garbage collection, and the heap's tuning.

Importing pygame, requests, google-auth and our modules allocates hundreds of thousands of objects, and the
collector walks them again and again on the way (about 10 ms of a 170 ms start). Nothing started then is
garbage, so the pause costs no memory; ``finished`` turns collection back on and freezes what start-up made,
so later collections do not walk it either. ``first_frame`` is the loop's ``on_first_frame`` hook.
This module imports nothing of the program's, so the entry point (device/__main__.py) can pause first.
"""

from __future__ import annotations

import gc

# Buffers at least this big (full-screen frames, decoded photos) get their own mapping, returned when freed.
MMAP_THRESHOLD = 128 * 1024
_M_MMAP_THRESHOLD = -3  # glibc's mallopt() parameter numbers
_M_ARENA_MAX = -8
# At most this many malloc arenas: glibc gives each thread that contends for the heap an arena of its own, and
# the download workers' freed buffers then stay resident in eight arenas (bench/README.md, memory).
ARENA_MAX = 2

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


def keep_heap_flat() -> None:
    """Make glibc give full-screen buffers back to the system when they are freed (a no-op on other libcs).

    By default glibc raises its mmap threshold each time such a buffer is freed, so later 8 MB frames come
    from the heap, which fragments and never shrinks: a slideshow over a big library grew the process by
    ~60 MB (bench/memory.py). Setting the threshold once also turns that adjustment off. The number of
    arenas is capped too (ARENA_MAX), before the download workers start.
    """
    import ctypes  # only here: it is not worth its import time before the first screen

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError):
        return
    mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    mallopt(_M_ARENA_MAX, ARENA_MAX)


def trim_heap() -> None:
    """Hand the heap's free pages back to the system (glibc's malloc_trim; a no-op on other libcs).

    A slide's decoding frees a few megabytes of small buffers in the heap's middle, where no threshold
    returns them; the slideshow calls this on its decode thread after each slide, off the frame loop.
    """
    import ctypes

    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):
        return
    trim(0)


def first_frame() -> None:
    """The first screen is up: tune the heap (it loads ctypes, which that screen need not wait for), then
    let the collector run again."""
    keep_heap_flat()
    finished()
