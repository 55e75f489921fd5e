"""Where a client talks to: Intuit's production or sandbox hosts, or any emulator.

Every URL is configuration, so the same client code runs against Intuit and against
``qbo emulator serve``. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class Environment:
    """The API base URL and the OAuth 2.0 / OpenID endpoints of one environment."""

    name: str
    api_base: str  # e.g. https://quickbooks.api.intuit.com (the client appends /v3/company/{realm})
    authorization_endpoint: str
    token_endpoint: str
    revocation_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    issuer: str
    discovery_url: str

    def company_url(self, realm_id: str) -> str:
        return f"{self.api_base.rstrip('/')}/v3/company/{realm_id}"

    def with_api_base(self, api_base: str) -> Environment:
        return replace(self, api_base=api_base)


PRODUCTION = Environment(
    name="production",
    api_base="https://quickbooks.api.intuit.com",
    authorization_endpoint="https://appcenter.intuit.com/connect/oauth2",
    token_endpoint="https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
    revocation_endpoint="https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
    userinfo_endpoint="https://accounts.platform.intuit.com/v1/openid_connect/userinfo",
    jwks_uri="https://oauth.platform.intuit.com/op/v1/jwks",
    issuer="https://oauth.platform.intuit.com/op/v1",
    discovery_url="https://developer.api.intuit.com/.well-known/openid_configuration",
)

#: The sandbox shares the OAuth server; only the API host, userinfo and discovery differ.
SANDBOX = replace(
    PRODUCTION,
    name="sandbox",
    api_base="https://sandbox-quickbooks.api.intuit.com",
    userinfo_endpoint="https://sandbox-accounts.platform.intuit.com/v1/openid_connect/userinfo",
    discovery_url="https://developer.api.intuit.com/.well-known/openid_sandbox_configuration",
)


def emulator(base_url: str) -> Environment:
    """The environment of a qbo emulator (the same paths as Intuit's, under one root)."""
    root = base_url.rstrip("/")
    return Environment(
        name="emulator",
        api_base=root,
        authorization_endpoint=f"{root}/connect/oauth2",
        token_endpoint=f"{root}/oauth2/v1/tokens/bearer",
        revocation_endpoint=f"{root}/v2/oauth2/tokens/revoke",
        userinfo_endpoint=f"{root}/v1/openid_connect/userinfo",
        jwks_uri=f"{root}/op/v1/jwks",
        issuer=f"{root}/op/v1",  # the emulator's id_tokens name this issuer, like Intuit's
        discovery_url=f"{root}/.well-known/openid_configuration",
    )


def resolve(environment: str | Environment) -> Environment:
    """``"production"``, ``"sandbox"``, an emulator/base URL, or an Environment."""
    if isinstance(environment, Environment):
        return environment
    if environment == "production":
        return PRODUCTION
    if environment == "sandbox":
        return SANDBOX
    if environment.startswith(("http://", "https://")):
        return emulator(environment)
    raise ValueError(
        f"unknown environment {environment!r}: use 'production', 'sandbox' or a base URL"
    )
