"""Signing in to Google: the device grant, the authorization code + PKCE way (phone, computer), the token store and
the google-auth credentials built on it."""
