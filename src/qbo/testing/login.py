"""Connect to an emulator with OAuth 2.0 in one call, for scripts, demos and tests.

The emulator requires OAuth by default, as QuickBooks does. :func:`emulator_login`
registers an auto-approved app through the emulator's control plane and runs the real
authorization-code flow (authorize redirect, code exchange) with the client's
:class:`~qbo.client.auth.OAuthClient`, so what it returns is exactly what a user's
consent would have given: credentials and a token store for ``qbo.Client``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from qbo.client.auth import ClientCredentials, MemoryTokenStore, OAuthClient, parse_redirect
from qbo.client.environment import emulator

REDIRECT_URI = "http://localhost/callback"


@dataclass(frozen=True)
class EmulatorLogin:
    """A connected company: pass these to ``qbo.Client``."""

    realm_id: str
    credentials: ClientCredentials
    token_store: MemoryTokenStore
    verifier_token: str = field(default="", repr=False)  # signs the app's webhooks


def emulator_login(
    base_url: str,
    realm_id: str | None = None,
    *,
    name: str = "qbo script",
    webhook_url: str | None = None,
) -> EmulatorLogin:
    """Register an auto-approved app on the emulator at ``base_url`` and connect it.

    ``realm_id`` picks the company (default: the emulator's first one); with
    ``webhook_url`` the emulator delivers the company's changes there, signed with the
    returned ``verifier_token``.
    """
    root = base_url.rstrip("/")
    body: dict[str, object] = {"name": name, "redirect_uris": [REDIRECT_URI], "auto_approve": True}
    if webhook_url is not None:
        body["webhook_url"] = webhook_url
    app = httpx.post(f"{root}/_emulator/apps", json=body, timeout=30).raise_for_status().json()
    credentials = ClientCredentials(app["client_id"], app["client_secret"], REDIRECT_URI)
    oauth = OAuthClient(emulator(root), credentials)
    request = oauth.authorization_url(extra={"realm_id": realm_id} if realm_id else None)
    redirect = httpx.get(request.url, follow_redirects=False, timeout=30)
    answer = parse_redirect(redirect.headers["location"], expected_state=request.state)
    token = oauth.exchange_code(answer.code, realm_id=answer.realm_id, scope=request.scope)
    store = MemoryTokenStore()
    store.save(token)
    return EmulatorLogin(str(token.realm_id), credentials, store, str(app["verifier_token"]))
