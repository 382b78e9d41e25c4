"""`python -m core.emulator`: the stand-in Google on its own."""

from __future__ import annotations

import argparse
import sys

from core.emulator.cli import add_arguments, run


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m core.emulator", description="A stand-in for Google on loopback.")
    add_arguments(parser)
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
