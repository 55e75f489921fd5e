"""A fixed bearer token as an ``httpx.Auth``, for ``Client(access_token=...)`` and tests.

A static token cannot be refreshed: when it expires requests fail with
AuthenticationError. Use credentials and a token store (``qbo.client.auth``) for
long-running work.
"""

from __future__ import annotations

from collections.abc import Generator

import httpx


class BearerAuth(httpx.Auth):
    """Adds ``Authorization: Bearer <token>``; the token is never logged or shown."""

    def __init__(self, token: str) -> None:
        if not token or not token.strip():
            raise ValueError("the access token is empty")
        self._token = token.strip()

    def __repr__(self) -> str:
        return "BearerAuth(token=***)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request
