"""Videos and HEIC in the library: a kill in the middle of a video's download resumes to the very bytes served,
beside its poster; HEIC originals are kept unchanged and shown upright (their EXIF orientation applied)."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from core.config import DownloadConfig
from core.emulator import Emulator, Person
from core.emulator.clips import encode_heic
from core.images import check_image
from device.ui.photos import compose_slide
from tests.test_library import World, leftovers, pick

ROOT = Path(__file__).resolve().parents[1]
SCREEN = (640, 480)
RED, BLUE = (220, 30, 30), (30, 30, 220)

# Downloads one session; the video's download stops after its first KiB and says so, then waits to be killed.
CHILD = """
import os, sys, time
from contextlib import contextmanager
from pathlib import Path
import requests
from core.library import Library
from core.picker import PickerClient
from core.transport import Transport

url, sid, state_dir, library_dir = sys.argv[1:5]
http = requests.Session()
http.headers["Authorization"] = "Bearer " + os.environ["KIOSK_TEST_TOKEN"]
client = PickerClient(url, Transport(http, timeout=10))

class StallOnVideo:
    def list_media_items(self, session_id):
        return client.list_media_items(session_id)

    @contextmanager
    def open_media(self, item, spec, *, max_bytes):
        with client.open_media(item, spec, max_bytes=max_bytes) as chunks:
            if spec != "dv":
                yield chunks
                return
            def stalled():
                data = b"".join(chunks)
                yield data[:1024]
                print("midway", flush=True)
                time.sleep(3600)
            yield stalled()

lib = Library(Path(state_dir), Path(library_dir), screen=(640, 480))
lib.open()
lib.download_session(StallOnVideo(), sid)
"""


def test_a_kill_in_the_middle_of_a_video_resumes_to_the_served_bytes_beside_its_poster(
    make_emulator: Callable[..., Emulator], tmp_path: Path
) -> None:
    emu = make_emulator(photos=20, person=Person(pick_count=20, approve_after=0.0, pick_after=1.0))
    world = World(emu, tmp_path)
    sid = pick(emu, world.client)
    (ready,) = [i for i in emu.picked(sid) if i.type == "VIDEO" and i.video_status == "READY"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KIOSK_TEST_TOKEN": world.token}
    args = [sys.executable, "-c", CHILD, emu.url, sid, str(world.state_dir), str(world.library_dir)]
    child = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    try:
        readable, _, _ = select.select([child.stdout], [], [], 60)
        assert readable and child.stdout.readline().strip() == "midway"
        assert any(p.name.endswith(".part") for p in world.library_dir.iterdir()), "killed mid-download"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()

    lib = world.library(screen=SCREEN)
    assert not [p for p in world.library_dir.iterdir() if p.suffix == ".mp4"], "no half video in the library"
    assert lib.pending_count(sid) >= 1
    report = lib.resume_pending(world.client, sid)
    assert report.pending == 0 and report.done == 18  # 17 photos and the READY video
    (video,) = [p for p in lib.photos() if p.video is not None]
    assert video.id == ready.id
    assert Path(video.video or "").read_bytes() == emu.rendition_bytes(ready.id, "dv")
    assert Path(video.path).read_bytes() == emu.rendition_bytes(ready.id, "w640-h480")
    assert Path(video.path).parent == Path(video.video or "").parent == world.library_dir
    assert leftovers(world.library_dir) == []
    lib.close()


def sideways_heic(path: Path) -> Path:
    """Upright a portrait, red on top and blue below; stored sideways with EXIF orientation 6, as a phone does."""
    upright = Image.new("RGB", (300, 400), RED)
    upright.paste(BLUE, (0, 200, 300, 400))
    exif = Image.Exif()
    exif[0x0112] = 6
    path.write_bytes(encode_heic(upright.transpose(Image.Transpose.ROTATE_90), exif=exif.tobytes(), quality=90))
    return path


def near(a: tuple[int, ...], b: tuple[int, ...], tol: int = 40) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


def test_heic_is_accepted_and_shown_upright(tmp_path: Path) -> None:
    path = sideways_heic(tmp_path / "a.heic")
    info = check_image(path)
    assert (info.ext, info.mime, info.width, info.height) == (".heic", "image/heic", 300, 400)
    slide = Image.frombytes("RGB", (800, 480), compose_slide(str(path), (800, 480)))
    top, bottom = slide.getpixel((400, 120)), slide.getpixel((400, 360))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert near(top, RED) and near(bottom, BLUE)


def test_heic_originals_are_kept_unchanged(make_emulator: Callable[..., Emulator], tmp_path: Path) -> None:
    emu = make_emulator(photos=20, person=Person(pick_count=20, include_videos=False, approve_after=0.0))
    world = World(emu, tmp_path)
    sid = pick(emu, world.client)
    lib = world.library(download=DownloadConfig(original=True))
    report = lib.download_session(world.client, sid)
    assert report.failed == 0
    heic = [i for i in emu.picked(sid) if i.mime == "image/heic"]
    assert heic, "the stand-in's library has HEIC originals"
    by_id = {p.id: p for p in lib.photos()}
    for item in heic:
        photo = by_id[item.id]
        assert photo.path.endswith(".heic")
        assert Path(photo.path).read_bytes() == emu.original_bytes(item.id)
        assert (photo.width, photo.height) == (item.width, item.height)  # as it looks, upright
    lib.close()


def test_a_broken_poster_is_noticed_at_start_and_fetched_again(
    make_emulator: Callable[..., Emulator], tmp_path: Path
) -> None:
    emu = make_emulator(photos=20, person=Person(pick_count=20, approve_after=0.0, pick_after=1.0))
    world = World(emu, tmp_path)
    sid = pick(emu, world.client)
    lib = world.library(screen=SCREEN)
    lib.download_session(world.client, sid)
    (video,) = [p for p in lib.photos() if p.video is not None]
    lib.close()
    Path(video.path).write_bytes(b"\xff\xd8 not a picture any more")
    lib = world.library(screen=SCREEN)
    assert not [p for p in lib.photos() if p.video is not None], "a video with a broken poster is not shown"
    assert not Path(video.video or "").exists() and not Path(video.path).exists()
    assert lib.pending_count(sid) == 1
    lib.resume_pending(world.client, sid)
    assert Path(video.path).read_bytes() == emu.rendition_bytes(video.id, "w640-h480")
    assert Path(video.video or "").read_bytes() == emu.rendition_bytes(video.id, "dv")
    lib.close()
