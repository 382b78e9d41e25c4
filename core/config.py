"""Frozen settings and their validation; reading files and the environment happens only in device.app."""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Mapping
from dataclasses import field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from core.errors import ConfigError
from core.record import record
from core.schedule import Schedule, parse_schedule

GOOGLE_AUTH_URL = "https://oauth2.googleapis.com"
GOOGLE_PICKER_URL = "https://photospicker.googleapis.com"
GOOGLE_AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
SIGN_IN_WAYS = ("auto", "device", "phone")
DEFAULT_STATE_DIR = Path("/var/lib/picker-kiosk")
MAX_ITEMS_LIMIT = 2000  # Google's default and maximum maxItemCount


@record
class DesktopClient:
    """A "Desktop app" OAuth client of the same project: the authorization-code + PKCE way to sign in."""

    client_id: str
    client_secret: str = field(repr=False)


@record
class GoogleConfig:
    """Where Google (or the emulator) is, and which OAuth clients we are.

    ``sign_in``: "device" uses the device grant only, "phone" the authorization code + PKCE way only (finished
    from the phone or a computer), "auto" the device grant and the other way when Google refuses the scope.
    """

    client_id: str
    client_secret: str = field(repr=False)
    auth_url: str = GOOGLE_AUTH_URL
    picker_url: str = GOOGLE_PICKER_URL
    authorize_url: str = GOOGLE_AUTHORIZE_URL
    sign_in: str = "auto"
    desktop: DesktopClient | None = None


@record
class StorageConfig:
    """Where the token, the database and the photos live."""

    state_dir: Path = DEFAULT_STATE_DIR
    library_dir: Path = DEFAULT_STATE_DIR / "library"


@record
class PickingConfig:
    """How a picking session is asked for."""

    max_items: int = MAX_ITEMS_LIMIT


@record
class DownloadConfig:
    """How photos are fetched: in parallel, at screen size unless ``original``."""

    # Downloads are latency-bound, not CPU-bound: a worker spends nearly all its time waiting for Google's
    # answer, so a Pi's 4 cores are no limit, and each worker costs only one 64 KiB chunk in flight. 8 gives
    # 8 requests in flight (bench: 500 photos ~7x faster than one at a time) while staying under requests'
    # pool of 10 kept-alive connections, beyond which every request would open a new TLS connection.
    workers: int = 8
    original: bool = False
    videos: bool = True  # READY videos are fetched (=dv) with their poster; see [slideshow] videos
    max_bytes: int = 64 * 1024 * 1024  # a sane cap for one file; larger answers are cut off and rejected
    min_free_bytes: int = 64 * 1024 * 1024  # stop downloading before the disk is full
    min_rate: int = 1024  # bytes/s: a file slower than this over a whole slow_window is given up (0: never)
    slow_window: float = 60.0  # seconds


SLIDESHOW_LAYOUTS = ("pairs", "single")
SLIDESHOW_CLOCKS = ("off", "corner", "large")


@record
class SlideshowConfig:
    """How the slideshow runs."""

    interval: float = 10.0
    shuffle: bool = True
    captions: bool = False
    fade: float = 1.0
    videos: str = "play"  # "play" | "poster" (the poster with a ▶ mark) | "skip"
    sound: bool = False  # videos play muted; true is refused (no audio output yet)
    max_seconds: float = 30.0  # a video plays at most this long before the show moves on
    layout: str = "pairs"  # "pairs": two photos share a screen whose shape they do not match; "single"
    clock: str = "off"  # "corner": a small clock and date over the photos; "large": a big one
    locale: str = ""  # the clock's and date's language, e.g. "de_DE.UTF-8"; "": from the environment


VIDEO_MODES = ("play", "poster", "skip")


ROTATIONS = (0, 90, 180, 270)


@record
class ScreenConfig:
    """How the picture sits on the panel: ``rotate`` turns it clockwise, for a panel hung on its side."""

    rotate: int = 0


STANDBY_WAYS = ("auto", "cec", "backlight", "black")


@record
class ScheduleConfig:
    """When the frame sleeps (core.schedule), and how it darkens the display then."""

    sleep: Schedule = Schedule()
    standby: str = "auto"  # "auto": HDMI-CEC standby, else the panel's backlight off, else a black screen


@record
class CompanionConfig:
    """The device's own small web server on the local network (pairing, the phone page)."""

    enabled: bool = True
    bind: str = "0.0.0.0"
    port: int = 8080
    locked: tuple[str, ...] = ()  # settings the phone page may not change (PHONE_SETTINGS)


