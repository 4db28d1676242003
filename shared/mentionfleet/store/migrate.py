"""Schema migrations: numbered SQL files applied once each, in order.

Safe to run from several processes at once (an advisory lock serialises them) and
again and again (applied versions are recorded).
"""

from __future__ import annotations

from importlib import resources

import psycopg

from mentionfleet import logs

log = logs.get("migrate")
_LOCK_KEY = 0x6D656E74  # any constant shared by every migrator of this schema


def _migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("mentionfleet.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def migrate(conninfo: str) -> list[str]:
    """Apply pending migrations; return the names applied."""
    applied: list[str] = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version integer PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
            for version, name, sql in _migrations():
                if version in done:
                    continue
                with conn.transaction():
                    conn.execute(sql.encode("utf-8"))
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                        (version, name),
                    )
                applied.append(name)
                log.info("migration applied", extra={"migration": name})
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
    return applied
