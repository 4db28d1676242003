"""Progress of a long command: a rich bar on a terminal, plain lines otherwise.

Someone watching a terminal gets a live bar; a log file, a pipe or `--json` gets plain
`... text` lines on stderr, a counter's line at most every few seconds, so stdout holds
only the command's result (its table, or the one JSON object of `--json`).

    with progress_for(as_json=as_json) as progress:
        progress.step("starting the local stack")
        files = progress.task("files read", total=len(paths))
        for path in paths:
            ...
            files.advance()
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TextIO

PLAIN_INTERVAL_S = 5.0
"""Least time between two plain lines of one counter (its first and last always print)."""


class Task(Protocol):
    def advance(self, n: int = 1) -> None: ...

    def update(self, completed: int, total: int | None = None) -> None: ...


class Progress(Protocol):
    def step(self, text: str) -> None:
        """A stage of the command starts (one line)."""
        ...

    def task(self, description: str, total: int | None = None) -> Task:
        """A counter, e.g. files read out of `total`; `total` may come later via update."""
        ...


class _PlainTask:
    def __init__(self, owner: PlainProgress, description: str, total: int | None) -> None:
        self._owner = owner
        self.description = description
        self.total = total
        self.completed = 0
        self._printed: tuple[int, int | None] | None = None
        self._printed_at = float("-inf")

    def advance(self, n: int = 1) -> None:
        self.update(self.completed + n)

    def update(self, completed: int, total: int | None = None) -> None:
        self.completed = completed
        if total is not None:
            self.total = total
        now = self._owner.clock()
        finished = self.total is not None and self.completed >= self.total
        if self._printed is None or finished or now - self._printed_at >= self._owner.interval_s:
            self.flush(now)

    def flush(self, now: float | None = None) -> None:
        """Print the current count unless it is what was printed last."""
        state = (self.completed, self.total)
        if state == self._printed:
            return
        of = "" if self.total is None else f"/{self.total}"
        self._owner.step(f"{self.description}: {self.completed}{of}")
        self._printed = state
        self._printed_at = self._owner.clock() if now is None else now


class PlainProgress:
    """`... text` lines on a stream (stderr by default)."""

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        interval_s: float = PLAIN_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.interval_s = interval_s
        self.clock = clock
        self._tasks: list[_PlainTask] = []

    def step(self, text: str) -> None:
        self.stream.write(f"... {text}\n")
        self.stream.flush()

    def task(self, description: str, total: int | None = None) -> Task:
        task = _PlainTask(self, description, total)
        self._tasks.append(task)
        task.flush()
        return task

    def close(self) -> None:
        """Print each counter's final count if its last line showed an earlier one."""
        for task in self._tasks:
            task.flush()


class _RichTask:
    def __init__(self, progress: Any, task_id: Any) -> None:
        self._progress = progress
        self._id = task_id

    def advance(self, n: int = 1) -> None:
        self._progress.advance(self._id, n)

    def update(self, completed: int, total: int | None = None) -> None:
        if total is None:
            self._progress.update(self._id, completed=completed)
        else:
            self._progress.update(self._id, completed=completed, total=total)


class RichProgress:
    """Live bars on the terminal; steps print above them."""

    def __init__(self, console: Any) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.progress import Progress as Bars

        self._bars = Bars(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
            MofNCompleteColumn(), TimeElapsedColumn(), console=console,
        )  # fmt: skip

    def step(self, text: str) -> None:
        self._bars.console.print(f"... {text}", markup=False, highlight=False)

    def task(self, description: str, total: int | None = None) -> Task:
        return _RichTask(self._bars, self._bars.add_task(description, total=total))

    def start(self) -> None:
        self._bars.start()

    def close(self) -> None:
        self._bars.stop()


def wants_bar(as_json: bool, stdout: TextIO | None = None, stderr: TextIO | None = None) -> bool:
    """A bar only for a person at a terminal: stdout and stderr both TTYs, no --json."""
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    return not as_json and out.isatty() and err.isatty()


@contextmanager
def progress_for(*, as_json: bool = False, stream: TextIO | None = None) -> Iterator[Progress]:
    """The right Progress for this process's output; closed (bars stopped) on exit."""
    err = stream if stream is not None else sys.stderr
    if wants_bar(as_json, stderr=err):
        from rich.console import Console

        bars = RichProgress(Console(file=err))
        bars.start()
        try:
            yield bars
        finally:
            bars.close()
        return
    plain = PlainProgress(err)
    try:
        yield plain
    finally:
        plain.close()