# The settings the phone page can change (saved on the device; the config file is the default): [slideshow]'s,
# and [schedule] sleep, the night.
PHONE_SETTINGS = ("interval", "shuffle", "fade", "captions", "layout", "clock", "sleep")


@record
class Config:
    """Everything picker-kiosk needs to run, validated."""

    google: GoogleConfig
    storage: StorageConfig = StorageConfig()
    picking: PickingConfig = PickingConfig()
    download: DownloadConfig = DownloadConfig()
    slideshow: SlideshowConfig = SlideshowConfig()
    companion: CompanionConfig = CompanionConfig()
    screen: ScreenConfig = ScreenConfig()
    schedule: ScheduleConfig = ScheduleConfig()


def is_loopback_host(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1."""
    if host.lower() in {"localhost", "localhost."}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str, what: str) -> str:
    """Return ``url`` without a trailing slash; refuse plain http except to loopback."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(f"{what} must be an http(s) URL, not {url!r}.")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ConfigError(
            f"{what} uses plain http:// to {parts.hostname}; only https:// is allowed except to this machine "
            "(localhost, 127.0.0.0/8, ::1)."
        )
    return url.rstrip("/")


_SECTIONS: dict[str, type] = {
    "google": GoogleConfig,
    "storage": StorageConfig,
    "picking": PickingConfig,
    "download": DownloadConfig,
    "slideshow": SlideshowConfig,
    "companion": CompanionConfig,
    "screen": ScreenConfig,
    "schedule": ScheduleConfig,
    "google.desktop": DesktopClient,
}
# Read by the caller (client_secret_file), or a table of its own (desktop), not a plain field of the record.
_EXTRA_KEYS = {"google": ("client_secret_file",), "google.desktop": ("client_secret_file",)}
_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


def known_keys(section: str) -> tuple[str, ...]:
    """The keys a ``[section]`` of the config file may hold."""
    return tuple(f.name for f in fields(_SECTIONS[section])) + _EXTRA_KEYS.get(section, ())


def _did_you_mean(word: str, choices: tuple[str, ...], shape: str = "{}") -> str:
    import difflib  # only a config with a mistake in it needs it

    close = difflib.get_close_matches(word, choices, n=1)
    if close:
        return f" — did you mean {shape.format(close[0])}?"
    return f" (known: {', '.join(shape.format(c) for c in choices)})"


def _refuse_unknown(data: Mapping[str, Any]) -> None:
    """A misspelt section or key is refused by name, with the closest valid one, instead of silently ignored."""
    sections = tuple(s for s in _SECTIONS if "." not in s)
    for name, value in data.items():
        if name not in sections:
            what = f"section [{name}]" if isinstance(value, Mapping) else f"key {name} outside any [section]"
            raise ConfigError(f"unknown {what} in the config file{_did_you_mean(name, sections, '[{}]')}")
        _refuse_unknown_keys(name, value)


def _refuse_unknown_keys(name: str, value: object) -> None:
    if not isinstance(value, Mapping):
        return
    keys = known_keys(name)
    for key, inner in value.items():
        if f"{name}.{key}" in _SECTIONS:
            _refuse_unknown_keys(f"{name}.{key}", inner)
        elif key not in keys:
            raise ConfigError(f"unknown key {name}.{key}{_did_you_mean(key, keys)}")


def secret_file_path(raw: str, environ: Mapping[str, str], key: str = "google.client_secret_file") -> Path:
    """``client_secret_file`` (named ``key``) with its $VARIABLES filled in; an unset one is a ConfigError."""
    for match in _VARIABLE.finditer(raw):
        name = match.group(1) or match.group(2)
        if name not in environ:
            hint = (
                " systemd sets it only for a service with LoadCredential= (see systemd/README.md); run by hand, "
                "point client_secret_file at a file you can read."
                if name == "CREDENTIALS_DIRECTORY"
                else ""
            )
            raise ConfigError(f"{key} names ${{{name}}} but it is not set.{hint}")
    return Path(_VARIABLE.sub(lambda m: environ[m.group(1) or m.group(2)], raw))


def _seconds(value: float, key: str, *, least: float) -> None:
    """Refuse nan, infinities and values under ``least`` seconds, naming ``key``."""
    if not (math.isfinite(value) and value >= least):
        raise ConfigError(f"{key} must be a finite number of seconds, at least {least:g}, not {value!r}.")


def _section(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"[{name}] in the config file must be a table.")
    return value


def _typed(section: Mapping[str, Any], key: str, kind: type, default: Any, where: str) -> Any:
    value = section.get(key, default)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(f"{where}.{key} must be a {kind.__name__}, not {value!r}.")
    return value


