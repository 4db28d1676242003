"""Deterministic GDELT-shaped events and mentions, with the truth tests need to check queries.

`generate` draws events over a window of days, expands `series.simulate` daily article
counts into mention rows, and returns the tables together with:
- which events are "about Venezuela" by the fleet's rule (and near-misses that are not);
- the spikes it injected;
- the distinct-article count per (event, day) the mention rows imply.

Everything is vectorised: the tables are pyarrow Tables built from small lookup tables
with `take`, so a million mention rows take a few seconds. The same seed and arguments
give identical output.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from mentionfleet.gdelt import series as model
from mentionfleet.gdelt.schema import EVENTS_RAW, MENTIONS_RAW, arrow_schema

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

FIRST_EVENT_ID = 1_100_000_000
SLOTS_PER_DAY = 96  # GDELT publishes every 15 minutes


class Kind(StrEnum):
    """How an event relates to the Venezuela rule; the `VE_*` kinds match it."""

    VE_ACTION = "ve_action"  # ActionGeo_CountryCode 'VE', no actor coded VEN
    VE_ACTION_ACTOR = "ve_action_actor"  # ActionGeo 'VE' and Actor1CountryCode 'VEN'
    VE_ACTOR1 = "ve_actor1"  # only Actor1CountryCode 'VEN'
    VE_ACTOR2 = "ve_actor2"  # only Actor2CountryCode 'VEN'
    NEAR_ACTOR_GEO = "near_actor_geo"  # an ActorNGeo_CountryCode 'VE' only
    NEAR_VIETNAM_GEO = "near_vietnam_geo"  # ActionGeo 'VM' (FIPS Vietnam)
    NEAR_VIETNAM_ACTOR = "near_vietnam_actor"  # an actor coded 'VNM'
    NEAR_BLANK = "near_blank"  # no country code anywhere
    OTHER = "other"

    @property
    def matches(self) -> bool:
        return self.value.startswith("ve_")


KINDS: tuple[Kind, ...] = tuple(Kind)
_VE_KINDS = (Kind.VE_ACTION, Kind.VE_ACTION_ACTOR, Kind.VE_ACTOR1, Kind.VE_ACTOR2)
_VE_SPLIT = (0.35, 0.25, 0.2, 0.2)
_NEAR_KINDS = (
    Kind.NEAR_ACTOR_GEO,
    Kind.NEAR_VIETNAM_GEO,
    Kind.NEAR_VIETNAM_ACTOR,
    Kind.NEAR_BLANK,
)


# --- lookup tables -----------------------------------------------------------------------


@dataclass(frozen=True)
class _City:
    name: str
    region: str
    adm1: str
    lat: float
    lon: float
    feature_id: str


@dataclass(frozen=True)
class _Country:
    fips: str
    cameo: str
    name: str
    weight: float  # share of non-Venezuelan action locations
    lang: str  # ISO 639-2 of the local press
    lat: float
    lon: float
    cities: tuple[_City, ...]
    domains: tuple[str, ...]


def _c(*args: Any) -> _City:
    return _City(*args)


# fmt: off
COUNTRIES: tuple[_Country, ...] = (
    _Country("VE", "VEN", "Venezuela", 0.0, "spa", 8.0, -66.0, (
        _c("Caracas", "Distrito Federal", "VE25", 10.5, -66.9167, "-1079006"),
        _c("Maracaibo", "Zulia", "VE23", 10.6317, -71.6406, "-1082213"),
        _c("San Cristobal", "Tachira", "VE20", 7.7669, -72.225, "-1086312"),
    ), ("eluniversal.com", "efectococuyo.com", "elnacional.com", "talcualdigital.com")),
    _Country("US", "USA", "United States", 0.28, "eng", 39.828, -98.5795, (
        _c("Washington", "District of Columbia", "USDC", 38.8951, -77.0364, "531871"),
        _c("Miami", "Florida", "USFL", 25.7743, -80.1937, "295630"),
        _c("Houston", "Texas", "USTX", 29.7633, -95.3633, "1380948"),
    ), ("cnn.com", "foxnews.com", "miamiherald.com")),
    _Country("CO", "COL", "Colombia", 0.05, "spa", 4.0, -72.0, (
        _c("Bogota", "Bogota", "CO34", 4.6, -74.0833, "-578472"),
        _c("Cucuta", "Norte de Santander", "CO21", 7.8833, -72.5053, "-583302"),
    ), ("eltiempo.com", "semana.com")),
    _Country("BR", "BRA", "Brazil", 0.04, "por", -10.0, -55.0, (
        _c("Brasilia", "Distrito Federal", "BR07", -15.7797, -47.9297, "-585346"),
        _c("Boa Vista", "Roraima", "BR25", 2.8197, -60.6733, "-589010"),
    ), ("folha.uol.com.br", "oglobo.globo.com")),
    _Country("CU", "CUB", "Cuba", 0.02, "spa", 21.5, -80.0, (
        _c("Havana", "Ciudad de la Habana", "CU02", 23.1319, -82.3642, "-3377088"),
    ), ("granma.cu",)),
    _Country("MX", "MEX", "Mexico", 0.04, "spa", 23.0, -102.0, (
        _c("Mexico City", "Distrito Federal", "MX09", 19.4342, -99.1386, "-1658079"),
    ), ("eluniversal.com.mx", "jornada.com.mx")),
    _Country("CI", "CHL", "Chile", 0.02, "spa", -30.0, -71.0, (
        _c("Santiago", "Region Metropolitana", "CI12", -33.45, -70.6667, "-901075"),
    ), ("latercera.com",)),
    _Country("PE", "PER", "Peru", 0.02, "spa", -10.0, -76.0, (
        _c("Lima", "Lima", "PE15", -12.05, -77.05, "-2134002"),
    ), ("elcomercio.pe",)),
    _Country("SP", "ESP", "Spain", 0.04, "spa", 40.0, -4.0, (
        _c("Madrid", "Madrid", "SP29", 40.4, -3.6833, "-390625"),
    ), ("elpais.com", "abc.es")),
    _Country("UK", "GBR", "United Kingdom", 0.08, "eng", 54.0, -2.0, (
        _c("London", "London, City of", "UKH9", 51.5, -0.1167, "-2601889"),
    ), ("telegraph.co.uk", "independent.co.uk")),
    _Country("FR", "FRA", "France", 0.04, "fra", 46.0, 2.0, (
        _c("Paris", "Ile-de-France", "FRA8", 48.8667, 2.3333, "-1456928"),
    ), ("lemonde.fr",)),
    _Country("GM", "DEU", "Germany", 0.04, "deu", 51.0, 9.0, (
        _c("Berlin", "Berlin", "GM16", 52.5167, 13.4, "-1746443"),
    ), ("spiegel.de",)),
    _Country("RS", "RUS", "Russia", 0.06, "rus", 60.0, 100.0, (
        _c("Moscow", "Moskva", "RS48", 55.7522, 37.6156, "-2960561"),
    ), ("ria.ru", "tass.ru")),
    _Country("CH", "CHN", "China", 0.06, "zho", 35.0, 105.0, (
        _c("Beijing", "Beijing", "CH22", 39.9289, 116.388, "-1898541"),
    ), ("xinhuanet.com",)),
    _Country("IN", "IND", "India", 0.06, "eng", 20.0, 77.0, (
        _c("New Delhi", "Delhi", "IN07", 28.6, 77.2, "-2106102"),
    ), ("thehindu.com", "timesofindia.indiatimes.com")),
    _Country("IR", "IRN", "Iran", 0.03, "fas", 32.0, 53.0, (
        _c("Tehran", "Tehran", "IR26", 35.75, 51.5148, "10074674"),
    ), ("presstv.ir",)),
    _Country("TU", "TUR", "Turkey", 0.03, "tur", 39.0, 35.0, (
        _c("Ankara", "Ankara", "TU68", 39.9272, 32.8644, "-736722"),
    ), ("hurriyet.com.tr",)),
    _Country("UP", "UKR", "Ukraine", 0.04, "ukr", 49.0, 32.0, (
        _c("Kiev", "Kyyiv, Misto", "UP12", 50.4333, 30.5167, "-1044367"),
    ), ("pravda.com.ua",)),
    _Country("NI", "NGA", "Nigeria", 0.03, "eng", 10.0, 8.0, (
        _c("Lagos", "Lagos", "NI05", 6.4531, 3.3958, "-2014407"),
    ), ("punchng.com",)),
    _Country("VM", "VNM", "Vietnam", 0.02, "vie", 16.1667, 107.8333, (
        _c("Hanoi", "Ha Noi", "VM44", 21.0333, 105.85, "-3714993"),
        _c("Ho Chi Minh City", "Ho Chi Minh", "VM20", 10.75, 106.6667, "-3730078"),
    ), ("vnexpress.net",)),
    _Country("AS", "AUS", "Australia", 0.03, "eng", -27.0, 133.0, (
        _c("Sydney", "New South Wales", "AS02", -33.8833, 151.2167, "-1603135"),
    ), ("smh.com.au",)),
)
# fmt: on
_VE = 0
_VM = next(i for i, c in enumerate(COUNTRIES) if c.fips == "VM")
_US = next(i for i, c in enumerate(COUNTRIES) if c.fips == "US")

INTERNATIONAL_DOMAINS = (
    "reuters.com", "apnews.com", "bbc.co.uk", "aljazeera.com", "bloomberg.com",
    "theguardian.com", "nytimes.com", "washingtonpost.com", "france24.com", "dw.com",
    "yahoo.com", "msn.com",
)  # fmt: skip

# Actor roles: CAMEO type codes, with the name used when the actor has no country.
_ROLES: tuple[tuple[str, str | None], ...] = (
    ("", None), ("GOV", "GOVERNMENT"), ("MIL", "MILITARY"), ("OPP", "OPPOSITION"),
    ("BUS", "BUSINESS"), ("MED", "JOURNALIST"), ("CVL", "CIVILIAN"), ("COP", "POLICE"),
    ("JUD", "COURT"), ("LEG", "CONGRESS"), ("REB", "REBEL"), ("IGO", "UNITED NATIONS"),
)  # fmt: skip
_IGO = len(_ROLES) - 1

# CAMEO event codes (strings: leading zeros matter) with Goldstein scores and draw weights.
_EVENT_CODES: tuple[tuple[str, float, float], ...] = (
    ("010", 0.0, 14), ("012", -0.4, 4), ("013", 0.4, 3), ("020", 3.0, 5), ("0311", 5.2, 1),
    ("036", 4.0, 4), ("040", 1.0, 10), ("042", 1.9, 5), ("043", 2.8, 4), ("046", 7.0, 3),
    ("051", 3.4, 4), ("057", 8.0, 2), ("061", 6.4, 2), ("070", 7.0, 2), ("090", -2.0, 2),
    ("111", -2.0, 4), ("112", -2.0, 6), ("120", -4.0, 3), ("130", -4.4, 2), ("138", -7.0, 1),
    ("141", -6.5, 3), ("1411", -6.5, 1), ("145", -7.5, 1), ("163", -8.0, 2), ("172", -5.0, 2),
    ("173", -5.0, 3), ("1711", -9.2, 1), ("190", -10.0, 2), ("193", -10.0, 1),
)  # fmt: skip

_SLUGS = (
    "government", "opposition", "talks", "sanctions", "election", "protest", "oil", "economy",
    "crisis", "border", "minister", "president", "court", "migrants", "military", "aid",
)  # fmt: skip


# --- output ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spike:
    """An injected spike: `articles` observed where the model expected `expected_rate`."""

    event_id: int
    day: date
    magnitude: float
    expected_rate: float
    articles: int


@dataclass(frozen=True, eq=False)
class Generated:
    """Generated tables (GDELT raw columns, file order) and their ground truth."""

    seed: int
    start: date
    end: date
    events: pa.Table = field(repr=False)
    mentions: pa.Table = field(repr=False)
    event_ids: IntArray = field(repr=False)
    """GLOBALEVENTID of each row of `series` (= each row of `events`)."""
    kinds: npt.NDArray[np.str_] = field(repr=False)
    """`Kind` value of each event row."""
    series: model.Series = field(repr=False)
    ve_event_ids: frozenset[int] = field(repr=False)
    spikes: tuple[Spike, ...] = field(repr=False)
    daily_counts: pa.Table = field(repr=False)
    """GLOBALEVENTID, day (date32), articles: distinct articles per event and mention day."""
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def counts_by_event_day(
        self, event_ids: Sequence[int] | None = None
    ) -> dict[tuple[int, date], int]:
        """The daily-count truth as a dict, optionally only for some events."""
        t = self.daily_counts
        if event_ids is not None:
            t = t.filter(pc.is_in(t["GLOBALEVENTID"], pa.array(list(event_ids), pa.int64())))
        ids, days, n = (t[c].to_pylist() for c in ("GLOBALEVENTID", "day", "articles"))
        return {(i, d): a for i, d, a in zip(ids, days, n, strict=True)}


# --- generation --------------------------------------------------------------------------


def generate(
    seed: int,
    *,
    end: date,
    days: int,
    events_per_day: int,
    ve_share: float = 0.15,
    near_miss_share: float = 0.05,
    ongoing_share: float = 0.15,
    ongoing_rate: tuple[float, float] = (0.3, 30.0),
    spike_share: float = 0.25,
    spike_magnitudes: Sequence[float] = (5.0, 10.0, 20.0),
    spike_history: int = 8,
    weekday_amplitude: float = 1.0,
) -> Generated:
    """Events first seen on each of the `days` days ending at `end` (inclusive), and mentions.

    `ve_share` of events match the Venezuela rule and `near_miss_share` are built to almost
    match it. `ongoing_share` of events are ongoing stories with a log-uniform base rate in
    `ongoing_rate`; the rest are flash events. `spike_share` of the ongoing Venezuelan
    events with at least `spike_history` seen days get one spike, of a magnitude drawn from
    `spike_magnitudes`, on a day after that history.
    """
    if days < 1 or events_per_day < 1:
        raise ValueError(f"days={days}, events_per_day={events_per_day}: expected both >= 1")
    if not (0 <= ve_share and 0 <= near_miss_share and ve_share + near_miss_share <= 1):
        raise ValueError(
            f"ve_share={ve_share}, near_miss_share={near_miss_share}: expected shares summing "
            "to at most 1"
        )
    if not spike_magnitudes or min(spike_magnitudes) <= 0:
        raise ValueError(f"spike_magnitudes={spike_magnitudes}: expected positive values")
    params: dict[str, Any] = {
        "seed": seed,
        "end": end.isoformat(),
        "days": days,
        "events_per_day": events_per_day,
        "ve_share": ve_share,
        "near_miss_share": near_miss_share,
        "ongoing_share": ongoing_share,
        "ongoing_rate": list(ongoing_rate),
        "spike_share": spike_share,
        "spike_magnitudes": list(spike_magnitudes),
        "spike_history": spike_history,
        "weekday_amplitude": weekday_amplitude,
    }
    # Independent streams, so e.g. a change to mention expansion leaves the events alone.
    r_events, r_series, r_mentions = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)
    )
    start = end - timedelta(days=days - 1)
    calendar = _Calendar(start, days)

    ev = _draw_events(r_events, calendar, events_per_day, ve_share, near_miss_share)
    n = int(ev.day.shape[0])

    ongoing = r_series.random(size=n) < ongoing_share
    base = np.where(
        ongoing,
        model.ongoing_rates(r_series, n, *ongoing_rate),
        model.flash_rates(r_series, n),
    )
    is_ve = np.isin(ev.kind, [k.value for k in _VE_KINDS])
    spike_at, spike_mag = _choose_spikes(
        r_series, ev.day, ongoing & is_ve, days, spike_share, spike_magnitudes, spike_history
    )
    s = model.simulate(
        r_series,
        base_rate=base,
        first_seen=ev.day,
        n_days=days,
        ongoing=ongoing,
        start_weekday=start.weekday(),
        weekday_amplitude=weekday_amplitude,
        spike_at=spike_at,
        spike_magnitude=spike_mag,
    )
    # An event exists because an article was seen in the update that added it.
    rows = np.arange(n)
    s.counts[rows, ev.day] = np.maximum(s.counts[rows, ev.day], 1)

    mentions, first = _mentions(r_mentions, calendar, ev, s.counts)
    events = _events_table(r_events, calendar, ev, first)

    pair_e, pair_d = np.nonzero(s.counts)
    daily = pa.table(
        {
            "GLOBALEVENTID": pa.array(ev.ids[pair_e]),
            "day": pa.array(calendar.dates64[pair_d]),
            "articles": pa.array(s.counts[pair_e, pair_d]),
        }
    )
    spiked = np.flatnonzero(spike_at >= 0)
    spikes = tuple(
        Spike(
            event_id=int(ev.ids[e]),
            day=calendar.date(int(spike_at[e])),
            magnitude=float(spike_mag[e]),
            expected_rate=float(s.rate[e, spike_at[e]]),
            articles=int(s.counts[e, spike_at[e]]),
        )
        for e in spiked
    )
    return Generated(
        seed=seed,
        start=start,
        end=end,
        events=events,
        mentions=mentions,
        event_ids=ev.ids,
        kinds=ev.kind,
        series=s,
        ve_event_ids=frozenset(ev.ids[is_ve].tolist()),
        spikes=spikes,
        daily_counts=daily,
        params=params,
    )


def write_truth(generated: Generated, path: Path) -> None:
    """Write the ground truth as JSON: parameters, VE event ids, spikes, VE daily counts."""
    ve = sorted(generated.ve_event_ids)
    counts = generated.counts_by_event_day(ve)
    doc = {
        "params": generated.params,
        "start": generated.start.isoformat(),
        "end": generated.end.isoformat(),
        "events": generated.events.num_rows,
        "mention_rows": generated.mentions.num_rows,
        "ve_event_ids": ve,
        "spikes": [
            {
                "event_id": s.event_id,
                "day": s.day.isoformat(),
                "magnitude": s.magnitude,
                "expected_rate": s.expected_rate,
                "articles": s.articles,
            }
            for s in generated.spikes
        ],
        "ve_daily_counts": [
            {"event_id": e, "day": d.isoformat(), "articles": a}
            for (e, d), a in sorted(counts.items())
        ],
    }
    path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


# --- internals ---------------------------------------------------------------------------


class _Calendar:
    """Day indices 0..days-1 as dates, YYYYMMDD integers and URL path fragments."""

    def __init__(self, start: date, days: int) -> None:
        self.start = start
        self.dates64 = np.datetime64(start, "D") + np.arange(days)
        self.yyyymmdd = _yyyymmdd(self.dates64)

    def date(self, day: int) -> date:
        return self.start + timedelta(days=day)

    def stamps(self, day: IntArray, slot: IntArray) -> IntArray:
        """YYYYMMDDHHMMSS of 15-minute `slot` on `day`."""
        hhmm = (slot // 4) * 100 + (slot % 4) * 15
        return self.yyyymmdd[day] * 1_000_000 + hhmm * 100


def _yyyymmdd(d: npt.NDArray[np.datetime64]) -> IntArray:
    years = d.astype("datetime64[Y]")
    months = d.astype("datetime64[M]")
    y = years.astype(np.int64) + 1970
    m = (months - years.astype("datetime64[M]")).astype(np.int64) + 1
    dd = (d - months.astype("datetime64[D]")).astype(np.int64) + 1
    out: IntArray = (y * 10000 + m * 100 + dd).astype(np.int64)
    return out


@dataclass(frozen=True)
class _Events:
    """Per-event draws, in event-row order (chronological by DATEADDED)."""

    ids: IntArray
    day: IntArray
    slot: IntArray
    kind: npt.NDArray[np.str_]
    action: IntArray  # place index (-1: no geography)
    action_country: IntArray  # country index (-1: none)
    actor1: IntArray  # actor-table index
    actor2: IntArray
    actor1_geo: IntArray
    actor2_geo: IntArray
    has_actor2: BoolArray
    code: IntArray  # index into _EVENT_CODES


class _Places:
    """Every place (country-level and cities) flattened, with a last 'no geography' row."""

    def __init__(self) -> None:
        gtype: list[int] = []
        full: list[str | None] = []
        cc: list[str | None] = []
        adm1: list[str | None] = []
        adm2: list[str | None] = []
        lat: list[float | None] = []
        lon: list[float | None] = []
        fid: list[str | None] = []
        country: list[int] = []
        starts, counts = [], []
        for ci, c in enumerate(COUNTRIES):
            starts.append(len(gtype))
            gtype.append(1)
            full.append(c.name)
            cc.append(c.fips)
            adm1.append(c.fips)
            adm2.append(None)
            lat.append(c.lat)
            lon.append(c.lon)
            fid.append(c.fips)
            country.append(ci)
            for k, city in enumerate(c.cities):
                us = ci == _US
                gtype.append(3 if us else 4)
                full.append(f"{city.name}, {city.region}, {c.name}")
                cc.append(c.fips)
                adm1.append(city.adm1)
                adm2.append(None if us else f"{city.adm1[2:]}{k + 1:03d}")
                lat.append(city.lat)
                lon.append(city.lon)
                fid.append(city.feature_id)
                country.append(ci)
            counts.append(len(gtype) - starts[-1])
        self.none = len(gtype)
        gtype.append(0)
        for col in (full, cc, adm1, adm2, lat, lon, fid):
            col.append(None)
        country.append(-1)
        self.columns: dict[str, pa.Array] = {
            "Type": pa.array(gtype, pa.int64()),
            "FullName": pa.array(full, pa.string()),
            "CountryCode": pa.array(cc, pa.string()),
            "ADM1Code": pa.array(adm1, pa.string()),
            "ADM2Code": pa.array(adm2, pa.string()),
            "Lat": pa.array(lat, pa.float64()),
            "Long": pa.array(lon, pa.float64()),
            "FeatureID": pa.array(fid, pa.string()),
        }
        self.country = np.array(country, dtype=np.int64)
        self.starts = np.array(starts, dtype=np.int64)
        self.counts = np.array(counts, dtype=np.int64)

    def pick(self, rng: np.random.Generator, country: IntArray) -> IntArray:
        """A random place in each country (-1 country: no geography)."""
        c = np.maximum(country, 0)
        place = self.starts[c] + (rng.random(size=country.shape[0]) * self.counts[c]).astype(
            np.int64
        )
        return np.where(country >= 0, place, self.none)


class _Actors:
    """Actor columns for every (country or none, role); (none, '') is the absent actor."""

    def __init__(self) -> None:
        n_roles = len(_ROLES)
        code: list[str | None] = []
        name: list[str | None] = []
        cc: list[str | None] = []
        group: list[str | None] = []
        type1: list[str | None] = []
        for c in (*COUNTRIES, None):
            for role, role_name in _ROLES:
                if c is not None:
                    code.append(c.cameo + role)
                    name.append(c.name.upper())
                    cc.append(c.cameo)
                    group.append(None)
                    type1.append(role or None)
                elif role:
                    code.append(role + ("UNO" if role == "IGO" else ""))
                    name.append(role_name)
                    cc.append(None)
                    group.append("UNO" if role == "IGO" else None)
                    type1.append(role)
                else:
                    for col in (code, name, cc, group, type1):
                        col.append(None)
        self.n_roles = n_roles
        self.columns: dict[str, pa.Array] = {
            "Code": pa.array(code, pa.string()),
            "Name": pa.array(name, pa.string()),
            "CountryCode": pa.array(cc, pa.string()),
            "KnownGroupCode": pa.array(group, pa.string()),
            "Type1Code": pa.array(type1, pa.string()),
        }

    def index(self, country: IntArray, role: IntArray) -> IntArray:
        slot = np.where(country >= 0, country, len(COUNTRIES))
        return slot * self.n_roles + role

    @property
    def absent(self) -> int:
        return len(COUNTRIES) * self.n_roles


_PLACES = _Places()
_ACTORS = _Actors()
_COUNTRY_WEIGHTS = np.array([c.weight for c in COUNTRIES]) / sum(c.weight for c in COUNTRIES)


def _country(rng: np.random.Generator, n: int, weights: FloatArray) -> IntArray:
    return rng.choice(len(COUNTRIES), size=n, p=weights).astype(np.int64)


def _draw_events(
    rng: np.random.Generator,
    calendar: _Calendar,
    events_per_day: int,
    ve_share: float,
    near_miss_share: float,
) -> _Events:
    days = calendar.dates64.shape[0]
    n = days * events_per_day
    day = np.repeat(np.arange(days, dtype=np.int64), events_per_day)
    slot = np.sort(rng.integers(0, SLOTS_PER_DAY, size=(days, events_per_day)), axis=1)
    slot = slot.reshape(-1).astype(np.int64)

    # IDs follow DATEADDED with small gaps; a few adjacent pairs swap ("mostly increasing").
    ids = FIRST_EVENT_ID + np.cumsum(rng.integers(1, 4, size=n)).astype(np.int64)
    perm = np.arange(n)
    swap = np.flatnonzero(rng.random(size=n // 2) < 0.01) * 2
    swap = swap[swap + 1 < n]
    perm[swap], perm[swap + 1] = swap + 1, swap
    ids = ids[perm]

    probs = [ve_share * p for p in _VE_SPLIT]
    probs += [near_miss_share / len(_NEAR_KINDS)] * len(_NEAR_KINDS)
    probs.append(1.0 - sum(probs))
    order = (*_VE_KINDS, *_NEAR_KINDS, Kind.OTHER)
    kind_idx = rng.choice(len(order), size=n, p=np.clip(probs, 0, None) / sum(probs))
    kind = np.array([k.value for k in order])[kind_idx]

    def is_(*ks: Kind) -> BoolArray:
        return np.isin(kind, [k.value for k in ks])

    # Defaults (the OTHER kind): anywhere but Venezuela, actors not Venezuelan.
    action_country = _country(rng, n, _COUNTRY_WEIGHTS)
    action_country[rng.random(size=n) < 0.03] = -1
    a1_country = np.where(
        rng.random(size=n) < 0.6, action_country, _country(rng, n, _COUNTRY_WEIGHTS)
    )
    a1_country[rng.random(size=n) < 0.25] = -1
    a2_country = _country(rng, n, _COUNTRY_WEIGHTS)
    a2_country[rng.random(size=n) < 0.4] = -1
    has_actor2 = rng.random(size=n) < 0.7

    ve_action = is_(Kind.VE_ACTION, Kind.VE_ACTION_ACTOR)
    action_country[ve_action] = _VE
    a1_country[is_(Kind.VE_ACTION_ACTOR, Kind.VE_ACTOR1)] = _VE
    a2_country[is_(Kind.VE_ACTOR2)] = _VE
    has_actor2 |= is_(Kind.VE_ACTOR2)
    a1_country[is_(Kind.VE_ACTION)] = np.where(
        rng.random(size=int(is_(Kind.VE_ACTION).sum())) < 0.5,
        -1,
        _country(rng, int(is_(Kind.VE_ACTION).sum()), _COUNTRY_WEIGHTS),
    )
    vm_geo = is_(Kind.NEAR_VIETNAM_GEO)
    action_country[vm_geo] = _VM
    a1_country[vm_geo] = np.where(rng.random(size=int(vm_geo.sum())) < 0.5, _VM, -1)
    vnm_actor = is_(Kind.NEAR_VIETNAM_ACTOR)
    on_a2 = vnm_actor & (rng.random(size=n) < 0.5)
    a1_country[vnm_actor & ~on_a2] = _VM
    a2_country[on_a2] = _VM
    has_actor2 |= on_a2
    action_country[vnm_actor & (action_country == _VM)] = _US  # keep it an actor-only miss
    blank = is_(Kind.NEAR_BLANK)
    action_country[blank] = -1
    a1_country[blank] = -1
    a2_country[blank] = -1

    # Only the VE_* kinds (and the actor-geo near-miss, below) may touch Venezuela.
    not_ve_action = ~ve_action
    action_country[not_ve_action & (action_country == _VE)] = _US
    a1_country[~is_(Kind.VE_ACTION_ACTOR, Kind.VE_ACTOR1) & (a1_country == _VE)] = -1
    a2_country[~is_(Kind.VE_ACTOR2) & (a2_country == _VE)] = -1

    # Roles: country actors may have none; actors without a country always have one.
    roles = rng.integers(0, _IGO, size=(2, n))
    generic = rng.integers(1, _IGO + 1, size=(2, n))
    a1_role = np.where(a1_country >= 0, roles[0], generic[0])
    a2_role = np.where(a2_country >= 0, roles[1], generic[1])
    actor1 = _ACTORS.index(a1_country, a1_role)
    actor2 = np.where(has_actor2, _ACTORS.index(a2_country, a2_role), _ACTORS.absent)

    action = _PLACES.pick(rng, action_country)
    # An actor is usually placed where the action is, else somewhere in its own country.
    own1 = _PLACES.pick(rng, a1_country)
    own2 = _PLACES.pick(rng, a2_country)
    at_action = rng.random(size=(2, n)) < 0.75
    a1_geo = np.where(at_action[0] | (a1_country < 0), action, own1)
    a2_geo = np.where(at_action[1] | (a2_country < 0), action, own2)
    a2_geo = np.where(has_actor2, a2_geo, _PLACES.none)
    near_geo = is_(Kind.NEAR_ACTOR_GEO)
    ve_places = _PLACES.pick(rng, np.full(n, _VE, dtype=np.int64))
    geo_on_a2 = near_geo & has_actor2 & (rng.random(size=n) < 0.5)
    a1_geo = np.where(near_geo & ~geo_on_a2, ve_places, a1_geo)
    a2_geo = np.where(geo_on_a2, ve_places, a2_geo)

    weights = np.array([w for _, _, w in _EVENT_CODES])
    code = rng.choice(len(_EVENT_CODES), size=n, p=weights / weights.sum()).astype(np.int64)
    return _Events(
        ids=ids,
        day=day,
        slot=slot,
        kind=kind,
        action=action,
        action_country=action_country,
        actor1=actor1,
        actor2=actor2,
        actor1_geo=a1_geo,
        actor2_geo=a2_geo,
        has_actor2=has_actor2,
        code=code,
    )


def _choose_spikes(
    rng: np.random.Generator,
    first_seen: IntArray,
    eligible: BoolArray,
    days: int,
    share: float,
    magnitudes: Sequence[float],
    history: int,
) -> tuple[IntArray, FloatArray]:
    """One spike day per chosen event, after `history` seen days; -1 where none."""
    n = int(first_seen.shape[0])
    room = first_seen + history < days
    chosen = eligible & room & (rng.random(size=n) < share)
    lo = first_seen + history
    day = lo + (rng.random(size=n) * np.maximum(days - lo, 1)).astype(np.int64)
    spike_at = np.where(chosen, day, -1).astype(np.int64)
    mags = np.asarray(magnitudes, dtype=np.float64)
    magnitude = np.where(chosen, mags[rng.integers(0, mags.shape[0], size=n)], 0.0)
    return spike_at, magnitude


@dataclass(frozen=True)
class _FirstWindow:
    """What the update that added each event saw: GDELT's Num* fields and SOURCEURL."""

    mentions: IntArray
    sources: IntArray
    articles: IntArray
    tone: FloatArray
    url: pa.Array


