"""The operator commands' database connection."""

from __future__ import annotations

import psycopg

from mentionfleet.config import ConfigError, Settings


def connect(settings: Settings) -> psycopg.Connection:
    """An autocommit connection: each ledger change stands on its own once made.

    The ops functions wrap multi-statement changes in `conn.transaction()`.
    """
    if not settings.database_url:
        raise ConfigError(
            "DATABASE_URL (or DATABASE_URL_FILE) is not set: expected the run ledger's "
            "PostgreSQL URL"
        )
    return psycopg.connect(settings.database_url, autocommit=True, connect_timeout=15)