def parse_config(data: Mapping[str, Any], *, client_secret_text: str | None = None) -> Config:
    """Validate a parsed TOML mapping into a Config.

    ``client_secret_text`` is the content of ``client_secret_file`` when the caller read one.
    """
    _refuse_unknown(data)
    google = _section(data, "google")
    client_id = _typed(google, "client_id", str, "", "google")
    if not client_id:
        raise ConfigError("google.client_id is missing from the config file.")
    secret = google.get("client_secret")
    if secret is None:
        secret = (client_secret_text or "").strip()
    if not isinstance(secret, str):
        raise ConfigError("google.client_secret must be a string.")
    sign_in = _typed(google, "sign_in", str, "auto", "google")
    if sign_in not in SIGN_IN_WAYS:
        raise ConfigError(f"google.sign_in must be one of {', '.join(SIGN_IN_WAYS)}, not {sign_in!r}.")
    desktop = _desktop_client(_section(google, "desktop"))
    if sign_in == "phone" and desktop is None:
        raise ConfigError('google.sign_in = "phone" needs a [google.desktop] client (client_id, client_secret).')
    google_cfg = GoogleConfig(
        client_id=client_id,
        client_secret=secret,
        auth_url=check_url(_typed(google, "auth_url", str, GOOGLE_AUTH_URL, "google"), "google.auth_url"),
        picker_url=check_url(_typed(google, "picker_url", str, GOOGLE_PICKER_URL, "google"), "google.picker_url"),
        authorize_url=check_url(
            _typed(google, "authorize_url", str, GOOGLE_AUTHORIZE_URL, "google"), "google.authorize_url"
        ),
        sign_in=sign_in,
        desktop=desktop,
    )

    storage = _section(data, "storage")
    state_dir = Path(_typed(storage, "state_dir", str, str(DEFAULT_STATE_DIR), "storage"))
    library_dir = Path(_typed(storage, "library_dir", str, str(state_dir / "library"), "storage"))

    picking = _section(data, "picking")
    max_items = _typed(picking, "max_items", int, MAX_ITEMS_LIMIT, "picking")
    if not 1 <= max_items <= MAX_ITEMS_LIMIT:
        raise ConfigError(f"picking.max_items must be between 1 and {MAX_ITEMS_LIMIT}, not {max_items}.")

    dl = _section(data, "download")
    defaults = DownloadConfig()
    download = DownloadConfig(
        workers=_typed(dl, "workers", int, defaults.workers, "download"),
        original=_typed(dl, "original", bool, defaults.original, "download"),
        videos=_typed(dl, "videos", bool, defaults.videos, "download"),
        max_bytes=_typed(dl, "max_bytes", int, defaults.max_bytes, "download"),
        min_free_bytes=_typed(dl, "min_free_bytes", int, defaults.min_free_bytes, "download"),
        min_rate=_typed(dl, "min_rate", int, defaults.min_rate, "download"),
        slow_window=_typed(dl, "slow_window", float, defaults.slow_window, "download"),
    )
    if not 1 <= download.workers <= 32:
        raise ConfigError("download.workers must be between 1 and 32.")
    if download.max_bytes <= 0:
        raise ConfigError(f"download.max_bytes must be more than 0 (the largest file kept), not {download.max_bytes}.")
    if download.min_free_bytes < 0:
        raise ConfigError(f"download.min_free_bytes must be 0 or more, not {download.min_free_bytes}.")
    if download.min_rate < 0:
        raise ConfigError(f"download.min_rate must be 0 (no bound) or more bytes per second, not {download.min_rate}.")
    if not (math.isfinite(download.slow_window) and 1 <= download.slow_window <= 3600):
        raise ConfigError(f"download.slow_window must be between 1 and 3600 seconds, not {download.slow_window}.")

    ss = _section(data, "slideshow")
    sdef = SlideshowConfig()
    slideshow = SlideshowConfig(
        interval=_typed(ss, "interval", float, sdef.interval, "slideshow"),
        shuffle=_typed(ss, "shuffle", bool, sdef.shuffle, "slideshow"),
        captions=_typed(ss, "captions", bool, sdef.captions, "slideshow"),
        fade=_typed(ss, "fade", float, sdef.fade, "slideshow"),
        videos=_typed(ss, "videos", str, sdef.videos, "slideshow"),
        sound=_typed(ss, "sound", bool, sdef.sound, "slideshow"),
        max_seconds=_typed(ss, "max_seconds", float, sdef.max_seconds, "slideshow"),
        layout=_typed(ss, "layout", str, sdef.layout, "slideshow"),
        clock=_typed(ss, "clock", str, sdef.clock, "slideshow"),
        locale=_typed(ss, "locale", str, sdef.locale, "slideshow"),
    )
    if slideshow.clock not in SLIDESHOW_CLOCKS:
        raise ConfigError(f"slideshow.clock must be one of {', '.join(SLIDESHOW_CLOCKS)}, not {slideshow.clock!r}.")
    if len(slideshow.locale) > 64 or any(c.isspace() or c in "/\\" for c in slideshow.locale):
        raise ConfigError(f"slideshow.locale must be a locale name such as de_DE.UTF-8, not {slideshow.locale!r}.")
    if slideshow.layout not in SLIDESHOW_LAYOUTS:
        raise ConfigError(f"slideshow.layout must be one of {', '.join(SLIDESHOW_LAYOUTS)}, not {slideshow.layout!r}.")
    _seconds(slideshow.interval, "slideshow.interval", least=1)
    _seconds(slideshow.fade, "slideshow.fade", least=0)  # 0: photos change without a fade
    _seconds(slideshow.max_seconds, "slideshow.max_seconds", least=1)
    if slideshow.videos not in VIDEO_MODES:
        raise ConfigError(f"slideshow.videos must be one of {', '.join(VIDEO_MODES)}, not {slideshow.videos!r}.")
    if slideshow.sound:
        raise ConfigError("slideshow.sound = true is not supported yet: videos play muted (sound = false).")
    companion = _companion(_section(data, "companion"))
    rotate = _typed(_section(data, "screen"), "rotate", int, ScreenConfig().rotate, "screen")
    if rotate not in ROTATIONS:
        raise ConfigError(f"screen.rotate must be 0, 90, 180 or 270 (degrees clockwise), not {rotate}.")
    sch = _section(data, "schedule")
    schedule = ScheduleConfig(
        sleep=parse_schedule(sch.get("sleep", ""), "schedule.sleep"),
        standby=_typed(sch, "standby", str, "auto", "schedule"),
    )
    if schedule.standby not in STANDBY_WAYS:
        raise ConfigError(f"schedule.standby must be one of {', '.join(STANDBY_WAYS)}, not {schedule.standby!r}.")
    if not google_cfg.client_secret:
        # Checked last, so that a config with other mistakes names those first.
        raise ConfigError(
            "google.client_secret is missing: set client_secret_file to a file holding the OAuth client's secret "
            "(or client_secret), and check that file is not empty."
        )

    return Config(
        google=google_cfg,
        storage=StorageConfig(state_dir=state_dir, library_dir=library_dir),
        picking=PickingConfig(max_items=max_items),
        download=download,
        slideshow=slideshow,
        companion=companion,
        screen=ScreenConfig(rotate=rotate),
        schedule=schedule,
    )


