#!/usr/bin/env bash
# Installs picker-kiosk as a boot service: service user, venv under /opt, config skeleton, enabled unit.
# Run as root (`make install-service` does). `--dry-run` prints every step and changes nothing.
set -euo pipefail
# The service user must be able to read the code and run the venv, whatever root's own umask is.
umask 022

usage() {
    cat <<'EOF'
Usage: systemd/install.sh [--dry-run] [--no-apt] [--no-enable]

Installs picker-kiosk from this source tree as a systemd service:
  - Debian packages SDL needs on the console (KMS/DRM, GBM, EGL, GLES) and python3-venv (skip: --no-apt)
  - the system user "picker-kiosk" (groups video, render, input)
  - a copy of the source in /opt/picker-kiosk/src and a venv in /opt/picker-kiosk/venv
  - /etc/picker-kiosk/config.toml and /etc/picker-kiosk/client_secret if missing (never overwritten)
  - /etc/systemd/system/picker-kiosk.service, enabled for the next boot (skip enabling: --no-enable)

  --dry-run    print what would be done, change nothing (needs no root)
  --no-apt     do not install Debian packages
  --no-enable  install the unit but do not enable it
EOF
}

SERVICE=picker-kiosk
USER_NAME=picker-kiosk
USER_GROUPS=(video render input)
PREFIX=/opt/picker-kiosk
ETC_DIR=/etc/picker-kiosk
UNIT_DIR=/etc/systemd/system
STATE_DIR=/var/lib/picker-kiosk
# Debian's interpreter, not one from a pyenv/conda in root's home that the service user cannot enter.
if [ -z "${PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
# What SDL's kmsdrm driver dlopen()s at run time (pygame-ce's wheel bundles SDL itself, not these), the
# Mesa drivers behind GBM/EGL, and what `python3 -m venv` needs on Debian.
APT_PACKAGES=(python3-venv libdrm2 libgbm1 libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri libudev1)

DRY_RUN=0
USE_APT=1
ENABLE=1
for arg in "$@"; do
    case "$arg" in
        --dry-run) DRY_RUN=1 ;;
        --no-apt) USE_APT=0 ;;
        --no-enable) ENABLE=0 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "install.sh: unknown option: $arg" >&2; usage >&2; exit 2 ;;
    esac
done

SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { printf '==> %s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

# Every change to the system goes through run(), so --dry-run is exactly the list of changes.
run() {
    if [ "$DRY_RUN" = 1 ]; then
        printf '[dry-run]'
        printf ' %q' "$@"
        printf '\n'
    else
        "$@"
    fi
}

if [ ! -f "$SRC_DIR/pyproject.toml" ] || [ ! -f "$SRC_DIR/systemd/$SERVICE.service" ]; then
    die "run me from a picker-kiosk source tree (no pyproject.toml or unit next to $0)."
fi
if [ "$DRY_RUN" = 0 ] && [ "$(id -u)" != 0 ]; then
    die "must run as root (try: sudo make install-service), or pass --dry-run to see the steps."
fi
command -v systemctl >/dev/null 2>&1 || die "systemctl not found: this needs a systemd system."

say "Debian packages"
if [ "$USE_APT" = 1 ] && command -v apt-get >/dev/null 2>&1; then
    missing=()
    for pkg in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        # A fresh image's package lists are stale: install without update would ask for files long gone.
        run apt-get update -q
        run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
    else
        say "  all present: ${APT_PACKAGES[*]}"
    fi
else
    say "  skipped; make sure these are installed: ${APT_PACKAGES[*]}"
fi

# Checked after apt so a fresh Pi gets python3-venv first; in a dry run the venv module may still be
# missing, which is exactly what the apt step above would fix.
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null \
    || die "$PYTHON is missing or older than 3.11."

say "Service user $USER_NAME"
for group in "${USER_GROUPS[@]}"; do
    getent group "$group" >/dev/null || run groupadd --system "$group"
done
group_list=$(IFS=,; echo "${USER_GROUPS[*]}")
if getent passwd "$USER_NAME" >/dev/null; then
    run usermod --append --groups "$group_list" "$USER_NAME"
else
    run useradd --system --user-group --groups "$group_list" --home-dir "$STATE_DIR" --no-create-home \
        --shell /usr/sbin/nologin --comment "picker-kiosk photo frame" "$USER_NAME"
fi

say "Source in $PREFIX/src"
# Staged beside the old copy and swapped in, so an interrupted install never leaves half a tree behind.
run install -d -m 0755 -o root -g root "$PREFIX"
run rm -rf "$PREFIX/src.new" "$PREFIX/src.old"
run install -d -m 0755 -o root -g root "$PREFIX/src.new"
if [ "$DRY_RUN" = 1 ]; then
    printf '[dry-run] copy %q -> %q (without .git, .venv, caches)\n' "$SRC_DIR" "$PREFIX/src.new"
else
    tar -C "$SRC_DIR" --exclude=./.git --exclude=./.venv --exclude='__pycache__' --exclude='*.egg-info' \
        --exclude=./.pytest_cache --exclude=./.mypy_cache --exclude=./.ruff_cache --exclude=./build \
        --owner=root --group=root -cf - . | tar -C "$PREFIX/src.new" --no-same-permissions -xf -
    chmod -R u=rwX,go=rX "$PREFIX/src.new"
fi
if [ -d "$PREFIX/src" ]; then
    run mv "$PREFIX/src" "$PREFIX/src.old"
fi
run mv "$PREFIX/src.new" "$PREFIX/src"
run rm -rf "$PREFIX/src.old"

say "Python venv in $PREFIX/venv"
# A venv whose interpreter went away (a Python upgrade) is rebuilt rather than patched.
if [ -e "$PREFIX/venv" ] && ! "$PREFIX/venv/bin/python" -c '' 2>/dev/null; then
    run rm -rf "$PREFIX/venv"
fi
if [ ! -x "$PREFIX/venv/bin/python" ] || [ "$DRY_RUN" = 1 ]; then
    run "$PYTHON" -m venv "$PREFIX/venv"
fi
# Editable, so the fonts in assets/ at the top of the tree are found next to the code.
run "$PREFIX/venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$PREFIX/src"
# The service sees /opt read-only (ProtectSystem=strict): compile the bytecode now, once.
run "$PREFIX/venv/bin/python" -m compileall -q "$PREFIX/src/core" "$PREFIX/src/device"
# Fail here, not at boot, if the service user cannot run what was just installed.
# (-I: neither the current directory nor $PYTHONPATH may stand in for the installed copy.)
run runuser -u "$USER_NAME" -- "$PREFIX/venv/bin/python" -I -c \
    'import sys, core, device; sys.exit(0 if core.__file__.startswith(sys.argv[1]) else 1)' "$PREFIX/src/"

say "Configuration in $ETC_DIR"
run install -d -m 0750 -o root -g "$USER_NAME" "$ETC_DIR"
if [ -e "$ETC_DIR/config.toml" ]; then
    say "  $ETC_DIR/config.toml exists; left as it is"
else
    run install -m 0640 -o root -g "$USER_NAME" "$SRC_DIR/systemd/config.toml.example" "$ETC_DIR/config.toml"
fi
# Root-only: systemd reads it for the service (LoadCredential=), the service user never sees this file.
if [ -e "$ETC_DIR/client_secret" ]; then
    say "  $ETC_DIR/client_secret exists; left as it is"
else
    run install -m 0600 -o root -g root /dev/null "$ETC_DIR/client_secret"
fi

say "systemd unit"
run install -m 0644 -o root -g root "$SRC_DIR/systemd/$SERVICE.service" "$UNIT_DIR/$SERVICE.service"
run install -m 0644 -o root -g root "$SRC_DIR/systemd/$SERVICE-retry.timer" "$UNIT_DIR/$SERVICE-retry.timer"
run systemctl daemon-reload
if [ "$ENABLE" = 1 ]; then
    run systemctl enable "$SERVICE.service"
fi

cat <<EOF

picker-kiosk is installed$([ "$DRY_RUN" = 1 ] && echo " (dry run: nothing was changed)").
Next steps:
  1. Put your OAuth client id ("TVs and Limited Input devices") in $ETC_DIR/config.toml.
  2. Put the client secret, and nothing else, in $ETC_DIR/client_secret (root-only, mode 0600):
       sudoedit $ETC_DIR/client_secret
  3. Start it now (it takes over tty1) or reboot:   sudo systemctl start $SERVICE
  4. Watch it:                                      journalctl -u $SERVICE -f
See $PREFIX/src/systemd/README.md for the Raspberry Pi OS Lite set-up (kernel command line, HDMI mode).
EOF
