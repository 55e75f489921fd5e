"""Fault injection: make chosen requests fail, drop, or slow down, on purpose.

A client's retry, backoff and idempotency code only runs when things go wrong; these
rules make things go wrong on demand (``POST /_emulator/faults``, ``qbo emulator faults``).

A rule has a ``kind``:

- ``status``: answer with an HTTP error (429, 500, 502, 503, 504) instead of the real answer;
- ``reset``: close the connection without any response;
- ``latency``: wait ``latency_ms`` more before answering (the request then runs normally).

and a ``when``:

- ``before_commit`` (default): the request is not processed at all; nothing changes;
- ``after_commit``: the request runs and commits, *then* the client gets the error (or
  the reset, or the delay). This is how a client's ``requestid`` handling is tested: the
  object exists although the client saw a failure, and a retry with the same requestid
  must get the original answer rather than a duplicate.

A fault never corrupts data: ``before_commit`` never reaches the database and
``after_commit`` only replaces the response of a transaction that completed normally.

A rule matches a request by ``realm``, ``match.method`` and ``match.path_prefix``. A
prefix starting with ``/`` is compared with the whole URL path (so ``/oauth2`` faults the
token endpoint); any other prefix with the API path after ``/v3/company/{realm}/``
(``invoice``, ``batch``, ``query``), case-insensitively. The control plane
(``/_emulator``) never matches, so a fault can always be removed. A rule fires with
``probability`` (from a ``random.Random`` seeded per rule: the same seed gives the same
sequence) at most ``count`` times; exhausted rules stay listed until deleted, so a test
can read how often each fired.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from qbo.emulator.control_input import unknown_fields

STATUSES = (429, 500, 502, 503, 504)


class FaultKind(StrEnum):
    STATUS = "status"
    RESET = "reset"
    LATENCY = "latency"


class When(StrEnum):
    BEFORE = "before_commit"
    AFTER = "after_commit"


class FaultSpecError(ValueError):
    """A fault rule the control plane rejects (message says why)."""


@dataclass
class FaultRule:
    """One injected fault and how often it has fired."""

    id: str
    kind: FaultKind
    when: When = When.BEFORE
    realm: str | None = None
    method: str | None = None
    path_prefix: str | None = None
    status: int | None = None
    latency_ms: int = 0
    probability: float = 1.0
    count: int | None = None  # firings left; None: unlimited
    retry_after: float | None = None
    seed: int = 0
    fired: int = 0
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def matches(self, method: str, path: str, realm: str | None, api_path: str | None) -> bool:
        if self.count is not None and self.count <= 0:
            return False
        if self.method is not None and self.method != method.upper():
            return False
        if self.realm is not None and self.realm != realm:
            return False
        prefix = self.path_prefix
        if prefix is None:
            return True
        if prefix.startswith("/"):
            return path.lower().startswith(prefix.lower())
        return api_path is not None and api_path.lower().startswith(prefix.lower())

    def roll(self) -> bool:
        """Decide whether this matching rule fires now (and count it if it does)."""
        if self.probability < 1.0 and self._rng.random() >= self.probability:
            return False
        self.fired += 1
        if self.count is not None:
            self.count -= 1
        return True

    def to_json(self) -> dict[str, Any]:
        match: dict[str, Any] = {}
        if self.method is not None:
            match["method"] = self.method
        if self.path_prefix is not None:
            match["path_prefix"] = self.path_prefix
        body: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind.value,
            "when": self.when.value,
            "realm": self.realm,
            "match": match,
            "probability": self.probability,
            "remaining": self.count,
            "fired": self.fired,
            "seed": self.seed,
        }
        if self.kind is FaultKind.STATUS:
            body["status"] = self.status
            body["retry_after"] = self.retry_after
        if self.kind is FaultKind.LATENCY:
            body["latency_ms"] = self.latency_ms
        return body


_KEYS = {
    "realm",
    "match",
    "kind",
    "status",
    "when",
    "probability",
    "count",
    "latency_ms",
    "retry_after",
    "seed",
}


def _int(body: Mapping[str, Any], key: str, low: int, high: int) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise FaultSpecError(f"{key} must be an integer from {low} to {high}")
    return value


def _number(body: Mapping[str, Any], key: str, low: float, high: float) -> float | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        raise FaultSpecError(f"{key} must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FaultSpecError(f"{key} must be a number") from None
    if not low <= number <= high:
        raise FaultSpecError(f"{key} must be between {low:g} and {high:g}")
    return number


def _string(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise FaultSpecError(f"{key} must be a non-empty string")
    return value.strip()


def parse_rule(fault_id: str, body: Mapping[str, Any], default_seed: int) -> FaultRule:
    """Validate a rule from the control plane's JSON."""
    problem = unknown_fields(body, _KEYS)
    if problem:
        raise FaultSpecError(problem)
    try:
        kind = FaultKind(str(body.get("kind")))
    except ValueError:
        raise FaultSpecError("kind must be one of status, reset, latency") from None
    try:
        when = When(body.get("when", When.BEFORE.value))
    except ValueError:
        raise FaultSpecError("when must be before_commit or after_commit") from None
    match = body.get("match") or {}
    if not isinstance(match, Mapping) or set(match) - {"method", "path_prefix"}:
        raise FaultSpecError("match must be an object with method and/or path_prefix")
    method = _string(match, "method")
    if method is not None:
        method = method.upper()
        if method not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            raise FaultSpecError("match.method must be an HTTP method such as GET or POST")
    status = _int(body, "status", 100, 599)
    latency_ms = _int(body, "latency_ms", 0, 600_000)
    if kind is FaultKind.STATUS:
        if status not in STATUSES:
            raise FaultSpecError(
                f"a status fault needs status, one of {', '.join(map(str, STATUSES))}"
            )
    elif status is not None:
        raise FaultSpecError("status applies to kind=status only")
    if kind is FaultKind.LATENCY:
        if latency_ms is None:
            raise FaultSpecError("a latency fault needs latency_ms")
    elif latency_ms is not None:
        raise FaultSpecError("latency_ms applies to kind=latency only")
    retry_after = _number(body, "retry_after", 0, 86_400)
    if retry_after is not None and status != 429:
        raise FaultSpecError("retry_after applies to status 429 only")
    probability = _number(body, "probability", 0, 1)
    if probability == 0:
        raise FaultSpecError("probability must be greater than 0 (delete the fault instead)")
    seed = body.get("seed", default_seed)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise FaultSpecError("seed must be an integer")
    return FaultRule(
        id=fault_id,
        kind=kind,
        when=when,
        realm=_string(body, "realm"),
        method=method,
        path_prefix=_string(match, "path_prefix"),
        status=status,
        latency_ms=latency_ms or 0,
        probability=1.0 if probability is None else probability,
        count=_int(body, "count", 1, 1_000_000_000),
        retry_after=retry_after,
        seed=seed,
    )


