"""Token stores: where each company's latest token lives, and the lock that makes a
refresh happen once.

- :class:`MemoryTokenStore`: this process only (tests, scripts).
- :class:`EncryptedFileTokenStore`: one Fernet-encrypted file; processes on one machine.
- :class:`SQLTokenStore`: a table in SQLite or PostgreSQL; workers on many machines.

Any object with ``load(realm_id)``, ``save(token)`` and a ``lock(realm_id)`` context
manager (yielding ``load()``/``save(token)`` under the lock) is a :class:`TokenStore`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qbo.client.auth._file_store import EncryptedFileTokenStore
from qbo.client.auth._keys import KEY_ENV, generate_key, load_key
from qbo.client.auth._memory_store import MemoryTokenStore
from qbo.client.auth._store_base import (
    DEFAULT_LOCK_TIMEOUT,
    LockedTokens,
    TokenStore,
    TokenStoreError,
)

if TYPE_CHECKING:
    from qbo.client.auth._sql_store import DEFAULT_TABLE, SQLTokenStore


def __getattr__(name: str) -> Any:
    # SQLAlchemy is imported only by those who use the SQL store.
    if name in ("SQLTokenStore", "DEFAULT_TABLE"):
        from qbo.client.auth import _sql_store

        return getattr(_sql_store, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "DEFAULT_TABLE",
    "KEY_ENV",
    "EncryptedFileTokenStore",
    "LockedTokens",
    "MemoryTokenStore",
    "SQLTokenStore",
    "TokenStore",
    "TokenStoreError",
    "generate_key",
    "load_key",
]
