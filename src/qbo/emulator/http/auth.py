"""Who may call the /v3 API for a realm.

Under ``--auth none`` every caller may (local experiments only); under ``--auth oauth``
(the default of ``qbo emulator serve``) the request needs a live bearer token of the
emulator's OAuth server, granted for this realm with the accounting scope.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from qbo.emulator.config import AuthMode
from qbo.emulator.core import Emulator
from qbo.emulator.http.oauth.bearer import check_api_request
from qbo.emulator.store.session import Realm


async def authorize(request: Request, emulator: Emulator, realm: Realm) -> Response | None:
    """None when the request may proceed, else the gateway's refusal (401 or 403)."""
    if emulator.config.auth is AuthMode.NONE:
        return None
    return await check_api_request(request, emulator, realm)
