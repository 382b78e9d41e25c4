"""The boot service: the unit verifies and scores, ExecStart is the real CLI, install.sh is sound and safe."""

from __future__ import annotations

import importlib
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SYSTEMD = ROOT / "systemd"
UNIT = SYSTEMD / "picker-kiosk.service"
RETRY_TIMER = SYSTEMD / "picker-kiosk-retry.timer"
INSTALL = SYSTEMD / "install.sh"
EXAMPLE_CONFIG = SYSTEMD / "config.toml.example"
MAX_EXPOSURE = 2.0
# Where Debian keeps the units shipped with systemd (getty@.service, sysinit.target, ...).
VENDOR_UNIT_DIRS = [Path("/usr/lib/systemd/system"), Path("/lib/systemd/system")]


def parse_unit(text: str) -> dict[str, list[tuple[str, str]]]:
    """A unit file as {section: [(key, value), ...]}, keeping repeated keys in order."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        assert current is not None, f"setting outside a section: {line!r}"
        assert not line.endswith("\\"), "continuation lines are not used in this unit"
        key, _, value = line.partition("=")
        current.append((key.strip(), value.strip()))
    return sections


def values(unit: dict[str, list[tuple[str, str]]], section: str, key: str) -> list[str]:
    return [v for k, v in unit.get(section, []) if k == key]


def one(unit: dict[str, list[tuple[str, str]]], section: str, key: str) -> str:
    found = values(unit, section, key)
    assert len(found) == 1, f"{section}.{key} should be set exactly once, found {found}"
    return found[0]


@pytest.fixture(scope="module")
def unit() -> dict[str, list[tuple[str, str]]]:
    return parse_unit(UNIT.read_text(encoding="utf-8"))


def exec_start(unit: dict[str, list[tuple[str, str]]]) -> list[str]:
    line = one(unit, "Service", "ExecStart")
    assert line[0] not in "-@+!:", "ExecStart must run the CLI plainly, with no special prefix"
    return shlex.split(line)


def systemd_analyze() -> str:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed (Debian: apt-get install systemd)")
    return tool


# ---- systemd-analyze verify ------------------------------------------------------------------------


def verify(unit_text: str, work: Path, exec_path: str | None = None) -> tuple[int, str]:
    """`systemd-analyze verify` on ``unit_text`` inside a scratch root that has the host's vendor units
    and an executable at the ExecStart path, so the unit is checked as it would be once installed."""
    tool = systemd_analyze()
    vendor = next((d for d in VENDOR_UNIT_DIRS if (d / "sysinit.target").exists()), None)
    if vendor is None:
        pytest.skip("no systemd vendor unit directory with sysinit.target on this machine")
    root = work / "root"
    shutil.copytree(vendor, root / "usr/lib/systemd/system", symlinks=True)
    unit_dir = root / "etc/systemd/system"
    unit_dir.mkdir(parents=True)
    (unit_dir / UNIT.name).write_text(unit_text, encoding="utf-8")
    if RETRY_TIMER.exists():
        shutil.copy(RETRY_TIMER, unit_dir / RETRY_TIMER.name)
    if exec_path is not None:
        binary = root / exec_path.lstrip("/")
        binary.parent.mkdir(parents=True, exist_ok=True)
        binary.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
        binary.chmod(0o755)
    done = subprocess.run(
        [
            tool,
            "verify",
            f"--root={root}",
            "--man=no",
            UNIT.name,
            *([RETRY_TIMER.name] if RETRY_TIMER.exists() else []),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output = (done.stdout + done.stderr).strip()
    if "--root" in output and ("unrecognized" in output or "unknown option" in output):
        pytest.skip(f"this systemd-analyze cannot verify inside a root directory: {output}")
    return done.returncode, output


def test_unit_verifies_clean(tmp_path: Path, unit: dict[str, list[tuple[str, str]]]) -> None:
    code, output = verify(UNIT.read_text(encoding="utf-8"), tmp_path, exec_path=exec_start(unit)[0])
    assert code == 0 and output == "", output


def test_a_unit_that_gave_up_is_started_again_within_five_minutes(unit: dict[str, list[tuple[str, str]]]) -> None:
    # Restart=always alone stops for good at the start limit; the retry timer (OnFailure=) starts it again.
    # systemd 252 (Raspberry Pi OS bookworm) has no RestartSteps=, so a timer it is.
    assert one(unit, "Service", "Restart") == "always"
    on_failure = " ".join(values(unit, "Unit", "OnFailure")).split()
    assert "getty@tty1.service" in on_failure and RETRY_TIMER.name in on_failure
    timer = parse_unit(RETRY_TIMER.read_text(encoding="utf-8"))
    assert one(timer, "Timer", "Unit") == UNIT.name
    assert 0 < int(one(timer, "Timer", "OnActiveSec")) <= 300
    # Longer than the start-limit window, or the timer's start would be refused by the same limit.
    assert int(one(timer, "Timer", "OnActiveSec")) > int(one(unit, "Unit", "StartLimitIntervalSec"))
    # Inactive after firing, so the next give-up can start it again.
    assert one(timer, "Timer", "RemainAfterElapse") == "no"
    assert "Install" not in timer, "started by OnFailure= only, never enabled on its own"
    assert "$SERVICE-retry.timer" in INSTALL.read_text(encoding="utf-8")


def test_unit_umask_agrees_with_the_private_modes(unit: dict[str, list[tuple[str, str]]]) -> None:
    from core.library.files import PRIVATE_DIR, PRIVATE_FILE

    umask = int(one(unit, "Service", "UMask"), 8)
    assert 0o777 & ~umask == PRIVATE_DIR and 0o666 & ~umask == PRIVATE_FILE


def test_verify_harness_reports_a_broken_unit(tmp_path: Path, unit: dict[str, list[tuple[str, str]]]) -> None:
    # The harness must not swallow problems: an unknown key and a missing binary are both reported.
    broken = UNIT.read_text(encoding="utf-8").replace("WatchdogSec=", "WatchdogSecs=")
    code, output = verify(broken, tmp_path / "typo", exec_path=exec_start(unit)[0])
    assert "WatchdogSecs" in output
    code, output = verify(UNIT.read_text(encoding="utf-8"), tmp_path / "nobinary", exec_path=None)
    assert code != 0 and "picker-kiosk" in output


# ---- systemd-analyze security ----------------------------------------------------------------------


def exposure(unit_text: str, work: Path) -> float:
    tool = systemd_analyze()
    work.mkdir(parents=True, exist_ok=True)
    path = work / UNIT.name
    path.write_text(unit_text, encoding="utf-8")
    done = subprocess.run(
        [tool, "security", "--offline=yes", "--no-pager", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "SYSTEMD_COLORS": "0"},
    )
    match = re.search(r"Overall exposure level for \S+: (\d+(?:\.\d+)?)", done.stdout + done.stderr)
    if match is None and "offline" in done.stderr:
        pytest.skip(f"this systemd-analyze has no offline security scoring: {done.stderr.strip()}")
    assert match is not None, done.stdout + done.stderr
    return float(match.group(1))


def test_exposure_is_at_most_two(tmp_path: Path) -> None:
    score = exposure(UNIT.read_text(encoding="utf-8"), tmp_path)
    print(f"systemd-analyze security --offline=yes: overall exposure {score}")
    assert score <= MAX_EXPOSURE


def test_exposure_parser_sees_an_unhardened_unit(tmp_path: Path) -> None:
    bare = "[Service]\nExecStart=/opt/picker-kiosk/venv/bin/picker-kiosk run\n"
    assert exposure(bare, tmp_path) > 5.0


# ---- what the unit promises the app ---------------------------------------------------------------


def test_exec_start_is_the_real_cli(tmp_path: Path, unit: dict[str, list[tuple[str, str]]]) -> None:
    argv = exec_start(unit)
    assert argv[0] == "/opt/picker-kiosk/venv/bin/picker-kiosk"
    assert argv[1:] == ["run", "--config", "/etc/picker-kiosk/config.toml"]

    # The console script named in ExecStart is the project's own entry point ...
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    module_name, _, func_name = scripts[Path(argv[0]).name].partition(":")

    # ... and it accepts exactly these arguments: it gets as far as reading the config file.
    def run_cli(args: list[str]) -> subprocess.CompletedProcess[str]:
        code = f"import sys; from {module_name} import {func_name} as m; sys.exit(m(sys.argv[1:]))"
        return subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )

    missing = tmp_path / "no-such-config.toml"
    args = [str(missing) if a == "/etc/picker-kiosk/config.toml" else a for a in argv[1:]]
    done = run_cli(args)
    assert done.returncode != 0
    assert "usage:" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert str(missing) in done.stderr
    # Control: an argument the CLI does not know is refused differently, so the check above means something.
    assert "usage:" in run_cli([*args, "--no-such-option"]).stderr


def test_unit_matches_the_app_and_the_example_config(unit: dict[str, list[tuple[str, str]]]) -> None:
    assert one(unit, "Service", "Type") == "notify"
    assert one(unit, "Service", "NotifyAccess") == "main"
    assert one(unit, "Service", "WatchdogSec") == "30"
    assert one(unit, "Service", "Restart") == "always"
    assert "SDL_VIDEODRIVER=kmsdrm" in values(unit, "Service", "Environment")
    assert set(one(unit, "Service", "SupplementaryGroups").split()) >= {"video", "render", "input"}
    allowed = {tuple(v.split()) for v in values(unit, "Service", "DeviceAllow")}
    assert {("char-drm", "rw"), ("char-input", "r"), ("/dev/tty1", "rw")} <= allowed
    # The issue names these; the exposure score alone would let a weaker one slip through.
    assert one(unit, "Service", "ProtectSystem") == "strict"
    assert one(unit, "Service", "NoNewPrivileges") == "yes"
    assert one(unit, "Service", "DevicePolicy") == "closed"
    assert one(unit, "Service", "User") == "picker-kiosk"
    assert "getty@tty1.service" in one(unit, "Unit", "Conflicts").split()
    assert "getty@tty1.service" in one(unit, "Unit", "OnFailure").split()

    example = tomllib.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    cred_name, _, cred_path = one(unit, "Service", "LoadCredential").partition(":")
    assert example["google"]["client_secret_file"] == "${CREDENTIALS_DIRECTORY}/" + cred_name
    assert "client_secret" not in example["google"], "the example must not invite a secret into the config"
    assert cred_path == "/etc/picker-kiosk/client_secret"
    state = Path("/var/lib") / one(unit, "Service", "StateDirectory")
    assert Path(example["storage"]["state_dir"]) == state
    assert Path(example["storage"]["library_dir"]).is_relative_to(state)


def test_example_config_gives_the_app_the_credential(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What systemd does with LoadCredential=: the secret appears in a private directory named by
    # $CREDENTIALS_DIRECTORY. The app's own loader must find it through the example config.
    creds = tmp_path / "credentials"
    creds.mkdir()
    (creds / "client_secret").write_text("the-client-secret\n", encoding="utf-8")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    app = importlib.import_module("device.app")  # imported here: a broken app fails this test only
    config = app.load_config(EXAMPLE_CONFIG)
    assert config.google.client_secret == "the-client-secret"
    assert "the-client-secret" not in repr(config)


# ---- install.sh ------------------------------------------------------------------------------------


def test_install_script_is_valid_bash() -> None:
    bash = shutil.which("bash")
    assert bash is not None
    done = subprocess.run([bash, "-n", str(INSTALL)], capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    assert os.access(INSTALL, os.X_OK), "install.sh must be executable (make install-service runs it)"


def test_install_script_passes_shellcheck() -> None:
    tool = shutil.which("shellcheck")
    if tool is None:
        pytest.skip("shellcheck is not installed (Debian: apt-get install shellcheck)")
    done = subprocess.run([tool, str(INSTALL)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


# Every command that could change the system; in a dry run none of them may be executed.
MUTATING = [
    "useradd", "usermod", "groupadd", "systemctl", "apt-get", "install", "cp", "mv", "rm", "tar", "chmod",
    "chown", "ln", "mkdir", "runuser", "pip", "pip3", "touch", "tee",
]  # fmt: skip


def shim_path(work: Path) -> tuple[dict[str, str], Path]:
    """A PATH whose mutating commands only record that they were called, and fail."""
    bin_dir = work / "bin"
    bin_dir.mkdir(parents=True)
    called = work / "called.log"
    for name in MUTATING:
        shim = bin_dir / name
        shim.write_text(f'#!/bin/sh\necho "{name} $*" >> "{called}"\nexit 97\n', encoding="utf-8")
        shim.chmod(0o755)
    # The interpreter may be asked its version (-c); anything else (like -m venv) is a change.
    python = bin_dir / "python3"
    python.write_text(
        f'#!/bin/sh\nif [ "$1" = "-c" ]; then exec "{sys.executable}" "$@"; fi\n'
        f'echo "python3 $*" >> "{called}"\nexit 97\n',
        encoding="utf-8",
    )
    python.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}", "PYTHON": str(python)}
    return env, called


def system_snapshot() -> dict[str, object]:
    paths = ["/opt/picker-kiosk", "/etc/picker-kiosk", "/etc/systemd/system/picker-kiosk.service"]
    snap: dict[str, object] = {p: os.path.lexists(p) for p in paths}
    snap["user"] = subprocess.run(["getent", "passwd", "picker-kiosk"], capture_output=True, check=False).returncode
    return snap


def test_install_dry_run_prints_every_step_and_changes_nothing(
    tmp_path: Path, unit: dict[str, list[tuple[str, str]]]
) -> None:
    env, called = shim_path(tmp_path)
    before = system_snapshot()
    done = subprocess.run(
        ["bash", str(INSTALL), "--dry-run"], capture_output=True, text=True, timeout=60, check=False, env=env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert not called.exists(), "dry run executed: " + called.read_text(encoding="utf-8")
    assert system_snapshot() == before

    out = done.stdout
    assert "nothing was changed" in out
    assert re.search(r"\[dry-run\] (useradd|usermod) .*picker-kiosk", out)
    assert "-m venv /opt/picker-kiosk/venv" in out
    assert re.search(r"\[dry-run\] /opt/picker-kiosk/venv/bin/python -m pip install .*-e /opt/picker-kiosk/src", out)
    assert "[dry-run] systemctl enable picker-kiosk.service" in out
    assert "/etc/systemd/system/picker-kiosk.service" in out
    assert "/etc/systemd/system/picker-kiosk-retry.timer" in out
    # What the unit expects is what the script puts in place.
    config_path = exec_start(unit)[3]
    secret_path = one(unit, "Service", "LoadCredential").partition(":")[2]
    for path in (config_path, secret_path):
        assert re.search(rf"\[dry-run\] install .*{re.escape(path)}\n|{re.escape(path)} exists; left as it is", out)
    assert Path(exec_start(unit)[0]).parent.parent == Path("/opt/picker-kiosk/venv")


def test_install_refuses_to_run_without_root(tmp_path: Path) -> None:
    env, called = shim_path(tmp_path)
    command = ["bash", str(INSTALL)]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root and setpriv (util-linux) is missing to drop to another user")
        # The tree must be readable by the unprivileged user, wherever the checkout lives.
        tree = Path(tempfile.mkdtemp(prefix="picker-kiosk-install-"))
        try:
            shutil.copytree(SYSTEMD, tree / "systemd")
            shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
            for path in [tree, *tree.rglob("*")]:
                path.chmod(path.stat().st_mode | stat.S_IROTH | (stat.S_IXOTH if path.is_dir() else 0))
            bin_dir = tmp_path / "bin"
            env["PATH"] = env["PATH"].replace(f"{bin_dir}:", "")  # the shims live in root's private tmp
            command = [
                setpriv,
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "bash",
                str(tree / "systemd/install.sh"),
            ]
            done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False, env=env)
        finally:
            shutil.rmtree(tree)
    else:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False, env=env)
    assert done.returncode != 0
    assert "must run as root" in done.stderr
    assert "==>" not in done.stdout, "it started working before checking who runs it"
    assert not called.exists()


def test_install_options() -> None:
    ok = subprocess.run(["bash", str(INSTALL), "--help"], capture_output=True, text=True, timeout=30, check=False)
    assert ok.returncode == 0 and "--dry-run" in ok.stdout
    bad = subprocess.run(
        ["bash", str(INSTALL), "--frobnicate"], capture_output=True, text=True, timeout=30, check=False
    )
    assert bad.returncode == 2 and "unknown option" in bad.stderr
