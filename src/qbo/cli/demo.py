"""``make demo``: start the emulator on the demo company, write over HTTP, show the result.

Runs the real ``qbo emulator serve`` in a subprocess on a free loopback port with a
throw-away database, creates a customer and an invoice for it through the REST API, prints
both, and stops the server.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

console = Console()


def start_emulator(db: Path) -> tuple[subprocess.Popen[str], str, str]:
    """Start ``qbo emulator serve`` and read its first line for the URL and realm."""
    cmd = [sys.executable, "-m", "qbo.cli.main", "emulator", "serve", "--port", "0", "--db", str(db), "--seed", "demo", "--auth", "none"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        raise SystemExit("the emulator did not start (run `qbo emulator serve` to see why)")
    info = json.loads(line)
    return proc, info["base_url"], info["realms"][0]


def show(title: str, entity: dict[str, Any], fields: list[str]) -> None:
    table = Table(title=title, show_header=False)
    for name in fields:
        value = entity.get(name)
        if isinstance(value, dict):
            value = value.get("name") or value.get("value") or value.get("Address") or value.get("CreateTime")
        table.add_row(name, str(value))
    console.print(table)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        proc, base_url, realm = start_emulator(Path(tmp) / "demo.db")
        try:
            console.print(f"[bold]Emulator[/bold] {base_url}  realm {realm}  (started in {time.perf_counter() - started:.1f} s)")
            api = f"{base_url}/v3/company/{realm}"
            with httpx.Client(base_url=api, timeout=30, params={"minorversion": "75"}) as http:
                suffix = time.strftime("%H%M%S")
                customer = http.post("/customer", json={"DisplayName": f"Demo Gardens {suffix}", "PrimaryEmailAddr": {"Address": "ap@demogardens.example"}}).raise_for_status().json()["Customer"]
                items = http.get("/query", params={"query": "select * from Item where Type = 'Service' maxresults 2"})
                item_id = items.json()["QueryResponse"]["Item"][0]["Id"] if items.status_code == 200 else "1"
                invoice = http.post(
                    "/invoice",
                    json={
                        "CustomerRef": {"value": customer["Id"]},
                        "Line": [
                            {"DetailType": "SalesItemLineDetail", "Amount": 300, "Description": "Garden design", "SalesItemLineDetail": {"ItemRef": {"value": item_id}, "Qty": 4, "UnitPrice": 75}},
                        ],
                    },
                ).raise_for_status().json()["Invoice"]
            show("Customer", customer, ["Id", "DisplayName", "PrimaryEmailAddr", "Balance", "SyncToken", "MetaData"])
            show("Invoice", invoice, ["Id", "DocNumber", "CustomerRef", "TxnDate", "DueDate", "TotalAmt", "Balance", "SalesTermRef"])
            console.print_json(json.dumps({"Invoice": invoice}))
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
