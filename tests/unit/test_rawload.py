"""The raw-file loader's checking phase: budgets of bad lines, and nothing loaded on a stop."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from mentionfleet.gdelt.rawfiles import BadLine, expand
from mentionfleet.gdelt.schema import EVENTS, MENTIONS
from mentionfleet.gdelt.synth import Generated, generate
from mentionfleet.warehouse.rawload import Hooks, TooManyBadLines, load_raw_files
from tests.gdelt_raw import drop_last_field, lines_of, write_raw, write_updates


@pytest.fixture(scope="module")
def g() -> Generated:
    return generate(9, end=date(2026, 3, 31), days=1, events_per_day=40)


@pytest.fixture
def files(g: Generated, tmp_path: Path) -> Path:
    """The day's updates as GDELT files, plus one events file with two bad lines."""
    write_updates(tmp_path, g.events, EVENTS, ".export.CSV.zip")
    write_updates(tmp_path, g.mentions, MENTIONS, ".mentions.CSV.zip")
    lines = lines_of(g.events.slice(0, 4), EVENTS)
    lines[1], lines[3] = drop_last_field(lines[1]), "x"
    write_raw(tmp_path / "20260401000000.export.CSV.zip", lines)
    return tmp_path


def test_check_counts_files_lines_and_rows_within_the_budget(g: Generated, files: Path) -> None:
    seen: list[BadLine] = []
    read: list[str] = []
    result = load_raw_files(
        None, "", expand([files]), max_bad_lines=2, check_only=True,
        hooks=Hooks(on_bad=seen.append, on_file=lambda r: read.append(r.file.path.name)),
    )  # fmt: skip
    assert result.rows == {"events": g.events.num_rows + 2, "eventmentions": g.mentions.num_rows}
    assert result.lines == g.events.num_rows + 4 + g.mentions.num_rows
    assert result.bad_lines == 2 and not result.loaded
    assert [(Path(b.path).name, b.line) for b in seen] == [
        ("20260401000000.export.CSV.zip", 2),
        ("20260401000000.export.CSV.zip", 4),
    ]
    assert sum(result.files.values()) == len(read) == len(list(files.iterdir()))


def test_one_bad_line_over_the_budget_stops_before_any_load(files: Path) -> None:
    # No client at all: reaching the load phase would fail differently.
    with pytest.raises(
        TooManyBadLines, match=r"20260401000000\.export\.CSV\.zip:4: 1 column,"
    ) as e:
        load_raw_files(None, "p.d", expand([files]), max_bad_lines=1)
    assert "(bad line 2, more than --max-bad-lines 1); nothing was loaded" in str(e.value)
