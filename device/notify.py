"""systemd's sd_notify protocol (READY, STOPPING, STATUS, watchdog pings) without libsystemd."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import field

from core.clock import REAL, Now
from core.record import mutable_record, record

log = logging.getLogger(__name__)

# READY/STOPPING/STATUS are rare and matter, so they may wait this long for a full queue to drain; the
# watchdog ping comes from the frame loop, which must never stall, so it does not wait at all.
SEND_TIMEOUT = 1.0
# systemd's own advice (sd_watchdog_enabled(3)): ping at half the timeout so one late frame is harmless.
PING_FRACTION = 0.5
# STATUS= is shown by `systemctl status`; keep it one short line.
STATUS_MAX_CHARS = 200


def _socket_address(value: str) -> str | None:
    """The AF_UNIX address for a $NOTIFY_SOCKET value, or None if it is not one we can use."""
    if value.startswith("@") and len(value) > 1:
        # Linux abstract namespace: the name starts with a NUL byte and lives outside the file system.
        return "\0" + value[1:]
    if value.startswith("/"):
        return value
    # Relative paths are refused by sd_notify too; "vsock:" addresses (systemd ≥ 253) are for VMs.
    return None


def _one_line(text: str) -> str:
    """Text safe inside one ``KEY=value`` field: a newline would start a field of its own."""
    flat = " ".join(text.split())
    return flat[:STATUS_MAX_CHARS]


def watchdog_interval(environ: Mapping[str, str] | None = None, pid: int | None = None) -> float | None:
    """The watchdog timeout systemd set for this process (WatchdogSec=), in seconds, or None.

    Like sd_watchdog_enabled(3): $WATCHDOG_USEC must be a positive integer and, when $WATCHDOG_PID is
    set, it must name this process (otherwise the watchdog belongs to a parent or a child). Ping at least
    every ``PING_FRACTION`` of it; :class:`Watchdog` does that for a frame loop.
    """
    env = os.environ if environ is None else environ
    try:
        usec = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    if usec <= 0:
        return None
    raw_pid = env.get("WATCHDOG_PID")
    if raw_pid is not None:
        try:
            target = int(raw_pid)
        except ValueError:
            return None
        if target != (os.getpid() if pid is None else pid):
            return None
    return usec / 1_000_000


@record
class Notifier:
    """Sends state changes to the service manager; every method is a harmless no-op outside systemd.

    Build one with :meth:`from_environ`. Sending never raises: a lost notification must not take the
    frame down, so failures are logged at DEBUG and reported as ``False``.
    """

    address: str | None = None
    watchdog_interval: float | None = None  # WatchdogSec= in seconds; None when there is no watchdog

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None, pid: int | None = None) -> Notifier:
        """Read $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID (``os.environ`` by default)."""
        env = os.environ if environ is None else environ
        raw = env.get("NOTIFY_SOCKET", "")
        address = _socket_address(raw) if raw else None
        if raw and address is None:
            log.warning("NOTIFY_SOCKET is set to an address picker-kiosk cannot use; not notifying systemd.")
        return cls(address=address, watchdog_interval=watchdog_interval(env, pid))

    @property
    def enabled(self) -> bool:
        """True when running under a service manager that listens for notifications."""
        return self.address is not None

    def send(self, *assignments: str, wait: bool = True) -> bool:
        """Send ``KEY=value`` assignments in one datagram; True if the manager's socket took it.

        With ``wait=False`` a full socket queue drops the message instead of blocking the caller.
        """
        if self.address is None or not assignments:
            return False
        import socket  # only under systemd (a frame started by hand sends nothing): ~4 ms of its start

        payload = "\n".join(assignments).encode("utf-8", "replace")
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                if wait:
                    sock.settimeout(SEND_TIMEOUT)
                    sock.sendto(payload, self.address)
                else:
                    sock.sendto(payload, socket.MSG_DONTWAIT, self.address)
        except OSError as exc:
            # Field names only: a payload is never echoed into the log.
            names = ",".join(a.split("=", 1)[0] for a in assignments)
            log.debug("could not notify systemd (%s): %s", names, exc.strerror or type(exc).__name__)
            return False
        return True

    def ready(self, status: str | None = None) -> bool:
        """Tell systemd start-up is finished (Type=notify waits for this)."""
        return self.send("READY=1", *self._status_field(status))

    def stopping(self, status: str | None = None) -> bool:
        """Tell systemd we are shutting down on purpose (so it does not treat the wait as a hang)."""
        return self.send("STOPPING=1", *self._status_field(status))

    def status(self, text: str) -> bool:
        """Set the one-line status `systemctl status` shows. Plain words only: never a secret."""
        return self.send(*self._status_field(text))

    def watchdog(self) -> bool:
        """Ping the watchdog now; never blocks (a dropped ping is followed by the next one)."""
        return self.send("WATCHDOG=1", wait=False)

    @staticmethod
    def _status_field(status: str | None) -> tuple[str, ...]:
        return () if status is None else (f"STATUS={_one_line(status)}",)


@mutable_record
class Watchdog:
    """Pings every ``PING_FRACTION`` of the watchdog interval, however often :meth:`tick` is called.

    The frame loop calls ``tick()`` every frame: a frozen loop stops the pings and systemd restarts us.
    """

    notifier: Notifier
    now: Now = REAL.now
    _last: float | None = field(default=None, init=False, repr=False)

    def tick(self) -> bool:
        """Send WATCHDOG=1 if it is due; True if one was sent."""
        interval = self.notifier.watchdog_interval
        if interval is None or not self.notifier.enabled:
            return False
        t = self.now()
        if self._last is not None and t - self._last < interval * PING_FRACTION:
            return False
        sent = self.notifier.watchdog()
        if sent:
            self._last = t
        return sent


def notifier() -> Notifier:
    """A Notifier for this process's environment."""
    return Notifier.from_environ()


def ready(status: str | None = None) -> bool:
    """READY=1 (and STATUS=) to $NOTIFY_SOCKET; False and nothing sent when it is unset."""
    return notifier().ready(status)


def stopping(status: str | None = None) -> bool:
    """STOPPING=1 (and STATUS=) to $NOTIFY_SOCKET; False and nothing sent when it is unset."""
    return notifier().stopping(status)


def status(text: str) -> bool:
    """STATUS=<one line> to $NOTIFY_SOCKET; False and nothing sent when it is unset."""
    return notifier().status(text)


def watchdog() -> bool:
    """WATCHDOG=1 to $NOTIFY_SOCKET without blocking; False and nothing sent when it is unset."""
    return notifier().watchdog()
