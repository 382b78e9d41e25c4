"""The paired phone's page: what the frame is doing, its buttons, its status; companion.js keeps it current.

Without JavaScript it still works: every button is a form that posts and comes back to a fresh page.
"""

from __future__ import annotations

from html import escape
from typing import Any

from device.companion.pages import page

LABELS = {
    "add": "Add photos",
    "replace": "Replace photos",
    "cancel": "Cancel",
    "retry": "Try again",
    "sign-out": "Sign out",
    "sign-out-keep": "Sign out, keep the photos",
    "sign-out-remove": "Sign out and remove the photos from this device",
}
SHOWING = {"previous": "Previous", "pause": "Pause", "next": "Next"}  # the "Now showing" row (Pause again: on)
STATUS_ROWS = (
    ("account", "Google account"),
    ("photos", "Photos on the frame"),
    ("showing", "Photo on show"),
    ("disk", "Disk"),
    ("last_sync", "Last download"),
    ("version", "Software"),
    ("doctor", "Check-up"),
)


def _button(action: str, csrf: str, shown: bool) -> str:
    kind = " class='secondary'" if action in ("sign-out", "sign-out-keep", "cancel") else ""
    kind = " class='danger'" if action == "sign-out-remove" else kind
    label = LABELS.get(action) or SHOWING[action]
    return (
        f"<form method='post' action='/action' data-action='{escape(action)}'{'' if shown else ' hidden'}>"
        f"<input type='hidden' name='csrf' value='{escape(csrf)}'>"
        f"<input type='hidden' name='action' value='{escape(action)}'>"
        f"<button type='submit' id='do-{escape(action)}'{kind}>{escape(label)}</button></form>"
    )


SETTINGS = (
    ("interval", "Seconds per photo", "number"),
    ("fade", "Fade (seconds, 0 for none)", "number"),
    ("shuffle", "Shuffle", "checkbox"),
    ("captions", "Show the date of each photo", "checkbox"),
    ("layout", "Layout", "select"),
    ("clock", "Clock", "select"),
    ("sleep", "Night: when the frame sleeps (like 22:30-07:00, or off)", "text"),
)
# The choices of the settings that have them (core.config's SLIDESHOW_LAYOUTS and SLIDESHOW_CLOCKS), in words.
CHOICES = {
    "layout": (("pairs", "Two photos side by side when they fit better"), ("single", "One photo at a time")),
    "clock": (("off", "Off"), ("corner", "Small, in a corner"), ("large", "Large")),
}
LOCKED = " <span class='locked'>(locked by the frame's config file)</span>"


def _settings_form(settings: dict[str, Any], csrf: str, error: str | None) -> str:
    values, locked = settings["values"], set(settings["locked"])
    fields = []
    for key, label, kind in SETTINGS:
        off = " disabled" if key in locked else ""
        note = LOCKED if key in locked else ""
        if kind == "select":
            options = "".join(
                f"<option value='{escape(v)}'{' selected' if values[key] == v else ''}>{escape(words)}</option>"
                for v, words in CHOICES[key]
            )
            fields.append(
                f"<label for='set-{key}'>{escape(label)}{note}</label>"
                f"<select id='set-{key}' name='{key}'{off}>{options}</select>"
            )
        elif kind == "checkbox":
            checked = " checked" if values[key] else ""
            fields.append(
                f"<label class='check' for='set-{key}'><input type='checkbox' id='set-{key}' name='{key}'"
                f"{checked}{off}>{escape(label)}{note}</label>"
            )
        elif kind == "text":
            fields.append(
                f"<label for='set-{key}'>{escape(label)}{note}</label><input type='text' id='set-{key}' "
                f"name='{key}' value='{escape(str(values[key]))}' autocomplete='off' spellcheck='false'{off}>"
            )
        else:
            fields.append(
                f"<label for='set-{key}'>{escape(label)}{note}</label><input type='number' id='set-{key}' "
                f"name='{key}' value='{escape(f'{values[key]:g}')}' min='0' step='any' inputmode='decimal'{off}>"
            )
    problem = f"<p class='error' id='settings-error' role='alert'>{escape(error)}</p>" if error else ""
    return (
        f"<section><h2>Slideshow</h2>{problem}<form method='post' action='/settings' id='settings'>"
        f"<input type='hidden' name='csrf' value='{escape(csrf)}'>{''.join(fields)}"
        "<button type='submit' id='do-save'>Save</button></form>"
        "<p class='muted'>Saved on the frame; it keeps them after a restart.</p></section>"
    )


def phone_page(
    state: dict[str, Any], csrf: str, settings: dict[str, Any] | None = None, settings_error: str | None = None
) -> str:
    """The whole page as of ``state`` (DeviceView.describe()) and the slideshow ``settings`` (PhoneSettings.shown())."""
    done, total = state["progress"] or (0, 0)
    progress_hidden = "" if state["progress"] else " hidden"
    picker_hidden = "" if state["picking"] else " hidden"
    buttons = "".join(_button(a, csrf, a in state["actions"]) for a in LABELS)
    showing = "".join(_button(a, csrf, a in state["actions"]) for a in SHOWING)
    rows = "".join(
        f"<dt>{escape(label)}</dt><dd id='{key}'>{escape(str(state[key]) if state[key] is not None else '—')}</dd>"
        for key, label in STATUS_ROWS
    )
    body = (
        "<section aria-live='polite'><h2>Now</h2>"
        f"<p id='status'>{escape(state['text'])}</p>"
        f"<progress id='progress' max='{max(total, 1)}' value='{done}'{progress_hidden}></progress>"
        f"<div id='picker'{picker_hidden}>"
        "<p>Pick your photos in Google Photos, then tap <b>Done</b> there and come back here.</p>"
        "<a class='button big' id='open-picker' href='/pick' target='_blank' rel='noopener'>"
        "Open Google Photos</a></div>"
        f"<p class='muted' id='offline' hidden>The frame is not answering (restarting?). Trying again…</p>"
        "</section>"
        f"<section><h2>Now showing</h2><div class='row'>{showing}</div></section>"
        f"<section><h2>Photos</h2>{buttons}</section>"
        f"{_settings_form(settings, csrf, settings_error) if settings else ''}"
        f"<section><h2>Status</h2><dl>{rows}</dl>"
        "<form method='post' action='/check' id='check'>"
        f"<input type='hidden' name='csrf' value='{escape(csrf)}'>"
        "<button type='submit' class='secondary' id='do-check'>Check</button></form></section>"
        "<section><h2>Phones</h2><p class='muted'>Unpair every phone, this one included.</p>"
        "<form method='post' action='/forget' id='forget'>"
        f"<input type='hidden' name='csrf' value='{escape(csrf)}'>"
        "<button type='submit' class='danger' id='do-forget'>Forget all phones</button></form></section>"
    )
    return page("Photo frame", body, script="/static/companion.js")
