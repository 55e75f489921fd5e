"""The OAuth server over HTTP, at Intuit's paths (the server itself is :mod:`qbo.emulator.oauth`).

- ``endpoints``: token, revoke, userinfo, JWKS and discovery;
- ``consent``: the authorize page (sign-in and consent);
- ``bearer``: the bearer token of a /v3 request, checked as Intuit's gateway does;
- ``routes``: every route above plus the control plane's apps, users and stats.
"""
