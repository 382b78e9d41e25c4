"""core.proxies: the proxies apply as requests applies them, looked up once per host; no ~/.netrc login is sent."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from core.proxies import ProxiesOnce

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


class _Server(ThreadingHTTPServer):
    def __init__(self, name: str) -> None:
        super().__init__(("127.0.0.1", 0), _Recorder)
        self.name = name
        self.seen: list[str] = []
        self.auth: list[str | None] = []  # the Authorization header of each request


class _Recorder(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self.server.seen.append(self.path)
        self.server.auth.append(self.headers.get("Authorization"))
        if self.path.startswith("/redirect/"):
            self.send_response(302)
            self.send_header("Location", self.path.removeprefix("/redirect/"))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = self.server.name.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(name: str) -> _Server:
    server = _Server(name)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def servers() -> Iterator[tuple[_Server, _Server]]:
    """A loopback "proxy" and a loopback site; each answers with its name and records the paths it was asked."""
    proxy, site = _serve("proxy"), _serve("site")
    yield proxy, site
    for server in (proxy, site):
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))  # the machine's own ~/.netrc is not this test's
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.mark.parametrize(
    "environment",
    [
        {},
        {"HTTPS_PROXY": "http://127.0.0.1:3128"},
        {"HTTPS_PROXY": "http://127.0.0.1:3128", "NO_PROXY": "googleapis.com,.example.test"},
        {"http_proxy": "http://127.0.0.1:8080", "no_proxy": "*"},
        {"ALL_PROXY": "socks5://127.0.0.1:1080", "REQUESTS_CA_BUNDLE": "/etc/ssl/corp.pem"},
    ],
)
@pytest.mark.parametrize(
    "url", ["https://photospicker.googleapis.com/v1/sessions", "http://lh3.example.test/x=w10", "http://10.0.0.1/"]
)
def test_the_settings_are_those_requests_would_use(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], url: str
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    for given in ({}, {"no_proxy": "lh3.example.test"}, {"https": "http://127.0.0.1:9"}):
        ours = ProxiesOnce().merge_environment_settings(url, dict(given), None, None, None)
        theirs = requests.Session().merge_environment_settings(url, dict(given), None, None, None)
        assert ours == theirs
        again = ProxiesOnce()
        again.merge_environment_settings(url, dict(given), None, None, None)
        assert again.merge_environment_settings(url, dict(given), None, None, None) == theirs  # from what it kept


def test_requests_go_through_the_proxy_the_environment_names_except_where_no_proxy_says(
    monkeypatch: pytest.MonkeyPatch, servers: tuple[_Server, _Server]
) -> None:
    proxy, site = servers
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_port}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    http = ProxiesOnce()
    # photos.invalid never resolves: only the proxy can have answered.
    assert http.get("http://photos.invalid/media/1", timeout=5).text == "proxy"
    assert proxy.seen == ["http://photos.invalid/media/1"]
    assert http.get(f"http://127.0.0.1:{site.server_port}/direct", timeout=5).text == "site"
    assert site.seen == ["/direct"] and len(proxy.seen) == 1


def test_the_environment_is_read_once_for_each_host(
    monkeypatch: pytest.MonkeyPatch, servers: tuple[_Server, _Server]
) -> None:
    proxy, site = servers
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_port}")
    http = ProxiesOnce()
    assert http.get("http://photos.invalid/1", timeout=5).text == "proxy"
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{site.server_port}")  # changed while the kiosk runs
    assert http.get("http://photos.invalid/2", timeout=5).text == "proxy", "the host's proxy was kept"
    assert http.get("http://other.invalid/3", timeout=5).text == "site", "a new host reads the environment"
    assert proxy.seen == ["http://photos.invalid/1", "http://photos.invalid/2"]
    assert site.seen == ["http://other.invalid/3"]


def test_a_netrc_login_is_never_sent_over_or_instead_of_the_token(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, servers: tuple[_Server, _Server]
) -> None:
    """A ``default`` entry of ~/.netrc matches every host: requests would send it to Google as Basic auth."""
    _, site = servers
    netrc = tmp_path / "netrc"
    netrc.write_text("default login frame password ftp-secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    url = f"http://127.0.0.1:{site.server_port}/v1/sessions"
    requests.Session().get(url, headers={"Authorization": "Bearer token-1"}, timeout=5)
    assert site.auth[-1] is not None and site.auth[-1].startswith("Basic "), "requests itself sends the login"
    ours = ProxiesOnce()
    ours.get(url, headers={"Authorization": "Bearer token-1"}, timeout=5)
    assert site.auth[-1] == "Bearer token-1"
    ours.get(url, timeout=5)
    assert site.auth[-1] is None


def test_a_redirect_keeps_the_token_on_its_host_and_sends_nothing_to_another(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, servers: tuple[_Server, _Server]
) -> None:
    proxy, site = servers
    netrc = tmp_path / "netrc"
    netrc.write_text("default login frame password ftp-secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    http = ProxiesOnce()
    http.headers["Authorization"] = "Bearer token-1"
    here = f"http://127.0.0.1:{site.server_port}"
    assert http.get(f"{here}/redirect/{here}/photo", timeout=5).text == "site"
    assert site.auth == ["Bearer token-1", "Bearer token-1"]
    elsewhere = f"http://localhost:{proxy.server_port}/photo"  # another host name, still this machine
    assert http.get(f"{here}/redirect/{elsewhere}", timeout=5).text == "proxy"
    assert proxy.auth == [None]
