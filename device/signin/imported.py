"""A sign-in made elsewhere, as google-auth's ``authorized_user`` JSON: checked at Google, then a StoredToken.

Used by `picker-kiosk login --import FILE` and by the device's ``POST /login`` (`login --to`). The token is
refreshed once with the client that made it, which proves it works and tells the scopes and the account.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.config import GoogleConfig
from core.errors import AuthError, SignInRequired
from core.transport import Transport
from device.signin.oauth import common_error, oauth_error, token_from_answer
from device.signin.token import StoredToken

MAX_FIELD = 4096


def _field(info: Mapping[str, object], key: str) -> str:
    value = info.get(key)
    if not isinstance(value, str) or not value or len(value) > MAX_FIELD or not value.isprintable():
        raise AuthError(f"The sign-in to import has no usable {key} (google-auth's authorized_user JSON is expected).")
    return value


def client_secret_for(client_id: str, google: GoogleConfig) -> str:
    """The secret of ``client_id`` when it is one of the config's two clients; AuthError otherwise."""
    if client_id == google.client_id:
        return google.client_secret
    if google.desktop is not None and client_id == google.desktop.client_id:
        return google.desktop.client_secret
    raise AuthError(
        "This sign-in was made with an OAuth client this device's config does not name; sign in with the "
        "config's [google.desktop] client (picker-kiosk login --config FILE)."
    )


def token_from_authorized_user(info: Mapping[str, object], google: GoogleConfig, transport: Transport) -> StoredToken:
    """Check ``info`` (``client_id``, ``refresh_token``; ``type`` authorized_user if given) by refreshing it."""
    kind = info.get("type")
    if kind is not None and kind != "authorized_user":
        raise AuthError("The sign-in to import is not google-auth's authorized_user JSON.")
    client_id = _field(info, "client_id")
    refresh_token = _field(info, "refresh_token")
    secret = client_secret_for(client_id, google)
    reply = transport.call(
        "POST",
        f"{google.auth_url}/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_id,
            "client_secret": secret,
        },
        retry=False,
    )
    if reply.status == 200 and isinstance(reply.body, dict):
        body = {**reply.body, "refresh_token": reply.body.get("refresh_token") or refresh_token}
        token = token_from_answer(body, client_id, again="Sign in again")
        account = info.get("account")
        if token.account is None and isinstance(account, str) and 0 < len(account) <= 320 and account.isprintable():
            from dataclasses import replace

            token = replace(token, account=account)
        return token
    error = oauth_error(reply)
    if error == "invalid_grant":
        raise SignInRequired("Google no longer accepts this sign-in (it was revoked or has expired); sign in again.")
    raise common_error(error, reply)
