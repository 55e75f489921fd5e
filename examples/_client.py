"""How the examples reach a company: a few environment variables, nothing else.

    QBO_REALM         the company (realm) id
    QBO_ACCESS_TOKEN  an OAuth 2.0 access token for it (connect_and_store_tokens.py gets one)
    QBO_BASE_URL      an emulator's base URL, e.g. http://127.0.0.1:8555 (`qbo emulator serve`);
                      or QBO_ENV=production|sandbox for Intuit (default: sandbox)

A long-running integration would pass ``credentials=`` and ``token_store=`` instead of an
access token, so the client refreshes on its own (see connect_and_store_tokens.py).
"""

from __future__ import annotations

import os
import sys

from qbo import Client


def connect() -> Client:
    """A client for the company the environment names (exits with a hint when it names none)."""
    missing = [name for name in ("QBO_REALM", "QBO_ACCESS_TOKEN") if not os.environ.get(name)]
    if missing:
        sys.exit(f"set {' and '.join(missing)} (see examples/_client.py)")
    environment = os.environ.get("QBO_BASE_URL") or os.environ.get("QBO_ENV", "sandbox")
    return Client(
        os.environ["QBO_REALM"],
        environment=environment,
        access_token=os.environ["QBO_ACCESS_TOKEN"],
    )
