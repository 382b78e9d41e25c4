"""A `requests.Session` that looks up the environment's proxies once per host instead of at every request.

With ``trust_env`` (requests' default, kept: HTTPS_PROXY, NO_PROXY and REQUESTS_CA_BUNDLE still apply),
every request asks urllib for the proxies twice (should the host bypass them, and which are they), and each
time urllib decodes the whole process environment: ~1 ms a request on a small machine, a quarter of the
CPU of downloading a photo. A kiosk's environment does not change while it runs, so the answer is kept per
scheme, host and ``no_proxy``; the rest is what requests does (``merge_environment_settings``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from requests import sessions
from requests.utils import get_environ_proxies

_Key = tuple[str, str, str | None]
_merge: Callable[[Any, Any], Any] = sessions.merge_setting  # untyped in types-requests


class ProxiesOnce(requests.Session):
    """Mix in before any other ``requests.Session`` class (google.auth's AuthorizedSession is one)."""

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
