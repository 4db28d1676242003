"""The whole local stack: PostgreSQL, the Pub/Sub emulator, the BigQuery stand-in, and
function servers wired to them through the fleet's own environment variables."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Self

from ..config import Settings
from .bigquery import LocalBigQuery
from .functions import FunctionServer, SignatureType
from .postgres import LocalPostgres
from .process import LocalStackError, log, repo_root
from .pubsub import PubSubEmulator

BQ_DATASET = "gdelt"
KEEP_ENV = "MENTIONFLEET_KEEP_LOCALSTACK"
"""Set to 1 to keep a stack's own base dir (logs, data) after stop, for debugging."""


def _traversable_by_others(path: Path) -> bool:
    return all(p.stat().st_mode & 0o001 for p in (path, *path.parents))


def stacks_root() -> Path:
    """Where stacks keep their folders: `<repo>/.localstack`, or a folder under the system
    temp folder when PostgreSQL (run as user `postgres` when we are root) could not reach
    the repo: a checkout inside a private folder (mode 0700) must not stop the stack.
    """
    if os.geteuid() == 0 and not _traversable_by_others(repo_root()):
        return Path(tempfile.gettempdir()) / "mentionfleet-localstack"
    return repo_root() / ".localstack"


def _new_base_dir() -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return stacks_root() / f"stack-{stamp}-{secrets.token_hex(3)}"


class LocalStack:
    """Starts, checks and stops the fleet's local services; a context manager.

    `DATABASE_URL` in the caller's environment means "use that server": the stack then
    starts no PostgreSQL and passes the URL through.
    """

    def __init__(self, base_dir: Path | None = None, project: str = "mentionfleet-local") -> None:
        self.project = project
        self._owns_base_dir = base_dir is None
        self.base_dir = (base_dir or _new_base_dir()).resolve()
        self._external_database_url = os.environ.get("DATABASE_URL") or None
        pids, logs = self.base_dir / "pids", self.base_dir / "logs"
        self._postgres = (
            None
            if self._external_database_url
            else LocalPostgres(self.base_dir / "postgres", pid_path=pids / "postgres.pid")
        )
        self.pubsub = PubSubEmulator(
            self.base_dir / "pubsub", project,
            log_path=logs / "pubsub.log", pid_path=pids / "pubsub.pid",
        )
        self.bigquery = LocalBigQuery(
            self.base_dir / "bigquery", project, dataset=BQ_DATASET,
            log_path=logs / "bigquery.log", pid_path=pids / "bigquery.pid",
        )
        self.functions: list[FunctionServer] = []
        self.startup_seconds: dict[str, float] = {}
        self._started: list[str] = []

    @property
    def postgres(self) -> LocalPostgres:
        if self._postgres is None:
            raise LocalStackError(
                "PostgreSQL is external (DATABASE_URL is set), so the stack cannot control it"
            )
        return self._postgres

    @property
    def database_url(self) -> str:
        if self._postgres is None:
            assert self._external_database_url is not None
            return self._external_database_url
        return self._postgres.url

    def env(self) -> dict[str, str]:
        """The fleet's environment for this stack (see mentionfleet.config)."""
        defaults = Settings.from_env({"MENTIONFLEET_PROJECT": self.project})
        return {
            "MENTIONFLEET_PROJECT": self.project,
            "GOOGLE_CLOUD_PROJECT": self.project,
            "MENTIONFLEET_BQ_DATASET": f"{self.project}.{BQ_DATASET}",
            "MENTIONFLEET_BQ_ENDPOINT": self.bigquery.endpoint,
            "PUBSUB_EMULATOR_HOST": self.pubsub.host,
            "DATABASE_URL": self.database_url,
            "MENTIONFLEET_BATCH_TOPIC": defaults.batch_topic,
            "MENTIONFLEET_DEAD_LETTER_TOPIC": defaults.dead_letter_topic,
        }

    def start(self) -> Self:
        """Start the services in parallel, each checked ready; on any failure stop them all."""
        self.base_dir.mkdir(parents=True, exist_ok=True)
        if self._owns_base_dir and os.geteuid() == 0:
            # PostgreSQL runs as user postgres and must enter it (and its parent, ours too).
            for folder in (self.base_dir.parent, self.base_dir):
                folder.chmod(0o755)
        services: dict[str, Callable[[], None]] = {
            "pubsub": self.pubsub.start,
            "bigquery": self.bigquery.start,
        }
        if self._postgres is not None:
            services["postgres"] = self._postgres.start
        log.info("starting local stack in %s: %s", self.base_dir, ", ".join(services))
        # Recorded first: stop() is safe on services that never started.
        self._started = [name for name in ("postgres", "pubsub", "bigquery") if name in services]
        try:
            with ThreadPoolExecutor(max_workers=len(services)) as pool:
                futures = [pool.submit(self._timed, name, run) for name, run in services.items()]
                errors = [exc for future in futures if (exc := future.exception())]
            if len(errors) == 1:
                raise errors[0]
            if errors:
                raise LocalStackError("\n\n".join(str(error) for error in errors))
        except BaseException:
            try:
                self.stop()
            except LocalStackError as exc:
                log.warning("cleanup after failed start: %s", exc)
            raise
        return self

    def _timed(self, name: str, start: Callable[[], None]) -> None:
        began = time.monotonic()
        start()
        self.startup_seconds[name] = round(time.monotonic() - began, 2)

    def function_server(
        self,
        target: str,
        source: Path,
        signature_type: SignatureType = "http",
        env: Mapping[str, str] | None = None,
        *,
        workers: int = 1,
        threads: int = 4,
    ) -> FunctionServer:
        """A (not yet started) function server with the stack's env plus `env`.

        The stack stops it, before the services, in stop().
        """
        server = FunctionServer(
            target, source, signature_type, {**self.env(), **(env or {})},
            workers=workers, threads=threads, run_dir=self.base_dir,
        )
        self.functions.append(server)
        return server

    def stop(self) -> None:
        """Stop function servers, then the services in reverse start order; idempotent."""
        steps: list[tuple[str, Callable[[], None]]] = [
            (f"function {server.target}", server.stop) for server in reversed(self.functions)
        ]
        stoppers: dict[str, Callable[[], None]] = {
            "bigquery": self.bigquery.stop,
            "pubsub": self.pubsub.stop,
            "postgres": self._postgres.stop if self._postgres else lambda: None,
        }
        steps += [(name, stoppers[name]) for name in reversed(self._started)]
        errors = []
        for name, stop in steps:
            try:
                stop()
            except Exception as exc:  # keep stopping the rest; report all at the end
                errors.append(f"{name}: {exc}")
        self.functions.clear()
        self._started.clear()
        if errors:
            raise LocalStackError("stopping the local stack failed:\n" + "\n".join(errors))
        if self._owns_base_dir and self.base_dir.exists() and not os.environ.get(KEEP_ENV):
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
