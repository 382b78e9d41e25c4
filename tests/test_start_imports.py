"""What the way to the first screen leaves unloaded: the library's download code (it loads with the first
download), and the names core.library offers from it still resolve."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import ROOT

_PROBE = """
import sys
import device.app, device.journey, device.wiring
later = [m for m in ("core.library.sync", "core.library.fetch", "concurrent.futures.process", "uuid", "difflib")
         if m in sys.modules]
from core.library import DownloadReport, MediaSource, ProgressCallback
from core.library.sync import DownloadReport as Report
assert DownloadReport is Report and MediaSource.__name__ == "MediaSource" and ProgressCallback is not None
print(later)
"""


def test_starting_the_kiosk_loads_no_download_code_and_the_lazy_names_resolve() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    import core.library

    name = "NoSuchThing"
    with pytest.raises(AttributeError, match=name):
        getattr(core.library, name)
