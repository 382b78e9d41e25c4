"""Start-up overlaps: the QR encoder loads while the first sign-in code is on its way, and only then."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from core.emulator import Emulator, Person
from core.emulator.testing import KIOSK
from tests.helpers import CLIENT_ID, CLIENT_SECRET, ROOT, write_config

# In a fresh interpreter (this one may have loaded qrcode already): the hook at the loop's first two turns.
_PROBE = """
import sys
from core.states import Connect, Slideshow, Starting
from device.journey import prepare_qr_while_asking
code = Connect(verification_url="x/y", qr_url="https://x/y?c=AB", user_code="AB", expires_at=9.0, interval=5.0,
               next_poll_at=5.0)
states = {"starting": Starting(), "connect": code, "slideshow": Slideshow(count=3)}
hook = prepare_qr_while_asking(sys.argv[1] == "asking")
first, then = (states[s] for s in sys.argv[2:4])
assert hook(first, 0.0) is False
loaded = "qrcode" in sys.modules
assert hook(then, 0.1) is False
print(loaded, "qrcode" in sys.modules)
"""


def _probe(asking: str, first: str, then: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, asking, first, then], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("asking", "first", "then", "expected"),
    [
        ("asking", "starting", "starting", "True True"),  # the code is on its way: load it now
        ("asking", "connect", "starting", "False False"),  # the code came before the first turn: the screen loads it
        ("quiet", "starting", "starting", "False False"),  # signed in: the slideshow shows no QR code
        ("quiet", "slideshow", "slideshow", "False False"),
    ],
)
def test_the_qr_encoder_loads_at_the_first_turn_only_while_a_code_is_awaited(
    asking: str, first: str, then: str, expected: str
) -> None:
    assert _probe(asking, first, then) == expected


def test_a_slow_sign_in_answer_still_gets_its_code_on_the_screen() -> None:
    """Google answering late (the display and the encoder are ready long before it): the Connect screen is
    drawn once the code has come."""
    person = Person(answer="never")
    with (
        Emulator(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, person=person, latency=0.6) as emu,
        tempfile.TemporaryDirectory() as tmp,
    ):
        config = write_config(Path(tmp), emu.url)
        app = subprocess.Popen(
            [*KIOSK, "-v", "run", "--config", str(config), "--size", "640x360"],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            env={**_env(), "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"},
        )
        lines: list[str] = []
        try:
            assert app.stderr is not None
            for line in app.stderr:
                lines.append(line)
                if "drawn: connect" in line:
                    break
        finally:
            app.terminate()
            app.wait(timeout=20)
        log = "".join(lines)
        assert "drawn: connect" in log, log
        assert log.index("sign-in code issued") < log.index("drawn: connect")


def _env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    env.pop("PICKER_KIOSK_CONFIG", None)
    return env
