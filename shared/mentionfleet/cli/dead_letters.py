"""`mentionfleet dead-letters`: what is on the dead-letter subscription, and replaying it."""

from __future__ import annotations

import json

import click

from mentionfleet.config import Settings
from mentionfleet.ops import dead_letters as dl
from mentionfleet.ops.db import connect

MAX_REASON_SHOWN = 120


def _short(text: str) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= MAX_REASON_SHOWN else text[: MAX_REASON_SHOWN - 3] + "..."


def letters_table(letters: list[dl.DeadLetter]) -> str:
    if not letters:
        return "no dead letters"
    lines = [f"{len(letters)} dead letter(s)"]
    for d in letters:
        where = f"{d.run_id or '?'} batch {d.batch_index if d.batch_index is not None else '?'}"
        attempts = "?" if d.attempts is None else str(d.attempts)
        events = "?" if d.events is None else str(d.events)
        lines += [
            f"- {where}: {events} events, {attempts} attempts, from {d.source}, "
            f"ledger {d.ledger_state or 'unknown'} (message {d.message_id})",
            f"    reason: {_short(d.reason)}",
        ]
    return "\n".join(lines)


@click.group("dead-letters")
def dead_letters() -> None:
    """Batches that could not be scored: list them, replay them after a fix.

    Reads MENTIONFLEET_DEAD_LETTER_SUBSCRIPTION [default: <dead-letter topic>-sub] and
    the run ledger (DATABASE_URL).

    \b
    Examples:
      mentionfleet dead-letters list
      mentionfleet dead-letters replay --run run-20261129-1a2b3c4d
    """


@dead_letters.command("list")
@click.option("--run", "run_id", metavar="RUN", default=None, help="Only this run's.")
@click.option(
    "--limit", type=click.IntRange(min=1), default=1000, show_default=True,
    help="Messages read at most.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def list_(run_id: str | None, limit: int, as_json: bool) -> None:
    """List dead letters with their reason and delivery attempts; nothing is consumed.

    A batch Pub/Sub gave up on is recorded as dead_lettered in the run ledger.

    \b
    Examples:
      mentionfleet dead-letters list
      mentionfleet dead-letters list --run run-20261129-1a2b3c4d --json
    """
    settings = Settings.from_env()
    with connect(settings) as conn:
        letters = dl.list_dead_letters(conn, settings, run_id=run_id, limit=limit)
    click.echo(json.dumps([d.as_json() for d in letters]) if as_json else letters_table(letters))


@dead_letters.command("replay")
@click.option("--run", "run_id", metavar="RUN", default=None, help="Replay this run's.")
@click.option("--all", "everything", is_flag=True, help="Replay every dead letter.")
@click.option(
    "--limit", type=click.IntRange(min=1), default=1000, show_default=True,
    help="Messages read at most.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of what was replayed.")
def replay(run_id: str | None, everything: bool, limit: int, as_json: bool) -> None:
    """Send dead letters back to the batch topic, once the cause is fixed.

    Each is acknowledged only after its copy is published; one that fails stays on the
    dead-letter subscription, and the exit code is 1.

    \b
    Examples:
      mentionfleet dead-letters replay --run run-20261129-1a2b3c4d
      mentionfleet dead-letters replay --all --json
    """
    if (run_id is not None) == everything:
        raise click.UsageError("give exactly one of --run RUN or --all")
    settings = Settings.from_env()
    with connect(settings) as conn:
        done = dl.replay(conn, settings, run_id=run_id, limit=limit)
    if as_json:
        click.echo(json.dumps([r.as_json() for r in done]))
    else:
        ok = [r for r in done if r.error is None]
        click.echo(f"replayed {len(ok)} of {len(done)} dead letter(s)")
        for r in done:
            d = r.letter
            result = r.error or f"published as {r.new_message_id}"
            click.echo(f"- {d.run_id or '?'} batch {d.batch_index}: {result}")
        if ok:
            runs = sorted({r.letter.run_id for r in ok if r.letter.run_id})
            click.echo("follow: " + "; ".join(f"mentionfleet status {run}" for run in runs))
    if any(r.error for r in done):
        raise SystemExit(1)
