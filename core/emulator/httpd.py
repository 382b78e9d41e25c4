"""HTTP plumbing of the emulator: a threading server that can end its keep-alive connections, and replies."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from core.emulator.faults import Fault
from core.emulator.wire import Reply, google_error, google_error_for_http, oauth_error

OAUTH_ENDPOINTS = frozenset({"device_code", "token", "refresh", "exchange", "revoke"})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    serve: Callable[[Handler], None]  # set by the Emulator that owns this server

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, addr = super().get_request()
        with self._open_lock:
            self._open.add(conn)
        return conn, addr

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-request (a killed test process) is normal here, not a traceback."""
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        """End idle keep-alive connections so their threads finish when the emulator stops."""
        with self._open_lock:
            conns, self._open = list(self._open), set()
        for conn in conns:
            with contextlib.suppress(OSError):  # already closed by the client
                conn.shutdown(socket.SHUT_RDWR)


class IPv6Server(Server):
    address_family = socket.AF_INET6


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients pool connections to Google
    server: Server
    timeout = 60  # an idle keep-alive connection ends after a minute
    disable_nagle_algorithm = True  # headers and body go out in separate writes; don't wait 40 ms between

    def _serve(self) -> None:
        self.server.serve(self)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve

    def log_message(self, format: str, *args: object) -> None:
        pass  # the emulator logs method, path and status itself, never the query (it may hold a token)


def send(h: Handler, reply: Reply, truncate: bool, trickle: int | None = None) -> None:
    """Answer ``reply``: whole, cut in half (``truncate``), or ``trickle`` bytes a second (real time)."""
    body = reply.body
    try:
        h.send_response(reply.status)
        h.send_header("Content-Type", reply.content_type)
        h.send_header("Content-Length", str(len(body)))
        for name, value in reply.headers.items():
            h.send_header(name, value)
        if truncate:
            h.send_header("Connection", "close")
        h.end_headers()
        if trickle is not None:
            _trickle(h, body, trickle)
        else:
            h.wfile.write(body[: len(body) // 2] if truncate else body)
        h.wfile.flush()
    except (BrokenPipeError, ConnectionResetError):
        h.close_connection = True
    if truncate:
        h.close_connection = True


def _trickle(h: Handler, body: bytes, rate: int) -> None:
    """``rate`` bytes, then a second's pause, until the body is sent or the client leaves (a BrokenPipeError)."""
    for start in range(0, len(body), rate):
        if start:
            time.sleep(1.0)
        h.wfile.write(body[start : start + rate])
        h.wfile.flush()


def fault_reply(fault: Fault, endpoint: str) -> Reply:
    """The answer a fault gives instead of the endpoint's own."""
    if fault.garbage is not None:
        return Reply(fault.status or 200, fault.garbage)
    if fault.error is not None:
        return oauth_error(fault.error, http=fault.status)
    if fault.google_status is not None:
        return google_error(fault.google_status, http=fault.status)
    status = fault.status or 500
    if endpoint in OAUTH_ENDPOINTS:
        return oauth_error("internal_failure" if status >= 500 else "invalid_request", "Backend Error", http=status)
    return google_error_for_http(status)
