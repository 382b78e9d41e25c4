"""One scene per state of the journey: its menu, its deadline and countdown, what makes it a new frame, how it
is drawn (pygame, by the builders) and how it reads in a terminal. ``scene_for`` is the one table both
renderers look a state up in; this module imports no pygame."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar
from urllib.parse import urlsplit

from core.record import record
from core.states import (
    Choose,
    ConfirmSignOut,
    Connect,
    Downloading,
    Problem,
    SignedOut,
    SignInOnPhone,
    Slideshow,
    Starting,
    State,
    UserAction,
)
from device.ui.menu import (
    CHOOSE_CONFIRM_MENU,
    CHOOSE_MENU,
    CHOOSE_PHONE_ITEM,
    CONFIRM_SIGN_OUT_EMPTY_MENU,
    CONFIRM_SIGN_OUT_MENU,
    PHONE_ITEM,
    PHONE_PAIRING_MENU,
    SIGNED_OUT_MENU,
    SLIDESHOW_MENU,
    MenuItem,
)
from device.ui.qr import qr_lines
from device.ui.wording import clock_time, countdown, download_notes, photo_count, progress_bar

if TYPE_CHECKING:
    import pygame

    from device.ui.frame import Context, Frame

S = TypeVar("S", bound=State)
WRONG_ACCOUNT = {"no-photos-account"}  # problems that another Google account could solve


@record
class View:
    """What the pygame screen adds to a state when it draws it: the focus, the hint bar, the photo under it."""

    focus: int = 0
    menu_visible: bool = False
    caption: str | None = None  # the date of the photo on show, when captions are on
    waiting: bool = False  # over photos: none is decoded yet
    empty: bool = False  # over photos: the library has none
    thumbs_version: int = 0
    placeholder: str | None = None  # over photos, in place of one: what to say instead
    paused: bool = False  # the slideshow stays on this photo
    clock: tuple[str, str] | None = None  # the time and the date over the photos, when the clock is on
    clock_style: str = "corner"


class Scene(Generic[S]):
    """How one type of state looks; the defaults are a still screen without buttons or countdown."""

    name: ClassVar[str]
    menu_sleeps: ClassVar[bool] = False  # the menu is a hint bar that hides until a key is pressed
    thumbnails: ClassVar[bool] = False  # the newest downloads are shown as thumbnails
    focus_first: ClassVar[int] = 0  # the button focused when the screen appears; -1: none until a key is pressed

    def menu(self, state: S) -> tuple[MenuItem, ...]:
        """The buttons the state offers, in focus order; the first one has the focus when it appears."""
        return ()

    def over_photos(self, state: S) -> bool:
        """Drawn over the slideshow (which keeps going) rather than on the plain backdrop."""
        return False

    def deadline(self, state: S) -> float | None:
        """When the countdown on screen reaches zero (on the loop's clock); None without one."""
        return None

    def slot_texts(self, state: S, left: float) -> dict[str, str]:
        """The texts that change with time, by slot name, ``left`` seconds before the deadline."""
        return {}

    def key(self, state: S, view: View) -> Hashable:
        """What the still part of the frame is drawn from: a new key is a new frame."""
        return (self.name,)

    def build(self, ctx: Context, state: S, view: View, thumbs: Sequence[pygame.Surface]) -> Frame:
        raise NotImplementedError

    def terminal_key(self, state: S) -> object:
        """What makes a state a new terminal screen (rather than the same screen with a new count)."""
        return state

    def terminal_lines(self, state: S, colour: bool, qr: bool = True) -> list[str]:
        """The lines printed once when the screen appears, title first; with ``qr`` False (the terminal is too
        small for it) a QR code is replaced by a sentence saying so, the link being given as text anyway."""
        return []

    def terminal_status(self, state: S, now: float) -> str | None:
        """The live status line under it, as of ``now``."""
        return None


class StartingScene(Scene[Starting]):
    name = "starting"

    def key(self, state: Starting, view: View) -> Hashable:
        return ("starting", state.message)

    def build(self, ctx: Context, state: Starting, view: View, thumbs: Sequence[pygame.Surface]) -> Frame:
        from device.ui.builders import build_starting

        return build_starting(ctx, state)

    def terminal_lines(self, state: Starting, colour: bool, qr: bool = True) -> list[str]:
        return [state.message]


class ConnectScene(Scene[Connect]):
    name = "connect"

    def deadline(self, state: Connect) -> float | None:
        return state.expires_at

    def slot_texts(self, state: Connect, left: float) -> dict[str, str]:
        return {"countdown": f"This code expires in {countdown(left)}" if left > 0 else "This code has expired."}

    def key(self, state: Connect, view: View) -> Hashable:
        return ("connect", state.verification_url, state.qr_url, state.user_code)

    def build(self, ctx: Context, state: Connect, view: View, thumbs: Sequence[pygame.Surface]) -> Frame:
        from device.ui.builders import build_connect

        return build_connect(ctx, state)

    def terminal_key(self, state: Connect) -> object:
        return ("connect", state.user_code, state.qr_url)

    def terminal_lines(self, state: Connect, colour: bool, qr: bool = True) -> list[str]:
        return [
            "Scan to connect" if qr else "Connect this frame",
            *_qr_or_why(state.qr_url, colour, qr),
            f"On your phone, go to {state.verification_url}",
            f"and enter the code:  {state.user_code}",
        ]

    def terminal_status(self, state: Connect, now: float) -> str | None:
        return f"Waiting for you to sign in… code expires in {clock_time(state.expires_at - now)}"


def device_address(url: str) -> str:
    """``http://host:port`` of a pairing link: where `picker-kiosk login --to` sends a sign-in."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class SignInOnPhoneScene(Scene[SignInOnPhone]):
    name = "sign-in-phone"

    def deadline(self, state: SignInOnPhone) -> float | None:
        return state.expires_at

    def slot_texts(self, state: SignInOnPhone, left: float) -> dict[str, str]:
        return {"countdown": f"This link expires in {countdown(left)}" if left > 0 else "A new link is coming."}

    def key(self, state: SignInOnPhone, view: View) -> Hashable:
        return ("sign-in-phone", state.pairing_url, state.login_code)

    def build(self, ctx: Context, state: SignInOnPhone, view: View, thumbs: Sequence[pygame.Surface]) -> Frame:
        from device.ui.builders import build_sign_in_phone

        return build_sign_in_phone(ctx, state)

    def terminal_key(self, state: SignInOnPhone) -> object:
        return ("sign-in-phone", state.pairing_url)

    def terminal_lines(self, state: SignInOnPhone, colour: bool, qr: bool = True) -> list[str]:
        return [
            "Sign in with your phone",
            *_qr_or_why(state.pairing_url, colour, qr),
            "Scan the code with a phone on the same network, or open this link on it:",
            f"  {state.pairing_url}",
            f"From a computer: picker-kiosk login --to {device_address(state.pairing_url)} --code {state.login_code}",
            "",
        ]

    def terminal_status(self, state: SignInOnPhone, now: float) -> str | None:
        return f"Waiting for the phone… link expires in {clock_time(state.expires_at - now)}"


class ChooseScene(Scene[Choose]):
    name = "choose"
    focus_first = -1  # an OK pressed by accident must not cancel (or replace) the link the phone is using

    def menu(self, state: Choose) -> tuple[MenuItem, ...]:
        if state.pairing_url is not None:
            return PHONE_PAIRING_MENU  # Close: back to the picker's code
        if state.on_phone and not state.confirm_new:
            return CHOOSE_MENU[:1]  # Cancel: the phone has the link (a new one is the phone's to ask for)
        if state.confirm_new:
            return CHOOSE_CONFIRM_MENU
        return (*CHOOSE_MENU, CHOOSE_PHONE_ITEM) if state.phone else CHOOSE_MENU

    def deadline(self, state: Choose) -> float | None:
        return state.pairing_until if state.pairing_url is not None else state.expires_at

    def slot_texts(self, state: Choose, left: float) -> dict[str, str]:
        if state.pairing_url is not None:
            return _pairing_slots(left)
        if state.confirm_new and left > 0:
            return {"countdown": "Replace this link? The phone's picks so far are lost."}
        return {"countdown": f"The link expires in {countdown(left)}" if left > 0 else "The link has expired."}

    def key(self, state: Choose, view: View) -> Hashable:
        return (
            "choose",
            state.picker_uri,
            state.account,
            state.replace,
            state.confirm_new,
            state.on_phone,
            state.phone,
            state.pairing_url,
            view.focus,
        )

    def build(self, ctx: Context, state: Choose, view: View, thumbs: Sequence[pygame.Surface]) -> Frame:
        if state.pairing_url is not None:
            from device.ui.phone_qr import build_phone_pairing

            return build_phone_pairing(ctx, state.pairing_url, self.menu(state), view.focus)
        if state.on_phone and not state.confirm_new:
            from device.ui.phone_qr import build_choosing_on_phone

            return build_choosing_on_phone(ctx, state.replace, self.menu(state), view.focus)
        from device.ui.builders import build_choose

        return build_choose(ctx, state, self.menu(state), view.focus)

    def terminal_key(self, state: Choose) -> object:
        return ("choose", state.session_id)

    def terminal_lines(self, state: Choose, colour: bool, qr: bool = True) -> list[str]:
        if state.on_phone:
            return ["Choosing on a phone…", "Pick the photos on the phone, then tap Done there."]
        who = f" signed in to {state.account}" if state.account else " signed in to the same Google account"
        return [
            "Scan to choose photos" if qr else "Choose photos",
            *_qr_or_why(state.picker_uri, colour, qr),
            f"Open this link on a phone{who}:",
            f"  {state.picker_uri}",
            "Pick your photos, then tap Done.",
        ]

    def terminal_status(self, state: Choose, now: float) -> str | None:
        return f"Waiting for your picks… link expires in {clock_time(state.expires_at - now)}"


class DownloadingScene(Scene[Downloading]):
    name = "downloading"
    thumbnails = True

    def key(self, state: Downloading, view: View) -> Hashable:
        return ("downloading", state.done, state.total, state.failed, view.thumbs_version)

    def build(self, ctx: Context, state: Downloading, view: View, thumbs: Sequence[pygame.Surface]) -> Frame:
        from device.ui.builders import build_downloading

        return build_downloading(ctx, state, thumbs, download_notes(state.failed, state.skipped))

    def terminal_key(self, state: Downloading) -> object:
        return ("downloading", state.session_id)

    def terminal_lines(self, state: Downloading, colour: bool, qr: bool = True) -> list[str]:
        return ["Getting your photos…"]

    def terminal_status(self, state: Downloading, now: float) -> str | None:
        failed = f", {state.failed} failed" if state.failed else ""
        skipped = f", {state.skipped} videos skipped" if state.skipped else ""
        return progress_bar(state.done, state.total) + failed + skipped


class SlideshowScene(Scene[Slideshow]):
    name = "slideshow"
    menu_sleeps = True

    def menu(self, state: Slideshow) -> tuple[MenuItem, ...]:
        if state.pairing_url is not None:
            return PHONE_PAIRING_MENU
        return (*SLIDESHOW_MENU[:-1], PHONE_ITEM, SLIDESHOW_MENU[-1]) if state.phone else SLIDESHOW_MENU

    def over_photos(self, state: Slideshow) -> bool:
        return state.pairing_url is None  # the pairing QR is a screen of its own, on the plain backdrop

    def deadline(self, state: Slideshow) -> float | None:
        return state.pairing_until if state.pairing_url is not None else None

    def slot_texts(self, state: Slideshow, left: float) -> dict[str, str]:
        return {} if state.pairing_url is None else _pairing_slots(left)

    def key(self, state: Slideshow, view: View) -> Hashable:
        return (
            "slideshow",
            state.pairing_url,
            state.phone,
            state.notice,
            view.menu_visible,
            view.focus,
            view.caption,
            view.waiting,
            view.empty,
            view.paused,
            view.clock,
        )

    def build(self, ctx: Context, state: Slideshow, view: View, thumbs: Sequence[pygame.Surface]) -> Frame:
        if state.pairing_url is not None:
            from device.ui.phone_qr import build_phone_pairing

            return build_phone_pairing(ctx, state.pairing_url, self.menu(state), view.focus)
        from device.ui.builders import build_slideshow

        return build_slideshow(
            ctx,
            state,
            self.menu(state),
            caption=view.caption,
            menu_visible=view.menu_visible,
            focus=view.focus,
            placeholder=view.placeholder,
            paused=view.paused,
            clock=view.clock,
            clock_style=view.clock_style,
        )

    def terminal_key(self, state: Slideshow) -> object:
        return ("slideshow", state.count, state.notice, state.pairing_url)

    def terminal_lines(self, state: Slideshow, colour: bool, qr: bool = True) -> list[str]:
        line = f"{photo_count(state.count)} in the library."
        return [line + (f" {state.notice}" if state.notice else "")]


class ProblemScene(Scene[Problem]):
    name = "problem"

    def menu(self, state: Problem) -> tuple[MenuItem, ...]:
        if state.what == "nothing-picked":
            label = "Choose photos"  # what its sentence says OK does
        else:
            label = "Try again now" if state.retry_at is not None else "Try again"
        items = [MenuItem(label, UserAction.RETRY)]
        if state.what in WRONG_ACCOUNT:
            items.append(MenuItem("Sign out", UserAction.SIGN_OUT))
        return tuple(items)

    def over_photos(self, state: Problem) -> bool:
        return state.photos_available

    def deadline(self, state: Problem) -> float | None:
        return state.retry_at

    def slot_texts(self, state: Problem, left: float) -> dict[str, str]:
        return {"retry": f"Trying again in {countdown(left)}" if left > 0 else "Trying again now…"}

    def key(self, state: Problem, view: View) -> Hashable:
        return (
            "problem",
            state.what,
            state.title,
            state.detail,
            state.next_step,
            state.retry_at is None,
            state.photos_available,
            view.focus,
            view.waiting,
        )

    def build(self, ctx: Context, state: Problem, view: View, thumbs: Sequence[pygame.Surface]) -> Frame:
        from device.ui.builders import build_problem

        return build_problem(ctx, state, self.menu(state), view.focus, over_photos=self.over_photos(state))

    def terminal_key(self, state: Problem) -> object:
        return ("problem", state.what, state.detail)

    def terminal_lines(self, state: Problem, colour: bool, qr: bool = True) -> list[str]:
        return [f"! {state.title}: {state.detail}", f"  {state.next_step}"]

    def terminal_status(self, state: Problem, now: float) -> str | None:
        return None if state.retry_at is None else f"Trying again in {clock_time(state.retry_at - now)}"


class ConfirmSignOutScene(Scene[ConfirmSignOut]):
    name = "confirm-sign-out"

    def menu(self, state: ConfirmSignOut) -> tuple[MenuItem, ...]:
        return CONFIRM_SIGN_OUT_MENU if state.photos else CONFIRM_SIGN_OUT_EMPTY_MENU

    def key(self, state: ConfirmSignOut, view: View) -> Hashable:
        return ("confirm-sign-out", state.photos, view.focus)

    def build(self, ctx: Context, state: ConfirmSignOut, view: View, thumbs: Sequence[pygame.Surface]) -> Frame:
        from device.ui.builders import build_confirm_sign_out

        return build_confirm_sign_out(ctx, self.menu(state), view.focus, state.photos)

    def terminal_lines(self, state: ConfirmSignOut, colour: bool, qr: bool = True) -> list[str]:
        return ["Sign out of Google Photos? (s: sign out and keep the photos, Esc: cancel)"]


class SignedOutScene(Scene[SignedOut]):
    name = "signed-out"

    def menu(self, state: SignedOut) -> tuple[MenuItem, ...]:
        return SIGNED_OUT_MENU

    def key(self, state: SignedOut, view: View) -> Hashable:
        return ("signed-out", view.focus)

    def build(self, ctx: Context, state: SignedOut, view: View, thumbs: Sequence[pygame.Surface]) -> Frame:
        from device.ui.builders import build_signed_out

        return build_signed_out(ctx, self.menu(state), view.focus)

    def terminal_lines(self, state: SignedOut, colour: bool, qr: bool = True) -> list[str]:
        return ["Signed out."]


def _pairing_slots(left: float) -> dict[str, str]:
    """The "Control from your phone" QR's countdown (device.ui.phone_qr's slot), over either screen."""
    return {"countdown": f"The link works for {countdown(left)}" if left > 0 else "The link has expired."}


def _qr_or_why(link: str, colour: bool, qr: bool) -> list[str]:
    """The QR code's lines (indented), or the sentence saying the terminal is too small for it."""
    if qr:
        return ["  " + line for line in qr_lines(link, colour=colour)]
    lines = qr_lines(link, colour=False)
    return [
        f"(This terminal is too small for the QR code: it alone needs {len(lines[0]) + 2}×{len(lines)} characters.)"
    ]


SCENES: dict[type, Scene[Any]] = {
    Starting: StartingScene(),
    Connect: ConnectScene(),
    SignInOnPhone: SignInOnPhoneScene(),
    Choose: ChooseScene(),
    Downloading: DownloadingScene(),
    Slideshow: SlideshowScene(),
    Problem: ProblemScene(),
    ConfirmSignOut: ConfirmSignOutScene(),
    SignedOut: SignedOutScene(),
}


def scene_for(state: State) -> Scene[Any]:
    """The scene that shows ``state``."""
    return SCENES[type(state)]
