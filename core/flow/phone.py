"""The "Control from your phone" QR of the slideshow and of the choose screen: asked for, shown for its 10
minutes, hidden again; and the button that asks for it offered only while the companion runs."""

from __future__ import annotations

from dataclasses import replace

from core.flow.effects import Effect, OpenPhonePairing
from core.flow.events import PhonePairingOpened
from core.flow.memory import Machine
from core.states import Choose, Slideshow, State

Outcome = tuple[Machine, list[Effect]]
Offers = Slideshow | Choose  # the screens that offer the pairing QR


def _offers(m: Machine, st: State) -> bool:
    """``st`` offers the pairing QR: the slideshow, or a choose screen whose link is on the TV (a phone that
    started the picking has the page already)."""
    return m.companion and (isinstance(st, Slideshow) or (isinstance(st, Choose) and not st.on_phone))


def on_phone(m: Machine) -> Outcome:
    """The "Phone" button (or P) on the slideshow or the choose screen: open pairing, or hide the QR on show."""
    st = m.state
    if not isinstance(st, Offers) or not _offers(m, st):
        return m, []
    if st.pairing_url is not None:
        return hide(m), []
    return m, [OpenPhonePairing()]


def on_opened(m: Machine, e: PhonePairingOpened, now: float) -> Outcome:
    """The link is open: its QR is shown (only if a screen that offers it is still what is on show)."""
    st = m.state
    if not isinstance(st, Offers) or not _offers(m, st):
        return m, []
    return replace(m, state=replace(st, pairing_url=e.url, pairing_until=now + e.expires_in)), []


def showing(st: State) -> bool:
    """The pairing QR is on show (in place of the slideshow or of the picker's code)."""
    return isinstance(st, Offers) and st.pairing_url is not None


def hide(m: Machine) -> Machine:
    st = m.state
    if isinstance(st, Offers) and st.pairing_url is not None:
        return replace(m, state=replace(st, pairing_url=None, pairing_until=0.0))
    return m


def settle(m: Machine, now: float) -> Machine:
    """After every step: the screens offer the pairing QR exactly when the companion runs; a QR whose link has
    run out is gone."""
    st = m.state
    if not isinstance(st, Offers):
        return m
    offered = _offers(m, st)
    if st.phone != offered:
        st = replace(st, phone=offered)
    if st.pairing_url is not None and (not offered or now >= st.pairing_until):
        st = replace(st, pairing_url=None, pairing_until=0.0)
    return m if st is m.state else replace(m, state=st)
