"""Reading successful responses: JSON with exact money, and faults hidden in a 200."""

from __future__ import annotations

from typing import Any

import httpx

from qbo.client.error_parsing import error_from_response, intuit_tid_of
from qbo.client.errors import ServiceError
from qbo.schema import jsoncodec


def parse_json(response: httpx.Response) -> Any:
    """The JSON body with Decimal money; a fault carried by a 2xx answer is raised."""
    try:
        body = jsoncodec.loads(response.content)
    except ValueError:
        raise ServiceError(
            "the response is not JSON",
            status_code=response.status_code,
            intuit_tid=intuit_tid_of(response),
        ) from None
    if isinstance(body, dict) and ("Fault" in body or "fault" in body) and len(body) <= 2:
        raise error_from_response(response)
    return body
