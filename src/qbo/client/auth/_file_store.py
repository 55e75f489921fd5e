"""Tokens in one encrypted file, shared safely by every process on the machine.

- Encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256); the key comes from
  ``key=``, ``key_file=`` or ``$QBO_TOKEN_KEY`` (see ``_keys.py``).
- Written atomically: a temporary file in the same directory, fsync'd, then
  ``os.replace``; a crash leaves the old file or the new one, never half of one. The file
  (and its lock file) are created with mode 0600.
- One lock file next to it (``<path>.lock``, an OS file lock through ``filelock``) guards
  every read-modify-write, and the auth flow holds it across read-refresh-write. The lock
  covers the whole file, since every save rewrites the whole file.

One file holds the companies of one app; give each app its own file.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import filelock

from qbo.client.auth._keys import decrypt, require_key
from qbo.client.auth._store_base import DEFAULT_LOCK_TIMEOUT, TokenStoreError, realm_of
from qbo.client.auth.tokens import Token

FORMAT_VERSION = 1


class _Locked:
    def __init__(self, store: EncryptedFileTokenStore, realm_id: str) -> None:
        self._store = store
        self._realm_id = realm_id

    def load(self) -> Token | None:
        return self._store._token(self._store._read_all(), self._realm_id)

    def save(self, token: Token) -> None:
        if realm_of(token) != self._realm_id:
            raise ValueError("the token belongs to another company than the one locked")
        tokens = self._store._read_all()
        tokens[self._realm_id] = token.to_dict()
        self._store._write_all(tokens)


class EncryptedFileTokenStore:
    """Each company's token in one Fernet-encrypted JSON file."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        key: str | bytes | None = None,
        key_file: str | os.PathLike[str] | None = None,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.lock_timeout = lock_timeout
        self._fernet = require_key(key, key_file)

    def __repr__(self) -> str:
        return f"EncryptedFileTokenStore({str(self.path)!r})"

    # -- the file -------------------------------------------------------------------------

    def _read_all(self) -> dict[str, Any]:
        try:
            blob = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise TokenStoreError(f"cannot read {self.path}: {type(exc).__name__}") from None
        try:
            document = json.loads(decrypt(self._fernet, blob, str(self.path)))
        except ValueError:
            raise TokenStoreError(f"{self.path} does not hold a token store") from None
        tokens = document.get("tokens") if isinstance(document, dict) else None
        if not isinstance(tokens, dict) or document.get("version") != FORMAT_VERSION:
            raise TokenStoreError(f"{self.path} does not hold a token store of this version")
        return tokens

    def _token(self, tokens: dict[str, Any], realm_id: str) -> Token | None:
        data = tokens.get(realm_id)
        if data is None:
            return None
        try:
            return Token.from_dict(data)
        except ValueError:
            raise TokenStoreError(
                f"the token of company {realm_id} in {self.path} is damaged"
            ) from None

    def _write_all(self, tokens: dict[str, Any]) -> None:
        plain = json.dumps({"version": FORMAT_VERSION, "tokens": tokens}, separators=(",", ":"))
        blob = self._fernet.encrypt(plain.encode("utf-8"))
        directory = self.path.parent
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        # mkstemp creates the file with mode 0600, readable by this user only.
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_directory(directory)

    # -- the store ------------------------------------------------------------------------

    def load(self, realm_id: str) -> Token | None:
        # os.replace makes every read see a whole file: no lock needed to read.
        return self._token(self._read_all(), realm_id)

    def save(self, token: Token) -> None:
        with self.lock(realm_of(token)) as locked:
            locked.save(token)

    def delete(self, realm_id: str) -> None:
        with self.lock(realm_id):
            tokens = self._read_all()
            if tokens.pop(realm_id, None) is not None:
                self._write_all(tokens)

    def realms(self) -> list[str]:
        """The companies with a stored token."""
        return sorted(self._read_all())

    @contextmanager
    def lock(self, realm_id: str) -> Iterator[_Locked]:
        # A new FileLock per acquisition: each opens its own descriptor, so threads of
        # one process exclude each other too, and it may be released from any thread.
        self.lock_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        file_lock = filelock.FileLock(self.lock_path, mode=0o600, thread_local=False)
        try:
            file_lock.acquire(timeout=self.lock_timeout, poll_interval=0.01)
        except filelock.Timeout:
            raise TokenStoreError(f"timed out waiting for the lock {self.lock_path}") from None
        try:
            yield _Locked(self, realm_id)
        finally:
            file_lock.release()


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (POSIX); best effort where directories cannot be opened."""
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
