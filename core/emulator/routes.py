"""Which endpoint a request is for: the names faults and records use."""

from __future__ import annotations

from core.emulator.consent import AUTHORIZE_PATH, CODE_GRANT
from core.emulator.wire import Request


def endpoint_of(req: Request) -> str:
    """The name of the endpoint a request is for, as faults and records call it (see faults.ENDPOINTS)."""
    method, path = req.method, req.path
    if path == "/device/code" and method == "POST":
        return "device_code"
    if path == "/token" and method == "POST":
        grant_type = req.form.get("grant_type")
        return {"refresh_token": "refresh", CODE_GRANT: "exchange"}.get(grant_type or "", "token")
    if path == AUTHORIZE_PATH and method in ("GET", "POST"):
        return "authorize"
    if path == "/revoke" and method == "POST":
        return "revoke"
    if path == "/v1/sessions" and method == "POST":
        return "sessions.create"
    if path.startswith("/v1/sessions/") and path.count("/") == 3:
        return {"GET": "sessions.get", "DELETE": "sessions.delete"}.get(method, "unknown")
    if path == "/v1/mediaItems" and method == "GET":
        return "mediaItems.list"
    if path.startswith("/media/") and method == "GET":
        return "media"
    if path.startswith("/pick/") and method == "GET":
        return "picker_page"
    if path == "/device" and method == "GET":
        return "device_page"
    return "unknown"
