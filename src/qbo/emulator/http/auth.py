"""Who may call the /v3 API for a realm.

Under ``--auth none`` every caller may (local experiments only); the OAuth mode checks the
bearer token against the emulator's OAuth server.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from qbo.emulator.config import AuthMode
from qbo.emulator.core import Emulator
from qbo.emulator.domain.session import Realm


async def authorize(request: Request, emulator: Emulator, realm: Realm) -> Response | None:
    """None when the request may proceed, else the gateway's refusal."""
    if emulator.config.auth is AuthMode.NONE:
        return None
    raise NotImplementedError("OAuth mode is not available yet")
