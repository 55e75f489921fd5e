"""Helpers for testing integrations against the emulator (used by qbo's own tests too).

Names load on first use, so importing ``qbo.testing`` (the pytest plugin does) needs
neither uvicorn nor the emulator until a helper is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qbo.testing.asgi import SyncASGITransport
    from qbo.testing.login import EmulatorLogin, emulator_login
    from qbo.testing.process import EmulatorProcess
    from qbo.testing.server import ServerThread, loopback_socket

__all__ = [
    "EmulatorLogin",
    "EmulatorProcess",
    "ServerThread",
    "SyncASGITransport",
    "emulator_login",
    "loopback_socket",
]

_HOMES = {
    "SyncASGITransport": "qbo.testing.asgi",
    "EmulatorLogin": "qbo.testing.login",
    "emulator_login": "qbo.testing.login",
    "EmulatorProcess": "qbo.testing.process",
    "ServerThread": "qbo.testing.server",
    "loopback_socket": "qbo.testing.server",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'qbo.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
