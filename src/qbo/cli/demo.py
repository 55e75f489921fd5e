"""``make demo``: the whole stack on the demo company, end to end, with no network.

1. starts the real ``qbo emulator serve`` (OAuth on) in a subprocess, on a free loopback
   port with a throw-away database and the ``demo`` seed;
2. registers an app through the control plane and connects it to the company with the
   OAuth 2.0 authorization-code flow (the app is auto-approved, so no browser is needed);
3. with ``qbo.Client``, creates a customer and an invoice, takes a partial payment, reads
   the invoice back and prints it all; then stops the server.
"""

from __future__ import annotations

import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from qbo.client import Client
from qbo.client.auth import ClientCredentials, MemoryTokenStore, OAuthClient, parse_redirect
from qbo.client.environment import emulator
from qbo.query import col
from qbo.testing import EmulatorProcess

console = Console()
REDIRECT_URI = "http://localhost/callback"


def connect(base_url: str, realm: str) -> tuple[ClientCredentials, MemoryTokenStore]:
    """Register an auto-approved app and run the authorization-code flow for ``realm``."""
    app = (
        httpx.post(
            f"{base_url}/_emulator/apps",
            json={"name": "qbo demo", "redirect_uris": [REDIRECT_URI], "auto_approve": True},
            timeout=30,
        )
        .raise_for_status()
        .json()
    )
    credentials = ClientCredentials(app["client_id"], app["client_secret"], REDIRECT_URI)
    oauth = OAuthClient(emulator(base_url), credentials)
    request = oauth.authorization_url(extra={"realm_id": realm})
    redirect = httpx.get(request.url, follow_redirects=False, timeout=30)
    answer = parse_redirect(redirect.headers["location"], expected_state=request.state)
    store = MemoryTokenStore()
    store.save(oauth.exchange_code(answer.code, realm_id=answer.realm_id, scope=request.scope))
    return credentials, store


def show(title: str, rows: list[tuple[str, Any]]) -> None:
    table = Table(title=title, show_header=False, title_justify="left")
    for name, value in rows:
        table.add_row(name, str(value))
    console.print(table)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        with EmulatorProcess("--db", str(Path(tmp) / "demo.db"), "--seed", "demo") as served:
            base_url, realm = served.base_url, served.realms[0]
            console.print(
                f"[bold]Emulator[/bold] {base_url}, company {realm} (started in {time.perf_counter() - started:.1f} s)"
            )
            credentials, store = connect(base_url, realm)
            console.print(
                "[bold]Connected[/bold] an app with OAuth 2.0 (authorization code, auto-approved)"
            )
            with Client(
                realm, environment=base_url, credentials=credentials, token_store=store
            ) as qb:
                company = qb.company_info()
                item = qb.items.first(col("Type") == "Service")
                assert item is not None and item.Id is not None
                customer = qb.customers.create(
                    {
                        "DisplayName": f"Demo Gardens {time.strftime('%H%M%S')}",
                        "PrimaryEmailAddr": {"Address": "ap@demogardens.example"},
                    }
                )
                invoice = qb.invoices.create(
                    {
                        "CustomerRef": {"value": customer.Id},
                        "Line": [
                            {
                                "DetailType": "SalesItemLineDetail",
                                "Amount": 300,
                                "Description": "Garden design",
                                "SalesItemLineDetail": {
                                    "ItemRef": {"value": item.Id},
                                    "Qty": 4,
                                    "UnitPrice": 75,
                                },
                            },
                            {
                                "DetailType": "SalesItemLineDetail",
                                "Amount": "112.50",
                                "Description": "Trimming",
                                "SalesItemLineDetail": {
                                    "ItemRef": {"value": item.Id},
                                    "Qty": "4.5",
                                    "UnitPrice": 25,
                                },
                            },
                        ],
                    }
                )
                qb.payments.create(
                    {
                        "CustomerRef": {"value": customer.Id},
                        "TotalAmt": "150.00",
                        "Line": [
                            {
                                "Amount": "150.00",
                                "LinkedTxn": [{"TxnId": invoice.Id, "TxnType": "Invoice"}],
                            }
                        ],
                    }
                )
                invoice = qb.invoices.get(str(invoice.Id))
                customer = qb.customers.get(str(customer.Id))
                open_invoices = qb.invoices.count(col("Balance") > Decimal(0))
            console.print(
                f"[bold]Company[/bold] {company.CompanyName}: {open_invoices} open invoices"
            )
            show(
                "Customer",
                [
                    ("Id", customer.Id),
                    ("DisplayName", customer.DisplayName),
                    ("Balance", customer.Balance),
                    ("SyncToken", customer.SyncToken),
                ],
            )
            show(
                "Invoice",
                [
                    ("Id", invoice.Id),
                    ("DocNumber", invoice.DocNumber),
                    ("TxnDate / DueDate", f"{invoice.TxnDate} / {invoice.DueDate}"),
                    ("Terms", invoice.SalesTermRef.name if invoice.SalesTermRef else ""),
                    ("TotalAmt", invoice.TotalAmt),
                    ("Balance after a 150.00 payment", invoice.Balance),
                ],
            )


if __name__ == "__main__":
    try:
        main()
    except RuntimeError as exc:  # the server did not start: say so without a traceback
        raise SystemExit(f"demo failed: {exc}") from None
