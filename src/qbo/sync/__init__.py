"""Mirror a QuickBooks Online company into SQLite or PostgreSQL, exactly once.

    from qbo import AsyncClient
    from qbo.sync import Mirror, Syncer

    with Mirror.open("sqlite:///.qbo/mirror.db") as mirror:
        report = await Syncer(mirror, client).run_once()   # initial load, then CDC

Webhooks (:class:`WebhookInbox`, :func:`process_inbox`) make it fast, CDC sweeps make it
complete, and :class:`ChangeFeed` hands every applied change to user code, at least
once, with a stored position. The package is built on :mod:`qbo.client` only.
"""

from qbo.sync.documents import Document, Gone, Version, supersedes
from qbo.sync.engine import PassReport, Syncer, mirrored_entities
from qbo.sync.feed import ChangeEvent, ChangeFeed
from qbo.sync.inbox import InboxReport, WebhookInbox, process_inbox
from qbo.sync.mirror import Mirror, MirrorError
from qbo.sync.progress import OnProgress, Progress
from qbo.sync.schema_version import MirrorVersionError

__all__ = [
    "ChangeEvent",
    "ChangeFeed",
    "Document",
    "Gone",
    "InboxReport",
    "Mirror",
    "MirrorError",
    "MirrorVersionError",
    "OnProgress",
    "PassReport",
    "Progress",
    "Syncer",
    "Version",
    "WebhookInbox",
    "mirrored_entities",
    "process_inbox",
    "supersedes",
]
