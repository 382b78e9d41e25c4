"""Config mistakes refused by name: misspelt sections and keys, values out of range, a secret that is not there."""

from __future__ import annotations

import os
import subprocess
import tempfile
import tomllib
from pathlib import Path

import pytest

from core.config import known_keys, parse_config
from core.errors import ConfigError
from device.app import load_config
from tests.helpers import KIOSK, ROOT, cli

GOOGLE = '[google]\nclient_id = "a.apps.googleusercontent.com"\nclient_secret = "s3cret"\n'


def refusal(text: str) -> str:
    """The message parse_config refuses the TOML ``text`` with."""
    with pytest.raises(ConfigError) as info:
        parse_config(tomllib.loads(text))
    return info.value.message


@pytest.mark.parametrize(
    "text,words",
    [
        (GOOGLE + "[download]\nwrokers = 8\n", "unknown key download.wrokers — did you mean workers?"),
        (
            GOOGLE + "[downlaod]\nworkers=8\n",
            "unknown section [downlaod] in the config file — did you mean [download]?",
        ),
        (GOOGLE + "[slideshow]\nfdae = 2.0\n", "unknown key slideshow.fdae — did you mean fade?"),
        (GOOGLE + "[storage]\nzzz = 1\n", "unknown key storage.zzz (known: state_dir, library_dir)"),
        ('client_id = "x"\n' + GOOGLE, "unknown key client_id outside any [section]"),
        ('[google]\nclient_id = "a"\nclient_secert = "s"\n', "did you mean client_secret?"),
    ],
)
def test_misspelt_sections_and_keys_are_refused_with_a_suggestion(text: str, words: str) -> None:
    assert words in refusal(text)


def test_every_documented_key_is_known() -> None:
    example = tomllib.loads((Path(__file__).resolve().parents[1] / "systemd" / "config.toml.example").read_text())
    for section, values in example.items():
        assert set(values) <= set(known_keys(section)), section
    parse_config(example, client_secret_text="from-the-credential-file")


def test_a_misspelt_key_exits_2_naming_it(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(GOOGLE + "[download]\nwrokers = 8\n")
    result = cli("run", "--headless", "--once", "--config", str(config), timeout=60)
    assert result.returncode == 2
    assert "download.wrokers" in result.stderr and "did you mean workers?" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "section,value,words",
    [
        ("download", "max_bytes = 0", "download.max_bytes must be more than 0"),
        ("download", "max_bytes = -5", "download.max_bytes must be more than 0"),
        ("download", "min_free_bytes = -1", "download.min_free_bytes must be 0 or more"),
        ("slideshow", "interval = nan", "slideshow.interval must be a finite number"),
        ("slideshow", "interval = inf", "slideshow.interval must be a finite number"),
        ("slideshow", "interval = 0.5", "slideshow.interval must be a finite number of seconds, at least 1"),
        ("slideshow", "fade = nan", "slideshow.fade must be a finite number"),
        ("slideshow", "fade = -inf", "slideshow.fade must be a finite number"),
        ("slideshow", "fade = -1.0", "slideshow.fade must be a finite number of seconds, at least 0"),
    ],
)
def test_values_that_make_no_sense_are_refused_by_name(section: str, value: str, words: str) -> None:
    assert words in refusal(f"{GOOGLE}[{section}]\n{value}\n")


def test_sensible_edges_are_accepted() -> None:
    cfg = parse_config(tomllib.loads(f"{GOOGLE}[download]\nmax_bytes = 1\nmin_free_bytes = 0\n[slideshow]\nfade = 0\n"))
    assert (cfg.download.max_bytes, cfg.download.min_free_bytes, cfg.slideshow.fade) == (1, 0, 0.0)


def test_a_missing_client_secret_is_refused() -> None:
    assert "google.client_secret is missing" in refusal('[google]\nclient_id = "a"\n')


