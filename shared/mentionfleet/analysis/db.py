"""The analyst commands' read-only PostgreSQL session."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from mentionfleet.config import ConfigError, Settings


@contextmanager
def reading(settings: Settings) -> Iterator[psycopg.Connection]:
    """A connection for reads; database errors come out as one-line RuntimeErrors."""
    if not settings.database_url:
        raise ConfigError(
            "DATABASE_URL (or DATABASE_URL_FILE) is not set: expected the PostgreSQL URL "
            "holding mention_scores and the run ledger"
        )
    try:
        with psycopg.connect(settings.database_url, connect_timeout=15) as conn:
            conn.read_only = True  # every statement runs in a READ ONLY transaction
            yield conn
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RuntimeError(f"PostgreSQL: {first}") from exc
