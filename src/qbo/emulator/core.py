"""The emulator as one object: everything one emulator instance has, and nothing shared.

``Emulator.open(config)`` is all a test needs to run one in-process; the HTTP app and the
``qbo emulator serve`` command are built on it. The object owns the configuration, the
database (:class:`Store`), the clock, the realms, the serving conditions (throttle, fault
rules, latency), the request counters, the OAuth server and the webhook dispatcher. Nothing
of an emulator lives in a module global or a weak map, so two emulators in one process
never share anything. The OAuth server and the webhook dispatcher are made on first use:
the OAuth server seeds a user and loads keys, work most emulators (tests) never need.
"""

from __future__ import annotations

import threading

from qbo.emulator.clock import Clock
from qbo.emulator.conditions import Conditions
from qbo.emulator.config import EmulatorConfig
from qbo.emulator.migrations import open_database
from qbo.emulator.oauth.server import OAuthServer
from qbo.emulator.oauth.stats import Stats
from qbo.emulator.realms import Realms
from qbo.emulator.store import Store, make_engine
from qbo.emulator.store.engine import resolve_url
from qbo.emulator.webhooks.dispatcher import WebhookDispatcher


class Emulator:
    """One emulator instance and everything it owns."""

    def __init__(self, config: EmulatorConfig, store: Store, clock: Clock, realms: Realms) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.realms = realms
        self.stats = Stats()
        self.conditions = Conditions.from_config(config)
        self._lock = threading.Lock()
        self._oauth: OAuthServer | None = None
        self._webhooks: WebhookDispatcher | None = None

    @classmethod
    def open(cls, config: EmulatorConfig | None = None, clock: Clock | None = None) -> Emulator:
        """Connect, bring the schema to this version's (creating, upgrading, or refusing a
        newer one), and seed a first realm when the database has none."""
        config = config or EmulatorConfig()
        store = Store(make_engine(resolve_url(config.db), schema=config.db_schema))
        try:
            open_database(store)
        except Exception:
            store.dispose()
            raise
        clock = clock or Clock()
        emulator = cls(config, store, clock, Realms(store, clock))
        if not emulator.realms.list():
            emulator.realms.create(config.seed)
        return emulator

    def reset_conditions(self) -> None:
        """Back to the configured throttle and latency, with no fault rules (between tests)."""
        self.conditions = Conditions.from_config(self.config)

    @property
    def oauth(self) -> OAuthServer:
        """The OAuth server (made, with its tables, default user and keys, on first use)."""
        if self._oauth is None:
            with self._lock:
                if self._oauth is None:
                    self._oauth = OAuthServer(self.store, self.clock, self.realms, self.stats)
        return self._oauth

    @property
    def webhooks(self) -> WebhookDispatcher:
        """The webhook dispatcher (made on first use, not started)."""
        if self._webhooks is None:
            with self._lock:
                if self._webhooks is None:
                    self._webhooks = WebhookDispatcher(self.store, self.config)
        return self._webhooks

    def close(self) -> None:
        self.store.dispose()
