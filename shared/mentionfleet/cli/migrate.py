"""`mentionfleet migrate`: create or update the PostgreSQL schema."""

from __future__ import annotations

import click

from mentionfleet.config import ConfigError, current
from mentionfleet.store.migrate import migrate as apply_migrations


@click.command()
def migrate() -> None:
    """Apply pending schema migrations to DATABASE_URL (safe to repeat).

    \b
    Example:
      DATABASE_URL=postgresql://... mentionfleet migrate
    """
    url = current().database_url
    if not url:
        raise ConfigError("DATABASE_URL (or DATABASE_URL_FILE) is not set")
    applied = apply_migrations(url)
    names = f": {', '.join(applied)}" if applied else ""
    click.echo(f"applied {len(applied)} migration(s){names}")
