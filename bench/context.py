"""What the benchmarks share: one local stack, started on first need, and one data set.

The stack always brings its own PostgreSQL: DATABASE_URL is dropped from this process's
environment first, so a benchmark never writes into a database someone pointed it at.
"""

from __future__ import annotations

import os
from datetime import date
from types import TracebackType
from typing import Self

import psycopg
from psycopg import sql

from mentionfleet.config import Settings
from mentionfleet.gdelt.synth import Generated
from mentionfleet.localrun.session import RunOptions, load_generated
from mentionfleet.localstack import LocalStack
from mentionfleet.store.migrate import migrate

# The end-to-end data set: ~22k events about Venezuela over 30 days, ~45 batches of 500.
AS_OF = date(2026, 11, 29)
LOOKBACK_DAYS = 30
BATCH_SIZE = 500
EVENTS_PER_DAY = 5000
SEED = 7


class BenchContext:
    def __init__(self) -> None:
        self._stack: LocalStack | None = None
        self._data: Generated | None = None

    @property
    def started(self) -> bool:
        return self._stack is not None

    def stack(self) -> LocalStack:
        if self._stack is None:
            os.environ.pop("DATABASE_URL", None)
            self._stack = LocalStack().start()
            # Google clients and the pool read these when they are created.
            os.environ.update(self._stack.env())
        return self._stack

    @property
    def settings(self) -> Settings:
        return Settings.from_env(self.stack().env())

    @property
    def options(self) -> RunOptions:
        return RunOptions(
            seed=SEED,
            events_per_day=EVENTS_PER_DAY,
            lookback_days=LOOKBACK_DAYS,
            batch_size=BATCH_SIZE,
            as_of=AS_OF,
        )

    def data(self) -> Generated:
        """The generated GDELT data, loaded into the BigQuery stand-in once."""
        if self._data is None:
            self._data = load_generated(self.settings, self.options)
        return self._data

    def fresh_database(self, name: str) -> str:
        """A new, migrated database `name` on the stack's server (dropped first if present)."""
        stack = self.stack()
        with psycopg.connect(stack.postgres.admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        url = stack.postgres.url.rsplit("/", 1)[0] + f"/{name}"
        migrate(url)
        return url

    def postgres_version(self) -> str:
        with psycopg.connect(self.stack().database_url) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "unknown"

    def close(self) -> None:
        if self._stack is not None:
            self._stack.stop()
            self._stack = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
