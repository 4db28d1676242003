"""Who, where and which article: an event's words from the warehouse `events` table.

Optional by design: scores live in PostgreSQL and stand on their own, so when the
warehouse is not reachable (no credentials, no network, a table missing) the spikes are
shown without details and the reason is given in one line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from mentionfleet.config import Settings
from mentionfleet.warehouse.client import make_client
from mentionfleet.warehouse.reads import fetch_event_details

TIMEOUT_S = 20.0
"""Longest wait for details, retries included."""

ADDED_BEFORE_DAYS = 30
"""How far before an event's first scored day to look for the day GDELT added it.

The first scored day is the day it was first seen, except for an event older than the
run's window, which starts at the window; older events than this margin show no details.
"""

Warn = Callable[[str], None]


@dataclass(frozen=True)
class EventDetails:
    event_id: int
    source_url: str | None = None
    actor1: str | None = None
    actor1_country: str | None = None
    actor2: str | None = None
    actor2_country: str | None = None
    place: str | None = None
    event_code: str | None = None

    @property
    def actors(self) -> str:
        """'VENEZUELA / UNITED STATES'; one name, or '' when GDELT coded none."""
        return " / ".join(a for a in (self.actor1, self.actor2) if a)

    @property
    def headline(self) -> str:
        """Actors and place in one phrase, '' when neither is known."""
        return " - ".join(p for p in (self.actors, self.place or "") if p)

    @classmethod
    def from_row(cls, event_id: int, row: Mapping[str, Any]) -> EventDetails:
        return cls(
            event_id=event_id,
            source_url=row.get("SOURCEURL"),
            actor1=row.get("Actor1Name"),
            actor1_country=row.get("Actor1CountryCode"),
            actor2=row.get("Actor2Name"),
            actor2_country=row.get("Actor2CountryCode"),
            place=row.get("ActionGeo_FullName"),
            event_code=row.get("EventCode"),
        )


def lookup(
    settings: Settings,
    first_days: Mapping[int, date],
    last_day: date,
    *,
    warn: Warn,
    timeout_s: float = TIMEOUT_S,
) -> dict[int, EventDetails]:
    """Details of the events in `first_days` (id -> first scored day); {} if unreachable."""
    if not first_days:
        return {}
    start = min(first_days.values()) - timedelta(days=ADDED_BEFORE_DAYS)
    try:
        rows = fetch_event_details(
            make_client(settings), settings.events_table, tuple(first_days), start, last_day,
            max_bytes_billed=settings.max_bytes_billed, timeout_s=timeout_s,
        )  # fmt: skip
    # Any failure (credentials, network, a missing table, a timeout) means the same
    # thing here: no details this time. The scores are shown regardless.
    except Exception as exc:
        message = (str(exc).strip().splitlines() or [""])[0][:200]
        warn(
            f"event details unavailable from {settings.events_table} "
            f"({type(exc).__name__}: {message}); showing scores only"
        )
        return {}
    return {event_id: EventDetails.from_row(event_id, row) for event_id, row in rows.items()}
