"""Runtime configuration, read once from the environment.

The same variables configure the deployed functions (set by Terraform) and the
local stack (set by `mentionfleet.localstack`), so no code changes between the two.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(ValueError):
    """A configuration variable is missing or malformed."""


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected an integer") from None
    if value < minimum:
        raise ConfigError(f"{name}={value}: expected an integer >= {minimum}")
    return value


def _database_url(env: Mapping[str, str]) -> str | None:
    # In GCP the URL is a Secret Manager secret mounted as a file; reading it from a file
    # keeps the password out of the function's environment listing.
    path = env.get("DATABASE_URL_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"DATABASE_URL_FILE={path!r}: cannot read it ({exc})") from None
    return env.get("DATABASE_URL") or None


@dataclass(frozen=True)
class Settings:
    """Everything the fleet reads from its environment."""

    project: str
    """GCP project that owns the topics and runs the BigQuery jobs."""
    bq_dataset: str
    """Fully qualified `project.dataset` holding the GDELT `events` and `eventmentions` copies."""
    bq_location: str | None
    bq_endpoint: str | None
    """Local only: the BigQuery stand-in's URL. Unset in GCP."""
    max_bytes_billed: int
    """Guard on every query: BigQuery refuses a job that would bill more."""
    batch_topic: str
    dead_letter_topic: str
    database_url: str | None = field(repr=False)
    pool_min_size: int
    pool_max_size: int
    pool_timeout_s: int

    def require_database_url(self) -> str:
        """The PostgreSQL URL, or a ConfigError saying how to give one."""
        if not self.database_url:
            raise ConfigError(
                "DATABASE_URL (or DATABASE_URL_FILE) is not set: expected the PostgreSQL URL "
                "of the run ledger and mention_scores"
            )
        return self.database_url

    @property
    def events_table(self) -> str:
        return f"{self.bq_dataset}.events"

    @property
    def mentions_table(self) -> str:
        return f"{self.bq_dataset}.eventmentions"

    @property
    def staging_table(self) -> str:
        """Each run's daily counts, staged once by the fanout and read per batch."""
        return f"{self.bq_dataset}.run_daily_counts"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        project = env.get("MENTIONFLEET_PROJECT") or env.get("GOOGLE_CLOUD_PROJECT") or ""
        if not project:
            raise ConfigError(
                "MENTIONFLEET_PROJECT is not set: expected the GCP project id of the fleet"
            )
        dataset = env.get("MENTIONFLEET_BQ_DATASET", f"{project}.gdelt")
        if dataset.count(".") != 1:
            raise ConfigError(
                f"MENTIONFLEET_BQ_DATASET={dataset!r}: expected 'project.dataset'"
            )
        return cls(
            project=project,
            bq_dataset=dataset,
            bq_location=env.get("MENTIONFLEET_BQ_LOCATION") or None,
            bq_endpoint=env.get("MENTIONFLEET_BQ_ENDPOINT") or None,
            max_bytes_billed=_int(
                env, "MENTIONFLEET_MAX_BYTES_BILLED", 50 * 1024**3, minimum=10 * 1024**2
            ),
            batch_topic=env.get("MENTIONFLEET_BATCH_TOPIC", "mention-batches"),
            dead_letter_topic=env.get("MENTIONFLEET_DEAD_LETTER_TOPIC", "mention-batches-dead"),
            database_url=_database_url(env),
            pool_min_size=_int(env, "MENTIONFLEET_PG_POOL_MIN", 1, minimum=0),
            pool_max_size=_int(env, "MENTIONFLEET_PG_POOL_MAX", 4, minimum=1),
            pool_timeout_s=_int(env, "MENTIONFLEET_PG_POOL_TIMEOUT", 30, minimum=1),
        )


_current: Settings | None = None


def current() -> Settings:
    """The process's settings, read from the environment on first use."""
    global _current
    if _current is None:
        _current = Settings.from_env()
    return _current
