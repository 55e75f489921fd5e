"""``qbo auth``: connect an app to a company and look after its tokens.

``login`` runs the OAuth 2.0 authorization-code flow: it opens the browser on Intuit's (or
the emulator's) consent page and receives the redirect on a loopback port, then keeps the
tokens in the encrypted token file of the profile (see :mod:`qbo.cli.config`). Against the
emulator, ``--headless`` follows an auto-approved app's redirect without a browser, and
``--register-app`` first registers such an app through the control plane.
"""

from __future__ import annotations

import webbrowser
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from qbo.cli import config
from qbo.cli.connection import chosen_environment, profile_name, resolve_connection
from qbo.cli.errors import EXIT_CONFIG, CommandError
from qbo.cli.output import OutputOption, emit_one

app = typer.Typer(help="Connect to a company and manage its OAuth tokens.", no_args_is_help=True)

DEFAULT_PORT = 8765
SCOPES = ("com.intuit.quickbooks.accounting", "openid", "email")


def _oauth_client(environment: str, credentials: Any) -> Any:
    from qbo.client.auth import OAuthClient
    from qbo.client.environment import resolve

    try:
        env = resolve(environment)
    except ValueError as exc:
        raise CommandError(str(exc), EXIT_CONFIG) from None
    return OAuthClient(env, credentials)


def _register_emulator_app(base_url: str, redirect_uri: str) -> tuple[str, str]:
    """An auto-approved app on the emulator at ``base_url``: its client id and secret."""
    import httpx

    try:
        response = httpx.post(
            base_url.rstrip("/") + "/_emulator/apps",
            json={"name": "qbo cli", "redirect_uris": [redirect_uri], "auto_approve": True},
            timeout=30,
        )
    except httpx.HTTPError as exc:
        raise CommandError(
            f"cannot reach the emulator at {base_url}: {type(exc).__name__}", 4
        ) from None
    if response.status_code != 201 and response.status_code != 200:
        raise CommandError(f"the emulator refused to register an app: HTTP {response.status_code}")
    body = response.json()
    return str(body["client_id"]), str(body["client_secret"])


def _follow_headless(url: str) -> str:
    """The redirect an auto-approved authorization answers with (no browser involved)."""
    import httpx

    try:
        answer = httpx.get(url, follow_redirects=False, timeout=30)
    except httpx.HTTPError as exc:
        raise CommandError(
            f"cannot reach the authorization page: {type(exc).__name__}", 4
        ) from None
    location = answer.headers.get("location")
    if answer.status_code not in (302, 303, 307) or not location:
        raise CommandError(
            "the app is not auto-approved: a person must approve it in a browser (drop --headless)"
        )
    return str(location)


@app.command()
def login(
    client_id: Annotated[
        str | None,
        typer.Option(envvar="QBO_CLIENT_ID", help="The app's client id (Intuit developer portal)."),
    ] = None,
    client_secret: Annotated[
        str | None,
        typer.Option(
            envvar="QBO_CLIENT_SECRET",
            help="The app's client secret (asked for when not given).",
            show_default=False,
        ),
    ] = None,
    port: Annotated[
        int,
        typer.Option(
            help="Loopback port of the redirect (register http://localhost:PORT/callback)."
        ),
    ] = DEFAULT_PORT,
    redirect_uri: Annotated[
        str | None, typer.Option(help="Redirect URI, when not http://localhost:PORT/callback.")
    ] = None,
    scope: Annotated[list[str] | None, typer.Option(help="Scope to ask for (repeatable).")] = None,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the URL instead of opening a browser.")
    ] = False,
    headless: Annotated[
        bool,
        typer.Option(
            "--headless", help="Emulator: follow an auto-approved app's redirect, no browser."
        ),
    ] = False,
    register_app: Annotated[
        bool,
        typer.Option(
            "--register-app",
            help="Emulator: register an auto-approved app first (implies --headless).",
        ),
    ] = False,
    realm: Annotated[
        str | None, typer.Option(help="Emulator: the company to connect (default: the first).")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the redirect.")] = 300.0,
) -> None:
    """Connect an app to a company (OAuth 2.0) and keep its tokens, encrypted."""
    from qbo.cli.callback_server import CallbackServer
    from qbo.client.auth import ClientCredentials, parse_redirect

    environment = chosen_environment(None, None) or "production"
    name = profile_name()
    if register_app:
        if not environment.startswith(("http://", "https://")):
            raise CommandError("--register-app works against an emulator (--base-url) only", 2)
        headless = True
        uri = redirect_uri or f"http://localhost:{port}/callback"
        client_id, client_secret = _register_emulator_app(environment, uri)
    if not client_id:
        raise CommandError("--client-id is required (or QBO_CLIENT_ID)", EXIT_CONFIG)
    if client_secret is None:
        client_secret = typer.prompt("Client secret", hide_input=True)
    extra = {"realm_id": realm} if realm else None

    if headless:
        uri = redirect_uri or f"http://localhost:{port}/callback"
        oauth = _oauth_client(environment, ClientCredentials(client_id, client_secret, uri))
        request = oauth.authorization_url(list(scope or SCOPES), extra=extra)
        received = _follow_headless(request.url)
    else:
        with CallbackServer(port) as server:
            uri = redirect_uri or server.redirect_uri
            oauth = _oauth_client(environment, ClientCredentials(client_id, client_secret, uri))
            request = oauth.authorization_url(list(scope or SCOPES), extra=extra)
            typer.echo(f"Open this URL to connect (waiting on {uri}):\n{request.url}", err=True)
            if not no_browser:
                webbrowser.open(request.url)
            found = server.wait(timeout)
        if found is None:
            raise CommandError(f"no redirect came to {uri} within {timeout:.0f} s")
        received = found

    answer = parse_redirect(received, expected_state=request.state)
    token = oauth.exchange_code(answer.code, realm_id=answer.realm_id, scope=request.scope)
    if not token.realm_id:
        raise CommandError("the redirect named no company (realmId)")
    config.save_profile(
        config.Profile(
            name=name,
            environment=environment,
            realm_id=token.realm_id,
            client_id=client_id,
            redirect_uri=uri,
            client_secret_encrypted=config.encrypt_secret(client_secret),
        )
    )
    config.token_store(name).save(token)
    typer.echo(f"Connected company {token.realm_id} as profile {name!r} ({environment}).", err=True)


