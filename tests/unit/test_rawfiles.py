"""Reading GDELT 2.0 raw files: exact values for good lines, file:line for every bad one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentionfleet.gdelt.rawfiles import BadLine, RawFile, classify, expand, read_raw_file
from mentionfleet.gdelt.schema import EVENTS, MENTIONS, arrow_schema
from mentionfleet.gdelt.synth import Generated, generate
from tests.gdelt_raw import (
    drop_last_field,
    lines_of,
    replace_field,
    write_bytes_zip,
    write_raw,
    write_updates,
)

COL = {name: i for i, name in enumerate(EVENTS.raw_names)}


@pytest.fixture(scope="module")
def g() -> Generated:
    return generate(5, end=date(2026, 3, 31), days=2, events_per_day=60)


def _read(path: Path, spec: object = None, **kwargs: int) -> tuple[pa.Table, list[BadLine]]:
    bad: list[BadLine] = []
    result = read_raw_file(RawFile(path, spec or classify(path)), bad.append, **kwargs)
    return result.table, bad


def test_good_files_read_back_exactly_the_generated_rows(g: Generated, tmp_path: Path) -> None:
    events = write_raw(tmp_path / "20260331000000.export.CSV.zip", lines_of(g.events, EVENTS))
    mentions = write_raw(
        tmp_path / "20260331000000.mentions.CSV.zip", lines_of(g.mentions, MENTIONS)
    )
    for path, spec, expected in ((events, EVENTS, g.events), (mentions, MENTIONS, g.mentions)):
        table, bad = _read(path)
        assert bad == []
        assert table.schema == arrow_schema(spec.raw)
        assert table.equals(expected.cast(arrow_schema(spec.raw)))


def test_each_kind_of_bad_line_is_reported_with_its_line_and_left_out(
    g: Generated, tmp_path: Path
) -> None:
    good = lines_of(g.events.slice(0, 8), EVENTS)
    lines = [
        good[0],
        drop_last_field(good[1]),  # line 2: 60 columns
        replace_field(good[2], COL["NumMentions"], "12x"),  # line 3
        "",  # line 4
        replace_field(good[3], COL["GLOBALEVENTID"], ""),  # line 5
        replace_field(good[4], COL["DATEADDED"], "20260230101500"),  # line 6: Feb 30
        replace_field(good[5], COL["GoldsteinScale"], "-2.5.1"),  # line 7
        replace_field(good[6], COL["Actor1Name"], 'SAID "HELLO"'),  # line 8: quotes are text
        good[7] + "\textra",  # line 9: 62 columns
    ]
    path = write_raw(tmp_path / "20260331000000.export.CSV.zip", lines)
    table, bad = _read(path)
    assert [(b.path, b.line) for b in bad] == [(str(path), n) for n in (2, 3, 4, 5, 6, 7, 9)]
    reasons = [b.reason for b in bad]
    assert reasons[0].startswith("60 columns, expected 61")
    assert reasons[1] == "column 32 NumMentions = '12x': expected an integer (INT64)"
    assert reasons[2] == "empty line"
    assert reasons[3] == "column 1 GLOBALEVENTID is blank"
    assert reasons[4] == "DATEADDED = '20260230101500': not a real date and time"
    assert reasons[5] == "column 31 GoldsteinScale = '-2.5.1': expected a number (FLOAT64)"
    assert reasons[6].startswith("62 columns, expected 61")
    ids = g.events.column("GLOBALEVENTID").to_pylist()
    assert table.column("GLOBALEVENTID").to_pylist() == [ids[0], ids[6]]
    assert table.column("Actor1Name").to_pylist()[1] == 'SAID "HELLO"'


def test_text_that_is_not_utf8_is_a_bad_line(g: Generated, tmp_path: Path) -> None:
    first, second, third = (line.encode() for line in lines_of(g.mentions.slice(0, 3), MENTIONS))
    cells = second.split(b"\t")
    cells[4] = b"caf\xe9.com"  # MentionSourceName in Latin-1
    data = b"\n".join([first, b"\t".join(cells), third]) + b"\n"
    path = write_bytes_zip(tmp_path / "20260331000000.mentions.CSV.zip", data)
    table, bad = _read(path)
    assert [(b.line, b.reason) for b in bad] == [
        (2, "column 5 MentionSourceName = 'caf\ufffd.com': not UTF-8 text")
    ]
    assert table.num_rows == 2


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_line_numbers_hold_across_block_boundaries(
    g: Generated, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    """Small blocks: bad lines of both kinds anywhere, reported at their physical line."""
    good = lines_of(g.events, EVENTS)
    n = data.draw(st.integers(20, len(good)), label="lines")
    kinds = data.draw(st.lists(st.sampled_from(["ok", "short", "type"]), min_size=n, max_size=n))
    lines, expected_bad, kept = [], [], []
    for i, kind in enumerate(kinds):
        if kind == "short":
            lines.append(drop_last_field(good[i]))
        elif kind == "type":
            lines.append(replace_field(good[i], COL["QuadClass"], "four"))
        else:
            lines.append(good[i])
            kept.append(i)
            continue
        expected_bad.append(i + 1)
    path = write_raw(tmp_path_factory.mktemp("blocks") / "x.export.CSV", lines)
    table, bad = _read(path, block_bytes=4096)
    assert [b.line for b in bad] == expected_bad
    assert table.column("GLOBALEVENTID").to_pylist() == [
        g.events.column("GLOBALEVENTID")[i].as_py() for i in kept
    ]


def test_raising_on_a_bad_line_stops_the_read(g: Generated, tmp_path: Path) -> None:
    lines = lines_of(g.events.slice(0, 5), EVENTS)
    lines[1] = drop_last_field(lines[1])
    lines[3] = drop_last_field(lines[3])
    path = write_raw(tmp_path / "a.export.CSV.zip", lines)
    seen: list[int] = []

    def budget_of_one(bad: BadLine) -> None:
        seen.append(bad.line)
        if len(seen) > 1:
            raise ValueError(f"too many bad lines, at {bad}")

    with pytest.raises(ValueError, match=r"too many bad lines, at .*a\.export\.CSV\.zip:4: 60"):
        read_raw_file(RawFile(path, EVENTS), budget_of_one)
    assert seen == [2, 4]


def test_names_and_directories(tmp_path: Path, g: Generated) -> None:
    assert classify(Path("20250101000000.export.CSV.zip")) is EVENTS
    assert classify(Path("20250101000000.translation.export.CSV.zip")) is EVENTS
    assert classify(Path("20250101000000.mentions.csv")) is MENTIONS
    with pytest.raises(ValueError, match=r"gkg\.csv\.zip: not a GDELT 2\.0 events or mentions"):
        classify(Path("20250101000000.gkg.csv.zip"))
    written = write_updates(tmp_path, g.mentions.slice(0, 50), MENTIONS, ".mentions.CSV.zip")
    (tmp_path / "notes.txt").write_text("not data")
    assert [f.path for f in expand([tmp_path])] == sorted(written)
    with pytest.raises(FileNotFoundError, match=r"missing\.export\.CSV\.zip: no such file"):
        expand([tmp_path / "missing.export.CSV.zip"])


def test_a_zip_must_hold_one_csv(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "20250101000000.export.CSV.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.CSV", "1")
        archive.writestr("b.CSV", "2")
    with pytest.raises(ValueError, match=r"one CSV inside the zip, found \['a.CSV', 'b.CSV'\]"):
        _read(path)
    path.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a zip file"):
        _read(path)


def test_a_damaged_archive_is_an_error_naming_the_file(g: Generated, tmp_path: Path) -> None:
    path = write_raw(tmp_path / "20260331000000.export.CSV.zip", lines_of(g.events, EVENTS))
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)  # zeroes over part of the compressed stream
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"20260331000000\.export\.CSV\.zip: cannot read it as"):
        _read(path)
