"""``make demo``: the whole stack on the demo company, end to end, with no network.

1. starts the real ``qbo emulator serve`` (OAuth on) in a subprocess, on a free loopback
   port with a throw-away database and the ``demo`` seed;
2. registers an app through the control plane and connects it to the company with the
   OAuth 2.0 authorization-code flow (the app is auto-approved, so no browser is needed);
3. with ``qbo.Client``, runs the four everyday workflows (see ``demo_workflows``) and a
   short report, printing each as a table; then stops the server.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from qbo.cli import demo_workflows as workflows
from qbo.cli.demo_mirror import mirror_company
from qbo.client import Client
from qbo.testing import EmulatorProcess, emulator_login

console = Console()


def show(title: str, rows: list[tuple[str, str]], *, header: tuple[str, str] | None = None) -> None:
    table = Table(title=title, show_header=header is not None, title_justify="left")
    first, second = header or ("", "")
    table.add_column(first, style="bold")
    table.add_column(second, justify="right" if header else "left")
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)


def run_workflows(qb: Client) -> None:
    """The four everyday workflows, each as a table of what happened."""
    company = qb.company_info()
    console.print(f"[bold]Company[/bold] {company.CompanyName} ({qb.realm_id})")
    show("1. Invoice: create and send", workflows.invoicing(qb))
    show("2. Payments", workflows.payments(qb))
    show("3. Customer lifecycle", workflows.customer_lifecycle(qb))
    show("4. Changes: batch, then CDC", workflows.changes(qb))


def run_reports(qb: Client) -> None:
    aging, pnl = workflows.reports(qb)
    show("Accounts receivable aging", aging, header=("bucket", "amount"))
    show("Profit and loss, this fiscal year", pnl, header=("", "total"))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        with EmulatorProcess(
            "--db", str(Path(tmp) / "demo.db"), "--seed", "demo", "--webhook-window", "0.2"
        ) as served:
            base_url, realm = served.base_url, served.realms[0]
            console.print(
                f"[bold]Emulator[/bold] {base_url}, company {realm} "
                f"(started in {time.perf_counter() - started:.1f} s)"
            )
            login = emulator_login(base_url, realm, name="qbo demo")
            console.print(
                "[bold]Connected[/bold] an app with OAuth 2.0 (authorization code, auto-approved)"
            )
            with Client(
                realm,
                environment=base_url,
                credentials=login.credentials,
                token_store=login.token_store,
            ) as qb:
                run_workflows(qb)
                show(
                    "5. The company mirrored into SQLite (qbo.sync)",
                    mirror_company(console, base_url, realm, Path(tmp)),
                )
                run_reports(qb)
        console.print(f"Done in {time.perf_counter() - started:.1f} s.")


if __name__ == "__main__":
    try:
        main()
    except RuntimeError as exc:  # the server did not start: say so without a traceback
        raise SystemExit(f"demo failed: {exc}") from None
