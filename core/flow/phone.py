"""The slideshow's "Control from your phone" QR: asked for, shown for its 10 minutes, hidden again; and the
"Phone" button offered only while the companion runs."""

from __future__ import annotations

from dataclasses import replace

from core.flow.effects import Effect, OpenPhonePairing
from core.flow.events import PhonePairingOpened
from core.flow.memory import Machine
from core.states import Slideshow

Outcome = tuple[Machine, list[Effect]]


def on_phone(m: Machine) -> Outcome:
    """The "Phone" button (or P) on the slideshow: open pairing, or hide the QR already on show."""
    st = m.state
    if not m.companion or not isinstance(st, Slideshow):
        return m, []
    if st.pairing_url is not None:
        return hide(m), []
    return m, [OpenPhonePairing()]


def on_opened(m: Machine, e: PhonePairingOpened, now: float) -> Outcome:
    """The link is open: its QR goes over the slideshow (only if the slideshow is still what is on show)."""
    st = m.state
    if not m.companion or not isinstance(st, Slideshow):
        return m, []
    return replace(m, state=replace(st, pairing_url=e.url, pairing_until=now + e.expires_in)), []


def hide(m: Machine) -> Machine:
    st = m.state
    if isinstance(st, Slideshow) and st.pairing_url is not None:
        return replace(m, state=replace(st, pairing_url=None, pairing_until=0.0))
    return m


def settle(m: Machine, now: float) -> Machine:
    """After every step: the slideshow offers "Phone" exactly when the companion runs; a QR whose link has run
    out is gone."""
    st = m.state
    if not isinstance(st, Slideshow):
        return m
    if st.phone != m.companion:
        st = replace(st, phone=m.companion)
    if st.pairing_url is not None and (not m.companion or now >= st.pairing_until):
        st = replace(st, pairing_url=None, pairing_until=0.0)
    return m if st is m.state else replace(m, state=st)
