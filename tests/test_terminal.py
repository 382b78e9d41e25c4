"""The headless renderer: a QR code a phone can scan, the code and URL, countdowns and progress."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image

from core.states import Choose, Connect, Downloading, Problem, Slideshow
from device.ui.qr import qr_lines
from device.ui.terminal import Terminal
from device.ui.wording import progress_bar


def _decode_text_qr(lines: list[str]) -> str:
    """Rasterise half-block text back into pixels and decode it, as a phone would from the terminal."""
    scale = 6
    rows: list[list[bool]] = []
    for line in lines:
        top = [ch in "█▀" for ch in line]
        bottom = [ch in "█▄" for ch in line]
        rows += [top, bottom]
    img = Image.new("L", (len(rows[0]) * scale, len(rows) * scale), 255)
    px = img.load()
    assert px is not None
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    for dx in range(scale):
                        px[x * scale + dx, y * scale + dy] = 0
    found = zxingcpp.read_barcodes(img)
    assert found, "no QR code found"
    return str(found[0].text)


def test_text_qr_decodes_to_the_url() -> None:
    url = "https://photos.google.com/picker/c1f7a9c2-4c6e-4f1a-9d7e-0123456789ab"
    assert _decode_text_qr(qr_lines(url, colour=False)) == url


def test_coloured_qr_forces_dark_on_white() -> None:
    lines = qr_lines("https://www.google.com/device", colour=True)
    assert all(line.startswith("\x1b[30;107m") and line.endswith("\x1b[0m") for line in lines)


def test_connect_screen_shows_code_url_and_qr() -> None:
    out = io.StringIO()
    t = Terminal(out)
    t.show(Connect("google.com/device", "https://www.google.com/device", "GQVQ-JKEC", 1900.0, 5, 105), 100.0, [])
    text = out.getvalue()
    assert "GQVQ-JKEC" in text and "google.com/device" in text
    assert "code expires in 30:00" in text
    qr = [line[2:] for line in text.splitlines() if line.startswith("  ") and set(line[2:]) <= set("█▀▄ ")]
    assert _decode_text_qr([q for q in qr if q.strip() or len(q) > 20]) == "https://www.google.com/device"


def test_choose_screen_names_the_account_and_link() -> None:
    out = io.StringIO()
    Terminal(out).show(Choose("s", "https://photos.google.com/x", "me@example.com", 400.0, 5, 5), 100.0, [])
    text = out.getvalue()
    assert "me@example.com" in text and "https://photos.google.com/x" in text and "5:00" in text


def test_progress_and_problem_and_summary() -> None:
    assert progress_bar(37, 120, width=10) == "[###.......]  37 of 120"
    out = io.StringIO()
    t = Terminal(out)
    t.show(Downloading("s", 0, 120), 1.0, [])
    t.show(Problem("offline", "No network", "No connection to Google.", "Trying again shortly.", 31.0), 1.0, [])
    t.show(Slideshow(120), 2.0, [])
    text = out.getvalue()
    assert "Getting your photos" in text
    assert "No network" in text and "Trying again in 0:30" in text
    assert "120 photos in the library" in text


def test_same_screen_is_not_reprinted() -> None:
    out = io.StringIO()
    t = Terminal(out)
    state = Connect("u", "https://u.example", "CODE", 1900.0, 5, 105)
    t.show(state, 100.0, [])
    n = len(out.getvalue())
    t.show(state, 101.0, [])
    assert len(out.getvalue()) == n
