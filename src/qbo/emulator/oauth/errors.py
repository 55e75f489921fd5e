"""OAuth errors as RFC 6749 section 5.2 and Intuit write them.

A description never contains the credential it is about: it names what was wrong, not
the value that was sent.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class OAuthError(Exception):
    """``{"error", "error_description"}`` with its HTTP status."""

    error: str
    description: str = ""
    status: int = 400

    def __post_init__(self) -> None:
        Exception.__init__(self, f"{self.error}: {self.description}")

    def body(self) -> dict[str, str]:
        body = {"error": self.error}
        if self.description:
            body["error_description"] = self.description
        return body


def invalid_request(description: str) -> OAuthError:
    return OAuthError("invalid_request", description)


def invalid_client(description: str = "Client authentication failed") -> OAuthError:
    return OAuthError("invalid_client", description, 401)


def invalid_grant(description: str) -> OAuthError:
    return OAuthError("invalid_grant", description)


def unauthorized_client(description: str) -> OAuthError:
    return OAuthError("unauthorized_client", description)


class InputError(ValueError):
    """A control-plane request the emulator rejects (bad app or user fields)."""
