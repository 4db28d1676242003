"""The run report: one self-contained page, every data value escaped, plots embedded."""

from __future__ import annotations

import base64
import io
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

from PIL import Image

from mentionfleet.analysis.details import EventDetails
from mentionfleet.analysis.plot import render_png
from mentionfleet.analysis.report import ReportData, render_html
from mentionfleet.analysis.runs import ProblemBatch, RunOverview
from mentionfleet.analysis.series import ScoredDay
from mentionfleet.analysis.spikes import Spike

AS_OF = date(2026, 11, 30)
HOSTILE = '<script>alert("x")</script>'


class Elements(HTMLParser):
    """Tags with their attributes, and the page's text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag]


def _run(problems: list[ProblemBatch]) -> RunOverview:
    return RunOverview(
        run_id="run-20261130-abcdef12", as_of=AS_OF, lookback_days=21, state="running",
        started_at=datetime(2026, 12, 1, 6, 0, tzinfo=UTC), finished_at=None,
        params={"detector": {"method": "zscore"}}, events=120, batches_total=3,
        batches_by_state={"pending": 0, "scored": 1, "failed": 1, "dead_lettered": 1},
        attempts=9, retries=6, rows_written=2500, event_days=2520,
        spikes_by_tier={"CRITICAL": 2, "HIGH": 1, "MEDIUM": 4}, problems=problems,
    )  # fmt: skip


def _spike(event_id: int, day: date, tier: str, z: float) -> Spike:
    return Spike(event_id, day, 40, 5.0, 1.5, z, 35, tier, "run-20261130-abcdef12")


def _series() -> list[ScoredDay]:
    return [
        ScoredDay(AS_OF - timedelta(days=9 - i), 40 if i == 8 else 5, 5.0, 1.0, 0.0, None)
        for i in range(10)
    ]


def _page(details: dict[int, EventDetails] | None = None) -> tuple[str, Elements]:
    spikes = [
        _spike(11, AS_OF, "CRITICAL", 12.5),
        _spike(22, AS_OF - timedelta(days=1), "HIGH", 6.0),
        _spike(11, AS_OF - timedelta(days=1), "MEDIUM", 4.0),
    ]
    plots = {11: render_png(11, _series()), 22: render_png(22, _series())}
    problems = [
        ProblemBatch(1, "failed", 5, 40, f"TimeoutError: {HOSTILE}"),
        ProblemBatch(2, "dead_lettered", 3, 40, "event_ids: not sorted & unique"),
    ]
    data = ReportData(
        _run(problems), spikes, details or {}, plots, datetime(2026, 12, 1, 7, tzinfo=UTC)
    )
    page = render_html(data)
    parsed = Elements()
    parsed.feed(page)
    return page, parsed


def test_every_value_from_data_is_escaped() -> None:
    details = {
        11: EventDetails(11, source_url="javascript:alert(1)", actor1="<b>BOLD</b>"),
        22: EventDetails(22, source_url='https://example.com/a?b=1&c="2"', place="Caracas"),
    }
    page, parsed = _page(details)
    assert "<script" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&lt;b&gt;BOLD&lt;/b&gt;" in page
    # Only http(s) URLs become links, with the URL intact once unescaped by the parser.
    hrefs = [a["href"] for a in parsed.all("a") if not (a["href"] or "").startswith("#")]
    assert hrefs == ['https://example.com/a?b=1&c="2"']
    assert "javascript:alert(1)" in "".join(parsed.text)


def test_plots_are_embedded_pngs_one_per_spiking_event() -> None:
    _, parsed = _page()
    images = parsed.all("img")
    assert [i["alt"] for i in images] == ["Event 11", "Event 22"]
    for image in images:
        src = image["src"] or ""
        assert src.startswith("data:image/png;base64,")
        png = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
        assert png.format == "PNG" and png.size == (1000, 500)
    # Nothing is fetched from elsewhere: no external scripts, styles or images.
    assert not [a for t, a in parsed.tags if t in ("script", "link")]


def test_figures_and_health_are_shown() -> None:
    _, parsed = _page()
    text = re.sub(r"\s+", " ", " ".join(parsed.text))
    assert "batches scored 1/3" in text
    assert "rows written 2500" in text
    assert "spikes CRITICAL 2, HIGH 1, MEDIUM 4" in text
    assert "9 deliveries recorded; 6 retries" in text
    assert "2 batch(es) failed or dead-lettered" in text
    assert "event_ids: not sorted & unique" in text
    rows = [r for r in parsed.all("a") if (r["href"] or "").startswith("#event-")]
    assert [r["href"] for r in rows] == ["#event-11", "#event-22", "#event-11"]
