"""What runs on the device: sign-in, wiring and the CLI, the pygame and terminal renderers."""
