"""Benchmark results: tables for the terminal, JSON lines, and BENCHMARKS.md sections.

BENCHMARKS.md is generated: a header (command, machine), then one section per benchmark
between `<!-- bench:NAME -->` markers. A run of some benchmarks (`--only`) rewrites
their sections and keeps the others as they were, each stamped with when it ran.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    left: int = 1
    """Leading columns aligned left (labels); the rest are numbers, aligned right."""
    caption: str = ""

    def _widths(self) -> list[int]:
        cells = [self.columns, *self.rows]
        return [max(len(row[i]) for row in cells) for i in range(len(self.columns))]

    def text(self) -> str:
        widths = self._widths()

        def line(row: Sequence[str]) -> str:
            return "  ".join(
                cell.ljust(w) if i < self.left else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()

        lines = [line(self.columns), line(["-" * w for w in widths])] + [line(r) for r in self.rows]
        return "\n".join(([self.caption] if self.caption else []) + lines)

    def markdown(self) -> str:
        align = ["---" if i < self.left else "---:" for i in range(len(self.columns))]
        rows = [self.columns, tuple(align), *self.rows]
        table = "\n".join("| " + " | ".join(r) + " |" for r in rows)
        return f"{self.caption}\n\n{table}" if self.caption else table


@dataclass(frozen=True)
class Goal:
    text: str
    met: bool
    detail: str

    def line(self) -> str:
        return f"- Goal: {self.text} — {'met' if self.met else 'NOT met'}: {self.detail}"


@dataclass(frozen=True)
class Result:
    name: str
    title: str
    tables: tuple[Table, ...]
    data: dict[str, Any]
    goals: tuple[Goal, ...] = ()
    notes: tuple[str, ...] = ()
    """Markdown paragraphs after the tables: method, caveats, why a goal is missed."""
    preformatted: str = ""
    """Verbatim output to show as a code block (a command's own report)."""
    measured: str = field(default="")

    def text(self) -> str:
        parts = [f"== {self.title}"] + [t.text() for t in self.tables]
        if self.preformatted:
            parts.append(self.preformatted)
        parts += [g.line() for g in self.goals]
        return "\n\n".join(parts)

    def json_line(self) -> str:
        goals = [{"goal": g.text, "met": g.met, "detail": g.detail} for g in self.goals]
        return json.dumps({"benchmark": self.name, **self.data, "goals": goals}, default=str)

    def markdown(self) -> str:
        parts = [f"## {self.title}", f"_Measured {self.measured}._"]
        parts += [t.markdown() for t in self.tables]
        if self.preformatted:
            parts.append(f"```\n{self.preformatted}\n```")
        if self.goals:
            parts.append("\n".join(g.line() for g in self.goals))
        parts += list(self.notes)
        parts.append(
            f"<details><summary>JSON</summary>\n\n```json\n{self.json_line()}\n```\n</details>"
        )
        return "\n\n".join(parts)


_SECTION = re.compile(
    r"<!-- bench:(?P<name>[a-z0-9-]+) -->\n(?P<body>.*?)\n<!-- /bench:(?P=name) -->", re.S
)


def read_sections(path: Path) -> dict[str, str]:
    """The generated sections of an existing BENCHMARKS.md, by benchmark name."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    return {m["name"]: m["body"] for m in _SECTION.finditer(text)}


def goal_lines(sections: dict[str, str]) -> list[str]:
    return [
        line
        for body in sections.values()
        for line in body.splitlines()
        if line.startswith("- Goal:")
    ]


def write_benchmarks(
    path: Path, header: str, order: Sequence[str], fresh: Sequence[Result]
) -> None:
    """Rewrite `path`: header, a goal summary, then every section in `order`.

    Sections in `fresh` replace the stored ones; the others are kept as they were.
    """
    sections = read_sections(path)
    sections.update({r.name: r.markdown() for r in fresh})
    ordered = {name: sections[name] for name in order if name in sections}
    summary = "\n".join(goal_lines(ordered)) or "_No goals measured yet._"
    body = "\n\n".join(f"<!-- bench:{n} -->\n{s}\n<!-- /bench:{n} -->" for n, s in ordered.items())
    text = f"{header}\n\n## Goals at a glance\n\n{summary}\n\n{body}\n"
    path.write_text(text, encoding="utf-8")
