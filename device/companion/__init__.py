"""The device's small web server on the local network: phone sign-in, pairing and the phone companion page."""
