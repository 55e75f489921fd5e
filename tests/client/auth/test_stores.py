"""Token stores: round trips, encryption at rest, atomic 0600 files, keys, and their locks."""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from qbo.client.auth import (
    EncryptedFileTokenStore,
    MemoryTokenStore,
    SQLTokenStore,
    Token,
    TokenStore,
    TokenStoreError,
    generate_key,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def token(realm: str = "4620816365", n: int = 1) -> Token:
    return Token(
        access_token=f"access-{n}-" + "a" * 40,
        refresh_token=f"refresh-{n}-" + "r" * 40,
        realm_id=realm,
        expires_at=NOW + timedelta(hours=1),
        refresh_expires_at=NOW + timedelta(days=100),
        hard_expires_at=NOW + timedelta(days=5 * 365),
        scope="com.intuit.quickbooks.accounting openid",
        id_token="header.claims.signature",
    )


def test_token_json_round_trip_and_hidden_repr() -> None:
    t = token()
    assert Token.from_json(t.to_json()) == t
    assert Token.from_dict(t.to_dict()) == t
    shown = repr(t)
    assert t.access_token not in shown and t.refresh_token not in shown and "header" not in shown
    with pytest.raises(ValueError, match="timezone"):
        Token("a", "r", "1", datetime(2026, 1, 1))
    with pytest.raises(ValueError) as bad:
        Token.from_dict({**t.to_dict(), "expires_at": "yesterday"})
    assert t.access_token not in str(bad.value)


# -- every store -----------------------------------------------------------------------------

StoreFactory = Callable[[], TokenStore]


@pytest.fixture(params=["memory", "file", "sqlite", "postgres"])
def make_store(
    request: pytest.FixtureRequest, tmp_path: Path, token_key: str
) -> Iterator[StoreFactory]:
    """A factory of stores sharing one place (each call: a new handle, as another process)."""
    opened: list[SQLTokenStore] = []
    memory = MemoryTokenStore()
    if request.param == "postgres":
        url, schema = request.getfixturevalue("pg_schema_name")

    def make() -> TokenStore:
        if request.param == "memory":
            return memory
        if request.param == "file":
            return EncryptedFileTokenStore(tmp_path / "tokens.bin")
        if request.param == "sqlite":
            store = SQLTokenStore(f"sqlite:///{tmp_path / 'tokens.db'}", client_id="app-1")
        else:
            store = SQLTokenStore(url, client_id="app-1", schema=schema)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def test_store_round_trip_per_company(make_store: StoreFactory) -> None:
    store = make_store()
    assert isinstance(store, TokenStore)
    assert store.load("1") is None
    store.save(token("1", 1))
    store.save(token("2", 2))
    store.save(token("1", 3))
    other = make_store()
    assert other.load("1") == token("1", 3)
    assert other.load("2") == token("2", 2)
    with store.lock("2") as locked:
        assert locked.load() == token("2", 2)
        locked.save(token("2", 4))
        with pytest.raises(ValueError):
            locked.save(token("1", 5))
    assert other.load("2") == token("2", 4)


def test_store_lock_excludes_other_holders(make_store: StoreFactory) -> None:
    """While one handle holds the lock, another waits (and times out), then gets it."""
    holder, waiter = make_store(), make_store()
    holder.save(token("7"))
    waiter.lock_timeout = 0.3  # type: ignore[attr-defined]
    with holder.lock("7") as locked:
        locked.save(token("7", 2))
        started = time.monotonic()
        with pytest.raises(TokenStoreError), waiter.lock("7"):
            pass
        assert time.monotonic() - started >= 0.25
    waiter.lock_timeout = 5  # type: ignore[attr-defined]
    with waiter.lock("7") as locked:
        assert locked.load() == token("7", 2)


def test_store_lock_serialises_read_modify_write(make_store: StoreFactory) -> None:
    """Threads, each with its own handle, increment a counter under the lock: none lost."""
    make_store().save(token("9", 0))

    def bump() -> None:
        store = make_store()
        for _ in range(5):
            with store.lock("9") as locked:
                current = locked.load()
                assert current is not None
                n = int(current.access_token.split("-")[1])
                locked.save(token("9", n + 1))

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = make_store().load("9")
    assert final is not None and final.access_token.startswith("access-20-")


# -- the encrypted file ----------------------------------------------------------------------


def test_file_is_encrypted_0600_and_written_atomically(tmp_path: Path, token_key: str) -> None:
    path = tmp_path / "dir" / "tokens.bin"
    store = EncryptedFileTokenStore(path)
    t = token()
    store.save(t)
    raw = path.read_bytes()
    assert t.access_token.encode() not in raw and t.refresh_token.encode() not in raw
    assert b"access" not in raw and raw.startswith(b"gAAAAA")  # a Fernet token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    if store.lock_path.exists():  # (some filelock versions remove it on release)
        assert stat.S_IMODE(store.lock_path.stat().st_mode) == 0o600
    store.save(token(n=2))
    # No temporary file is left behind.
    assert {p.name for p in path.parent.iterdir()} - {"tokens.bin.lock"} == {"tokens.bin"}
    assert store.realms() == ["4620816365"]


def test_file_key_sources_wrong_key_and_rotation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tokens.bin"
    monkeypatch.delenv("QBO_TOKEN_KEY", raising=False)
    with pytest.raises(TokenStoreError, match="QBO_TOKEN_KEY"):
        EncryptedFileTokenStore(path)
    old, new = generate_key(), generate_key()
    key_file = tmp_path / "key"
    key_file.write_text(old + "\n")
    key_file.chmod(0o600)
    EncryptedFileTokenStore(path, key_file=key_file).save(token(n=1))

    monkeypatch.setenv("QBO_TOKEN_KEY", new)
    with pytest.raises(TokenStoreError, match="decrypt") as wrong:
        EncryptedFileTokenStore(path).load("4620816365")
    assert new not in str(wrong.value) and old not in str(wrong.value)

    # Rotation: the new key first, the old one still accepted; a save re-encrypts.
    monkeypatch.setenv("QBO_TOKEN_KEY", f"{new},{old}")
    rotating = EncryptedFileTokenStore(path)
    assert rotating.load("4620816365") == token(n=1)
    rotating.save(token(n=2))
    assert EncryptedFileTokenStore(path, key=new).load("4620816365") == token(n=2)

    with pytest.raises(TokenStoreError, match="not a Fernet key") as bad:
        EncryptedFileTokenStore(path, key="short-secret-value")
    assert "short-secret-value" not in str(bad.value)


def test_a_readable_key_file_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(generate_key())
    key_file.chmod(0o644)
    EncryptedFileTokenStore(tmp_path / "t.bin", key_file=key_file)
    assert any("chmod 600" in r.getMessage() for r in caplog.records)


def test_damaged_file_is_a_store_error(tmp_path: Path, token_key: str) -> None:
    path = tmp_path / "tokens.bin"
    path.write_bytes(b"not a fernet token")
    with pytest.raises(TokenStoreError):
        EncryptedFileTokenStore(path).load("1")


# -- SQL -------------------------------------------------------------------------------------


def test_sql_rows_are_encrypted_when_a_key_is_set(tmp_path: Path, token_key: str) -> None:
    import sqlalchemy

    url = f"sqlite:///{tmp_path / 'tokens.db'}"
    store = SQLTokenStore(url, client_id="app-1")
    store.save(token())
    engine = sqlalchemy.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sqlalchemy.text("SELECT realm_id, client_id, token FROM qbo_tokens")
        ).all()
    engine.dispose()
    assert [(r[0], r[1]) for r in rows] == [("4620816365", "app-1")]
    assert rows[0][2].startswith("gAAAAA") and "refresh-" not in rows[0][2]
    # Another app's store on the same table sees nothing of app-1's.
    assert SQLTokenStore(url, client_id="app-2").load("4620816365") is None
    store.delete("4620816365")
    assert store.load("4620816365") is None
    store.close()


