"""Validation of downloaded files (core.images): real images pass, broken files and bombs are refused."""

from __future__ import annotations

import io
import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image

from core.errors import BadMedia
from core.images import check_image, check_media, check_video


def bomb_png(width: int = 30000, height: int = 30000) -> bytes:
    """A PNG of a few hundred bytes whose header claims ``width`` x ``height`` (2.7 GB of RGB pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (1 + 3 * width) * 4, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def jpeg(size: tuple[int, int] = (320, 200), orientation: int | None = None) -> bytes:
    img = Image.linear_gradient("L").convert("RGB").resize(size)
    out = io.BytesIO()
    if orientation is None:
        img.save(out, "JPEG", quality=80)
    else:
        exif = Image.Exif()
        exif[0x0112] = orientation
        img.save(out, "JPEG", quality=80, exif=exif.tobytes())
    return out.getvalue()


def write(tmp_path: Path, data: bytes, name: str = "x.bin") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_real_jpeg_and_png_pass_with_their_true_type(tmp_path: Path) -> None:
    info = check_image(write(tmp_path, jpeg((320, 200)), "a.png"))  # the name's extension is ignored
    assert (info.ext, info.mime, info.width, info.height) == (".jpg", "image/jpeg", 320, 200)
    out = io.BytesIO()
    Image.new("RGB", (50, 40), "red").save(out, "PNG")
    info = check_image(write(tmp_path, out.getvalue(), "b.jpg"))
    assert (info.ext, info.width, info.height) == (".png", 50, 40)


def test_exif_quarter_turn_swaps_the_shown_size(tmp_path: Path) -> None:
    info = check_image(write(tmp_path, jpeg((320, 200), orientation=6)))
    assert (info.width, info.height) == (200, 320)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an image at all" * 50,
        b"<html><body>Sign in</body></html>",
        jpeg()[:-600],  # truncated in the middle of the picture data
        jpeg()[:200],
    ],
    ids=["empty", "text", "html", "truncated", "header-only"],
)
def test_broken_files_are_bad_media(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(BadMedia):
        check_image(write(tmp_path, data))


def test_decompression_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    data = bomb_png()
    assert len(data) < 2000
    started = time.perf_counter()
    with pytest.raises(BadMedia):
        check_image(write(tmp_path, data))
    assert time.perf_counter() - started < 1.0  # decoding 900 MP would take far longer (and ~2.7 GB)


def test_our_own_pixel_limit_is_stricter_than_pillows(tmp_path: Path) -> None:
    # 9000 x 8000 = 72 MP: Pillow would decode it without complaint; we refuse anything above 64 MP.
    with pytest.raises(BadMedia, match="pixels"):
        check_image(write(tmp_path, bomb_png(9000, 8000)))
    assert check_image(write(tmp_path, jpeg((64, 48))), max_pixels=64 * 48).width == 64
    with pytest.raises(BadMedia):
        check_image(write(tmp_path, jpeg((64, 48))), max_pixels=64 * 48 - 1)


def test_videos_need_an_ftyp_box(tmp_path: Path) -> None:
    mp4 = struct.pack(">I", 24) + b"ftypisom" + b"\x00" * 12 + b"\x00\x00\x00\x08mdat"
    assert check_video(write(tmp_path, mp4)).ext == ".mp4"
    with pytest.raises(BadMedia):
        check_video(write(tmp_path, jpeg()))
    with pytest.raises(BadMedia):
        check_media(write(tmp_path, mp4), "photo")


def encoded(**options: object) -> bytes:
    img = Image.effect_noise((321, 203), 80).convert("RGB")
    out = io.BytesIO()
    img.save(out, "JPEG", **options)
    return out.getvalue()


WHOLE_JPEGS = {
    "baseline": lambda: encoded(quality=85),
    "progressive": lambda: encoded(quality=85, progressive=True),
    "restart markers": lambda: encoded(quality=90, restart_marker_blocks=2),
    "optimized": lambda: encoded(optimize=True),
    "4:4:4": lambda: encoded(subsampling=0),
    "an end marker inside a comment": lambda: encoded(comment=b"x\xff\xd9y"),
    "exif orientation": lambda: jpeg((320, 200), orientation=6),
}


@pytest.mark.parametrize("name", list(WHOLE_JPEGS))
def test_a_download_check_walks_whole_jpegs_and_refuses_every_cut(tmp_path: Path, name: str) -> None:
    # A fresh download's JPEG is not decoded (core.jpeg walks it to its end marker): every kind of JPEG
    # passes with what the decoding check finds, bytes after the end (a motion photo's video) are allowed,
    # and the file cut anywhere is refused.
    data = WHOLE_JPEGS[name]()
    path = write(tmp_path, data)
    assert check_image(path, decode=False) == check_image(path)
    assert check_image(write(tmp_path, data + b"\x00\x00\x00\x18ftypmp42", "motion.jpg"), decode=False).ext == ".jpg"
    for cut in range(2, len(data), max(1, len(data) // 400)):
        with pytest.raises(BadMedia):
            check_image(write(tmp_path, data[:cut], "cut.jpg"), decode=False)
    with pytest.raises(BadMedia):
        check_image(write(tmp_path, data[:-1], "cut.jpg"), decode=False)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an image at all" * 50,
        b"<html><body>Sign in</body></html>",
        jpeg()[:-600],
        jpeg()[:200],
        b"\xff\xd8\xff\xe0" + b"\0" * 30_000,
        jpeg()[:-2] + b"\xff\x12\x00\x04\x00\x00\xff\xd9",  # a marker no JPEG has after its scan
    ],
    ids=["empty", "text", "html", "truncated", "header-only", "zeros", "unknown-marker"],
)
def test_broken_files_are_bad_media_for_the_download_check_too(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(BadMedia):
        check_image(write(tmp_path, data), decode=False)


def test_the_walk_reads_a_large_jpeg_in_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import core.jpeg

    monkeypatch.setattr(core.jpeg, "BLOCK", 97)  # segments, scans and markers split across blocks
    data = encoded(quality=95, progressive=True)
    assert check_image(write(tmp_path, data), decode=False).width == 321
    with pytest.raises(BadMedia):
        check_image(write(tmp_path, data[: len(data) * 2 // 3]), decode=False)


def png(size: tuple[int, int] = (120, 80), orientation: int | None = None) -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    Image.effect_noise(size, 80).convert("RGB").save(out, "PNG", exif=exif.tobytes() if orientation else None)
    return out.getvalue()


def test_a_download_check_reads_a_png_to_its_end_against_every_crc(tmp_path: Path) -> None:
    # A fresh download's PNG is not decoded either: its chunks are read to IEND and checked against their
    # CRCs, so a cut or garbled file is refused, and an Exif orientation before the pixels still counts.
    for data in (png(), png(orientation=6)):
        path = write(tmp_path, data, "a.png")
        assert check_image(path, decode=False) == check_image(path)
    assert check_image(write(tmp_path, png(orientation=6)), decode=False).width == 80
    data = png()
    for cut in [*range(8, len(data), max(1, len(data) // 300)), *range(len(data) - 16, len(data))]:  # IEND too
        with pytest.raises(BadMedia):
            check_image(write(tmp_path, data[:cut], "cut.png"), decode=False)
    garbled = bytearray(data)
    garbled[len(data) // 2] ^= 0x55  # inside the pixel data: its chunk's CRC no longer matches
    with pytest.raises(BadMedia):
        check_image(write(tmp_path, bytes(garbled), "garbled.png"), decode=False)
    with pytest.raises(BadMedia, match="pixels"):
        check_image(write(tmp_path, bomb_png(9000, 8000)), decode=False)
