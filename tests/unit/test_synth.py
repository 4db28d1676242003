"""The GDELT-shaped generator: shape of its tables, and truth that agrees with its rows."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentionfleet.gdelt.schema import EVENTS, EVENTS_RAW, MENTIONS, MENTIONS_RAW, arrow_schema
from mentionfleet.gdelt.synth import FIRST_EVENT_ID, Generated, Kind, generate, write_truth
from mentionfleet.warehouse.tables import day_of_stamps, to_warehouse

END = date(2026, 3, 31)


@pytest.fixture(scope="module")
def g() -> Generated:
    return generate(11, end=END, days=20, events_per_day=400)


def _col(t: pa.Table, name: str) -> np.ndarray:
    return t.column(name).to_numpy(zero_copy_only=False)


def _is(t: pa.Table, name: str, value: str) -> np.ndarray:
    return pc.fill_null(pc.equal(t.column(name), value), False).to_numpy(zero_copy_only=False)


def _ve_rule(events: pa.Table) -> np.ndarray:
    return (
        _is(events, "ActionGeo_CountryCode", "VE")
        | _is(events, "Actor1CountryCode", "VEN")
        | _is(events, "Actor2CountryCode", "VEN")
    )


def _stamp_day(stamps: np.ndarray) -> np.ndarray:
    return np.asarray(day_of_stamps(stamps).to_numpy(zero_copy_only=False), "datetime64[D]")


def _distinct_articles(mentions: pa.Table) -> pa.Table:
    keyed = pa.table(
        {
            "GLOBALEVENTID": mentions.column("GLOBALEVENTID"),
            "day": day_of_stamps(_col(mentions, "MentionTimeDate")),
            "MentionIdentifier": mentions.column("MentionIdentifier"),
        }
    )
    return keyed.group_by(["GLOBALEVENTID", "day"]).aggregate(
        [("MentionIdentifier", "count_distinct")]
    )


# --- determinism ---------------------------------------------------------------------------


def test_same_seed_and_arguments_give_identical_output(g: Generated) -> None:
    again = generate(11, end=END, days=20, events_per_day=400)
    assert again.events.equals(g.events)
    assert again.mentions.equals(g.mentions)
    assert again.daily_counts.equals(g.daily_counts)
    assert again.spikes == g.spikes
    assert again.ve_event_ids == g.ve_event_ids


def test_another_seed_gives_other_data(g: Generated) -> None:
    other = generate(12, end=END, days=20, events_per_day=400)
    assert not other.mentions.equals(g.mentions)
    assert other.ve_event_ids != g.ve_event_ids


# --- table shape ---------------------------------------------------------------------------


def test_columns_and_types_follow_the_schema_in_file_order(g: Generated) -> None:
    assert len(EVENTS_RAW) == 61 and len(MENTIONS_RAW) == 16
    assert g.events.schema.equals(arrow_schema(EVENTS_RAW))
    assert g.mentions.schema.equals(arrow_schema(MENTIONS_RAW))
    assert g.events.column_names[0] == "GLOBALEVENTID"
    assert g.events.column_names[-2:] == ["DATEADDED", "SOURCEURL"]
    assert g.mentions.column_names[-1] == "Extras"


def test_warehouse_columns_add_the_partition_day(g: Generated) -> None:
    events = to_warehouse(EVENTS, g.events)
    assert events.column_names == list(EVENTS.names)
    assert events.schema.field("DateAddedDay").type == pa.date32()
    mentions = to_warehouse(MENTIONS, g.mentions.to_pydict())  # a plain mapping works too
    assert mentions.column_names == list(MENTIONS.names)
    assert (
        mentions.column("MentionDay")
        .combine_chunks()
        .equals(day_of_stamps(_col(g.mentions, "MentionTimeDate")))
    )
    with pytest.raises(ValueError, match="missing columns"):
        to_warehouse(MENTIONS, g.mentions.drop_columns(["Extras"]))


def test_day_of_stamps() -> None:
    days = day_of_stamps(np.array([20240229234500, 20260101000000], dtype=np.int64))
    assert days.to_pylist() == [date(2024, 2, 29), date(2026, 1, 1)]
    with pytest.raises(ValueError):
        day_of_stamps(np.array([20261301000000]))


def test_events_cover_the_window_and_dates_agree(g: Generated) -> None:
    e = g.events
    assert e.num_rows == 20 * 400
    added = _col(e, "DATEADDED")
    days = _stamp_day(added)
    assert days.min() == np.datetime64(g.start) and days.max() == np.datetime64(END)
    assert g.start == END - timedelta(days=19)
    assert set((added // 100 % 100).tolist()) <= {0, 15, 30, 45}
    assert not np.any(added % 100)
    sqldate = _col(e, "SQLDATE")
    assert np.all(sqldate <= added // 1_000_000)
    assert np.all(_col(e, "MonthYear") == sqldate // 100)
    assert np.all(_col(e, "Year") == sqldate // 10000)
    fraction = _col(e, "FractionDate")
    assert np.all((fraction >= _col(e, "Year")) & (fraction < _col(e, "Year") + 1))


def test_event_ids_unique_and_mostly_increasing(g: Generated) -> None:
    ids = _col(g.events, "GLOBALEVENTID")
    assert len(np.unique(ids)) == len(ids)
    assert ids.min() > FIRST_EVENT_ID and ids.max() < FIRST_EVENT_ID + 4 * len(ids)
    steps = np.diff(ids)
    assert (steps > 0).mean() > 0.97
    assert (steps < 0).any()  # "mostly", as in GDELT


def test_cameo_fields(g: Generated) -> None:
    e = g.events
    codes = e.column("EventCode").to_pylist()
    assert all(c.isdigit() and len(c) in (3, 4) for c in codes)
    assert any(c.startswith("0") for c in codes)
    assert pc.all(pc.equal(pc.utf8_slice_codeunits(e.column("EventCode"), 0, 3),
                           e.column("EventBaseCode"))).as_py()  # fmt: skip
    root = np.array([int(c) for c in e.column("EventRootCode").to_pylist()])
    quad = _col(e, "QuadClass")
    expected = np.select([root <= 5, root <= 8, root <= 13], [1, 2, 3], 4)
    assert np.array_equal(quad, expected)
    gold = _col(e, "GoldsteinScale")
    assert gold.min() >= -10 and gold.max() <= 10
    assert set(np.unique(_col(e, "IsRootEvent")).tolist()) == {0, 1}


def test_geo_fields_are_plausible(g: Generated) -> None:
    e = g.events
    for prefix in ("Actor1Geo", "Actor2Geo", "ActionGeo"):
        cc = e.column(f"{prefix}_CountryCode")
        kinds = _col(e, f"{prefix}_Type")
        assert set(np.unique(kinds).tolist()) <= {0, 1, 2, 3, 4, 5}
        assert np.array_equal(kinds == 0, cc.is_null().to_numpy(zero_copy_only=False))
        assert all(len(c) == 2 and c.isupper() for c in cc.drop_null().to_pylist())
        lat = e.column(f"{prefix}_Lat").drop_null().to_numpy()
        lon = e.column(f"{prefix}_Long").drop_null().to_numpy()
        assert np.all(np.abs(lat) <= 90) and np.all(np.abs(lon) <= 180)
    for prefix in ("Actor1", "Actor2"):
        codes = e.column(f"{prefix}CountryCode").drop_null().to_pylist()
        assert all(len(c) == 3 and c.isupper() for c in codes)
    countries = set(e.column("ActionGeo_CountryCode").drop_null().to_pylist())
    assert len(countries) >= 15


def test_first_window_fields(g: Generated) -> None:
    e, m = g.events, g.mentions
    articles, mentions, sources = (_col(e, n) for n in ("NumArticles", "NumMentions", "NumSources"))
    assert np.all(articles >= 1) and np.all(mentions >= articles) and np.all(sources >= 1)
    assert np.all(sources <= articles)
    # SOURCEURL is an article the adding update saw.
    first = m.filter(pc.equal(m.column("MentionTimeDate"), m.column("EventTimeDate")))
    seen = set(zip(first.column("GLOBALEVENTID").to_pylist(),
                   first.column("MentionIdentifier").to_pylist(), strict=True))  # fmt: skip
    urls = zip(e.column("GLOBALEVENTID").to_pylist(), e.column("SOURCEURL").to_pylist(),
               strict=True)  # fmt: skip
    assert all(pair in seen for pair in urls)


# --- mentions ------------------------------------------------------------------------------


def test_no_mention_before_the_event_was_added(g: Generated) -> None:
    m = g.mentions
    added = dict(
        zip(_col(g.events, "GLOBALEVENTID").tolist(), _col(g.events, "DATEADDED").tolist(),
            strict=True)
    )  # fmt: skip
    ids = _col(m, "GLOBALEVENTID")
    event_time = _col(m, "EventTimeDate")
    assert np.array_equal(event_time, np.array([added[i] for i in ids.tolist()]))
    when = _col(m, "MentionTimeDate")
    assert np.all(when >= event_time)
    assert set((when // 100 % 100).tolist()) <= {0, 15, 30, 45}
    days = _stamp_day(when)
    assert days.min() >= np.datetime64(g.start) and days.max() <= np.datetime64(END)


def test_each_article_gives_one_to_three_rows_of_one_event_source_and_time(g: Generated) -> None:
    m = g.mentions
    per = m.group_by("MentionIdentifier").aggregate(
        [
            ("GLOBALEVENTID", "count"),
            ("GLOBALEVENTID", "count_distinct"),
            ("MentionSourceName", "count_distinct"),
            ("MentionTimeDate", "count_distinct"),
            ("SentenceID", "count_distinct"),
        ]
    )
    rows = _col(per, "GLOBALEVENTID_count")
    assert set(np.unique(rows).tolist()) == {1, 2, 3}
    assert (rows > 1).mean() > 0.2
    assert np.array_equal(_col(per, "SentenceID_count_distinct"), rows)
    for single in ("GLOBALEVENTID", "MentionSourceName", "MentionTimeDate"):
        assert np.all(_col(per, f"{single}_count_distinct") == 1)
    assert all(u.startswith("https://") for u in per.column("MentionIdentifier").to_pylist())


def test_mention_field_values(g: Generated) -> None:
    m = g.mentions
    kinds = _col(m, "MentionType")
    assert (kinds == 1).mean() > 0.9 and set(np.unique(kinds).tolist()) <= set(range(1, 7))
    assert m.column("MentionDocTranslationInfo").null_count > m.num_rows / 2
    assert m.column("Extras").null_count == m.num_rows
    confidence = _col(m, "Confidence")
    assert confidence.min() >= 0 and confidence.max() <= 100
    assert np.all(_col(m, "MentionDocLen") > 0)
    assert all("." in s and "/" not in s for s in m.column("MentionSourceName").to_pylist())


def test_daily_count_truth_equals_distinct_articles_in_the_rows(g: Generated) -> None:
    got = _distinct_articles(g.mentions)
    key = ["GLOBALEVENTID", "day"]
    got = got.rename_columns(["GLOBALEVENTID", "day", "articles"]).sort_by(
        [(k, "ascending") for k in key]
    )
    truth = g.daily_counts.sort_by([(k, "ascending") for k in key])
    assert got.equals(truth)


def test_flash_events_dominate_and_ongoing_ones_persist(g: Generated) -> None:
    s = g.series
    early = s.first_seen <= 10  # enough days left to tell the two apart
    later = np.arange(s.n_days)[None, :] > s.first_seen[:, None] + 1
    lasting = (s.rate * later).sum(axis=1) > 0
    share = lasting[early].mean()
    assert 0.1 < share < 0.2


# --- Venezuela truth -----------------------------------------------------------------------


def test_ve_truth_is_exactly_what_the_rule_selects(g: Generated) -> None:
    ids = _col(g.events, "GLOBALEVENTID")
    selected = set(ids[_ve_rule(g.events)].tolist())
    assert selected == g.ve_event_ids
    assert 0.12 < len(selected) / len(ids) < 0.18
    by_kind = np.array([Kind(k).matches for k in g.kinds])
    assert set(ids[by_kind].tolist()) == g.ve_event_ids


def test_every_matching_way_and_near_miss_is_present(g: Generated) -> None:
    e = g.events
    action = _is(e, "ActionGeo_CountryCode", "VE")
    a1 = _is(e, "Actor1CountryCode", "VEN")
    a2 = _is(e, "Actor2CountryCode", "VEN")
    assert (action & ~a1 & ~a2).sum() > 10
    assert (a1 & ~action & ~a2).sum() > 10
    assert (a2 & ~action & ~a1).sum() > 10
    assert (action & a1).sum() > 10
    for kind in Kind:
        assert (g.kinds == kind.value).sum() > 5, kind

    def of(kind: Kind) -> np.ndarray:
        return g.kinds == kind.value

    rule = _ve_rule(e)
    near = of(Kind.NEAR_ACTOR_GEO)
    actor_geo_ve = _is(e, "Actor1Geo_CountryCode", "VE") | _is(e, "Actor2Geo_CountryCode", "VE")
    assert np.all(actor_geo_ve[near]) and not rule[near].any()
    vm = of(Kind.NEAR_VIETNAM_GEO)
    assert np.all(_is(e, "ActionGeo_CountryCode", "VM")[vm]) and not rule[vm].any()
    vnm = of(Kind.NEAR_VIETNAM_ACTOR)
    has_vnm = _is(e, "Actor1CountryCode", "VNM") | _is(e, "Actor2CountryCode", "VNM")
    assert np.all(has_vnm[vnm]) and not rule[vnm].any()
    blank = of(Kind.NEAR_BLANK)
    for name in ("ActionGeo_CountryCode", "Actor1CountryCode", "Actor2CountryCode"):
        assert e.column(name).filter(pa.array(blank)).null_count == blank.sum()
    # Outside the VE_* kinds, Venezuela appears only in the actor-geo near-miss.
    others = ~np.array([Kind(k).matches for k in g.kinds]) & ~near
    assert not actor_geo_ve[others].any() and not rule[others].any()


# --- spikes --------------------------------------------------------------------------------


def test_spike_truth_agrees_with_counts_and_model(g: Generated) -> None:
    assert len(g.spikes) >= 10
    counts = g.counts_by_event_day()
    row_of = {int(i): r for r, i in enumerate(g.event_ids)}
    for spike in g.spikes:
        assert spike.event_id in g.ve_event_ids
        r = row_of[spike.event_id]
        d = (spike.day - g.start).days
        first = int(g.series.first_seen[r])
        assert d >= first + 8  # at least 8 seen days before
        assert np.all(g.series.rate[r, first:] > 0)  # ongoing, not flash
        assert spike.magnitude in (5.0, 10.0, 20.0)
        assert spike.expected_rate == pytest.approx(g.series.rate[r, d])
        assert spike.articles == counts[(spike.event_id, spike.day)]
        expected = max(spike.expected_rate * spike.magnitude, spike.expected_rate + 1)
        assert spike.articles >= round(expected)
        assert g.series.spike[r, d] == spike.magnitude
    assert {s.magnitude for s in g.spikes} == {5.0, 10.0, 20.0}
    assert int((g.series.spike > 0).sum()) == len(g.spikes)


def test_spike_options() -> None:
    g = generate(3, end=END, days=15, events_per_day=300, spike_share=1.0,
                 spike_magnitudes=(8.0,), spike_history=10)  # fmt: skip
    assert g.spikes and {s.magnitude for s in g.spikes} == {8.0}
    assert all((s.day - g.start).days >= 10 for s in g.spikes)
    none = generate(3, end=END, days=15, events_per_day=300, spike_share=0.0)
    assert none.spikes == () and not none.series.spike.any()


# --- truth file and arguments --------------------------------------------------------------


def test_write_truth(g: Generated, tmp_path: Path) -> None:
    path = tmp_path / "truth.json"
    write_truth(g, path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["params"]["seed"] == 11 and doc["end"] == END.isoformat()
    assert set(doc["ve_event_ids"]) == g.ve_event_ids
    assert len(doc["spikes"]) == len(g.spikes)
    first = g.spikes[0]
    assert doc["spikes"][0] == {
        "event_id": first.event_id,
        "day": first.day.isoformat(),
        "magnitude": first.magnitude,
        "expected_rate": first.expected_rate,
        "articles": first.articles,
    }
    counts = g.counts_by_event_day(sorted(g.ve_event_ids))
    assert {(c["event_id"], date.fromisoformat(c["day"])): c["articles"]
            for c in doc["ve_daily_counts"]} == counts  # fmt: skip


@pytest.mark.parametrize(
    "kwargs",
    [
        {"days": 0},
        {"events_per_day": 0},
        {"ve_share": 0.7, "near_miss_share": 0.5},
        {"spike_magnitudes": ()},
    ],
)
def test_bad_arguments(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"end": END, "days": 5, "events_per_day": 10} | kwargs
    with pytest.raises(ValueError):
        generate(1, **args)  # type: ignore[arg-type]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    days=st.integers(1, 12),
    events_per_day=st.integers(1, 40),
    ve_share=st.floats(0.0, 0.9),
)
def test_invariants_hold_for_any_arguments(
    seed: int, days: int, events_per_day: int, ve_share: float
) -> None:
    g = generate(seed, end=END, days=days, events_per_day=events_per_day, ve_share=ve_share)
    assert g.events.num_rows == days * events_per_day
    assert np.all(_col(g.mentions, "MentionTimeDate") >= _col(g.mentions, "EventTimeDate"))
    got = _distinct_articles(g.mentions)
    assert int(pc.sum(got.column("MentionIdentifier_count_distinct")).as_py()) == int(
        pc.sum(g.daily_counts.column("articles")).as_py()
    )
    assert set(_col(g.events, "GLOBALEVENTID")[_ve_rule(g.events)].tolist()) == g.ve_event_ids
