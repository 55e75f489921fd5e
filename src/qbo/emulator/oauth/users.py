"""People who sign in on the consent page (passwords hashed with scrypt).

Every database starts with one user, :data:`DEFAULT_EMAIL` / :data:`DEFAULT_PASSWORD`,
which ``qbo emulator serve`` prints at start. A signed-in user may connect any company of
the emulator (QBO's per-company user roles are not modelled).
"""

from __future__ import annotations

import contextlib
import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from qbo.emulator.clock import Clock
from qbo.emulator.control_input import unknown_fields
from qbo.emulator.oauth import crypto
from qbo.emulator.oauth.errors import InputError
from qbo.emulator.oauth.tables import OAuthTables
from qbo.emulator.store import Store
from qbo.emulator.timefmt import epoch_ms

DEFAULT_EMAIL = "demo@example.com"
DEFAULT_PASSWORD = "qbo-emulator"
DEFAULT_GIVEN_NAME = "Demo"
DEFAULT_FAMILY_NAME = "User"

MIN_PASSWORD = 8
MAX_FIELD = 200
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class User:
    user_id: str
    email: str
    given_name: str
    family_name: str
    phone_number: str | None

    def public(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "email": self.email,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "phone_number": self.phone_number,
        }


def _text(body: dict[str, Any], key: str, required: bool, default: str | None = None) -> str | None:
    value = body.get(key, default)
    if value is None:
        if required:
            raise InputError(f"{key} is required")
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise InputError(f"{key} must be a non-empty string")
    if len(value) > MAX_FIELD:
        raise InputError(f"{key} is longer than {MAX_FIELD} characters")
    return value.strip()


class Users:
    def __init__(self, store: Store, tables: OAuthTables, clock: Clock) -> None:
        self.store = store
        self.t = tables.users
        self.clock = clock

    @staticmethod
    def _user(row: Any) -> User:
        return User(row.user_id, row.email, row.given_name, row.family_name, row.phone_number)

    def create(self, body: dict[str, Any]) -> User:
        allowed = {"email", "password", "given_name", "family_name", "phone_number"}
        problem = unknown_fields(body, allowed)
        if problem:
            raise InputError(problem)
        email = (_text(body, "email", True) or "").lower()
        if not _EMAIL.match(email):
            raise InputError("email must be an e-mail address")
        password = body.get("password")
        if not isinstance(password, str) or len(password) < MIN_PASSWORD:
            raise InputError(f"password must be a string of at least {MIN_PASSWORD} characters")
        if len(password) > MAX_FIELD:
            raise InputError(f"password is longer than {MAX_FIELD} characters")
        user = User(
            user_id=uuid.uuid4().hex,
            email=email,
            given_name=_text(body, "given_name", False, "") or "",
            family_name=_text(body, "family_name", False, "") or "",
            phone_number=_text(body, "phone_number", False),
        )
        password_hash = crypto.hash_password(password)
        try:
            with self.store.write() as conn:
                conn.execute(
                    insert(self.t),
                    {
                        **user.public(),
                        "password_hash": password_hash,
                        "created_ms": epoch_ms(self.clock.now()),
                    },
                )
        except IntegrityError:
            raise InputError(f"a user with e-mail {email} already exists") from None
        return user

    def ensure_default(self) -> None:
        """Create the documented default user when the database has no user yet."""
        with self.store.read() as conn:
            count = conn.execute(select(func.count()).select_from(self.t)).scalar_one()
        if count:
            return
        with contextlib.suppress(InputError):  # another process created it first
            self.create(
                {
                    "email": DEFAULT_EMAIL,
                    "password": DEFAULT_PASSWORD,
                    "given_name": DEFAULT_GIVEN_NAME,
                    "family_name": DEFAULT_FAMILY_NAME,
                    "phone_number": "+1 555 0100",
                }
            )

    def get(self, user_id: str) -> User | None:
        with self.store.read() as conn:
            row = conn.execute(select(self.t).where(self.t.c.user_id == user_id)).first()
        return None if row is None else self._user(row)

    def get_by_email(self, email: str) -> User | None:
        with self.store.read() as conn:
            row = conn.execute(select(self.t).where(self.t.c.email == email.lower())).first()
        return None if row is None else self._user(row)

    def first(self) -> User | None:
        with self.store.read() as conn:
            row = conn.execute(
                select(self.t).order_by(self.t.c.created_ms, self.t.c.user_id).limit(1)
            ).first()
        return None if row is None else self._user(row)

    def list(self) -> list[User]:
        with self.store.read() as conn:
            rows = conn.execute(select(self.t).order_by(self.t.c.created_ms, self.t.c.email)).all()
        return [self._user(r) for r in rows]

    def authenticate(self, email: str, password: str) -> User | None:
        """The user with these credentials, else None (same cost either way)."""
        with self.store.read() as conn:
            row = conn.execute(
                select(self.t).where(self.t.c.email == email.strip().lower())
            ).first()
        stored = crypto.dummy_password_hash() if row is None else row.password_hash
        matches = crypto.verify_password(password, stored)
        if row is None or not matches:
            return None
        return self._user(row)
