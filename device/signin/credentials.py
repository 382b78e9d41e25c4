"""google-auth credentials on a StoredToken: shared by the download threads, refreshed once, saved."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from google.auth.exceptions import GoogleAuthError, RefreshError

from core.config import GoogleConfig
from core.errors import ApiError
from device.signin.token import StoredToken, TokenStore, account_from_id_token

if TYPE_CHECKING:
    from google.auth.transport.requests import AuthorizedSession
    from google.oauth2.credentials import Credentials

log = logging.getLogger(__name__)


def _naive_utc(when: datetime | None) -> datetime | None:
    if when is None:
        return None
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def _aware_utc(when: datetime | None) -> datetime | None:
    if when is None:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


@functools.cache
def _shared_credentials() -> Callable[..., Credentials]:
    """The SharedCredentials class, made on first use.

    google-auth's credentials module pulls in cryptography, a noticeable part of a Pi's start-up, and the
    sign-in screen needs none of it: importing it lazily keeps the first QR code quick.
    """
    from google.oauth2.credentials import Credentials

    class SharedCredentials(Credentials):
        """Credentials that several download threads share: one refresh at a time, the result saved.

        google-auth has no lock around refresh; without one, N threads with an expired token make N refresh calls.
        Garbled token-endpoint answers, which google-auth lets escape as TypeError/KeyError, become RefreshError.
        """

        def __init__(self, *args: Any, on_refresh: Callable[[Credentials], None] | None = None, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
            self._refresh_lock = threading.RLock()
            self._on_refresh = on_refresh
            self._sent = threading.local()  # the access token this thread's last request carried

        def apply(self, headers: Any, token: str | None = None) -> None:
            super().apply(headers, token)  # type: ignore[no-untyped-call]
            self._sent.token = token or self.token

        def _blocking_refresh(self, request: Any) -> None:
            with self._refresh_lock:
                if not self.valid:
                    self.refresh(request)

        def refresh(self, request: Any) -> None:
            # Compared with the token the refused request carried, not the one current now: a 401 that comes
            # back after another thread's refresh needs no refresh of its own, only the retry.
            seen = getattr(self._sent, "token", None) or self.token
            with self._refresh_lock:
                if self.token != seen and self.valid:
                    return  # another thread refreshed since this one's request was sent
                try:
                    super().refresh(request)  # type: ignore[no-untyped-call]
                except GoogleAuthError:
                    raise
                except (TypeError, KeyError, ValueError, AttributeError, OverflowError) as exc:
                    raise RefreshError("garbled token answer", retryable=True) from exc  # type: ignore[no-untyped-call]
                log.debug("access token refreshed")
                if self._on_refresh is not None:
                    self._on_refresh(self)

    return SharedCredentials


def client_of(token: StoredToken, google: GoogleConfig) -> tuple[str, str]:
    """The (id, secret) of the OAuth client that made ``token``: the desktop client's when it names it, else the
    device client's (token files written before the client was recorded are the device client's)."""
    desktop = google.desktop
    if desktop is not None and token.client_id == desktop.client_id:
        return desktop.client_id, desktop.client_secret
    if token.client_id not in (None, google.client_id):
        log.warning("the stored sign-in was made by an OAuth client this config does not name; refreshing may fail")
    return google.client_id, google.client_secret


def credentials(
    token: StoredToken,
    google: GoogleConfig,
    *,
    on_refresh: Callable[[Credentials], None] | None = None,
) -> Credentials:
    """google-auth Credentials for ``token``, refreshing at ``{auth_url}/token``.

    Built directly: ``from_authorized_user_info`` would reset token_uri to Google's and bypass the emulator.
    It refreshes with the client that made the token (``token.client_id``): Google refuses any other.
    """
    client_id, client_secret = client_of(token, google)
    return _shared_credentials()(
        token.access_token,
        refresh_token=token.refresh_token,
        token_uri=f"{google.auth_url}/token",
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(token.scopes),
        expiry=_naive_utc(token.expiry),
        on_refresh=on_refresh,
    )


def token_from_credentials(creds: Credentials, previous: StoredToken) -> StoredToken:
    """The StoredToken after a refresh: new access token and expiry, the rest kept unless Google sent new."""
    access = creds.token
    if not isinstance(access, str):
        raise RefreshError("no access token after refresh", retryable=True)  # type: ignore[no-untyped-call]
    return StoredToken(
        access_token=access,
        refresh_token=creds.refresh_token or previous.refresh_token,
        expiry=_aware_utc(creds.expiry),
        scopes=previous.scopes,
        account=account_from_id_token(creds.id_token) or previous.account,
        client_id=previous.client_id,
    )


def authorized_session(token: StoredToken, google: GoogleConfig, store: TokenStore | None) -> AuthorizedSession:
    """A requests Session that adds the Bearer and refreshes it (once, whatever the thread count), saving it."""
    current = [token]

    def saved(creds: Credentials) -> None:
        current[0] = token_from_credentials(creds, current[0])
        if store is None:
            return
        try:
            store.save(current[0])
        except OSError as exc:
            # The new access token still works for this run; the next start refreshes again.
            log.warning("could not save the refreshed sign-in (%s)", type(exc).__name__)

    return _retrying_session()(credentials(token, google, on_refresh=saved))


# A 401 is answered by a refresh and a retry, this many times for one request (google-auth's default is 2: a
# burst of revoked access tokens under load then ended in "sign in again" although the refresh token was fine).
MAX_REFRESHES = 5


@functools.cache
def _retrying_session() -> Callable[[Credentials], AuthorizedSession]:
    """The AuthorizedSession class that tells "refused again and again" from "signed out" (made on first use)."""
    from google.auth.transport.requests import AuthorizedSession, Request
    from requests.adapters import HTTPAdapter

    from core.proxies import ProxiesOnce

    class RetryingSession(ProxiesOnce, AuthorizedSession):
        """Still 401 after MAX_REFRESHES good refreshes: a retryable ApiError, never SignInRequired.

        Only a refused refresh (invalid_grant, raised by the refresh itself) means signing in again.
        """

        def __init__(self, creds: Credentials) -> None:
            # The refresh goes through a session of ours as well (google-auth would make a plain one, which
            # sends a ~/.netrc login for oauth2.googleapis.com as Basic auth beside the client's secret).
            refreshing = ProxiesOnce()
            refreshing.mount("https://", HTTPAdapter(max_retries=3))  # google-auth's own, for network errors
            super().__init__(creds, auth_request=Request(refreshing), max_refresh_attempts=MAX_REFRESHES)

        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            response = super().request(method, url, *args, **kwargs)  # type: ignore[no-untyped-call]
            if response.status_code == 401 and kwargs.get("_credential_refresh_attempt") is None:
                response.close()
                raise ApiError(
                    "Google refused freshly renewed access several times in a row; the device will try again.",
                    status=401,
                    code="UNAUTHENTICATED",
                    retryable=True,
                )
            return response

    return RetryingSession
