"""The emulator's media bytes and synthetic library: spec sizes, crops, originals with Exif, videos, lifetime."""

from __future__ import annotations

import io
import time
import uuid
from typing import Any

import pytest
import requests
from PIL import Image, ImageOps

from core.clock import FakeClock
from core.emulator import Emulator, LibraryItem, Person
from core.emulator.media import parse_spec
from core.emulator.photos import MAX_PHOTOS, PhotoCatalog


@pytest.fixture
def media(emulator: Emulator, fake_clock: FakeClock) -> tuple[requests.Session, dict[str, str]]:
    """A signed-in HTTP session and baseUrl by item id for the whole 60-item library."""
    emulator.person = Person(pick_count=60)
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {emulator.grant_token()['access_token']}"
    sid = http.post(f"{emulator.url}/v1/sessions", json={}, params={"requestId": _uuid()}, timeout=5).json()["id"]
    fake_clock.advance(3)
    page = http.get(f"{emulator.url}/v1/mediaItems", params={"sessionId": sid, "pageSize": 100}, timeout=5)
    return http, {i["id"]: i["mediaFile"]["baseUrl"] for i in page.json()["mediaItems"]}


def _uuid() -> str:
    return str(uuid.uuid4())


def _items(emu: Emulator, **match: Any) -> list[LibraryItem]:
    return [i for i in emu.items if all(getattr(i, k) == v for k, v in match.items())]


