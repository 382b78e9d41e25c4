"""`picker-kiosk doctor` tells degraded mode (a full or read-only disk) and how the night puts the display to sleep."""

from __future__ import annotations

from pathlib import Path

from device.standby import Standby
from tests.test_doctor import checks, doctor
from tests.test_library_degraded import mounted
from tests.test_signin_journey import _config_file, emulator


def _with_schedule(config: Path, table: str) -> Path:
    config.write_text(config.read_text() + table)
    return config


def test_a_read_only_state_disk_is_a_failed_library_check_with_the_reason(tmp_path: Path) -> None:
    for disk in mounted(tmp_path):
        config = _config_file(tmp_path / "conf", "http://127.0.0.1:9", "auto")
        config.write_text(config.read_text().replace(str(tmp_path / "conf" / "state"), str(disk.path / "state")))
        (disk.path / "state" / "library").mkdir(parents=True)
        disk.remount("ro")
        with emulator() as emu:
            config.write_text(config.read_text().replace("http://127.0.0.1:9", emu.url))
            code, report = doctor(config)
        library = checks(report)["library"]
        assert code == 1 and report["ok"] is False
        assert library["ok"] is False
        assert library["detail"].startswith("degraded: The disk holding")
        assert "read-only" in library["detail"] and str(disk.path / "state") in library["detail"]


def test_a_full_library_disk_is_reported_and_the_probe_leaves_nothing(tmp_path: Path) -> None:
    for disk in mounted(tmp_path):
        with emulator() as emu:
            config = _config_file(tmp_path / "conf", emu.url, "auto")
            text = config.read_text().replace(
                f'library_dir = "{tmp_path / "conf" / "state" / "library"}"', f'library_dir = "{disk.path / "photos"}"'
            )
            config.write_text(text)
            (tmp_path / "conf" / "state").mkdir()
            (disk.path / "photos").mkdir()
            filler = disk.fill()
            code, full = doctor(config)
            filler.unlink()
            again, roomy = doctor(config)
        assert code == 1 and checks(full)["library"]["ok"] is False
        assert (
            "is full" in checks(full)["library"]["detail"]
            and str(disk.path / "photos") in checks(full)["library"]["detail"]
        )
        assert again == 0 and checks(roomy)["library"]["ok"] is True
        assert sorted(p.name for p in (disk.path / "photos").iterdir()) == []  # no probe file left behind
        assert [p.name for p in (tmp_path / "conf" / "state").iterdir()] == []


def test_the_display_check_names_the_night_standby_the_schedule_would_use(tmp_path: Path) -> None:
    with emulator() as emu:
        plain = _config_file(tmp_path / "plain", emu.url, "auto")
        night = _with_schedule(
            _config_file(tmp_path / "night", emu.url, "auto"), '[schedule]\nsleep = "22:30-07:00"\nstandby = "black"\n'
        )
        _, without = doctor(plain)
        _, with_night = doctor(night)
    assert "no night schedule" in checks(without)["display"]["detail"]
    detail = checks(with_night)["display"]["detail"]
    assert detail.endswith(f"at night {Standby('black').describe()}")
    assert "the screen is drawn black" in detail
