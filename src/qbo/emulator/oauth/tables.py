"""The OAuth server's tables, defined on the store's own ``MetaData``.

They are created with every other table when an emulator opens its database (see
``qbo.emulator.migrations``), and ``metadata.drop_all`` drops them too.

What is kept, and in what form:
- client secrets, access tokens, refresh tokens and authorization codes: SHA-256 only (they
  are random and long, so a fast hash is enough and a leaked database yields no credential);
- user passwords: scrypt (``crypto.hash_password``);
- webhook verifier tokens: in plain text, because the emulator must compute HMACs with
  them to sign webhook deliveries. Encrypting them with a key kept in the same database
  would protect nothing. They are returned once (at app creation) and never logged;
- the RSA signing key and the HMAC key (``oauth_secrets``): in plain text, for the same
  reason; they are created once per database.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.sql.schema import SchemaItem

from qbo.emulator.store.tables import CText


@dataclass(frozen=True)
class OAuthTables:
    apps: Table
    users: Table
    grants: Table
    codes: Table
    access_tokens: Table
    refresh_tokens: Table
    secrets: Table

    def all(self) -> list[Table]:
        return [
            self.apps,
            self.users,
            self.grants,
            self.codes,
            self.access_tokens,
            self.refresh_tokens,
            self.secrets,
        ]


def _table(md: MetaData, name: str, *cols: SchemaItem) -> Table:
    existing = md.tables.get(name)
    if existing is not None:
        return existing
    return Table(name, md, *cols)


def define(md: MetaData) -> OAuthTables:
    """The OAuth tables on ``md`` (defined on the first call, reused after)."""
    apps = _table(
        md,
        "oauth_apps",
        Column("client_id", String(64), primary_key=True),
        Column("name", Text, nullable=False),
        Column("secret_hash", String(64), nullable=False),
        Column("verifier_token", String(64), nullable=False),
        Column("redirect_uris", Text, nullable=False),  # JSON array
        Column("scopes", Text, nullable=False),  # space-separated
        Column("auto_approve", Boolean, nullable=False),
        Column("webhook_url", Text, nullable=True),
        Column("webhook_format", String(16), nullable=False),
        Column("created_ms", BigInteger, nullable=False),
    )
    users = _table(
        md,
        "oauth_users",
        Column("user_id", String(40), primary_key=True),
        Column("email", CText, nullable=False, unique=True),  # stored lower-cased
        Column("password_hash", Text, nullable=False),
        Column("given_name", Text, nullable=False),
        Column("family_name", Text, nullable=False),
        Column("phone_number", Text, nullable=True),
        Column("created_ms", BigInteger, nullable=False),
    )
    grants = _table(
        md,
        "oauth_grants",
        Column("grant_id", String(40), primary_key=True),
        Column("client_id", String(64), nullable=False),
        Column("user_id", String(40), nullable=False),
        Column("realm_id", String(32), nullable=True),  # None without a QuickBooks scope
        Column("scopes", Text, nullable=False),
        Column("nonce", Text, nullable=True),
        Column("auth_time_ms", BigInteger, nullable=False),
        Column("created_ms", BigInteger, nullable=False),
        Column("hard_expires_ms", BigInteger, nullable=False),
        Column("revoked_ms", BigInteger, nullable=True),
    )
    codes = _table(
        md,
        "oauth_codes",
        Column("code_hash", String(64), primary_key=True),
        Column("grant_id", String(40), nullable=False),
        Column("redirect_uri", Text, nullable=False),
        Column("expires_ms", BigInteger, nullable=False),
        Column("used_ms", BigInteger, nullable=True),
    )
    access_tokens = _table(
        md,
        "oauth_access_tokens",
        Column("token_hash", String(64), primary_key=True),
        Column("grant_id", String(40), nullable=False),
        Column("expires_ms", BigInteger, nullable=False),
        Index("ix_oauth_access_grant", "grant_id"),
    )
    refresh_tokens = _table(
        md,
        "oauth_refresh_tokens",
        Column("token_hash", String(64), primary_key=True),
        Column("grant_id", String(40), nullable=False),
        Column("issued_ms", BigInteger, nullable=False),
        Column("expires_ms", BigInteger, nullable=False),
        Column("superseded_ms", BigInteger, nullable=True),
        Index("ix_oauth_refresh_grant", "grant_id"),
    )
    secrets = _table(
        md,
        "oauth_secrets",
        Column("name", String(40), primary_key=True),
        Column("value", Text, nullable=False),
        Column("created_ms", BigInteger, nullable=False),
    )
    return OAuthTables(apps, users, grants, codes, access_tokens, refresh_tokens, secrets)