def _image(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def test_fit_keeps_aspect_inside_the_box(emulator: Emulator, media: Any) -> None:
    http, urls = media
    for item in emulator.items[:20]:
        r = http.get(urls[item.id] + "=w800-h600", timeout=10)
        assert r.status_code == 200
        img = _image(r.content)
        assert img.width <= 800 and img.height <= 600
        assert img.width == 800 or img.height == 600 or img.size == (item.width, item.height)  # no upscaling
        assert abs(img.width / img.height - item.width / item.height) < 0.02
        assert r.content == emulator.rendition_bytes(item.id, "w800-h600")  # deterministic


def test_fit_never_upscales(emulator: Emulator, media: Any) -> None:
    http, urls = media
    small = _items(emulator, width=640, height=480)[0]
    assert _image(http.get(urls[small.id] + "=w4000-h3000", timeout=10).content).size == (640, 480)
    assert _image(http.get(urls[small.id] + "=w320", timeout=10).content).size == (320, 240)


def test_crop_is_exact(emulator: Emulator, media: Any) -> None:
    http, urls = media
    for item in (_items(emulator, width=4000, height=1000)[0], _items(emulator, width=1200, height=1600)[0]):
        img = _image(http.get(urls[item.id] + "=w800-h600-c", timeout=10).content)
        assert img.size == (800, 600)


def test_original_has_exif_without_gps_and_real_orientation(emulator: Emulator, media: Any) -> None:
    http, urls = media
    for orientation in (6, 8, 3):
        item = _items(emulator, orientation=orientation, format="JPEG")[0]
        r = http.get(urls[item.id] + "=d", timeout=10)
        assert r.status_code == 200 and r.headers["Content-Type"] == "image/jpeg"
        assert r.content == emulator.original_bytes(item.id)
        img = _image(r.content)
        exif = img.getexif()
        assert exif[0x0112] == orientation and exif[0x010F] == item.camera_make
        assert 0x8825 not in exif  # no GPS IFD
        assert img.size == item.stored_size
        upright = ImageOps.exif_transpose(img)
        assert upright.size == (item.width, item.height)
        # Upright only once the tag is applied: it then matches the (upright) rendition, the raw pixels do not.
        rendition = _image(emulator.rendition_bytes(item.id, "w64-h64")).convert("L").resize((16, 16))
        assert _distance(upright.convert("L").resize((16, 16)), rendition) < 20
        assert _distance(img.convert("L").resize((16, 16)), rendition) > 20


def _distance(a: Image.Image, b: Image.Image) -> float:
    pa, pb = a.tobytes(), b.tobytes()
    return sum(abs(x - y) for x, y in zip(pa, pb, strict=True)) / len(pa)


def test_original_of_12_megapixels_and_png(emulator: Emulator, media: Any) -> None:
    http, urls = media
    big = _items(emulator, width=4000, height=3000)[0]
    assert _image(http.get(urls[big.id] + "=d", timeout=20).content).size == (4000, 3000)
    png = _items(emulator, format="PNG")[0]
    r = http.get(urls[png.id] + "=d", timeout=10)
    assert r.headers["Content-Type"] == "image/png" and _image(r.content).format == "PNG"


def test_videos_only_when_ready(emulator: Emulator, media: Any) -> None:
    http, urls = media
    ready = _items(emulator, video_status="READY")[0]
    r = http.get(urls[ready.id] + "=dv", timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"] == "video/mp4" and r.content[4:8] == b"ftyp"
    for status in ("PROCESSING", "FAILED"):
        item = _items(emulator, video_status=status)[0]
        assert http.get(urls[item.id] + "=dv", timeout=10).status_code == 404
        thumb = http.get(urls[item.id] + "=w320-h240", timeout=10)  # a still frame is always there
        assert thumb.status_code == 200 and max(_image(thumb.content).size) <= 320
    photo = _items(emulator, type="PHOTO")[0]
    assert http.get(urls[photo.id] + "=dv", timeout=10).status_code == 400


def test_bad_spec_is_invalid_argument(emulator: Emulator, media: Any) -> None:
    http, urls = media
    url = next(iter(urls.values()))
    for spec in ("=w0-h10", "=banana", "=d-w100", "=w100-c"):
        r = http.get(url + spec, timeout=10)
        assert r.status_code == 400 and r.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert _image(http.get(url, timeout=10).content).width <= 512  # a bare baseUrl: a small rendition


def test_media_needs_the_bearer(emulator: Emulator, media: Any) -> None:
    _, urls = media
    r = requests.get(next(iter(urls.values())) + "=w100-h100", timeout=5)
    assert r.status_code == 401 and r.json()["error"]["status"] == "UNAUTHENTICATED"
    assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    assert emulator.violations == ["media fetched without a token"]
    assert emulator.requests[-1].endpoint == "media" and emulator.requests[-1].bearer == "missing"


def test_base_url_lives_60_minutes(emulator: Emulator, fake_clock: FakeClock, media: Any) -> None:
    _, urls = media
    url = next(iter(urls.values())) + "=w100-h100"
    fake_clock.advance(3599)
    fresh = {"Authorization": f"Bearer {emulator.grant_token()['access_token']}"}  # the first one expired too
    assert requests.get(url, headers=fresh, timeout=5).status_code == 200
    fake_clock.advance(1)
    r = requests.get(url, headers=fresh, timeout=5)
    assert r.status_code == 403 and r.json()["error"]["status"] == "PERMISSION_DENIED"
    assert requests.get(url, headers={"Authorization": "Bearer x"}, timeout=5).status_code == 401


def test_base_url_dies_with_revoked_access(emulator: Emulator, media: Any) -> None:
    _, urls = media
    emulator.revoke_all()
    fresh = emulator.grant_token()["access_token"]
    r = requests.get(next(iter(urls.values())) + "=w100", headers={"Authorization": f"Bearer {fresh}"}, timeout=5)
    assert r.status_code == 403


def test_library_variety_and_hostile_filenames(emulator: Emulator) -> None:
    items = emulator.items
    assert len(items) == 60 and len({i.id for i in items}) == 60
    names = [i.filename for i in items]
    assert "../../etc/passwd" in names
    assert any(len(n) == 300 for n in names)
    assert any("\x00" in n and "\x1b" in n for n in names)
    assert len(names) != len(set(names))  # duplicates
    aspects = {round(i.width / i.height, 2) for i in items}
    assert {1.33, 0.75, 4.0, 1.0} <= aspects
    assert {i.mime for i in items} == {"image/jpeg", "image/png", "video/mp4", "image/heic"}
    assert {i.orientation for i in items} == {1, 3, 6, 8}
    years = {time.gmtime(i.create_time).tm_year for i in items}
    assert len(years) >= 5


def test_each_photo_looks_different(emulator: Emulator) -> None:
    thumbs = [_image(emulator.rendition_bytes(i.id, "w32-h32-c")).convert("L") for i in emulator.items]
    closest = min(_distance(a, b) for n, a in enumerate(thumbs) for b in thumbs[n + 1 :])
    assert closest > 3  # mean grey-level difference per pixel, out of 255


def test_same_seed_same_library_other_seed_other_ids() -> None:
    a, b, c = Emulator(seed=1), Emulator(seed=1), Emulator(seed=2)
    assert [i.id for i in a.items] == [i.id for i in b.items]
    assert not {i.id for i in a.items} & {i.id for i in c.items}
    assert a.rendition_bytes(a.items[0].id, "w200-h200") == b.rendition_bytes(b.items[0].id, "w200-h200")


def test_50000_items_are_drawn_lazily() -> None:
    """The catalog holds up to 50,000 items (a big frame's library) and draws none until one is asked for."""
    catalog = PhotoCatalog(MAX_PHOTOS, 1)
    assert MAX_PHOTOS == 50_000 and len(catalog.items) == MAX_PHOTOS
    assert len({item.id for item in catalog.items}) == MAX_PHOTOS
    assert catalog._cache_size == 0  # nothing drawn yet
    last = catalog.items[-1]
    data, _ = catalog.bytes_for(last, parse_spec("w640-h480"))
    assert _image(data).width <= 640 and len(catalog._cache) == 1
    with pytest.raises(ValueError):
        Emulator(photos=MAX_PHOTOS + 1)


def test_photo_kib_pads_renditions_that_still_decode(make_emulator: Any) -> None:
    emu = make_emulator(photo_kib=250)
    for item in (_items(emu, format="JPEG")[0], _items(emu, format="PNG")[0]):
        data = emu.rendition_bytes(item.id, "w1920-h1080")
        assert abs(len(data) - 250 * 1024) < 1024
        assert _image(data).width <= 1920


def test_a_processing_video_turns_ready_after_processing_for_on_the_emulators_clock(
    emulator: Emulator, fake_clock: FakeClock
) -> None:
    emulator.person = Person(pick_count=60, processing_for=120.0)
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {emulator.grant_token()['access_token']}"
    sid = http.post(f"{emulator.url}/v1/sessions", json={}, params={"requestId": _uuid()}, timeout=5).json()["id"]
    fake_clock.advance(3)  # the person taps Done (pick_after 3 s)
    processing = {i.id for i in _items(emulator, video_status="PROCESSING")}
    assert processing

    def listed() -> dict[str, dict[str, Any]]:
        page = http.get(f"{emulator.url}/v1/mediaItems", params={"sessionId": sid, "pageSize": 100}, timeout=5)
        return {i["id"]: i for i in page.json()["mediaItems"] if i["id"] in processing}

    def status(item: dict[str, Any]) -> str:
        return str(item["mediaFile"]["mediaFileMetadata"]["videoMetadata"]["processingStatus"])

    early = listed()
    assert early and {status(i) for i in early.values()} == {"PROCESSING"}
    assert http.get(next(iter(early.values()))["mediaFile"]["baseUrl"] + "=dv", timeout=10).status_code == 404
    fake_clock.advance(119)
    assert {status(i) for i in listed().values()} == {"PROCESSING"}, "not before processing_for has passed"
    fake_clock.advance(1)
    late = listed()
    assert {status(i) for i in late.values()} == {"READY"}
    r = http.get(next(iter(late.values()))["mediaFile"]["baseUrl"] + "=dv", timeout=10)
    assert r.status_code == 200 and r.content[4:8] == b"ftyp"
