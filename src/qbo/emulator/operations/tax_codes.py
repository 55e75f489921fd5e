"""TaxService: the one way to create tax codes and rates (``POST /taxservice/taxcode``).

The request names a new tax code and its rates; each rate is either an existing TaxRate
(``TaxRateId``) or a new one (``TaxRateName``, ``RateValue``, ``TaxAgencyId``). The code
and rates are created together, in one transaction, and the response echoes the request
with the new ids, as QBO does.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from qbo.emulator.domain import crud
from qbo.emulator.domain.validate import coerce_entity, coerce_scalar
from qbo.emulator.store.session import Session
from qbo.schema import catalogue
from qbo.schema.faults import Fault, FaultCode, required_missing

APPLICABLE = ("Sales", "Purchase")


def _detail(raw: Any, index: int) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise Fault.of(
            FaultCode.INVALID_PROPERTY,
            f"Property Name:TaxRateDetails[{index}] must be an object",
            element="TaxRateDetails",
        )
    allowed = {"TaxRateId", "TaxRateName", "RateValue", "TaxAgencyId", "TaxApplicableOn"}
    for key in raw:
        if key not in allowed:
            raise Fault.of(
                FaultCode.INVALID_PROPERTY,
                f"Property Name:TaxRateDetails[{index}].{key} specified is unsupported or invalid",
                element=key,
            )
    return raw


def create_tax_code(s: Session, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Fault.of(FaultCode.INVALID_PROPERTY, "Request body must be a JSON object")
    name = body.get("TaxCode")
    if not isinstance(name, str) or not name.strip():
        raise required_missing("TaxCode")
    details = body.get("TaxRateDetails")
    if not isinstance(details, list) or not details:
        raise required_missing("TaxRateDetails")
    rate_entity = catalogue().entity("TaxRate")
    code_entity = catalogue().entity("TaxCode")
    # Validate the name like any TaxCode.Name (length, control characters) before it
    # reaches the database in the duplicate check.
    name = coerce_scalar(code_entity.fields["Name"], name, "TaxCode")
    if s.find("TaxCode", "Name", name, limit=1):
        raise Fault.of(
            FaultCode.DUPLICATE_NAME,
            f"The name supplied already exists. : TaxCode {name}",
            element="TaxCode",
        )
    out_details: list[dict[str, Any]] = []
    rate_refs: list[dict[str, Any]] = []
    for index, raw in enumerate(details):
        detail = _detail(raw, index)
        applicable = str(detail.get("TaxApplicableOn", "Sales"))
        if applicable not in APPLICABLE:
            raise Fault.of(
                FaultCode.INVALID_PROPERTY,
                f"TaxApplicableOn must be Sales or Purchase, not {applicable!r}",
                element="TaxApplicableOn",
            )
        if detail.get("TaxRateId") is not None:
            rate = s.get("TaxRate", str(detail["TaxRateId"]))
            if rate is None:
                raise Fault.of(
                    FaultCode.INVALID_REFERENCE,
                    f"Invalid Reference Id : TaxRate {detail['TaxRateId']}",
                    element="TaxRateId",
                )
        else:
            for prop in ("TaxRateName", "RateValue", "TaxAgencyId"):
                if detail.get(prop) is None:
                    raise required_missing(prop)
            try:
                value = Decimal(str(detail["RateValue"]))
            except InvalidOperation:
                raise Fault.of(
                    FaultCode.INVALID_PROPERTY,
                    "Property Name:RateValue must be a number",
                    element="RateValue",
                ) from None
            if not Decimal(0) <= value <= Decimal(100):
                raise Fault.of(
                    FaultCode.BUSINESS_VALIDATION,
                    "RateValue must be between 0 and 100",
                    element="RateValue",
                )
            rate = crud.insert_new(
                s,
                rate_entity,
                coerce_entity(
                    rate_entity,
                    {
                        "Name": detail["TaxRateName"],
                        "RateValue": str(value),
                        "AgencyRef": {"value": str(detail["TaxAgencyId"])},
                        "Active": True,
                    },
                ),
            )
        rate_refs.append(
            {"TaxRateRef": {"value": rate["Id"]}, "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": 0}
        )
        out_details.append(
            {
                **detail,
                "TaxRateId": rate["Id"],
                "TaxRateName": rate.get("Name"),
                "RateValue": rate.get("RateValue"),
                "TaxApplicableOn": applicable,
            }
        )
    code = crud.insert_new(
        s,
        code_entity,
        coerce_entity(
            code_entity,
            {
                "Name": name,
                "Description": name,
                "Active": True,
                "Taxable": True,
                "TaxGroup": len(rate_refs) > 1,
                "SalesTaxRateList": {"TaxRateDetail": rate_refs},
            },
        ),
    )
    return {"TaxCode": code["Name"], "TaxCodeId": code["Id"], "TaxRateDetails": out_details}
