"""The analyst commands' read-only PostgreSQL session."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from mentionfleet.config import Settings


@contextmanager
def reading(settings: Settings) -> Iterator[psycopg.Connection]:
    """A connection for reads; database errors come out as one-line RuntimeErrors."""
    url = settings.require_database_url()
    try:
        with psycopg.connect(url, connect_timeout=15) as conn:
            conn.read_only = True  # every statement runs in a READ ONLY transaction
            yield conn
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RuntimeError(f"PostgreSQL: {first}") from exc
