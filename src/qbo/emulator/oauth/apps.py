"""Registered apps (OAuth clients): creation, listing, and client authentication.

The client secret is kept as its SHA-256; the webhook verifier token in plain text (see
``tables.py`` for why). Both are returned only once, by :meth:`Apps.create`.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import insert, select

from qbo.emulator.clock import Clock
from qbo.emulator.control_input import unknown_fields
from qbo.emulator.oauth import crypto, scopes
from qbo.emulator.oauth.errors import InputError, invalid_client
from qbo.emulator.oauth.tables import OAuthTables
from qbo.emulator.store import Store
from qbo.emulator.timefmt import epoch_ms

WEBHOOK_FORMATS = ("cloudevents", "legacy")
MAX_REDIRECT_URIS = 50

#: Compared against when the client id is unknown, so an unknown id costs as much as a
#: wrong secret.
_DUMMY_SECRET_HASH = crypto.token_hash("no client has this secret")


@dataclass(frozen=True)
class App:
    client_id: str
    name: str
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    auto_approve: bool
    webhook_url: str | None
    webhook_format: str
    verifier_token: str = field(repr=False)
    created_ms: int

    def public(self) -> dict[str, Any]:
        """What the control plane lists (no secret, no verifier token)."""
        return {
            "client_id": self.client_id,
            "name": self.name,
            "redirect_uris": list(self.redirect_uris),
            "scopes": list(self.scopes),
            "auto_approve": self.auto_approve,
            "webhook_url": self.webhook_url,
            "webhook_format": self.webhook_format,
        }


def _check_url(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{what} must be a non-empty string")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"{what} must be an absolute http or https URL")
    if parts.fragment:
        raise InputError(f"{what} must not have a fragment")
    return value


def _check_fields(body: dict[str, Any]) -> dict[str, Any]:
    allowed = {"name", "redirect_uris", "scopes", "auto_approve", "webhook_url", "webhook_format"}
    problem = unknown_fields(body, allowed)
    if problem:
        raise InputError(problem)
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError("name must be a non-empty string")
    uris = body.get("redirect_uris")
    if not isinstance(uris, list) or not uris:
        raise InputError("redirect_uris must be a non-empty list of URLs")
    if len(uris) > MAX_REDIRECT_URIS:
        raise InputError(f"at most {MAX_REDIRECT_URIS} redirect_uris")
    checked_uris = [_check_url(u, "each redirect_uri") for u in uris]
    wanted = body.get("scopes", list(scopes.ALL))
    if isinstance(wanted, str):
        wanted = scopes.parse(wanted)
    if not isinstance(wanted, list) or not wanted or not all(isinstance(s, str) for s in wanted):
        raise InputError("scopes must be a non-empty list of scope names")
    unknown_scopes = sorted(set(wanted) - set(scopes.ALL))
    if unknown_scopes:
        raise InputError(
            f"unknown scope(s) {', '.join(unknown_scopes)}; known: {', '.join(scopes.ALL)}"
        )
    auto_approve = body.get("auto_approve", False)
    if not isinstance(auto_approve, bool):
        raise InputError("auto_approve must be true or false")
    webhook_url = body.get("webhook_url")
    if webhook_url is not None:
        webhook_url = _check_url(webhook_url, "webhook_url")
    webhook_format = body.get("webhook_format", "cloudevents")
    if webhook_format not in WEBHOOK_FORMATS:
        raise InputError(f"webhook_format must be one of {', '.join(WEBHOOK_FORMATS)}")
    return {
        "name": name.strip(),
        "redirect_uris": list(dict.fromkeys(checked_uris)),
        "scopes": [s for s in scopes.ALL if s in wanted],
        "auto_approve": auto_approve,
        "webhook_url": webhook_url,
        "webhook_format": webhook_format,
    }


class Apps:
    """The apps of one emulator database."""

    def __init__(self, store: Store, tables: OAuthTables, clock: Clock) -> None:
        self.store = store
        self.t = tables.apps
        self.clock = clock

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        """Register an app from the control plane's body; answers its credentials once."""
        fields = _check_fields(body)
        client_id = "AB" + crypto.alnum(48)
        client_secret = crypto.alnum(40)
        verifier_token = str(uuid.uuid4())
        created_ms = epoch_ms(self.clock.now())
        with self.store.write() as conn:
            conn.execute(
                insert(self.t),
                {
                    "client_id": client_id,
                    "name": fields["name"],
                    "secret_hash": crypto.token_hash(client_secret),
                    "verifier_token": verifier_token,
                    "redirect_uris": json.dumps(fields["redirect_uris"]),
                    "scopes": " ".join(fields["scopes"]),
                    "auto_approve": fields["auto_approve"],
                    "webhook_url": fields["webhook_url"],
                    "webhook_format": fields["webhook_format"],
                    "created_ms": created_ms,
                },
            )
        return {
            "client_id": client_id,
            "client_secret": client_secret,
            "verifier_token": verifier_token,
            **fields,
        }

    def _app(self, row: Any) -> App:
        return App(
            client_id=row.client_id,
            name=row.name,
            redirect_uris=tuple(json.loads(row.redirect_uris)),
            scopes=tuple(row.scopes.split()),
            auto_approve=bool(row.auto_approve),
            webhook_url=row.webhook_url,
            webhook_format=row.webhook_format,
            verifier_token=row.verifier_token,
            created_ms=int(row.created_ms),
        )

    def get(self, client_id: str) -> App | None:
        with self.store.read() as conn:
            row = conn.execute(select(self.t).where(self.t.c.client_id == client_id)).first()
        return None if row is None else self._app(row)

    def list(self) -> list[App]:
        """Every app, oldest first (the webhook feature reads verifier tokens from here)."""
        with self.store.read() as conn:
            rows = conn.execute(
                select(self.t).order_by(self.t.c.created_ms, self.t.c.client_id)
            ).all()
        return [self._app(r) for r in rows]

    def authenticate(self, client_id: str, client_secret: str) -> App:
        """The app whose credentials these are, else ``invalid_client`` (401).

        The secret's hash is compared in constant time, against a dummy hash when the id
        is unknown, so the answer time says nothing about which part was wrong.
        """
        with self.store.read() as conn:
            row = conn.execute(select(self.t).where(self.t.c.client_id == client_id)).first()
        stored = _DUMMY_SECRET_HASH if row is None else row.secret_hash
        matches = crypto.same(crypto.token_hash(client_secret), stored)
        if row is None or not matches:
            raise invalid_client()
        return self._app(row)
