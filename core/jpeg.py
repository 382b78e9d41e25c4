"""Whether a JPEG is whole: its segments and scans walked to the end-of-image marker, without decoding a pixel.

A download is checked this way instead of by decoding it (even a 1/8-scale decode entropy-decodes every
byte: ~2.5 ms of CPU for a 1920×1080 rendition, the largest part of a download's own cost; the walk takes
~0.1 ms). It reads each marker segment by its length and skips each scan's entropy-coded data to the marker
that ends it, so a file cut short anywhere (in a header, in a scan, before the end marker) or a file of
another kind is refused. Like the decode it replaces (libjpeg only warns about garbled entropy data), it
does not judge the pixels. Bytes after the end marker are allowed: motion photos carry a video there.
The file is read in blocks: a 20 MB original never sits in memory whole.
"""

from __future__ import annotations

import re
from typing import BinaryIO

EOI, SOS = 0xD9, 0xDA
BLOCK = 256 * 1024
# In a scan's entropy-coded data 0xFF is followed by 0x00 (a stuffed byte) or a restart marker (0xD0–0xD7);
# any other byte after it ends the scan (0xFF itself is fill before the marker, found one byte later).
_SCAN_END = re.compile(rb"\xff[\x01-\xcf\xd8-\xfe]")
# What may come after a scan besides another scan and the end: DHT, DAC, DQT, DNL, DRI, COM and APPn.
_BETWEEN_SCANS = frozenset({0xC4, 0xCC, 0xDB, 0xDC, 0xDD, 0xFE, *range(0xE0, 0xF0)})
# Markers that carry no length: TEM, the restart markers (never outside a scan) and SOI (only first).
_STANDALONE = frozenset({0x00, 0x01, *range(0xD0, 0xD9)})


class _Blocks:
    """A file read forward in blocks, with the few moves the walk needs."""

    def __init__(self, f: BinaryIO) -> None:
        self.f = f
        self.buf = b""
        self.pos = 0

    def ensure(self, n: int) -> bool:
        """At least ``n`` bytes are buffered from ``pos`` (False at the end of the file)."""
        if len(self.buf) - self.pos < n:
            self.buf = self.buf[self.pos :] + self.f.read(max(BLOCK, n))
            self.pos = 0
        return len(self.buf) - self.pos >= n

    def skip(self, n: int) -> bool:
        """Move ``n`` bytes on; False if the file ends first."""
        left = len(self.buf) - self.pos
        if n <= left:
            self.pos += n
            return True
        self.buf, self.pos = b"", 0
        self.f.seek(n - left - 1, 1)  # onto the last byte skipped, which must be there
        return len(self.f.read(1)) == 1

    def to_scan_end(self) -> bool:
        """Move to the 0xFF of the marker that ends the entropy-coded data; False if the file ends first."""
        while True:
            found = _SCAN_END.search(self.buf, self.pos)
            if found is not None:
                self.pos = found.start()
                return True
            keep = self.buf[-1:] == b"\xff"  # a marker may be split across two blocks
            self.buf, self.pos = (b"\xff" if keep else b""), 0
            more = self.f.read(BLOCK)
            if not more:
                return False
            self.buf += more


def whole_jpeg(f: BinaryIO) -> bool:
    """True if the file ``f`` (read from its start) is a JPEG that reaches its end-of-image marker after at
    least one scan."""
    data = _Blocks(f)
    if not data.ensure(2) or data.buf[:2] != b"\xff\xd8":
        return False
    data.pos = 2
    scans = 0
    while True:
        if not data.ensure(1) or data.buf[data.pos] != 0xFF:
            return False
        while data.buf[data.pos] == 0xFF:  # fill bytes may precede a marker
            data.pos += 1
            if not data.ensure(1):
                return False
        marker = data.buf[data.pos]
        data.pos += 1
        if marker == EOI:
            return scans > 0
        if marker in _STANDALONE or (scans and marker != SOS and marker not in _BETWEEN_SCANS):
            return False
        if not data.ensure(2):
            return False
        length = int.from_bytes(data.buf[data.pos : data.pos + 2], "big")
        if length < 2 or not data.skip(length):
            return False
        if marker == SOS:
            scans += 1
            if not data.to_scan_end():
                return False
