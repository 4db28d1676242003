"""An ISO date field for strict pydantic models.

Strict models refuse strings for dates, but JSON carries dates as ISO strings; this
parses exactly YYYY-MM-DD and nothing looser.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator


def _parse(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO date (YYYY-MM-DD)") from None
    return value


IsoDate = Annotated[date, BeforeValidator(_parse)]