@dataclass
class Plan:
    """What the fault rules make of one request."""

    delay_before: float = 0.0  # seconds before the request runs
    delay_after: float = 0.0  # seconds after it ran, before the answer
    action: FaultRule | None = None  # the status or reset rule that fired, if any

    @property
    def empty(self) -> bool:
        return self.action is None and not self.delay_before and not self.delay_after


class FaultRegistry:
    """The rules of one server, in the order they were added (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: dict[str, FaultRule] = {}
        self._next = 1

    def add(self, body: Mapping[str, Any]) -> FaultRule:
        with self._lock:
            number = self._next
            rule = parse_rule(f"f{number}", body, default_seed=number)
            self._next += 1
            self._rules[rule.id] = rule
            return rule

    def list(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules.values())

    def remove(self, fault_id: str) -> bool:
        with self._lock:
            return self._rules.pop(fault_id, None) is not None

    def clear(self) -> int:
        with self._lock:
            count = len(self._rules)
            self._rules.clear()
            return count

    def plan(self, method: str, path: str, realm: str | None, api_path: str | None) -> Plan:
        """Roll every matching rule: latencies add up, the first status/reset fires."""
        plan = Plan()
        if not self._rules:
            return plan
        with self._lock:
            for rule in self._rules.values():
                if not rule.matches(method, path, realm, api_path):
                    continue
                if rule.kind is not FaultKind.LATENCY and plan.action is not None:
                    continue
                if not rule.roll():
                    continue
                if rule.kind is FaultKind.LATENCY:
                    if rule.when is When.BEFORE:
                        plan.delay_before += rule.latency_ms / 1000
                    else:
                        plan.delay_after += rule.latency_ms / 1000
                else:
                    plan.action = rule
        return plan