def _mentions(
    rng: np.random.Generator, calendar: _Calendar, ev: _Events, counts: IntArray
) -> tuple[pa.Table, _FirstWindow]:
    n_events = int(ev.ids.shape[0])
    pair_e, pair_d = np.nonzero(counts)
    per_pair = counts[pair_e, pair_d]
    a_event = np.repeat(pair_e, per_pair)
    a_day = np.repeat(pair_d, per_pair)
    n_art = int(a_event.shape[0])
    # The first article of an event's first day is the one its adding update saw.
    pair_start = np.cumsum(per_pair) - per_pair
    pinned = np.zeros(n_art, dtype=bool)
    first_pair = pair_d == ev.day[pair_e]
    pinned[pair_start[first_pair]] = True

    lo = np.where(a_day == ev.day[a_event], ev.slot[a_event], 0)
    slot = lo + (rng.random(size=n_art) * (SLOTS_PER_DAY - lo)).astype(np.int64)
    slot = np.where(pinned, ev.slot[a_event], slot)

    # Half the coverage comes from the press of the action's country, if it has one.
    n_intl = len(INTERNATIONAL_DOMAINS)
    local_start = np.cumsum([n_intl] + [len(c.domains) for c in COUNTRIES])[:-1]
    local_count = np.array([len(c.domains) for c in COUNTRIES])
    country = ev.action_country[a_event]
    c = np.maximum(country, 0)
    local = local_start[c] + (rng.random(size=n_art) * local_count[c]).astype(np.int64)
    intl = rng.integers(0, n_intl, size=n_art)
    domain = np.where((country >= 0) & (rng.random(size=n_art) < 0.5), local, intl)
    domains = pa.array(
        [*INTERNATIONAL_DOMAINS, *(d for c_ in COUNTRIES for d in c_.domains)], pa.string()
    )
    langs = ["eng"] * n_intl + [c_.lang for c_ in COUNTRIES for _ in c_.domains]
    translation = pa.array(
        [None if lang == "eng" else f"srclc:{lang};eng:GT-{lang.upper()} 1.0" for lang in langs],
        pa.string(),
    )

    # Chronological, as the 15-minute files would deliver them.
    stamp = calendar.stamps(a_day, slot)
    order = np.argsort(stamp, kind="stable")
    a_event, a_day, slot, stamp, domain, pinned = (
        x[order] for x in (a_event, a_day, slot, stamp, domain, pinned)
    )
    serial = np.arange(n_art, dtype=np.int64) + 10_000_000
    day_path = pa.array(
        [f"{y // 10000}/{y // 100 % 100:02d}/{y % 100:02d}" for y in calendar.yyyymmdd.tolist()]
    )
    slug = pa.array(_SLUGS).take(pa.array(rng.integers(0, len(_SLUGS), size=n_art)))
    url = pc.binary_join_element_wise(
        "https://",
        domains.take(pa.array(domain)),
        "/",
        day_path.take(pa.array(a_day)),
        "/",
        slug,
        "-",
        pc.cast(pa.array(serial), pa.string()),
        "",
    )
    doc_len = np.rint(rng.lognormal(8.0, 0.6, size=n_art)).astype(np.int64) + 200
    goldstein = np.array([g for _, g, _ in _EVENT_CODES])[ev.code]
    event_tone = -1.5 + 0.4 * goldstein + rng.normal(0.0, 2.0, size=n_events)
    doc_tone = event_tone[a_event] + rng.normal(0.0, 2.0, size=n_art)
    mention_type = np.where(rng.random(size=n_art) < 0.97, 1, 2).astype(np.int64)

    # Each article yields 1-3 rows: the event found in different sentences.
    u = rng.random(size=n_art)
    per_art = 1 + (u < 0.4).astype(np.int64) + (u < 0.12).astype(np.int64)
    r_art = np.repeat(np.arange(n_art), per_art)
    n_rows = int(r_art.shape[0])
    within = np.arange(n_rows) - np.repeat(np.cumsum(per_art) - per_art, per_art)
    first_sentence = rng.integers(1, 25, size=n_art)
    gap = rng.integers(1, 4, size=n_art)
    sentence = first_sentence[r_art] + within * gap[r_art]
    r_event = a_event[r_art]
    r_len = doc_len[r_art]
    offsets = (rng.random(size=(3, n_rows)) * r_len).astype(np.int64)
    actor2_offset = np.where(ev.has_actor2[r_event], offsets[1], -1)
    confidence = rng.choice(np.arange(10, 101, 10), size=n_rows).astype(np.int64)
    in_raw = (rng.random(size=n_rows) < 0.8).astype(np.int64)
    rows_idx = pa.array(r_art)
    mentions = pa.table(
        {
            "GLOBALEVENTID": pa.array(ev.ids[r_event]),
            "EventTimeDate": pa.array(calendar.stamps(ev.day, ev.slot)[r_event]),
            "MentionTimeDate": pa.array(stamp[r_art]),
            "MentionType": pa.array(mention_type[r_art]),
            "MentionSourceName": domains.take(pa.array(domain[r_art])),
            "MentionIdentifier": url.take(rows_idx),
            "SentenceID": pa.array(sentence),
            "Actor1CharOffset": pa.array(offsets[0]),
            "Actor2CharOffset": pa.array(actor2_offset),
            "ActionCharOffset": pa.array(offsets[2]),
            "InRawText": pa.array(in_raw),
            "Confidence": pa.array(confidence),
            "MentionDocLen": pa.array(r_len),
            "MentionDocTone": pa.array(doc_tone[r_art]),
            "MentionDocTranslationInfo": translation.take(pa.array(domain[r_art])),
            "Extras": pa.nulls(n_rows, pa.string()),
        },
        schema=arrow_schema(MENTIONS_RAW),
    )

    # GDELT's Num* fields and AvgTone describe only the update that added the event.
    in_first = stamp == calendar.stamps(ev.day, ev.slot)[a_event]
    f_event = a_event[in_first]
    f_articles = np.bincount(f_event, minlength=n_events)
    f_rows = np.bincount(f_event, weights=per_art[in_first], minlength=n_events)
    f_tone = np.bincount(f_event, weights=doc_tone[in_first], minlength=n_events)
    n_domains = len(langs)
    src_pairs = np.unique(f_event * n_domains + domain[in_first])
    f_sources = np.bincount(src_pairs // n_domains, minlength=n_events)
    first_url = np.empty(n_events, dtype=np.int64)
    first_url[a_event[pinned]] = np.flatnonzero(pinned)
    first = _FirstWindow(
        mentions=f_rows.astype(np.int64),
        sources=f_sources.astype(np.int64),
        articles=f_articles.astype(np.int64),
        tone=f_tone / np.maximum(f_articles, 1),
        url=url.take(pa.array(first_url)),
    )
    return mentions, first


def _events_table(
    rng: np.random.Generator, calendar: _Calendar, ev: _Events, first: _FirstWindow
) -> pa.Table:
    n = int(ev.ids.shape[0])
    # The event itself usually happened the day it was reported, sometimes days earlier.
    u = rng.random(size=n)
    lag = np.where(u < 0.75, 0, np.where(u < 0.93, 1, rng.integers(2, 8, size=n)))
    lag = np.where(u > 0.99, rng.integers(30, 366, size=n), lag)
    happened = calendar.dates64[ev.day] - lag.astype("timedelta64[D]")
    sqldate = _yyyymmdd(happened)
    year = sqldate // 10000
    years = happened.astype("datetime64[Y]")
    day_of_year = (happened - years.astype("datetime64[D]")).astype(np.int64)
    year_len = ((years + 1).astype("datetime64[D]") - years.astype("datetime64[D]")).astype(
        np.int64
    )
    fraction = np.round(year + day_of_year / year_len, 4)

    codes = pa.array([c for c, _, _ in _EVENT_CODES])
    code_col = codes.take(pa.array(ev.code))
    root = np.array([int(c[:2]) for c, _, _ in _EVENT_CODES])[ev.code]
    quad = np.select([root <= 5, root <= 8, root <= 13], [1, 2, 3], 4).astype(np.int64)
    goldstein = np.array([g for _, g, _ in _EVENT_CODES])[ev.code]

    cols: dict[str, pa.Array] = {
        "GLOBALEVENTID": pa.array(ev.ids),
        "SQLDATE": pa.array(sqldate),
        "MonthYear": pa.array(sqldate // 100),
        "Year": pa.array(year),
        "FractionDate": pa.array(fraction),
    }
    absent = pa.nulls(n, pa.string())
    for prefix, actor in (("Actor1", ev.actor1), ("Actor2", ev.actor2)):
        idx = pa.array(actor)
        for name in (
            "Code", "Name", "CountryCode", "KnownGroupCode", "EthnicCode", "Religion1Code",
            "Religion2Code", "Type1Code", "Type2Code", "Type3Code",
        ):  # fmt: skip
            col = _ACTORS.columns.get(name)
            cols[f"{prefix}{name}"] = absent if col is None else col.take(idx)
    cols |= {
        "IsRootEvent": pa.array((rng.random(size=n) < 0.4).astype(np.int64)),
        "EventCode": code_col,
        "EventBaseCode": pc.utf8_slice_codeunits(code_col, 0, 3),
        "EventRootCode": pc.utf8_slice_codeunits(code_col, 0, 2),
        "QuadClass": pa.array(quad),
        "GoldsteinScale": pa.array(goldstein),
        "NumMentions": pa.array(first.mentions),
        "NumSources": pa.array(first.sources),
        "NumArticles": pa.array(first.articles),
        "AvgTone": pa.array(first.tone),
    }
    for prefix, place in (
        ("Actor1Geo", ev.actor1_geo),
        ("Actor2Geo", ev.actor2_geo),
        ("ActionGeo", ev.action),
    ):
        idx = pa.array(place)
        for name, col in _PLACES.columns.items():
            cols[f"{prefix}_{name}"] = col.take(idx)
    cols["DATEADDED"] = pa.array(calendar.stamps(ev.day, ev.slot))
    cols["SOURCEURL"] = first.url
    return pa.table(cols, schema=arrow_schema(EVENTS_RAW))