def _desktop_client(table: Mapping[str, Any]) -> DesktopClient | None:
    """``[google.desktop]``: absent is None; present needs both the id and the secret."""
    if not table:
        return None
    client_id = _typed(table, "client_id", str, "", "google.desktop")
    secret = _typed(table, "client_secret", str, "", "google.desktop").strip()
    if not client_id:
        raise ConfigError('google.desktop.client_id is missing (the id of a client of type "Desktop app").')
    if not secret:
        raise ConfigError("google.desktop.client_secret is missing: set it, or client_secret_file naming a file.")
    return DesktopClient(client_id=client_id, client_secret=secret)


def _companion(table: Mapping[str, Any]) -> CompanionConfig:
    defaults = CompanionConfig()
    companion = CompanionConfig(
        enabled=_typed(table, "enabled", bool, defaults.enabled, "companion"),
        bind=_typed(table, "bind", str, defaults.bind, "companion"),
        port=_typed(table, "port", int, defaults.port, "companion"),
        locked=tuple(_typed(table, "locked", list, list(defaults.locked), "companion")),
    )
    for name in companion.locked:
        if name not in PHONE_SETTINGS:
            raise ConfigError(
                f"companion.locked names {name!r}, not a phone page setting{_did_you_mean(str(name), PHONE_SETTINGS)}"
            )
    try:
        ipaddress.ip_address(companion.bind)
    except ValueError as exc:
        raise ConfigError(f"companion.bind must be an IP address (0.0.0.0 …), not {companion.bind!r}.") from exc
    if not 1 <= companion.port <= 65535:
        raise ConfigError(f"companion.port must be between 1 and 65535, not {companion.port}.")
    return companion
