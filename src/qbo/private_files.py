"""Files that hold secrets (tokens, signing keys) are created readable by their owner only.

A SQLite database of tokens or an emulator database (its signing and HMAC keys) is made
0600 before SQLite first opens it, and a folder qbo creates for one is made 0700; SQLite
gives its journal and WAL files the database file's mode. An existing file or folder is
left as its owner set it. On systems without POSIX modes this does nothing harmful.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url

FILE_MODE = 0o600
DIR_MODE = 0o700


def create_private(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` empty with mode 0600 (and missing folders 0700) unless it exists."""
    target = Path(path)
    missing = [p for p in reversed(target.parents) if not p.exists()]
    for folder in missing:
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return target
    os.close(fd)
    return target


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for other databases, memory and ``file:`` URIs."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    if database.startswith("file:") or parsed.query.get("uri"):
        return None
    return Path(database)


def create_private_sqlite(url: str) -> None:
    """Create the file of a SQLite URL privately before SQLite opens it (other URLs: no-op)."""
    path = sqlite_file(url)
    if path is not None:
        create_private(path)
