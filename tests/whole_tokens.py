"""Checks on drawn lines: a link, an address or a code is written whole, broken only at a space, after a "/"
or before an "@" (so the break shows), and no piece of one of its tokens is drawn anywhere else."""

from __future__ import annotations

import re
from collections.abc import Sequence

PROBE = 8  # characters at each end of a long token: a token cut anywhere leaves one of them on a line alone


def tokens(text: str) -> list[str]:
    """``text``'s words, each cut after every "/" and before every "@" (defined here, not taken from the code)."""
    return [t for word in text.split(" ") for t in re.split(r"(?<=/)|(?=@)", word) if t]


def spelled_by(lines: Sequence[str], text: str) -> bool:
    """The ``lines``, in order, are ``text`` broken only at spaces (dropped), after a "/" or before an "@"."""
    pos = 0
    for k, line in enumerate(lines):
        if not line or not text.startswith(line, pos):
            return False
        pos += len(line)
        if k < len(lines) - 1:
            if text.startswith(" ", pos):
                pos += 1
            elif not (text[pos - 1] == "/" or text[pos] == "@"):
                return False
    return pos == len(text)


def drawn(lines: Sequence[str], text: str) -> list[str]:
    """The run of consecutive ``lines`` spelling ``text`` (see spelled_by), or [] when it is not drawn; fails when
    a line outside that run holds a piece of one of its long tokens (a token cut inside, or shortened)."""
    run: tuple[int, int] | None = None
    for i in range(len(lines)):
        for j in range(i + 1, len(lines) + 1):
            if spelled_by(lines[i:j], text):
                run = (i, j)
                break
        if run:
            break
    outside = [line for k, line in enumerate(lines) if run is None or not run[0] <= k < run[1]]
    for token in tokens(text):
        core = token.strip("/@.")
        if len(core) < 2 * PROBE:
            continue
        for line in outside:
            assert core[:PROBE] not in line and core[-PROBE:] not in line, f"{token!r} is cut: {line!r} holds a piece"
    return list(lines[run[0] : run[1]]) if run else []
