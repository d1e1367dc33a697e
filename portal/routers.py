"""Keep the portal's own tables in `default`; the customer-service alias is read-only to us."""

from __future__ import annotations

from typing import Any


class PortalRouter:
    """Migrations run on `default` only: the data map reads other aliases, never migrates them."""

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db == "default"
