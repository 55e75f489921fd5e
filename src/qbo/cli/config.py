"""Where the ``qbo`` command keeps its settings, its key and its tokens.

Everything lives in one folder (mode 0700): ``$QBO_CONFIG_DIR``, else the user's config
folder (``~/.config/qbo`` on Linux, through platformdirs).

- ``key``: the Fernet key that encrypts tokens and client secrets, made on first use with
  mode 0600, unless ``$QBO_TOKEN_KEY`` gives one (workers on many machines share a key
  that way). The CLI, the demo and every worker find the same key.
- ``profiles.json`` (0600): one profile per connected app and company: environment,
  client id, redirect URI, realm; the client secret is stored encrypted.
- ``tokens/<profile>.tokens``: the profile's OAuth tokens in the client's
  :class:`~qbo.client.auth.EncryptedFileTokenStore`.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from qbo.client.auth import EncryptedFileTokenStore, TokenStoreError, generate_key
from qbo.client.auth.stores import KEY_ENV, load_key

CONFIG_ENV = "QBO_CONFIG_DIR"
DEFAULT_PROFILE = "default"
PROFILES_VERSION = 1


class ConfigError(Exception):
    """The CLI's settings are missing or unreadable; the message says what to do."""


def config_dir() -> Path:
    """The folder of the CLI's settings (not created here)."""
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("qbo", appauthor=False))


def _private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        path.chmod(0o700)
    return path


def key_file() -> Path:
    return config_dir() / "key"


def ensure_key() -> str | None:
    """The key file's path, made on first use; None when ``$QBO_TOKEN_KEY`` gives the key."""
    if os.environ.get(KEY_ENV):
        return None
    path = key_file()
    if not path.exists():
        _private_dir(path.parent)
        _write_private(path, generate_key().encode("ascii"))
    return str(path)


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` atomically into a 0600 file (mkstemp creates it 0600)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@dataclass(frozen=True)
class Profile:
    """One connected app and company: what a command needs to build a client."""

    name: str
    environment: str  # production, sandbox or a base URL (an emulator)
    realm_id: str
    client_id: str
    redirect_uri: str | None = None
    client_secret_encrypted: str | None = None  # Fernet token; never the plain secret

    def __repr__(self) -> str:
        return (
            f"Profile(name={self.name!r}, environment={self.environment!r}, "
            f"realm_id={self.realm_id!r}, client_id={self.client_id!r})"
        )


def _fernet() -> Any:
    return load_key(key_file=ensure_key())


def encrypt_secret(secret: str) -> str:
    return str(_fernet().encrypt(secret.encode("utf-8")).decode("ascii"))


def decrypt_secret(profile: Profile) -> str:
    if profile.client_secret_encrypted is None:
        raise ConfigError(f"profile {profile.name!r} has no client secret: run qbo auth login")
    from cryptography.fernet import InvalidToken

    try:
        return str(_fernet().decrypt(profile.client_secret_encrypted.encode("ascii")).decode())
    except InvalidToken:
        raise ConfigError(
            f"cannot decrypt the client secret of profile {profile.name!r}: "
            f"a different key ({KEY_ENV} or {key_file()}) than the one it was saved with"
        ) from None


def profiles_file() -> Path:
    return config_dir() / "profiles.json"


def _read_profiles() -> dict[str, Any]:
    path = profiles_file()
    try:
        document = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {"version": PROFILES_VERSION, "profiles": {}}
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path}: {type(exc).__name__}") from None
    if not isinstance(document, dict) or not isinstance(document.get("profiles"), dict):
        raise ConfigError(f"{path} is not a qbo profiles file")
    if document.get("version") != PROFILES_VERSION:
        raise ConfigError(
            f"{path} was written by another version of qbo (format {document.get('version')})"
        )
    return document


def load_profile(name: str) -> Profile | None:
    data = _read_profiles()["profiles"].get(name)
    if data is None:
        return None
    try:
        return Profile(name=name, **{k: v for k, v in data.items() if k != "name"})
    except TypeError:
        raise ConfigError(f"profile {name!r} in {profiles_file()} is damaged") from None


def list_profiles() -> list[Profile]:
    names = sorted(_read_profiles()["profiles"])
    return [p for p in (load_profile(n) for n in names) if p is not None]


def save_profile(profile: Profile) -> None:
    document = _read_profiles()
    entry = asdict(profile)
    entry.pop("name")
    document["profiles"][profile.name] = entry
    _private_dir(config_dir())
    _write_private(profiles_file(), json.dumps(document, indent=2).encode("utf-8"))


def delete_profile(name: str) -> bool:
    document = _read_profiles()
    if document["profiles"].pop(name, None) is None:
        return False
    _write_private(profiles_file(), json.dumps(document, indent=2).encode("utf-8"))
    return True


def token_store(profile_name: str) -> EncryptedFileTokenStore:
    """The encrypted token file of one profile."""
    folder = _private_dir(config_dir() / "tokens")
    try:
        return EncryptedFileTokenStore(folder / f"{profile_name}.tokens", key_file=ensure_key())
    except TokenStoreError as exc:
        raise ConfigError(str(exc)) from None
