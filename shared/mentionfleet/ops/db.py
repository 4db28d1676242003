"""The operator commands' database connection."""

from __future__ import annotations

import psycopg

from mentionfleet.config import Settings


def connect(settings: Settings) -> psycopg.Connection:
    """An autocommit connection: each ledger change stands on its own once made.

    The ops functions wrap multi-statement changes in `conn.transaction()`.
    """
    return psycopg.connect(
        settings.require_database_url(), autocommit=True, connect_timeout=15
    )
