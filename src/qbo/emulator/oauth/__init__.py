"""The emulator's OAuth 2.0 and OpenID Connect server: its state and rules.

Its HTTP side (token, authorize, revoke, userinfo, JWKS, discovery, bearer checks) is
:mod:`qbo.emulator.http.oauth`.

- ``apps``, ``users``: registered apps (clients) and people who sign in on the consent page;
- ``grants``: codes, access and refresh tokens under Intuit's lifetime and rotation rules;
- ``keys``: the RSA key that signs id_tokens and the HMAC key, one pair per database;
- ``pages``, ``browser_session``: the authorize page's HTML and its sign-in cookie;
- ``stats``: request counters;
- ``tables``, ``crypto``, ``scopes``, ``errors``: storage, hashing and comparison, scope
  names, OAuth error bodies.

The server itself belongs to its :class:`qbo.emulator.Emulator` (``emulator.oauth``).

Intuit's rules and the choices made where Intuit says nothing are written down in
``grants.py`` (lifetimes, rotation, racing refreshes), ``tables.py`` (what is stored in
which form) and, for the HTTP side, ``qbo.emulator.http.oauth.consent`` (what is shown and
what is redirected) and ``qbo.emulator.http.oauth.endpoints``.
"""

from qbo.emulator.oauth.server import OAuthServer, oauth_for
from qbo.emulator.oauth.users import DEFAULT_EMAIL, DEFAULT_PASSWORD

__all__ = ["DEFAULT_EMAIL", "DEFAULT_PASSWORD", "OAuthServer", "oauth_for"]
