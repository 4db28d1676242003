"""`mentionfleet evaluate`: how good the spike detectors are, in numbers.

Generates labelled series with the data generator's model, runs each detector on the
same series and prints recall per spike magnitude and base rate, the false-positive
rate on quiet event-days and the precision of each tier. Definitions are in
`mentionfleet.spikes.evaluation`; the figures behind the defaults are in
docs/spike-detection.md.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import click
from pydantic import ValidationError

from mentionfleet.gdelt.series import BaseRate
from mentionfleet.spikes import evaluation as ev
from mentionfleet.spikes.params import DetectorParams, Tier


@dataclass(frozen=True)
class Table:
    """A table to print, as plain text or with rich."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    left: int = 1
    """Leading columns aligned left (labels); the rest are numbers, aligned right."""


def _ratio(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.3f}"


def _percent(value: float, digits: int = 2) -> str:
    return "-" if math.isnan(value) else f"{100 * value:.{digits}f}%"


def _magnitude(value: float) -> str:
    return f"{value:g}x"


def _tiers(p: DetectorParams) -> str:
    return f"{p.medium:g}/{p.high:g}/{p.critical:g}"


def summary_table(evaluation: ev.Evaluation) -> Table:
    goal = (
        f"recall >= {ev.GOAL_RECALL} at >= {_magnitude(ev.GOAL_MAGNITUDE)} on "
        f"{'/'.join(b.value for b in ev.GOAL_RATES)} base rates, FPR <= {_percent(ev.GOAL_FPR)}"
    )
    rows = []
    for r in evaluation.results:
        p = r.params
        rows.append(
            (
                r.name,
                p.method,
                p.sigma_floor,
                str(p.min_history),
                str(p.baseline_days),
                "on" if p.weekday else "off",
                _tiers(p),
                _ratio(r.goal_recall),
                _ratio(r.min_recall(3.0)),
                _percent(r.fpr),
                _percent(r.fpr_critical, 3),
                *(_ratio(r.tier(t).precision) for t in Tier),
                "yes" if r.meets_goals else "NO",
            )
        )
    return Table(
        title=f"Detectors (goal: {goal})",
        columns=(
            "detector",
            "method",
            "floor",
            "min hist",
            "baseline",
            "weekday",
            "tiers M/H/C",
            "recall>=5x",
            "recall 3x",
            "FPR",
            "FPR crit",
            "prec M",
            "prec H",
            "prec C",
            "goals",
        ),
        rows=tuple(rows),
        left=7,
    )


def recall_table(result: ev.DetectorResult, magnitudes: Sequence[float]) -> Table:
    rows = []
    keys = sorted(
        {(r.base_rate, r.weekday) for r in result.recall}
        | {(q.base_rate, q.weekday) for q in result.quiet},
        key=lambda k: ([*(b.value for b in BaseRate), ev.FLASH].index(k[0]), k[1]),
    )
    for base_rate, weekly in keys:
        cells = []
        for m in magnitudes:
            try:
                cells.append(_ratio(result.recall_of(base_rate, weekly, m).recall))
            except KeyError:
                cells.append("-")
        try:
            quiet = result.quiet_of(base_rate, weekly)
            fpr, crit, scored = (
                _percent(quiet.fpr),
                _percent(quiet.fpr_critical, 3),
                str(quiet.scored_days),
            )
        except KeyError:
            fpr = crit = scored = "-"
        rows.append((base_rate, "weekly" if weekly else "flat", *cells, fpr, crit, scored))
    return Table(
        title=f"{result.name}: recall of injected spikes (MEDIUM or above), FPR on quiet series",
        columns=(
            "base rate",
            "seasonality",
            *(f"recall {_magnitude(m)}" for m in magnitudes),
            "FPR",
            "FPR crit",
            "quiet days",
        ),
        rows=tuple(rows),
        left=2,
    )


def tier_table(result: ev.DetectorResult) -> Table:
    p = result.params
    threshold = {Tier.MEDIUM: p.medium, Tier.HIGH: p.high, Tier.CRITICAL: p.critical}
    return Table(
        title=f"{result.name}: precision per tier (all series)",
        columns=("tier", "z from", "days flagged", "spike days", "precision"),
        rows=tuple(
            (
                t.tier.value,
                f"{threshold[t.tier]:g}",
                str(t.flagged),
                str(t.true),
                _ratio(t.precision),
            )
            for t in result.tiers
        ),
    )


