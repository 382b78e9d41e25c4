"""The buttons a screen offers: a label and the UserAction it sends; the fixed menus of the journey."""

from __future__ import annotations

from dataclasses import dataclass

from core.states import UserAction


@dataclass(frozen=True)
class MenuItem:
    """One button of a screen's menu or hint bar."""

    label: str
    action: UserAction


SLIDESHOW_MENU = (
    MenuItem("Add photos", UserAction.ADD),
    MenuItem("Replace photos", UserAction.REPLACE),
    MenuItem("Sign out", UserAction.SIGN_OUT),
)
CHOOSE_MENU = (MenuItem("New link", UserAction.RETRY), MenuItem("Cancel", UserAction.CANCEL))
SIGNED_OUT_MENU = (MenuItem("Connect again", UserAction.RETRY),)
