"""Starting a realm over: ``qbo sync reset``.

A reset removes the realm's objects and cursors (the next pass loads it again from
scratch) and makes a stopped realm active again. The change feed keeps its history:
consumers' positions stay valid.
"""

from __future__ import annotations

from sqlalchemy import delete

from qbo.sync import tables as t
from qbo.sync.mirror import Mirror


def reset_realm(mirror: Mirror, realm_id: str) -> int:
    """Forget ``realm_id``'s mirror; answers how many objects were removed."""
    with mirror.transaction() as conn:
        removed = conn.execute(delete(t.objects).where(t.objects.c.realm_id == realm_id))
        conn.execute(delete(t.cursors).where(t.cursors.c.realm_id == realm_id))
        conn.execute(delete(t.realms).where(t.realms.c.realm_id == realm_id))
    return int(removed.rowcount or 0)
