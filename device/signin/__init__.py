"""Signing in to Google: the device grant, the token store and the google-auth credentials built on it."""
