"""Reports on a big company: latency as a ratio to a read by id, over loopback HTTP.

The company is the ``large:N`` seed (half customers, half one-line invoices) plus, through
the same domain path, payments on three invoices in five and bills from a hundred vendors,
so that the reports have open items, cash and payables to compute. With the default
``--transactions 100000`` it holds 100,000 transactions (50,000 invoices, 30,000 payments,
20,000 bills) and 50,000 customers.

    .venv/bin/python benchmarks/reports.py [--transactions 100000] [--repeat 5]

Prints one table: the median latency of each request and its ratio to ``GET invoice/{id}``,
measured side by side in one run against one server. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from qbo.emulator import Emulator, EmulatorConfig, create_app
from qbo.emulator.domain import crud
from qbo.emulator.ledger.bulk import bulk
from qbo.schema import catalogue
from qbo.testing import ServerThread

REPORTS = (
    ("ProfitAndLoss", {"date_macro": "All"}),
    ("BalanceSheet", {"date_macro": "All"}),
    ("AgedReceivables", {"report_date": "2027-06-30"}),
    ("ProfitAndLoss by Month", {"date_macro": "All", "summarize_column_by": "Month"}),
)


def add_activity(emu: Emulator, realm_id: str, payments: int, bills: int) -> None:
    """Payments on three invoices in five, and bills from 100 vendors (one transaction)."""
    realm = emu.realms.get(realm_id)
    assert realm is not None
    with emu.realms.session(realm, write=True) as s, bulk(s):
        create = lambda name, body: crud.create(s, catalogue().entity(name), body)  # noqa: E731
        invoices = s.all("Invoice")
        made = 0
        for index, invoice in enumerate(invoices):
            if made >= payments:
                break
            if index % 5 > 2:
                continue
            amount = invoice["TotalAmt"] if index % 5 else invoice["TotalAmt"] / 2
            create(
                "Payment",
                {
                    "CustomerRef": invoice["CustomerRef"],
                    "TotalAmt": str(amount),
                    "TxnDate": invoice["TxnDate"],
                    "Line": [
                        {
                            "Amount": str(amount),
                            "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}],
                        }
                    ],
                },
            )
            made += 1
        accounts = {a["Name"]: a["Id"] for a in s.all("Account")}
        vendors = [create("Vendor", {"DisplayName": f"Supplier {i:03d}"})["Id"] for i in range(100)]
        for index in range(bills):
            create(
                "Bill",
                {
                    "VendorRef": {"value": vendors[index % 100]},
                    "TxnDate": f"2026-{index % 12 + 1:02d}-{index % 28 + 1:02d}",
                    "Line": [
                        {
                            "DetailType": "AccountBasedExpenseLineDetail",
                            "Amount": str(50 + index % 400),
                            "AccountBasedExpenseLineDetail": {
                                "AccountRef": {"value": accounts["Rent or Lease"]}
                            },
                        }
                    ],
                },
            )


def median_ms(client: httpx.Client, path: str, params: dict[str, str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path, params=params)
        times.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--transactions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    invoices = args.transactions // 2
    payments = args.transactions * 3 // 10
    bills = args.transactions - invoices - payments
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.db")
        start = time.perf_counter()
        emu = Emulator.open(EmulatorConfig(db=db, seed=f"large:{invoices * 2}"))
        seeded = time.perf_counter() - start
        realm = emu.realms.list()[0].realm_id
        start = time.perf_counter()
        add_activity(emu, realm, payments, bills)
        activity = time.perf_counter() - start
        print(
            f"seed large:{invoices * 2}: {seeded:.1f} s ({seeded / (invoices * 2) * 1000:.3f} ms/object); "
            f"{payments} payments + {bills} bills: {activity:.1f} s"
        )
        with (
            ServerThread(create_app(emu)) as base,
            httpx.Client(base_url=base, timeout=600) as client,
        ):
            prefix = f"/v3/company/{realm}"
            baseline = median_ms(client, f"{prefix}/invoice/1", {}, args.repeat * 10)
            print(f"{'request':<28}{'median ms':>12}{'x read by id':>16}")
            print(f"{'GET invoice/1':<28}{baseline:>12.2f}{1.0:>16.1f}")
            for label, params in REPORTS:
                name = label.split(" ")[0]
                ms = median_ms(client, f"{prefix}/reports/{name}", params, args.repeat)
                print(f"{label:<28}{ms:>12.2f}{ms / baseline:>16.1f}")
        emu.close()


if __name__ == "__main__":
    main()
