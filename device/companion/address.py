"""The device's own network addresses, read from its interfaces (no packet is sent to learn them)."""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import socket
import struct

_SIOCGIFADDR = 0x8915  # Linux: the IPv4 address of one interface
_WILDCARDS = frozenset({"0.0.0.0", "::", ""})


def interface_addresses() -> list[str]:
    """Every IPv4 address configured on this machine's interfaces (loopback included), in interface order.

    Asks the kernel with ``ioctl(SIOCGIFADDR)`` on an unbound datagram socket: nothing leaves the machine.
    """
    found: list[str] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        for _, name in socket.if_nameindex():
            request = struct.pack("256s", name.encode()[:15])
            try:
                answer = fcntl.ioctl(probe.fileno(), _SIOCGIFADDR, request)
            except OSError:  # an interface that is down or has no IPv4 address
                continue
            address = socket.inet_ntoa(answer[20:24])
            if address not in found:
                found.append(address)
    return found


def served_addresses(bind: str) -> list[str]:
    """The addresses a server bound to ``bind`` answers on: the address itself, or every interface's."""
    if bind not in _WILDCARDS:
        return [bind]
    with contextlib.suppress(OSError):
        return interface_addresses() or ["127.0.0.1"]
    return ["127.0.0.1"]


def device_address(bind: str) -> str:
    """The address a phone on the local network should use: a private LAN address first, loopback last."""
    addresses = served_addresses(bind)

    def rank(text: str) -> int:
        ip = ipaddress.ip_address(text)
        if ip.is_loopback:
            return 3
        if ip.is_link_local:
            return 2
        return 0 if ip.is_private else 1

    return sorted(addresses, key=rank)[0]
