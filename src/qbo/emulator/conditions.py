"""The conditions an emulator serves under: throttling, injected faults, latency.

They change at runtime through the control plane (``/_emulator/throttle``, ``/faults``,
``/latency``) and are applied to every request by :mod:`qbo.emulator.http.conditions`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.types import Scope

from qbo.emulator.config import EmulatorConfig
from qbo.emulator.faults import FaultRegistry
from qbo.emulator.latency import Latency
from qbo.emulator.throttle import Throttle

#: Tells which app (client id) sent a request, None when it cannot tell. The OAuth layer,
#: or a test, may add one; without any, the realm is the app (``--auth none``). Throttling
#: runs before authorization, so a request with a bad token counts against its realm too.
AppResolver = Callable[[Scope], Awaitable[str | None]]


@dataclass
class Conditions:
    """The mutable serving conditions of one emulator."""

    throttle: Throttle
    faults: FaultRegistry
    latency: Latency
    app_resolvers: list[AppResolver] = field(default_factory=list)

    @classmethod
    def from_config(cls, config: EmulatorConfig) -> Conditions:
        return cls(
            Throttle(config.throttle), FaultRegistry(), Latency(config.latency, config.latency_seed)
        )