def test_an_empty_client_secret_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("\n")  # what systemd/install.sh leaves until the secret is filled in
    config = tmp_path / "c.toml"
    config.write_text(f'[google]\nclient_id = "a"\nclient_secret_file = "{tmp_path / "secret"}"\n')
    with pytest.raises(ConfigError, match=r"google\.client_secret is missing"):
        load_config(config)


def test_unset_credentials_directory_is_explained(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[google]\nclient_id = "a"\nclient_secret_file = "${CREDENTIALS_DIRECTORY}/client_secret"\n')
    env = {k: v for k, v in os.environ.items() if k != "CREDENTIALS_DIRECTORY"}
    result = subprocess.run(
        [*KIOSK, "run", "--headless", "--once", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 2
    assert "names ${CREDENTIALS_DIRECTORY} but it is not set" in result.stderr
    assert "LoadCredential=" in result.stderr
    assert "${CREDENTIALS_DIRECTORY}/client_secret cannot be read" not in result.stderr


NOBODY = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--")


def _as_someone_else() -> tuple[str, ...]:
    """How to run the CLI so that a file with mode 0 cannot be read: as ourselves, or (as root, who reads any
    file) as the user nobody through setpriv; a skip with the reason where neither can be done."""
    if os.geteuid() != 0:
        return ()
    try:
        probe = subprocess.run([*NOBODY, *KIOSK, "--help"], capture_output=True, timeout=60, cwd=ROOT, check=False)
    except FileNotFoundError:
        pytest.skip("root reads any file, and setpriv (util-linux) is not there to run the CLI as another user")
    if probe.returncode != 0:
        pytest.skip("root reads any file, and the user nobody cannot run this tree's Python to be tested instead")
    return NOBODY


@pytest.mark.parametrize("unreadable", ["config", "secret"])
def test_unreadable_config_or_secret_names_the_path_and_exits_2(unreadable: str) -> None:
    runner = _as_someone_else()
    with tempfile.TemporaryDirectory() as folder:  # not tmp_path: its parent is root's alone (mode 0700)
        home = Path(folder)
        home.chmod(0o755)
        secret = home / "secret"
        secret.write_text("s3cret\n")
        config = home / "c.toml"
        config.write_text(f'[google]\nclient_id = "a"\nclient_secret_file = "{secret}"\n')
        path = config if unreadable == "config" else secret
        path.chmod(0)
        result = subprocess.run(
            [*runner, *KIOSK, "run", "--headless", "--once", "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "HOME": folder},
            cwd=ROOT,
            check=False,
        )
    assert result.returncode == 2, result.stderr
    assert str(path) in result.stderr and "cannot be read" in result.stderr


@pytest.mark.parametrize(
    "text,words",
    [
        ('[slideshow]\nvideos = "loud"\n', "slideshow.videos must be one of play, poster, skip, not 'loud'"),
        ("[slideshow]\nmax_seconds = 0.5\n", "slideshow.max_seconds must be a finite number of seconds, at least 1"),
        ('[slideshow]\nmax_seconds = "30"\n', "slideshow.max_seconds must be a float"),
        ("[slideshow]\nsound = true\n", "slideshow.sound = true is not supported yet: videos play muted"),
        ("[slideshow]\nvideos = true\n", "slideshow.videos must be a str"),
    ],
)
def test_video_settings_out_of_range_are_refused_by_name(text: str, words: str) -> None:
    assert words in refusal(GOOGLE + text)


def test_videos_are_fetched_and_played_by_default() -> None:
    config = parse_config(tomllib.loads(GOOGLE))
    assert config.download.videos is True
    assert (config.slideshow.videos, config.slideshow.sound, config.slideshow.max_seconds) == ("play", False, 30.0)
    chosen = parse_config(tomllib.loads(GOOGLE + '[slideshow]\nvideos = "poster"\nmax_seconds = 12\n'))
    assert (chosen.slideshow.videos, chosen.slideshow.max_seconds) == ("poster", 12.0)
