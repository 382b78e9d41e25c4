"""A `requests.Session` that looks up the environment's proxies once per host, and never sends ~/.netrc logins.

With ``trust_env`` (requests' default, kept: HTTPS_PROXY, NO_PROXY and REQUESTS_CA_BUNDLE still apply),
every request asks urllib for the proxies twice (should the host bypass them, and which are they), and each
time urllib decodes the whole process environment: ~1 ms a request on a small machine, a quarter of the
CPU of downloading a photo. A kiosk's environment does not change while it runs, so the answer is kept per
scheme, host and ``no_proxy``; the rest is what requests does (``merge_environment_settings``).

requests also reads ~/.netrc (or $NETRC) at every request without credentials of its own and sends what it
finds for the host (or a ``default`` entry, which matches every host) as Basic auth, over the bearer token
google.auth put in the headers: a frame whose owner keeps an FTP password in ~/.netrc would send it to Google
and be refused with 401. Every request of the kiosk is authorized by OAuth, so no netrc login is sent, nor
looked for (importing netrc and shlex, a file lookup per request); a redirect to another host still drops
the Authorization header, as requests does.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.auth
from requests import sessions
from requests.utils import get_environ_proxies

_Key = tuple[str, str, str | None]
_merge: Callable[[Any, Any], Any] = sessions.merge_setting  # untyped in types-requests
_should_strip: Callable[[Any, str, str], bool] = sessions.SessionRedirectMixin.should_strip_auth  # the same


class _NoLogin(requests.auth.AuthBase):
    """The session's own auth, which leaves a request as it is: requests looks in ~/.netrc only without one."""

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        return r


class ProxiesOnce(requests.Session):
    """Mix in before any other ``requests.Session`` class (google.auth's AuthorizedSession is one)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.auth = _NoLogin()

    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: requests.Response) -> None:
        """On a redirect to another host, drop the Authorization header (requests would then look in ~/.netrc)."""
        old, new = response.request.url, prepared_request.url
        if "Authorization" in prepared_request.headers and old and new and _should_strip(self, old, new):
            del prepared_request.headers["Authorization"]

    def merge_environment_settings(  # type: ignore[override]  # types-requests' parameter types vary by version
        self, url: str, proxies: dict[str, str] | None, stream: Any, verify: Any, cert: Any
    ) -> Any:
        if not self.trust_env:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        no_proxy = proxies.get("no_proxy") if proxies is not None else None
        parts = urlsplit(url)
        known: dict[_Key, dict[str, str]] = self.__dict__.setdefault("_environ_proxies", {})
        key = (parts.scheme, parts.netloc, no_proxy)
        found = known.get(key)
        if found is None:
            found = known[key] = get_environ_proxies(url, no_proxy=no_proxy)
        if proxies is not None:
            for scheme, proxy in found.items():
                proxies.setdefault(scheme, proxy)
        if verify is True or verify is None:
            verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or verify
        return {
            "proxies": _merge(proxies, self.proxies),
            "stream": _merge(stream, self.stream),
            "verify": _merge(verify, self.verify),
            "cert": _merge(cert, self.cert),
        }
