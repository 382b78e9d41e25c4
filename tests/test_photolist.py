"""The library's photo list held packed (core.library.photolist): every photo comes back as it was, and a big
library's list stays small."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from PIL import Image

from core.library import Library, Photo, PhotoList, media_stem

FOLDER = "/var/lib/picker-kiosk/library/"
PLUS_TWO = timezone(timedelta(hours=2))


def library_photo(n: int) -> Photo:
    stem = media_stem(f"AF1QipN{n:09d}-an-id-as-long-as-google-gives-them")
    return Photo(
        id=f"AF1QipN{n:09d}-an-id-as-long-as-google-gives-them",
        path=f"{FOLDER}{stem}.jpg",
        created=datetime(2019, 1, 1, tzinfo=UTC) + timedelta(seconds=97 * n, microseconds=n),
        width=4032 if n % 2 else 3024,
        height=3024 if n % 2 else 4032,
    )


def test_every_photo_comes_back_as_it_was_given() -> None:
    video_stem = media_stem("a-video")
    photos = [
        library_photo(1),
        Photo(id="a-video", path=f"{FOLDER}{video_stem}.poster.jpg", video=f"{FOLDER}{video_stem}.mp4", width=1080),
        Photo(id="not-ours", path="/home/someone/Pictures/holiday.JPG", created=datetime(2020, 5, 1)),  # naive
        Photo(id="elsewhere", path=f"/mnt/other/{media_stem('x')}.png", created=datetime(2021, 1, 1, tzinfo=UTC)),
        Photo(
            id="local-time",
            path=f"{FOLDER}{media_stem('y')}.webp",
            created=datetime(2022, 1, 1, tzinfo=timezone(timedelta(hours=2))),
        ),
        Photo(id="no-date", path=f"{FOLDER}{media_stem('z')}.heic"),
        library_photo(2),
    ]
    listed = PhotoList(photos, version=7)
    assert list(listed) == photos and len(listed) == len(photos) and listed.version == 7
    assert [listed[i] for i in range(-len(photos), len(photos))] == photos + photos
    assert listed[2:5] == photos[2:5]
    assert [p.created.tzinfo if p.created else None for p in listed] == [
        p.created.tzinfo if p.created else None for p in photos
    ]
    assert list(listed.ids) == [p.id for p in photos]
    found = listed.by_id()
    assert all(found[p.id] == p for p in photos) and "missing" not in found and len(found) == len(photos)
    assert photos[3] in listed and Photo(id="missing", path="/x.jpg") not in listed
    assert list(listed.without_videos()) == [p for p in photos if p.video is None]
    plain = PhotoList(photos[2:4])
    assert plain.without_videos() is plain  # nothing to leave out


def test_the_library_hands_out_its_files_with_their_dates_and_sizes(tmp_path: Path) -> None:
    folder = tmp_path / "library"
    folder.mkdir()
    for n in range(3):
        Image.new("RGB", (30 + n, 20), (n * 50, 0, 0)).save(folder / f"{media_stem(f'p{n}')}.png")
    library = Library(tmp_path / "state", folder)
    library.open()
    try:
        listed = library.snapshot()
        assert sorted(p.path for p in listed) == sorted(str(f) for f in folder.iterdir())
        assert sorted((p.width, p.height) for p in listed) == [(30, 20), (31, 20), (32, 20)]
        assert all(Path(p.path).is_file() and p.created is not None and p.created.tzinfo is UTC for p in listed)
        assert library.photos() == list(listed)
    finally:
        library.close()


def test_a_big_librarys_list_holds_about_a_hundred_bytes_a_photo(tmp_path: Path) -> None:
    count = 3000
    folder = tmp_path / "library"
    folder.mkdir()
    for n in range(count):
        Image.new("RGB", (8, 6), (n % 256, 0, 0)).save(folder / f"{media_stem(f'photo-{n}')}.jpg")
    library = Library(tmp_path / "state", folder)
    library.open()
    try:
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            listed = library.snapshot()
            listed.by_id()[listed.ids[-1]]  # the look-up's own index is made on the first use: counted too
            held = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        assert len(listed) == count
    finally:
        library.close()
    # An id string and ~40 bytes of packed columns a photo; a Photo object each, with its path string and its
    # datetime, held ~400 bytes a photo (15 MB at 50,000 photos).
    assert held / count < 160, f"{held / count:.0f} bytes a photo"
