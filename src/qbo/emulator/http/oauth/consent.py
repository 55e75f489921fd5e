"""The authorize endpoint (``/connect/oauth2``): sign in, pick a company, consent, redirect.

Errors that make the app's redirect untrustworthy (unknown client, missing or
unregistered redirect_uri) are shown on the page and never redirected (RFC 6749 section
4.1.2.1); other errors go back to the app as ``error`` and ``state``. Every form carries
the session's CSRF token, and a POST without the right one is refused with 403.

Apps created with ``auto_approve`` skip the pages: the request is approved at once for the
first user (the default user on a new database) and for the company named by the extra
``realm_id`` parameter, or else the first company.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from qbo.emulator.core import Emulator
from qbo.emulator.oauth import browser_session, pages, scopes
from qbo.emulator.oauth.apps import App
from qbo.emulator.oauth.browser_session import BrowserSession
from qbo.emulator.oauth.crypto import same
from qbo.emulator.oauth.server import OAuthServer, oauth_for
from qbo.emulator.oauth.users import User
from qbo.emulator.realms import RealmError
from qbo.emulator.timefmt import epoch_ms

log = logging.getLogger("qbo.emulator.oauth")

AUTH_PARAMS = ("client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "realm_id")
MAX_PARAM = 2048
MAX_COMPANY_NAME = 100


class PageError(Exception):
    """An authorize error shown on the page (the redirect cannot be trusted)."""

    def __init__(self, title: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.title = title
        self.message = message
        self.status = status


@dataclass
class AuthRequest:
    """A validated authorization request."""

    app: App
    redirect_uri: str
    state: str | None
    scopes: list[str] = field(default_factory=list)
    nonce: str | None = None
    realm_id: str | None = None
    params: dict[str, str] = field(default_factory=dict)  # echoed in hidden form fields
    error: tuple[str, str] | None = None  # to redirect back with

    @property
    def connects_company(self) -> bool:
        return scopes.connects_company(self.scopes)


def parse_request(server: OAuthServer, pairs: Sequence[tuple[str, str]]) -> AuthRequest:
    """Validate the authorize parameters; :class:`PageError` for errors not to redirect."""
    values: dict[str, list[str]] = {}
    # PostgreSQL cannot compare text with NUL in it: such a value matches nothing we have.
    pairs = [(k, v.replace("\x00", "\ufffd")) for k, v in pairs]
    for key, value in pairs:
        if key in AUTH_PARAMS:
            values.setdefault(key, []).append(value)

    def single(name: str) -> str | None:
        got = values.get(name)
        return got[0] if got and len(got) == 1 else None

    client_id = single("client_id")
    if not client_id:
        raise PageError("Invalid request", "The request has no client_id (or more than one).")
    app = server.apps.get(client_id) if len(client_id) <= MAX_PARAM else None
    if app is None:
        raise PageError(
            "Unknown app", "No app with this client_id is registered with the emulator."
        )
    redirect_uri = single("redirect_uri")
    if not redirect_uri:
        raise PageError("Invalid request", "The request has no redirect_uri (or more than one).")
    if redirect_uri not in app.redirect_uris:
        raise PageError(
            "Redirect URI not registered",
            f"The redirect_uri is not one of the redirect URIs registered for {app.name}.",
        )
    states = values.get("state")
    state = states[0] if states else None
    req = AuthRequest(app, redirect_uri, state)
    req.params = {k: v[0] for k, v in values.items()}
    duplicated = sorted(k for k, v in values.items() if len(v) > 1)
    too_long = sorted(k for k, v in values.items() if len(v[0]) > MAX_PARAM)
    if duplicated:
        req.error = (
            "invalid_request",
            f"parameter(s) sent more than once: {', '.join(duplicated)}",
        )
        return req
    if too_long:
        req.error = ("invalid_request", f"parameter(s) too long: {', '.join(too_long)}")
        return req
    if single("response_type") != "code":
        req.error = ("unsupported_response_type", "response_type must be code")
        return req
    requested = scopes.parse(single("scope") or "")
    if not requested:
        req.error = ("invalid_scope", "scope is required")
        return req
    refused = [s for s in requested if s not in app.scopes]
    if refused:
        req.error = ("invalid_scope", f"scope(s) not available to this app: {' '.join(refused)}")
        return req
    req.scopes = requested
    req.nonce = single("nonce")
    req.realm_id = single("realm_id")
    return req


def redirect_to_app(req: AuthRequest, params: dict[str, str], status: int = 302) -> Response:
    """Back to the app's redirect_uri with ``params`` (and the untouched ``state``)."""
    if req.state is not None:
        params = {**params, "state": req.state}
    parts = urlsplit(req.redirect_uri)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    location = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
    return RedirectResponse(location, status_code=status, headers=pages.PAGE_HEADERS)


def _approve(
    server: OAuthServer, req: AuthRequest, user: User, realm_id: str | None, auth_time: datetime
) -> dict[str, str]:
    code = server.grants.issue_code(
        req.app.client_id,
        user.user_id,
        realm_id if req.connects_company else None,
        req.scopes,
        req.redirect_uri,
        req.nonce,
        auth_time,
    )
    log.info(
        "authorization granted: app %r, user %s, company %s",
        req.app.name,
        user.email,
        realm_id if req.connects_company else "-",
    )
    params = {"code": code}
    if req.connects_company and realm_id is not None:
        params["realmId"] = realm_id
    return params


