"""Who receives webhooks: apps with an endpoint, and the companies connected to each.

An app registered on the control plane (``POST /_emulator/apps``, the OAuth feature) has
a ``webhook_url``, a ``webhook_format`` and a ``verifier_token``. A company is connected to
an app by an OAuth grant with a realm that has not been revoked; events of that company
are sent from the moment of its earliest live grant (QBO sends webhooks only for
companies that authorised the app). These are read from the OAuth feature's tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Connection, func, select

from qbo.emulator.oauth.tables import OAuthTables


@dataclass(frozen=True)
class WebhookTarget:
    app_id: str
    url: str
    format: str  # "cloudevents" | "legacy"
    verifier_token: str = field(repr=False)  # a secret: never in a repr or a log
    #: Connected realms -> since when (emulator-clock epoch ms).
    realms: Mapping[str, int] = field(default_factory=dict)

    @property
    def realm_ids(self) -> frozenset[str]:
        return frozenset(self.realms)


def webhook_targets(conn: Connection, oauth: OAuthTables) -> list[WebhookTarget]:
    """Every app with a webhook endpoint, with its connected realms, oldest app first."""
    apps = oauth.apps
    grants = oauth.grants
    rows = conn.execute(
        select(apps.c.client_id, apps.c.webhook_url, apps.c.webhook_format, apps.c.verifier_token)
        .where(apps.c.webhook_url.is_not(None))
        .order_by(apps.c.created_ms, apps.c.client_id)
    ).all()
    if not rows:
        return []
    connected: dict[str, dict[str, int]] = {}
    for grant in conn.execute(
        select(grants.c.client_id, grants.c.realm_id, func.min(grants.c.created_ms))
        .where(grants.c.realm_id.is_not(None), grants.c.revoked_ms.is_(None))
        .group_by(grants.c.client_id, grants.c.realm_id)
    ).all():
        connected.setdefault(grant[0], {})[grant[1]] = int(grant[2])
    return [
        WebhookTarget(
            app_id=row.client_id,
            url=row.webhook_url,
            format=row.webhook_format,
            verifier_token=row.verifier_token,
            realms=connected.get(row.client_id, {}),
        )
        for row in rows
    ]
