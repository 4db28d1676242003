"""`mentionfleet migrate`: create or update the PostgreSQL schema."""

from __future__ import annotations

import click

from mentionfleet.config import current
from mentionfleet.store.migrate import migrate as apply_migrations


@click.command()
def migrate() -> None:
    """Apply pending schema migrations to DATABASE_URL (safe to repeat).

    \b
    Example:
      DATABASE_URL=postgresql://... mentionfleet migrate
    """
    applied = apply_migrations(current().require_database_url())
    names = f": {', '.join(applied)}" if applied else ""
    click.echo(f"applied {len(applied)} migration(s){names}")
