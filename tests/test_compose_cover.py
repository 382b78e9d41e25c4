"""The compositor leaves out the blurred backdrop only where none of it would be seen."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from device.ui.compose import compose_slide

SIZE = (320, 180)


def _photo(path: Path, size: tuple[int, int]) -> str:
    img = Image.new("RGB", size, (200, 30, 30))
    img.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))
    img.save(path, "PNG")
    return str(path)


def test_a_photo_of_the_screens_shape_is_the_whole_frame(tmp_path: Path) -> None:
    path = _photo(tmp_path / "wide.png", (640, 360))
    frame = Image.frombytes("RGB", SIZE, bytes(compose_slide(path, SIZE)))
    with Image.open(path) as src:
        expected = src.convert("RGB").resize(SIZE, Image.Resampling.BILINEAR, reducing_gap=2.0)
    assert frame.tobytes() == expected.tobytes()


def test_a_narrower_photo_still_gets_its_backdrop_beside_it(tmp_path: Path) -> None:
    path = _photo(tmp_path / "square.png", (300, 300))
    frame = Image.frombytes("RGB", SIZE, bytes(compose_slide(path, SIZE)))
    left, right = frame.getpixel((5, 90)), frame.getpixel((SIZE[0] - 5, 90))
    assert isinstance(left, tuple) and isinstance(right, tuple)
    assert sum(left) > 30 and sum(right) > 30  # the dimmed, blurred photo, not black
    assert left[2] > left[0] and right[0] > right[2]  # its own colours: blue at the left, red at the right
