"""The companion's WSGI application: the Host and Origin rules, the routes, the security headers, a redacted log."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from device.companion import pages
from device.companion.guard import HostGuard
from device.companion.web import (
    MAX_BODY,
    SECURITY_HEADERS,
    Request,
    Response,
    Router,
    TooLarge,
    html_response,
    log_path,
    read_request,
    status_line,
)

log = logging.getLogger("picker-kiosk.companion")
STATIC_DIR = Path(__file__).resolve().parents[2] / "assets" / "companion"
_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class CompanionApp:
    """Checks every request (Host; Origin on POST), routes it, and adds the headers every response carries."""

    def __init__(self, guard: HostGuard, router: Router) -> None:
        self.guard = guard
        self.router = router
        router.add("GET", "/static/<name>", self._static)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        path = str(environ.get("PATH_INFO", "/"))
        try:
            response = self._respond(environ)
        except Exception:  # never let the server log the request (its path may hold a secret)
            log.exception("companion: %s %s failed", method, log_path(path))
            response = html_response(500, pages.message("Something went wrong", "Please try again."))
        log.info("companion: %s %s %d", method, log_path(path), response.status)
        headers = [("Content-Type", response.content_type), *SECURITY_HEADERS, *response.headers]
        if not any(name == "Cache-Control" for name, _ in response.headers):
            headers.append(("Cache-Control", "no-store"))
        headers.append(("Content-Length", str(len(response.body))))
        start_response(status_line(response.status), headers)
        return [b""] if method == "HEAD" else [response.body]

    def _respond(self, environ: dict[str, Any]) -> Response:
        host = str(environ.get("HTTP_HOST", ""))
        if not self.guard.host_ok(host):
            return html_response(421, pages.message("Wrong address", "This frame does not answer to that name."))
        try:
            request = read_request(environ)
        except TooLarge:
            return html_response(413, pages.message("Too large", f"Requests are limited to {MAX_BODY} bytes."))
        if request.method not in ("GET", "HEAD") and not self.guard.origin_ok(request.origin, host):
            return html_response(403, pages.message("Refused", "This request did not come from the frame's page."))
        found = self.router.find(request.method, request.path)
        if isinstance(found, int):
            return html_response(found, pages.message("Not here", "There is no such page on this frame."))
        handler, request.params = found
        return handler(request)

    def _static(self, request: Request) -> Response:
        name = request.params["name"]
        kind = _STATIC_TYPES.get(Path(name).suffix)
        path = STATIC_DIR / name
        if kind is None or "/" in name or name.startswith(".") or not path.is_file():
            return html_response(404, pages.message("Not here", "There is no such file on this frame."))
        return Response(200, path.read_bytes(), kind, [("Cache-Control", "no-cache")])
