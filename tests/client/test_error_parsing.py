"""The fault parser on every body shape QBO (and what sits in front of it) sends."""

from __future__ import annotations

import httpx
import pytest

from qbo.client import (
    AuthenticationError,
    AuthorizationError,
    BusinessValidationError,
    DuplicateNameError,
    QBOError,
    RateLimitError,
    ServiceError,
    StaleObjectError,
    ValidationError,
    error_from_fault,
    error_from_response,
)
from qbo.client._responses import parse_json
from qbo.client.error_parsing import parse_retry_after


def response(
    status: int, body: str | bytes, content_type: str = "application/json", **headers: str
) -> httpx.Response:
    return httpx.Response(
        status,
        content=body.encode() if isinstance(body, str) else body,
        # keyword names use underscores; HTTP names dashes (intuit_tid really has one)
        headers={
            "content-type": content_type,
            **{k if k == "intuit_tid" else k.replace("_", "-"): v for k, v in headers.items()},
        },
    )


def test_api_json_fault() -> None:
    body = (
        '{"Fault":{"Error":[{"Message":"Stale Object Error","Detail":"Stale Object Error : You and '
        'Bob were working on this at the same time.","code":"5010","element":""}],'
        '"type":"ValidationFault"},"time":"2026-11-26T09:01:18.141-08:00"}'
    )
    error = error_from_response(response(400, body, intuit_tid="1-abc"))
    assert isinstance(error, StaleObjectError)
    assert (error.code, error.status_code, error.intuit_tid, error.element) == (
        "5010",
        400,
        "1-abc",
        None,
    )
    assert error.detail and error.detail.startswith("Stale Object Error")


def test_several_errors_keep_all_and_lead_with_the_first() -> None:
    body = (
        '{"Fault":{"Error":[{"Message":"Duplicate Name Exists Error","code":"6240","Detail":"d"},'
        '{"Message":"Other","code":"6000"}],"type":"ValidationFault"}}'
    )
    error = error_from_response(response(400, body))
    assert isinstance(error, DuplicateNameError) and len(error.errors) == 2
    assert error.errors[1]["code"] == "6000"


def test_gateway_lower_case_fault() -> None:
    body = (
        '{"fault":{"error":[{"message":"message=AuthenticationFailed; errorCode=003200; '
        'statusCode=401","detail":"Token expired: ...","code":"3200","element":null}],'
        '"type":"AUTHENTICATION"},"time":1730024394085}'
    )
    error = error_from_response(
        response(401, body, www_authenticate='Bearer realm="Intuit", error="invalid_token"')
    )
    assert isinstance(error, AuthenticationError) and error.code == "3200"
    assert error.detail == "Token expired: ..." and error.element is None


def test_xml_throttle_fault_with_namespace() -> None:
    body = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<IntuitResponse time="2026-11-26T09:01:18.141-08:00" xmlns="http://schema.intuit.com/finance/v3">'
        '<Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; '
        "statusCode=429</Message><Detail>The request limit was reached.  Try again later</Detail>"
        "</Error></Fault></IntuitResponse>"
    )
    error = error_from_response(response(429, body, "application/xml", retry_after="12"))
    assert isinstance(error, RateLimitError) and error.code == "3001" and error.retry_after == 12
    # Even a 200 or 400 carrying the XML throttle fault is a rate limit, not a validation error.
    assert isinstance(error_from_response(response(400, body, "application/xml")), RateLimitError)


def test_hostile_xml_does_not_crash_or_expand() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        '<IntuitResponse><Fault><Error code="1"><Message>&lol2;</Message></Error></Fault></IntuitResponse>'
    )
    error = error_from_response(response(500, bomb, "application/xml"))
    assert isinstance(error, ServiceError) and "lollol" not in str(error)


@pytest.mark.parametrize(
    ("status", "body", "content_type", "cls", "text"),
    [
        (
            502,
            "<html><head><title>502 Bad Gateway</title></head><body>x</body></html>",
            "text/html",
            ServiceError,
            "502 Bad Gateway",
        ),
        (503, "Service Unavailable", "text/plain", ServiceError, "Service Unavailable"),
        (500, "", "text/plain", ServiceError, "empty body"),
        (403, "", "application/json", AuthorizationError, "empty body"),
        (429, "{}", "application/json", RateLimitError, "HTTP 429"),
        (400, "{not json", "application/json", ValidationError, "HTTP 400"),
        (400, "[" * 100_000 + "]" * 100_000, "application/json", ValidationError, "HTTP 400"),
        (418, "teapot", "text/plain", QBOError, "teapot"),
    ],
)
def test_bodies_that_are_not_faults(
    status: int, body: str, content_type: str, cls: type[QBOError], text: str
) -> None:
    error = error_from_response(response(status, body, content_type))
    assert type(error) is cls and text in str(error)
    assert error.status_code == status and error.code is None


def test_oauth_style_error_and_batch_fault() -> None:
    error = error_from_response(response(401, '{"error":"invalid_client"}'))
    assert isinstance(error, AuthenticationError) and "invalid_client" in error.message
    item = error_from_fault(
        {
            "Error": [{"Message": "A business validation error", "code": "6000", "Detail": "x"}],
            "type": "ValidationFault",
        }
    )
    assert isinstance(item, BusinessValidationError) and item.status_code is None


def test_a_fault_in_a_200_is_raised() -> None:
    with pytest.raises(ValidationError):
        parse_json(
            response(
                200, '{"Fault":{"Error":[{"Message":"m","code":"2010"}],"type":"ValidationFault"}}'
            )
        )
    with pytest.raises(ServiceError):
        parse_json(response(200, "<html>oops</html>", "text/html"))
    with pytest.raises(ServiceError):
        parse_json(response(200, "[" * 100_000 + "]" * 100_000))
    assert (
        parse_json(response(200, '{"Customer":{"Balance":0.10}}'))["Customer"]["Balance"]
        .as_tuple()
        .exponent
        == -2
    )


def test_retry_after_forms() -> None:
    assert parse_retry_after(None) is None and parse_retry_after(" ") is None
    assert parse_retry_after("2.5") == 2.5 and parse_retry_after("-3") == 0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0  # in the past
    assert parse_retry_after("soon") is None
