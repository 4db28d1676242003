"""`mentionfleet`: the operator's and analyst's command line.

Each command lives in its own module and is imported only when it runs, so `--help`
stays fast and a command's heavy imports (plotting, the warehouse) cost nothing to the
others. Every command's errors end as one clear line on stderr and a non-zero exit.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any

import click
import psycopg
from google.api_core.exceptions import GoogleAPIError

from mentionfleet import logs

# name -> "module:attribute", in the order `--help` lists them.
COMMANDS: dict[str, str] = {
    "run": "mentionfleet.cli.run:run",
    "migrate": "mentionfleet.cli.migrate:migrate",
    "generate": "mentionfleet.cli.generate:generate",
    "evaluate": "mentionfleet.cli.evaluate:evaluate",
    "kickoff": "mentionfleet.cli.kickoff:kickoff",
    "status": "mentionfleet.cli.status:status",
    "republish": "mentionfleet.cli.republish:republish",
    "backfill": "mentionfleet.cli.backfill:backfill",
    "dead-letters": "mentionfleet.cli.dead_letters:dead_letters",
    "spikes": "mentionfleet.cli.spikes:spikes",
    "plot": "mentionfleet.cli.plot:plot",
    "report": "mentionfleet.cli.report:report",
    "load-gdelt": "mentionfleet.cli.load_gdelt:load_gdelt",
    "cost": "mentionfleet.cli.cost:cost_command",
}

# Errors a person can act on (bad input, a service down or refusing): one line, no traceback.
_EXPECTED = (ValueError, OSError, RuntimeError, LookupError, psycopg.Error, GoogleAPIError)


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attr = target.split(":")
        command = getattr(importlib.import_module(module), attr)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except _EXPECTED as exc:
            raise click.ClickException(f"{type(exc).__name__}: {exc}") from exc


@click.group(cls=LazyGroup)
@click.option("-v", "--verbose", is_flag=True, help="Log progress (JSON lines on stderr).")
def main(verbose: bool) -> None:
    """Find mention spikes in GDELT 2.0 for events about Venezuela.

    \b
    Examples:
      mentionfleet run                 # the whole fleet locally, on generated data
      mentionfleet evaluate --json     # how good the spike detector is
    """
    logs.setup(logging.INFO if verbose else logging.WARNING, stream=sys.stderr)