def auto_approve(server: OAuthServer, req: AuthRequest) -> Response:
    user = server.users.first()
    if user is None:
        return redirect_to_app(req, {"error": "server_error", "error_description": "no user"})
    realm_id: str | None = None
    if req.connects_company:
        if req.realm_id is not None:
            if server.realms.get(req.realm_id) is None:
                return redirect_to_app(
                    req,
                    {
                        "error": "invalid_request",
                        "error_description": "realm_id names no company of this emulator",
                    },
                )
            realm_id = req.realm_id
        else:
            realms = server.realms.list()
            if not realms:
                return redirect_to_app(
                    req, {"error": "invalid_request", "error_description": "no company to connect"}
                )
            realm_id = realms[0].realm_id
    return redirect_to_app(req, _approve(server, req, user, realm_id, server.clock.now()))


@dataclass
class Page:
    """One authorize request's view of the browser session and user."""

    server: OAuthServer
    request: Request
    session: BrowserSession
    new_cookie: bool
    key: bytes = field(repr=False)

    @property
    def action(self) -> str:
        return self.request.url.path

    def finish(self, response: Response) -> Response:
        if self.new_cookie:
            browser_session.write(response, self.session, self.key)
        return response

    def user(self) -> User | None:
        uid = self.session.user_id
        return None if uid is None else self.server.users.get(uid)

    def signin(self, req: AuthRequest, error: str | None = None, email: str = "") -> Response:
        return self.finish(
            pages.signin_page(
                req.app.name, req.params, self.session.csrf, self.action, error, email
            )
        )

    def consent(self, req: AuthRequest, user: User, error: str | None = None) -> Response:
        realms = self.server.realms.list() if req.connects_company else None
        return self.finish(
            pages.consent_page(
                req.app.name,
                user.public(),
                req.params,
                self.session.csrf,
                self.action,
                req.scopes,
                realms,
                req.realm_id,
                error,
            )
        )

    def back_to_get(self, req: AuthRequest) -> Response:
        """After a POST, show the page again by GET (so a reload re-posts nothing)."""
        return self.finish(RedirectResponse(f"{self.action}?{urlencode(req.params)}", 303))


def _get(page: Page, req: AuthRequest) -> Response:
    user = page.user()
    return page.signin(req) if user is None else page.consent(req, user)


def _post(page: Page, req: AuthRequest, form: dict[str, str]) -> Response:
    server = page.server
    form = {k: v.replace("\x00", "\ufffd") for k, v in form.items()}
    action = form.get("action", "")
    now = server.clock.now()
    if action == "signin":
        email = form.get("email", "")[:320]
        user = server.users.authenticate(email, form.get("password", "")[:1024])
        if user is None:
            return page.signin(req, "Wrong e-mail or password.", email)
        page.session = page.session.signed_in(user.user_id, epoch_ms(now))
        page.new_cookie = True
        return page.back_to_get(req)
    if action == "signout":
        page.session = BrowserSession.new(epoch_ms(now))
        page.new_cookie = True
        return page.back_to_get(req)
    user = page.user()
    if user is None or page.session.auth_time_ms is None:
        return page.signin(req, "Sign in first.")
    if action == "deny":
        return page.finish(
            redirect_to_app(
                req,
                {"error": "access_denied", "error_description": "The user did not connect the app"},
                303,
            )
        )
    if action != "approve":
        return page.consent(req, user, "Choose Connect or Cancel.")
    realm_id: str | None = None
    if req.connects_company:
        choice = form.get("realm", "")
        if choice == "new":
            name = form.get("company_name", "").strip()
            if not name or len(name) > MAX_COMPANY_NAME:
                return page.consent(
                    req, user, f"Name the new company (1 to {MAX_COMPANY_NAME} characters)."
                )
            try:
                realm_id = server.realms.create("empty", name).realm_id
            except RealmError as exc:
                return page.consent(req, user, str(exc))
        elif choice and server.realms.get(choice) is not None:
            realm_id = choice
        else:
            return page.consent(req, user, "Choose a company to connect.")
    auth_time = datetime.fromtimestamp(page.session.auth_time_ms / 1000, UTC)
    params = _approve(server, req, user, realm_id, auth_time)
    return page.finish(redirect_to_app(req, params, 303))


def _handle(
    server: OAuthServer, request: Request, pairs: list[tuple[str, str]], posted: bool
) -> Response:
    """The synchronous part of the authorize endpoint (it reads and writes the database)."""
    try:
        req = parse_request(server, pairs)
    except PageError as exc:
        return pages.error_page(exc.title, exc.message, exc.status)
    if req.error is not None:
        error, description = req.error
        return redirect_to_app(
            req, {"error": error, "error_description": description}, 303 if posted else 302
        )
    key = server.keys.hmac_key
    now_ms = epoch_ms(server.clock.now())
    session = browser_session.read(request, key, now_ms)
    if posted:
        form = dict(pairs)
        given = form.get("csrf_token", "")
        if session is None or not same(given, session.csrf):
            return pages.error_page(
                "Request refused",
                "This form has expired or was not sent from this page. Go back and try again.",
                403,
            )
        return _post(Page(server, request, session, False, key), req, form)
    if req.app.auto_approve:
        return auto_approve(server, req)
    page = Page(server, request, session or BrowserSession.new(now_ms), session is None, key)
    return _get(page, req)


async def authorize_endpoint(request: Request) -> Response:
    """Intuit's authorize page: sign in, consent, and back to the app with a code."""
    emulator: Emulator = request.app.state.emulator
    server = await run_in_threadpool(oauth_for, emulator)
    server.stats.count("authorize")
    posted = request.method == "POST"
    if posted:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return pages.error_page("Invalid request", "Send the form as a form.", 400)
        raw = await request.body()  # at most 64 KiB (qbo.emulator.http.limits)
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=100)
        except (UnicodeDecodeError, ValueError):
            return pages.error_page("Invalid request", "The form could not be read.", 400)
    else:
        pairs = list(request.query_params.multi_items())
    return await run_in_threadpool(_handle, server, request, pairs, posted)