def test_sql_plain_rows_without_a_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QBO_TOKEN_KEY", raising=False)
    url = f"sqlite:///{tmp_path / 'tokens.db'}"
    plain = SQLTokenStore(url, client_id="app-1", plaintext=True)
    plain.save(token())
    assert plain.load("4620816365") == token()
    encrypted = SQLTokenStore(url, client_id="app-1", key=generate_key())
    assert encrypted.load("4620816365") == token()  # plain rows stay readable
    encrypted.save(token(n=2))
    with pytest.raises(TokenStoreError, match="encrypted"):
        plain.load("4620816365")
    plain.close()
    encrypted.close()


def test_sql_store_without_a_key_refuses_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QBO_TOKEN_KEY", raising=False)
    url = f"sqlite:///{tmp_path / 'tokens.db'}"
    with pytest.raises(TokenStoreError, match=r"QBO_TOKEN_KEY.*key_file=.*plaintext=True"):
        SQLTokenStore(url, client_id="app-1")
    assert not (tmp_path / "tokens.db").exists()  # refused before anything was written


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_sql_store_file_is_private(tmp_path: Path, token_key: str) -> None:
    folder = tmp_path / "made-here"
    store = SQLTokenStore(f"sqlite:///{folder / 'tokens.db'}", client_id="app-1")
    store.save(token())
    store.close()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "tokens.db").stat().st_mode) == 0o600


def test_sql_store_refuses_other_databases() -> None:
    with pytest.raises(TokenStoreError, match="SQLite and PostgreSQL"):
        SQLTokenStore("mysql+pymysql://u@localhost/db", client_id="x", plaintext=True)


def test_memory_store_lock_is_per_company() -> None:
    store = MemoryTokenStore(lock_timeout=0.2)
    with store.lock("1"), store.lock("2"), pytest.raises(TokenStoreError), store.lock("1"):
        pass
    assert os.environ  # (the memory store needs no key)
