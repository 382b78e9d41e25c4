"""The buttons a screen offers: a label and the UserAction it sends; the fixed menus of the journey."""

from __future__ import annotations

from core.record import record
from core.states import UserAction


@record
class MenuItem:
    """One button of a screen's menu or hint bar."""

    label: str
    action: UserAction


SLIDESHOW_MENU = (
    MenuItem("Add photos", UserAction.ADD),
    MenuItem("Replace photos", UserAction.REPLACE),
    MenuItem("Sign out", UserAction.SIGN_OUT),
)
PHONE_ITEM = MenuItem("Phone", UserAction.PHONE)  # the companion's pairing QR (only while the companion runs)
PHONE_PAIRING_MENU = (MenuItem("Close", UserAction.PHONE),)
CHOOSE_PHONE_ITEM = MenuItem("Phone remote", UserAction.PHONE)  # the same QR from the choose screen
# The focus starts on the first button: never the one that throws away what the phone has picked.
CHOOSE_MENU = (MenuItem("Cancel", UserAction.CANCEL), MenuItem("New link", UserAction.RETRY))
CHOOSE_CONFIRM_MENU = (MenuItem("Keep this link", UserAction.CANCEL), MenuItem("Replace link", UserAction.RETRY))
CONFIRM_SIGN_OUT_MENU: tuple[MenuItem, ...] = (
    MenuItem("Cancel", UserAction.CANCEL),
    MenuItem("Sign out, keep the photos", UserAction.SIGN_OUT),
    MenuItem("Sign out and remove the photos from this device", UserAction.SIGN_OUT_REMOVE),
)
CONFIRM_SIGN_OUT_EMPTY_MENU = (MenuItem("Cancel", UserAction.CANCEL), MenuItem("Sign out", UserAction.SIGN_OUT))
SIGNED_OUT_MENU = (MenuItem("Connect again", UserAction.RETRY),)