def _until(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "unknown"
    seconds = int((moment - now).total_seconds())
    if seconds <= 0:
        return f"{moment.isoformat(timespec='seconds')} (ended)"
    hours, rest = divmod(seconds, 3600)
    days, hours = divmod(hours, 24)
    left = f"{days} d {hours} h" if days else f"{hours} h {rest // 60} min"
    return f"{moment.isoformat(timespec='seconds')} (in {left})"


@app.command()
def status(output: OutputOption = None) -> None:
    """The connected company: environment, realm, token expiry and scopes (never secrets)."""
    conn = resolve_connection()
    if conn.token_store is None:
        emit_one(
            {
                "profile": conn.profile,
                "environment": conn.environment,
                "realm": conn.realm_id,
                "token": "QBO_ACCESS_TOKEN (from the environment)",
            },
            output,
        )
        return
    token = conn.token_store.load(conn.realm_id)
    if token is None:
        raise CommandError(
            f"no tokens for company {conn.realm_id}: run qbo auth login", EXIT_CONFIG
        )
    now = datetime.now(UTC)
    emit_one(
        {
            "profile": conn.profile,
            "environment": conn.environment,
            "realm": conn.realm_id,
            "client_id": conn.credentials.client_id if conn.credentials else None,
            "access_token_expires": _until(token.expires_at, now),
            "refresh_token_expires": _until(token.refresh_expires_at, now),
            "scopes": token.scope or "",
        },
        output,
    )


def _stored_token(conn: Any) -> Any:
    if conn.token_store is None or conn.credentials is None:
        raise CommandError(
            "QBO_ACCESS_TOKEN is set: there is no stored login to act on", EXIT_CONFIG
        )
    token = conn.token_store.load(conn.realm_id)
    if token is None:
        raise CommandError(
            f"no tokens for company {conn.realm_id}: run qbo auth login", EXIT_CONFIG
        )
    return token


@app.command()
def refresh() -> None:
    """Refresh the access token now (the client also does it on its own when due)."""
    conn = resolve_connection()
    _stored_token(conn)
    oauth = _oauth_client(conn.environment, conn.credentials)
    assert conn.token_store is not None
    with conn.token_store.lock(conn.realm_id) as locked:  # one refresh across processes
        current = locked.load()
        if current is None:
            raise CommandError("the tokens were removed meanwhile: run qbo auth login", EXIT_CONFIG)
        fresh = oauth.refresh(current)
        locked.save(fresh)
    typer.echo(
        f"Refreshed; the access token ends at {fresh.expires_at.isoformat(timespec='seconds')}.",
        err=True,
    )


def _forget(conn: Any) -> None:
    if conn.token_store is not None:
        conn.token_store.delete(conn.realm_id)
    config.delete_profile(conn.profile)


@app.command()
def revoke() -> None:
    """Disconnect the app from the company at Intuit, then forget the tokens here."""
    conn = resolve_connection()
    token = _stored_token(conn)
    _oauth_client(conn.environment, conn.credentials).revoke(token)
    _forget(conn)
    typer.echo(f"Revoked and forgot company {conn.realm_id} (profile {conn.profile!r}).", err=True)


@app.command()
def logout() -> None:
    """Forget the profile and its tokens here (the connection at Intuit stays)."""
    name = profile_name()
    saved = config.load_profile(name)
    if saved is None:
        raise CommandError(f"no profile {name!r} to log out of", EXIT_CONFIG)
    config.token_store(name).delete(saved.realm_id)
    config.delete_profile(name)
    typer.echo(f"Logged out of profile {name!r}.", err=True)
