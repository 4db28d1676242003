"""`mentionfleet status`: did the runs finish, and what is left of the ones that did not."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import click

from mentionfleet.config import Settings
from mentionfleet.ops.db import connect
from mentionfleet.ops.status import (
    RunDetail,
    RunStatus,
    latest_of_day,
    recent_runs,
    run_detail,
)

MAX_OPEN_SHOWN = 20
MAX_ERROR_SHOWN = 160


def duration(seconds: float) -> str:
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    return f"{s // 3600}h {s % 3600 // 60:02d}m"


def _mark(run: RunStatus) -> str:
    return "  <- needs attention" if run.needs_attention else ""


def _row(r: RunStatus) -> tuple[str, ...]:
    return (
        r.run_id, r.as_of.isoformat(), r.kind, r.state,
        f"{r.batches_scored}/{r.batches_total}", str(r.batches_failed),
        str(r.batches_dead_lettered), str(r.rows_written), duration(r.duration_s),
    )  # fmt: skip


def runs_table(runs: list[RunStatus]) -> str:
    if not runs:
        return "no runs in the ledger"
    header = ("RUN", "AS OF", "KIND", "STATE", "SCORED", "FAILED", "DEAD", "ROWS", "DURATION")
    rows = [_row(r) for r in runs]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(header, widths, strict=True)).rstrip()]
    for run, row in zip(runs, rows, strict=True):
        line = "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        lines.append(line + _mark(run))
    return "\n".join(lines)


def detail_text(detail: RunDetail) -> str:
    r = detail.run
    elapsed = "took" if r.finished_at else "running for"
    lines = [
        f"run       {r.run_id} ({r.kind}, as of {r.as_of})",
        f"state     {r.state}{_mark(r)}",
        f"batches   {r.batches_scored}/{r.batches_total} scored, {r.batches_pending} pending, "
        f"{r.batches_failed} failed, {r.batches_dead_lettered} dead-lettered",
        f"events    {r.events}",
        f"rows      {r.rows_written} written ({r.attempts} deliveries)",
        f"started   {r.started_at:%Y-%m-%d %H:%M:%S %Z}, {elapsed} {duration(r.duration_s)}",
    ]
    if r.state == "publishing":
        lines.append("          not fully published: kick it off again (same parameters)")
    if r.batches_failed:
        # The ledger learns of Pub/Sub's dead-lettering only when the dead letters are read.
        lines.append(
            "          failed batches are retried by Pub/Sub; once their attempts are used up "
            "they are dead letters: mentionfleet dead-letters list"
        )
    if detail.open_batches:
        lines += ["", "unfinished batches", "  BATCH  STATE          ATTEMPTS  EVENTS  LAST ERROR"]
        for b in detail.open_batches[:MAX_OPEN_SHOWN]:
            error = (b.last_error or "").replace("\n", " ")
            if len(error) > MAX_ERROR_SHOWN:
                error = error[: MAX_ERROR_SHOWN - 3] + "..."
            lines.append(
                f"  {b.batch_index:>5}  {b.state:13}  {b.attempts:>8}  {b.events:>6}  {error}"
            )
        if len(detail.open_batches) > MAX_OPEN_SHOWN:
            lines.append(f"  ... {len(detail.open_batches) - MAX_OPEN_SHOWN} more (--json)")
    return "\n".join(lines)


@click.command()
@click.argument("run", required=False)
@click.option(
    "--limit", type=click.IntRange(min=1), default=10, show_default=True,
    help="Recent runs listed (without RUN).",
)  # fmt: skip
@click.option(
    "--check", is_flag=True,
    help="Exit 1 unless RUN is complete; without RUN, unless yesterday's (UTC) run is.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def status(run: str | None, limit: int, check: bool, as_json: bool) -> None:
    """Progress of a run, or of the recent runs, from the run ledger (DATABASE_URL).

    Batches go pending -> scored. Failed: the last delivery failed and Pub/Sub
    retries. Dead-lettered: Pub/Sub stopped retrying; the dead-letters command
    lists and replays those.

    \b
    Examples:
      mentionfleet status                       # the recent runs
      mentionfleet status --check               # morning check: exit 1 if not complete
      mentionfleet status run-20261129-1a2b3c4d --json
    """
    with connect(Settings.from_env()) as conn:
        if run is not None:
            detail = run_detail(conn, run)
            click.echo(json.dumps(detail.as_json()) if as_json else detail_text(detail))
            checked: RunStatus | None = detail.run
            what = f"run {run}"
        else:
            runs = recent_runs(conn, limit)
            click.echo(json.dumps([r.as_json() for r in runs]) if as_json else runs_table(runs))
            yesterday = datetime.now(UTC).date() - timedelta(days=1)
            checked = latest_of_day(conn, yesterday) if check else None
            what = f"the run of {yesterday}"
    if check and (checked is None or checked.state != "complete"):
        state = checked.state if checked else "not kicked off"
        click.echo(f"check failed: {what} is {state}", err=True)
        raise SystemExit(1)
