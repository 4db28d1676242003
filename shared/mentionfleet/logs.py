"""Structured JSON logs in Cloud Logging's shape.

Cloud Functions forwards each stdout line that is a JSON object as a structured entry:
`severity` and `message` become the entry's level and summary, every other key lands
in `jsonPayload`. Run and batch ids are bound once per request (contextvars), so one
run can be followed across the fanout and every scorer with a single filter.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, TextIO

_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "mentionfleet_log_context", default=None
)

# Attributes every LogRecord has; anything else was passed with `extra=` and is logged.
_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: severity, message, time, bound context, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "severity": record.levelname,
            "message": record.getMessage(),
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "logger": record.name,
        }
        entry.update(_context.get() or {})
        entry.update({k: v for k, v in vars(record).items() if k not in _RESERVED})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def setup(level: str | int = "INFO", stream: TextIO | None = None) -> None:
    """Route the `mentionfleet` loggers to a stream (stdout) as JSON (idempotent).

    Functions log to stdout, where Cloud Logging reads them; the CLI logs to stderr so
    that stdout carries only its own output (`--json`).
    """
    logger = logging.getLogger("mentionfleet")
    logger.setLevel(level)
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        handler = logging.StreamHandler(stream or sys.stdout)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.propagate = False


@contextlib.contextmanager
def bound(**fields: Any) -> Iterator[None]:
    """Add fields (run_id, batch_index, ...) to every log line inside the block."""
    token = _context.set({**(_context.get() or {}), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def get(name: str) -> logging.Logger:
    return logging.getLogger(f"mentionfleet.{name}")
