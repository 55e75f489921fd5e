"""The consent flow's HTML: sign-in, company and consent, and error pages.

Plain templates: every value is HTML-escaped where it is inserted, the pages load nothing
from elsewhere and carry headers that keep them out of frames and caches.
"""

from __future__ import annotations

from html import escape
from typing import Any

from starlette.responses import HTMLResponse

from qbo.emulator.oauth import scopes as scope_names
from qbo.emulator.store.session import Realm

#: Headers on every page of the flow.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # same-origin: no Referer (with the code in its URL) reaches the app or anyone else,
    # while the page's own form posts carry its Origin (under no-referrer Chromium sends
    # "Origin: null", which the cross-site guard must refuse).
    "Referrer-Policy": "same-origin",
    # No form-action: after the consent form the browser follows a redirect to the app,
    # which form-action would block in Chromium.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
    ),
}

_STYLE = """
body{font-family:system-ui,sans-serif;background:#f4f5f8;color:#222;margin:0}
main{max-width:30rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:8px;
box-shadow:0 1px 4px rgba(0,0,0,.15)}
h1{font-size:1.3rem;margin-top:0}label{display:block;margin:.6rem 0 .2rem}
input[type=email],input[type=password],input[type=text]{width:100%;padding:.5rem;
box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1.2rem;font-size:1rem;margin-right:.5rem}
.error{color:#a00;background:#fee;padding:.6rem;border-radius:4px}
.muted{color:#666;font-size:.9rem}ul{padding-left:1.2rem}fieldset{border:1px solid #ddd}
"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)} - QBO emulator</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


def _hidden(params: dict[str, str], csrf: str) -> str:
    fields = [f"<input type='hidden' name='csrf_token' value='{escape(csrf)}'>"]
    fields += [
        f"<input type='hidden' name='{escape(k)}' value='{escape(v)}'>" for k, v in params.items()
    ]
    return "".join(fields)


def _error(message: str | None) -> str:
    return f"<p class='error' role='alert'>{escape(message)}</p>" if message else ""


def error_page(title: str, message: str, status: int = 400) -> HTMLResponse:
    body = f"<h1>{escape(title)}</h1><p class='error' role='alert'>{escape(message)}</p>"
    return _page(title, body, status)


def signin_page(
    app_name: str,
    params: dict[str, str],
    csrf: str,
    action: str,
    error: str | None = None,
    email: str = "",
    status: int = 200,
) -> HTMLResponse:
    body = (
        f"<h1>Sign in to connect {escape(app_name)}</h1>{_error(error)}"
        f"<form method='post' action='{escape(action)}'>{_hidden(params, csrf)}"
        "<input type='hidden' name='action' value='signin'>"
        "<label for='email'>E-mail</label>"
        f"<input id='email' type='email' name='email' value='{escape(email)}' required autofocus>"
        "<label for='password'>Password</label>"
        "<input id='password' type='password' name='password' required>"
        "<button id='signin' type='submit'>Sign in</button></form>"
        "<p class='muted'>This is the local QuickBooks Online emulator: no data leaves this "
        "machine.</p>"
    )
    return _page("Sign in", body, status)


def consent_page(
    app_name: str,
    user: dict[str, Any],
    params: dict[str, str],
    csrf: str,
    action: str,
    requested: list[str],
    realms: list[Realm] | None,
    selected: str | None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """``realms`` is None when the scopes connect no company (no company to pick)."""
    items = "".join(
        f"<li><code>{escape(s)}</code>: {escape(scope_names.DESCRIPTIONS.get(s, s))}</li>"
        for s in requested
    )
    company = ""
    if realms is not None:
        choices = []
        for i, realm in enumerate(realms):
            checked = (
                " checked" if realm.realm_id == selected or (selected is None and i == 0) else ""
            )
            choices.append(
                f"<label><input type='radio' name='realm' value='{escape(realm.realm_id)}'"
                f"{checked}> {escape(realm.company_name)} "
                f"<span class='muted'>({escape(realm.realm_id)})</span></label>"
            )
        new_checked = " checked" if not realms or selected == "new" else ""
        choices.append(
            f"<label><input type='radio' name='realm' value='new' id='realm-new'{new_checked}>"
            " Create a new company named</label>"
            "<input type='text' name='company_name' id='company-name' maxlength='100'"
            " placeholder='My Company'>"
        )
        company = f"<fieldset><legend>Company to connect</legend>{''.join(choices)}</fieldset>"
    who = escape(f"{user['given_name']} {user['family_name']}".strip() or user["email"])
    body = (
        f"<h1>Connect {escape(app_name)}</h1>{_error(error)}"
        f"<p>Signed in as <strong id='user'>{who}</strong> "
        f"<span class='muted'>({escape(user['email'])})</span></p>"
        f"<form method='post' action='{escape(action)}'>{_hidden(params, csrf)}"
        f"{company}<p>{escape(app_name)} asks to:</p><ul id='scopes'>{items}</ul>"
        "<button id='approve' type='submit' name='action' value='approve'>Connect</button>"
        "<button id='deny' type='submit' name='action' value='deny'>Cancel</button>"
        "<button id='signout' type='submit' name='action' value='signout'>"
        "Not you? Sign out</button></form>"
    )
    return _page("Connect", body, status)
