"""Progress output: throttled plain lines off a terminal, rich bars on one."""

from __future__ import annotations

import io

from rich.console import Console

from mentionfleet.cli.progress import PlainProgress, RichProgress, progress_for, wants_bar


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_counter_prints_first_every_interval_and_last() -> None:
    out, clock = io.StringIO(), Clock()
    progress = PlainProgress(out, interval_s=5.0, clock=clock)
    progress.step("reading")
    task = progress.task("files read", total=10)
    for second in range(1, 10):
        clock.now = float(second)
        task.advance()
    clock.now = 9.5
    task.advance()  # the last one always prints
    progress.close()  # nothing new to print
    assert out.getvalue().splitlines() == [
        "... reading",
        "... files read: 0/10",
        "... files read: 5/10",
        "... files read: 10/10",
    ]


def test_plain_counter_total_can_arrive_later_and_close_prints_the_final_count() -> None:
    out, clock = io.StringIO(), Clock()
    progress = PlainProgress(out, interval_s=60.0, clock=clock)
    task = progress.task("rows loaded")
    task.update(120)
    task.update(300, total=1000)
    progress.close()
    assert out.getvalue().splitlines() == [
        "... rows loaded: 0",
        "... rows loaded: 300/1000",
    ]


def test_a_bar_only_for_a_terminal_without_json() -> None:
    assert wants_bar(False, stdout=Tty(), stderr=Tty())
    assert not wants_bar(True, stdout=Tty(), stderr=Tty())
    assert not wants_bar(False, stdout=io.StringIO(), stderr=Tty())
    assert not wants_bar(False, stdout=Tty(), stderr=io.StringIO())


def test_progress_for_a_pipe_writes_plain_lines_to_the_stream() -> None:
    out = io.StringIO()
    with progress_for(as_json=False, stream=out) as progress:
        progress.step("loading")
        progress.task("files read", total=2).update(2)
    assert out.getvalue().splitlines() == [
        "... loading",
        "... files read: 0/2",
        "... files read: 2/2",
    ]


def test_rich_bars_show_steps_and_counts() -> None:
    out = io.StringIO()
    bars = RichProgress(Console(file=out, force_terminal=True, width=100))
    bars.start()
    bars.step("scoring [not markup]")
    task = bars.task("batches scored", total=3)
    task.update(2)
    task.advance()
    bars.close()
    text = out.getvalue()
    assert "... scoring [not markup]" in text
    assert "batches scored" in text and "3/3" in text
