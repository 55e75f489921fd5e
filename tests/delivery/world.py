"""Objects the outbound tests need, made over HTTP on an empty realm."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from qbo.schema import jsoncodec


@dataclass
class Books:
    """A client bound to one realm, with shortcuts for the objects the tests use."""

    client: httpx.AsyncClient
    realm: str

    def path(self, rest: str) -> str:
        return f"/v3/company/{self.realm}/{rest.lstrip('/')}"

    async def post(self, rest: str, body: Any, **params: str) -> httpx.Response:
        return await self.client.post(
            self.path(rest),
            content=jsoncodec.dumps(body),
            params=params,
            headers={"Content-Type": "application/json"},
        )

    async def ok(self, rest: str, body: Any, **params: str) -> dict[str, Any]:
        response = await self.post(rest, body, **params)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = jsoncodec.loads(response.text)
        (key,) = [k for k in data if k != "time"]
        result: dict[str, Any] = data[key]
        return result

    async def account_id(self, name: str) -> str:
        response = await self.client.get(
            self.path("query"), params={"query": f"select * from Account where Name = '{name}'"}
        )
        assert response.status_code == 200, response.text
        (account,) = jsoncodec.loads(response.text)["QueryResponse"]["Account"]
        return str(account["Id"])

    async def customer(
        self, name: str = "Amy's Bird Sanctuary", email: str | None = "amy@example.com"
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "DisplayName": name,
            "BillAddr": {
                "Line1": "4581 Finch St.",
                "City": "Bayshore",
                "CountrySubDivisionCode": "CA",
                "PostalCode": "94326",
            },
        }
        if email:
            body["PrimaryEmailAddr"] = {"Address": email}
        return await self.ok("customer", body)

    async def vendor(self, email: str | None = "orders@vendor.example") -> dict[str, Any]:
        body: dict[str, Any] = {"DisplayName": "Garden Wholesale"}
        if email:
            body["PrimaryEmailAddr"] = {"Address": email}
        return await self.ok("vendor", body)

    async def service(self, name: str = "Landscaping") -> dict[str, Any]:
        return await self.ok(
            "item",
            {
                "Name": name,
                "Type": "Service",
                "IncomeAccountRef": {"value": await self.account_id("Services")},
                "ExpenseAccountRef": {"value": await self.account_id("Supplies")},
            },
        )

    async def sales_form(
        self, entity: str, customer: dict[str, Any] | None = None, **extra: Any
    ) -> dict[str, Any]:
        customer = customer or await self.customer()
        item = await self.service(f"Service for {entity} {extra.get('DocNumber', '')}".strip())
        body: dict[str, Any] = {
            "CustomerRef": {"value": customer["Id"]},
            "Line": [
                {
                    "DetailType": "SalesItemLineDetail",
                    "Description": "Weekly lawn care",
                    "Amount": 150,
                    "SalesItemLineDetail": {
                        "ItemRef": {"value": item["Id"]},
                        "Qty": 4,
                        "UnitPrice": 37.5,
                    },
                }
            ],
            **extra,
        }
        return await self.ok(entity.lower(), body)
