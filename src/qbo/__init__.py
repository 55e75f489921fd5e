"""qbo: a QuickBooks Online toolkit (typed client, local emulator, sync engine, CLI).

``qbo.Client`` and ``qbo.AsyncClient`` are imported on first use, so ``import qbo.emulator``
(or ``import qbo.schema``) does not load the HTTP client.
"""

from __future__ import annotations

import logging
from importlib import metadata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qbo.client import AsyncClient, Client

__all__ = ["AsyncClient", "Client", "__version__"]

try:
    __version__ = metadata.version("qbo")
except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

# A library logs but never prints: nothing shows until the application configures logging.
logging.getLogger("qbo").addHandler(logging.NullHandler())


def __getattr__(name: str) -> Any:
    if name in ("Client", "AsyncClient"):
        import qbo.client

        return getattr(qbo.client, name)
    raise AttributeError(f"module 'qbo' has no attribute {name!r}")
