"""The `picker-kiosk` console script and `python -m device`: the collector paused, then the app imported."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from device import startup


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI (``argv`` as device.app.main takes it) with collection paused until the first screen."""
    startup.pause()
    try:
        from device.app import main as app_main  # after the pause: importing it is most of start-up

        return app_main(argv)
    finally:
        startup.finished()


if __name__ == "__main__":
    sys.exit(main())
