"""The process's one PostgreSQL connection pool.

A function instance serves many requests; opening a connection per request would
exhaust the database at scale. The pool is created on first use (not at import, so a
cold start that never writes never connects) and sized from configuration: the
deployed budget is max instances x MENTIONFLEET_PG_POOL_MAX, checked by Terraform.
"""

from __future__ import annotations

import atexit
import threading

from psycopg_pool import ConnectionPool

from mentionfleet.config import Settings

_pool: ConnectionPool | None = None
_lock = threading.Lock()


def get_pool(settings: Settings) -> ConnectionPool:
    global _pool
    if _pool is None:
        with _lock:
            if _pool is None:
                _pool = ConnectionPool(
                    settings.require_database_url(),
                    min_size=settings.pool_min_size,
                    max_size=settings.pool_max_size,
                    timeout=settings.pool_timeout_s,
                    # A connection broken by a database restart is dropped on checkout
                    # instead of failing the next batch.
                    check=ConnectionPool.check_connection,
                    name="mentionfleet",
                    open=True,
                )
                atexit.register(close_pool)
    return _pool


def close_pool() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.close()
            _pool = None
