"""`mentionfleet load-gdelt`: real GDELT 2.0 raw files into the warehouse tables."""

from __future__ import annotations

import json
from pathlib import Path

import click
from google.api_core.exceptions import GoogleAPIError

from mentionfleet.cli.progress import Task, progress_for
from mentionfleet.config import Settings
from mentionfleet.gdelt.rawfiles import BadLine, FileRead, expand
from mentionfleet.warehouse.client import make_client
from mentionfleet.warehouse.rawload import Hooks, RawLoadResult, load_raw_files

SHOW_BAD_LINES = 20
"""Bad lines printed as they are found; the rest are only counted."""


@click.command("load-gdelt")
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)  # fmt: skip
@click.option(
    "--max-bad-lines", type=click.IntRange(min=0), default=0, show_default=True,
    help="Skip up to this many bad lines in all (each is reported); one more stops the "
    "load before anything is loaded.",
)  # fmt: skip
@click.option(
    "--replace", is_flag=True,
    help="Empty each table that receives files first (default: append).",
)  # fmt: skip
@click.option("--check", is_flag=True, help="Only read and check the files; load nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
def load_gdelt(
    paths: tuple[Path, ...], max_bad_lines: int, replace: bool, check: bool, as_json: bool
) -> None:
    """Load GDELT 2.0 raw files (events and mentions) into the warehouse tables.

    PATHS are `YYYYMMDDHHMMSS.export.CSV.zip` (events, 61 columns) and
    `YYYYMMDDHHMMSS.mentions.CSV.zip` (mentions, 16 columns) files as GDELT publishes
    them every 15 minutes, or directories holding them. Every line is checked (column
    count, numeric types, id and stamps present, UTF-8); a bad line is reported with its
    file and line number and either skipped (--max-bad-lines) or stops the load, which
    then loads nothing. Blank fields load as NULL. The warehouse is the dataset of
    MENTIONFLEET_BQ_DATASET (the local stand-in when MENTIONFLEET_BQ_ENDPOINT is set).

    \b
    Example:
      mentionfleet load-gdelt ~/gdelt/20261201*.zip --max-bad-lines 10
    """
    files = expand(list(paths))
    settings = None if check else Settings.from_env()
    client = None if settings is None else make_client(settings)
    dataset = "" if settings is None else settings.bq_dataset
    shown = 0

    def on_bad(bad: BadLine) -> None:
        nonlocal shown
        shown += 1
        if shown <= SHOW_BAD_LINES:
            click.echo(f"skipped {bad}", err=True)

    with progress_for(as_json=as_json) as progress:
        reading = progress.task("files read", total=len(files))
        loading: list[Task] = []

        def on_loading(rows: int) -> None:
            loading.append(progress.task("rows loaded", total=rows))

        def on_file(read: FileRead) -> None:
            reading.advance()

        hooks = Hooks(
            on_bad=on_bad, on_file=on_file, on_loading=on_loading,
            on_loaded=lambda rows: loading[0].advance(rows),
        )  # fmt: skip
        try:
            result = load_raw_files(
                client, dataset, files,
                max_bad_lines=max_bad_lines, replace=replace, check_only=check, hooks=hooks,
            )  # fmt: skip
        except GoogleAPIError as exc:
            message = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise RuntimeError(f"BigQuery ({dataset}): {message}") from exc
    if as_json:
        click.echo(json.dumps({"dataset": dataset or None, **result.as_json()}))
        return
    click.echo(format_result(result, dataset))


def format_result(result: RawLoadResult, dataset: str) -> str:
    files = ", ".join(f"{n} {table}" for table, n in result.files.items())
    rows = ", ".join(f"{n} {table}" for table, n in result.rows.items())
    verb = f"loaded into {dataset}" if result.loaded else "checked, nothing loaded"
    lines = [
        f"files      {sum(result.files.values())} ({files})",
        f"lines      {result.lines} read, {result.bad_lines} bad (skipped)",
        f"rows       {rows} {verb}",
    ]
    if result.bad_lines > SHOW_BAD_LINES:
        lines.append(f"bad lines  the first {SHOW_BAD_LINES} are above; --json lists more")
    return "\n".join(lines)
