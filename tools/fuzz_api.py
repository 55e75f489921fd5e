"""schemathesis against the emulator over loopback: no 5xx, and answers as described.

Starts ``qbo emulator serve`` (embedded SQLite in a fresh temporary folder, the demo
company, ``--auth none``, throttling off so no answer is a 429), points schemathesis at
its ``/_emulator/openapi.json`` and runs three passes with a fixed seed:

1. every operation (control-plane writes aside: they would install faults, latency or
   throttling that the run would then trip over), fuzzed with valid and invalid input;
2. the reads again with ``id=1``, which exists for most entities of the demo company, so
   whole entities (not just faults) are checked against their schemas;
3. the coverage phase (boundary and invalid values of every parameter) on the GETs; on
   the entity writes it takes far too long with bodies this large.

The checks: no server error, and status code, content type and body as described.
Prints one summary line per pass and a total; exits non-zero when any pass failed.
Usage: ``python tools/fuzz_api.py [--max-examples N] [--seed S]`` (``make fuzz``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from qbo.testing.process import EmulatorProcess

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
#: Control-plane writes change how the server answers everything else (see above).
CONTROL_WRITES = r"^(post|delete)Emulator"


@dataclass(frozen=True)
class Pass:
    """One schemathesis run: its name, phases and operation filters."""

    name: str
    phases: str
    filters: tuple[str, ...]
    parameters: dict[str, str]


def passes(realm: str) -> list[Pass]:
    company = {"realmId": realm}
    return [
        Pass(
            "all operations",
            "examples,fuzzing",
            ("--exclude-operation-id-regex", CONTROL_WRITES),
            company,
        ),
        Pass(
            "reads of existing objects",
            "fuzzing",
            ("--include-method", "GET", "--include-path-regex", r"\{id\}"),
            {**company, "id": "1"},
        ),
        Pass("coverage of the GETs", "coverage", ("--include-method", "GET"), company),
    ]


def run_pass(
    base_url: str, p: Pass, args: argparse.Namespace, work: Path
) -> tuple[int, Counter[int]]:
    """Run one pass; its exit code and the HTTP statuses it got."""
    slug = p.name.replace(" ", "-")
    config = work / f"{slug}.toml"
    values = ", ".join(f'{k} = "{v}"' for k, v in p.parameters.items())
    config.write_text(f'hooks = "fuzz_hooks"\nparameters = {{ {values} }}\n', encoding="utf-8")
    report = work / f"{slug}.ndjson"
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--no-color",
        "--config-file",
        str(config),
        "run",
        f"{base_url}/_emulator/openapi.json",
        "--checks",
        CHECKS,
        "--phases",
        p.phases,
        "--max-examples",
        str(args.max_examples),
        "--seed",
        str(args.seed),
        "--workers",
        "1",
        # health checks time data generation: on a busy machine "too slow" would fail the
        # run for reasons that say nothing about the server
        "--suppress-health-check",
        "all",
        "--header",
        "Authorization: Bearer fuzz",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
        *p.filters,
    ]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}  # finds fuzz_hooks
    done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(done.stdout[-20000:], done.stderr[-5000:], sep="\n", file=sys.stderr)
    return done.returncode, statuses(report)


def statuses(report: Path) -> Counter[int]:
    """The HTTP status of every request a run's NDJSON report recorded."""
    counted: Counter[int] = Counter()
    if not report.exists():
        return counted
    for line in report.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        for interaction in finished["recorder"].get("interactions", {}).values():
            response = interaction.get("response")
            if response is not None:
                counted[int(response["status_code"])] += 1
    return counted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=10)
    parser.add_argument("--seed", type=int, default=20261203)
    args = parser.parse_args()
    failed = False
    total: Counter[int] = Counter()
    with tempfile.TemporaryDirectory(prefix="qbo-fuzz-") as tmp:
        work = Path(tmp)
        serve_args = ("--db", str(work / "emulator.db"), "--seed", "demo", "--auth", "none")
        with EmulatorProcess(*serve_args, "--throttle", "off", cwd=work) as emulator:
            for p in passes(emulator.realms[0]):
                code, counted = run_pass(emulator.base_url, p, args, work)
                failed |= code != 0
                total += counted
                server_errors = sum(n for status, n in counted.items() if status >= 500)
                print(
                    f"{p.name}: {sum(counted.values())} requests, {server_errors} 5xx, "
                    f"{'passed' if code == 0 else 'FAILED'}",
                    flush=True,
                )
    server_errors = sum(n for status, n in total.items() if status >= 500)
    print(
        f"total: {sum(total.values())} requests, {server_errors} 5xx, statuses {dict(sorted(total.items()))}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
