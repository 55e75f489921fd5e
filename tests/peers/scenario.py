"""Running a client's scenario script and reading its report, one JSON line per step."""

from __future__ import annotations

import json
import subprocess
from typing import Any

SCENARIO_TIMEOUT = 300.0  # a guard against hangs; the scenarios take seconds

EXPECTED_STEPS = (
    "oauth connect",
    "oauth refresh",
    "customer create",
    "customer read",
    "customer update",
    "customer sparse update",
    "customer filter",
    "customer count",
    "items",
    "accounts",
    "invoice with lines",
    "invoice send",
    "invoice pdf",
    "payment",
    "bill",
    "bill payment",
    "journal entry",
    "batch of 40",
    "cdc",
    "profit and loss report",
    "balance sheet report",
    "attachment upload",
    "void",
    "delete",
)


def run_scenario(command: list[str], env: dict[str, str]) -> list[dict[str, Any]]:
    """The steps ``command`` reported; a crash of the script itself is an error here."""
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=SCENARIO_TIMEOUT
    )
    steps = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode == 0, f"{command[0]} exited {done.returncode}: {done.stderr[-3000:]}"
    return steps


def failures(steps: list[dict[str, Any]]) -> list[str]:
    """One line per failed or missing step, naming it: empty when all passed."""
    seen = [step["step"] for step in steps]
    lines = [f"{name}: not run" for name in EXPECTED_STEPS if name not in seen]
    for step in steps:
        if not step["ok"]:
            trace = " | ".join(step.get("trace", []))
            lines.append(f"{step['step']}: {step['error']} [{trace}]")
    return lines
