"""Plain WSGI: the request as the companion reads it, responses with the security headers, a tiny router."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import field
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qsl

from core.record import mutable_record

MAX_BODY = 64 * 1024  # the largest request body read (a pasted address, a token JSON, a settings form)

# Every response: nothing from elsewhere, no inline script or style, never in a frame, and the pairing link's
# path never sent to another site (same-origin keeps Origin on our own POSTs, which no-referrer would null).
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    (
        "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("X-Content-Type-Options", "nosniff"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
)
HTML = "text/html; charset=utf-8"
JSON = "application/json"
_SECRET_PATH = re.compile(r"^/p/[^/]*")


@mutable_record
class Request:
    """One request: method, path, the few headers the companion reads, cookies and the body (already bounded)."""

    method: str
    path: str
    host: str
    origin: str | None
    content_type: str
    cookies: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)  # from the route's pattern
    query: dict[str, str] = field(default_factory=dict)

    def form(self) -> dict[str, Any]:
        """The body as fields: a JSON object or an urlencoded form ({} when neither)."""
        if self.content_type.startswith("application/json"):
            try:
                data = json.loads(self.body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                return {}
            return data if isinstance(data, dict) else {}
        try:
            text = self.body.decode("utf-8")
        except UnicodeDecodeError:
            return {}
        return dict(parse_qsl(text, keep_blank_values=True, max_num_fields=50))


@mutable_record
class Response:
    status: int
    body: bytes = b""
    content_type: str = HTML
    headers: list[tuple[str, str]] = field(default_factory=list)


def html_response(status: int, text: str, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, text.encode("utf-8"), HTML, headers or [])


def json_response(status: int, data: object, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, json.dumps(data).encode("utf-8"), JSON, headers or [])


class TooLarge(Exception):
    """The body is larger than MAX_BODY."""


def read_request(environ: Mapping[str, Any]) -> Request:
    """The Request of a WSGI environ; TooLarge before reading a body over MAX_BODY."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        raise TooLarge
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    cookies: dict[str, str] = {}
    try:
        jar: SimpleCookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        cookies = {name: morsel.value for name, morsel in jar.items()}
    except CookieError:
        pass
    query = dict(parse_qsl(environ.get("QUERY_STRING", ""), max_num_fields=20))
    return Request(
        method=environ.get("REQUEST_METHOD", "GET").upper(),
        path=environ.get("PATH_INFO", "/") or "/",
        host=environ.get("HTTP_HOST", ""),
        origin=environ.get("HTTP_ORIGIN"),
        content_type=environ.get("CONTENT_TYPE", ""),
        cookies=cookies,
        body=body,
        query=query,
    )


def log_path(path: str) -> str:
    """The path as it may be logged: a pairing link's secret is replaced, a query is never logged."""
    return _SECRET_PATH.sub("/p/[secret]", path)


def status_line(status: int) -> str:
    return f"{status} {HTTPStatus(status).phrase}"


Handler = Callable[[Request], Response]


class Router:
    """Routes ``METHOD /path/<name>`` patterns to handlers; ``<name>`` matches one path segment."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        regex = "^" + re.sub(r"<(\w+)>", r"(?P<\1>[^/]+)", pattern) + "$"
        self._routes.append((method, re.compile(regex), handler))

    def find(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | int:
        """The handler and its params, or 404 (no such path) / 405 (not with this method)."""
        allowed = False
        for route_method, regex, handler in self._routes:
            found = regex.match(path)
            if found is None:
                continue
            if route_method == method or (route_method == "GET" and method == "HEAD"):
                return handler, found.groupdict()
            allowed = True
        return 405 if allowed else 404
