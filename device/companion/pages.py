"""The HTML of the phone pages that need no JavaScript: the layout, the sign-in page and the plain messages.

Every value put into a page goes through ``html.escape``; pages hold no token, client secret or pairing secret
(forms post back to the address they came from, so the path's secret is never written into the page).
"""

from __future__ import annotations

from html import escape

STYLESHEET = "/static/companion.css"


def page(title: str, body: str, *, script: str | None = None) -> str:
    """A whole page around ``body`` (already HTML); ``title`` is escaped here."""
    tail = f'<script src="{escape(script)}" defer></script>' if script else ""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<meta name='color-scheme' content='light dark'>"
        f"<title>{escape(title)}</title><link rel='stylesheet' href='{STYLESHEET}'>{tail}</head>"
        f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )


def message(title: str, text: str, *, element_id: str = "message") -> str:
    """A page with one sentence of plain words."""
    return page(title, f"<section><p id='{escape(element_id)}'>{escape(text)}</p></section>")


def signin_page(consent_url: str, csrf: str, *, error: str | None = None, address: str = "") -> str:
    """Step by step: open Google's consent, come back, paste the address the phone landed on."""
    problem = f"<p class='error' id='error' role='alert'>{escape(error)}</p>" if error else ""
    body = (
        f"{problem}"
        "<section><h2>1. Allow access</h2>"
        "<p>Tap the button, choose your Google account and tap <b>Allow</b>. It opens in a new tab.</p>"
        f"<a class='button big' id='consent' href='{escape(consent_url)}' target='_blank' rel='noopener'>"
        "Open Google sign-in</a></section>"
        "<section><h2>2. Copy the address you land on</h2>"
        "<p>After <b>Allow</b> your phone opens an address that starts with <code>http://127.0.0.1</code> "
        "and says the page cannot be reached (\u201cThis site can\u2019t be reached\u201d or "
        "\u201cSafari can\u2019t connect\u201d). <b>That is expected</b>: the address itself is what the "
        "frame needs.</p><ul>"
        "<li><b>Android (Chrome):</b> tap the address bar, then tap the copy icon "
        "(or touch and hold the address, <i>Select all</i>, <i>Copy</i>).</li>"
        "<li><b>iPhone (Safari):</b> touch and hold the address bar, then tap <i>Copy</i>.</li>"
        "</ul></section>"
        "<section><h2>3. Paste it here</h2>"
        "<p>Come back to this tab, paste the address and tap <b>Connect</b>.</p>"
        "<form method='post' id='paste' autocomplete='off'>"
        f"<input type='hidden' name='csrf' value='{escape(csrf)}'>"
        "<label for='address'>The address from step 2</label>"
        "<input type='text' id='address' name='address' inputmode='url' required spellcheck='false' "
        f"autocapitalize='off' placeholder='http://127.0.0.1\u2026' value='{escape(address)}'>"
        "<button type='submit' id='connect'>Connect</button></form></section>"
    )
    return page("Connect the photo frame to Google", body)


def connected_page(email: str, remote_link: bool) -> str:
    """The end of the phone sign-in: which account, and what happens on the frame now."""
    more = "<a class='button' id='remote' href='/'>Control the frame from this phone</a>" if remote_link else ""
    body = (
        f"<section><p class='ok' id='connected'>Connected as {escape(email)}</p>"
        "<p>The frame now shows a code to scan for choosing photos.</p>"
        f"{more}</section>"
    )
    return page("Connected", body)
