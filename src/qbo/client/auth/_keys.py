"""The encryption key of token stores: Fernet keys from an argument, a file or the environment.

A key is 32 random bytes, url-safe base64 (``generate_key()``). Several keys may be given,
separated by commas or whitespace: the first encrypts, all decrypt. That is how keys are
rotated: put the new key first, keep the old one until every store was written again.

Keys never appear in errors or logs.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from qbo.client.auth._store_base import TokenStoreError

log = logging.getLogger("qbo.client.auth")

KEY_ENV = "QBO_TOKEN_KEY"


def generate_key() -> str:
    """A new random key, for ``QBO_TOKEN_KEY`` or a key file."""
    return Fernet.generate_key().decode("ascii")


def _parse(text: str, where: str) -> MultiFernet:
    parts = [p for p in text.replace(",", " ").split() if p]
    if not parts:
        raise TokenStoreError(f"the token key from {where} is empty")
    try:
        return MultiFernet([Fernet(p.encode("ascii")) for p in parts])
    except (ValueError, UnicodeEncodeError):
        raise TokenStoreError(
            f"the token key from {where} is not a Fernet key "
            "(32 url-safe base64-encoded bytes; make one with qbo.client.auth.generate_key())"
        ) from None


def _read_key_file(path: Path) -> str:
    try:
        mode = path.stat().st_mode
        text = path.read_text("ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise TokenStoreError(f"cannot read the key file {path}: {type(exc).__name__}") from None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("the token key file %s can be read by other users: chmod 600 it", path)
    return text


def load_key(
    key: str | bytes | None = None,
    key_file: str | os.PathLike[str] | None = None,
    *,
    required: bool = True,
) -> MultiFernet | None:
    """The key from ``key``, else ``key_file``, else ``$QBO_TOKEN_KEY``.

    None when there is none and ``required`` is false.
    """
    if key is not None:
        return _parse(key.decode("ascii") if isinstance(key, bytes) else key, "the key argument")
    if key_file is not None:
        return _parse(_read_key_file(Path(key_file)), "the key file")
    env = os.environ.get(KEY_ENV)
    if env:
        return _parse(env, KEY_ENV)
    if required:
        raise TokenStoreError(
            f"no key to encrypt tokens with: set {KEY_ENV}, or pass key= or key_file= "
            "(make one with qbo.client.auth.generate_key())"
        )
    return None


def require_key(
    key: str | bytes | None = None, key_file: str | os.PathLike[str] | None = None
) -> MultiFernet:
    """Like :func:`load_key`, for stores that always encrypt."""
    fernet = load_key(key, key_file, required=True)
    assert fernet is not None  # load_key raised otherwise
    return fernet


def decrypt(fernet: MultiFernet, data: bytes, what: str) -> bytes:
    try:
        return fernet.decrypt(data)
    except InvalidToken:
        raise TokenStoreError(
            f"cannot decrypt {what}: a wrong key ({KEY_ENV}) or damaged data"
        ) from None
