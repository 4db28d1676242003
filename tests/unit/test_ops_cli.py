"""The operator commands' command line: registered, documented, and strict about usage."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from mentionfleet.cli import main


@pytest.fixture(autouse=True)
def _keep_logging() -> Iterator[None]:
    """`mentionfleet` sets up its logger for the CLI's stderr; put it back afterwards."""
    logger = logging.getLogger("mentionfleet")
    handlers, level, propagate = list(logger.handlers), logger.level, logger.propagate
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)
    logger.propagate = propagate


COMMANDS = [
    ["kickoff"],
    ["status"],
    ["republish"],
    ["backfill"],
    ["dead-letters", "list"],
    ["dead-letters", "replay"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example_and_json(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output
    assert "--json" in result.output
    assert f"mentionfleet {' '.join(command)}" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["republish"], "expected --run RUN"),
        (["republish", "--run", "r"], "either --batch N"),
        (["republish", "--run", "r", "--batch", "1", "--failed"], "either --batch N"),
        (["republish", "--event-ids", "1", "--run", "r"], "not with --run"),
        (["dead-letters", "replay"], "exactly one of --run RUN or --all"),
        (["dead-letters", "replay", "--run", "r", "--all"], "exactly one of --run RUN or --all"),
    ],
)
def test_ambiguous_usage_is_refused_before_anything_runs(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert message in result.output


def test_backfill_refuses_a_reversed_range_in_one_line() -> None:
    result = CliRunner().invoke(
        main, ["backfill", "--from", "2026-11-05", "--to", "2026-11-01", "--url", "http://x"]
    )
    assert result.exit_code == 1
    assert result.output.strip() == "Error: ValueError: --to 2026-11-01 is before --from 2026-11-05"