def history_table(result: ev.DetectorResult) -> Table:
    return Table(
        title=f"{result.name}: FPR on quiet ongoing series by history (seen days in the window)",
        columns=("history", "scored days", "flagged", "FPR"),
        rows=tuple(
            (str(h.history), str(h.scored_days), str(h.flagged), _percent(h.fpr))
            for h in result.by_history
        ),
    )


def render_plain(table: Table) -> str:
    widths = [
        max(len(table.columns[i]), *(len(row[i]) for row in table.rows))
        if table.rows
        else len(table.columns[i])
        for i in range(len(table.columns))
    ]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < table.left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([table.title, line(table.columns), rule, *(line(r) for r in table.rows)])


def _print_rich(tables: Sequence[Table], heading: str) -> None:
    from rich.console import Console
    from rich.table import Table as RichTable

    console = Console()
    console.print(heading)
    for t in tables:
        rich_table = RichTable(title=t.title, title_justify="left")
        for i, column in enumerate(t.columns):
            rich_table.add_column(column, justify="left" if i < t.left else "right")
        for row in t.rows:
            rich_table.add_row(*row)
        console.print(rich_table)


def _params(raw: str | None) -> DetectorParams:
    if raw is None:
        return DetectorParams()
    try:
        return DetectorParams.model_validate_json(raw)
    except ValidationError as exc:
        raise click.BadParameter(str(exc), param_hint="--params") from None


@click.command("evaluate")
@click.option("--seed", type=int, default=ev.Setup.seed, show_default=True, help="Random seed.")
@click.option(
    "--events",
    type=click.IntRange(min=1),
    default=ev.Setup.events,
    show_default=True,
    help="Series per cell (base rate x seasonality x magnitude).",
)
@click.option(
    "--days",
    type=click.IntRange(min=ev.Setup.history_days + 1),
    default=ev.Setup.n_days,
    show_default=True,
    help="Days per series.",
)
@click.option(
    "--method",
    type=click.Choice(["zscore", "robust"]),
    default=None,
    help="Only the detectors of this method.",
)
@click.option(
    "--params",
    "params_json",
    metavar="JSON",
    default=None,
    help="Evaluate these DetectorParams too, e.g. '{\"min_history\": 2}' (unset fields: defaults).",
)
@click.option(
    "--compare",
    is_flag=True,
    help="Also run the variations the defaults were chosen from (summary only).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
@click.option("--check", is_flag=True, help="Exit 1 if the default detector misses a goal.")
def evaluate(
    seed: int,
    events: int,
    days: int,
    method: str | None,
    params_json: str | None,
    compare: bool,
    as_json: bool,
    check: bool,
) -> None:
    """Measure the spike detectors on labelled series: recall, false positives, precision."""
    setup = ev.Setup(seed=seed, events=events, n_days=days)
    detailed = dict(ev.detectors())
    if params_json is not None:
        detailed["custom"] = _params(params_json)
    if method is not None:
        detailed = {k: p for k, p in detailed.items() if p.method == method}
    summary_only: dict[str, DetectorParams] = {}
    if compare:
        # Variations identical to a detector already in the run would only repeat it.
        summary_only = {
            f"vary: {k}": p
            for k, p in ev.candidates().items()
            if (method is None or p.method == method) and p not in detailed.values()
        }
    evaluation = ev.evaluate(setup, detailed | summary_only)

    if as_json:
        click.echo(json.dumps(ev.to_json(evaluation), indent=2))
    else:
        tables = [summary_table(evaluation)]
        for name in detailed:
            result = evaluation.result(name)
            tables += [recall_table(result, setup.magnitudes), tier_table(result)]
            if name in ("default", "custom"):
                tables.append(history_table(result))
        heading = (
            f"Labelled series: {setup.events} per cell, {setup.n_days} days, spikes after "
            f"{setup.history_days} quiet days, seed {setup.seed}. Flagged = MEDIUM or above; "
            "FPR over quiet ongoing series; summary recall = lowest over the medium and high "
            "base-rate cells."
        )
        if sys.stdout.isatty():
            _print_rich(tables, heading)
        else:
            click.echo(heading + "\n\n" + "\n\n".join(render_plain(t) for t in tables))

    if check and "default" in detailed and not evaluation.result("default").meets_goals:
        raise SystemExit(1)
