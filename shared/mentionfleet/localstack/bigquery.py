"""The BigQuery stand-in `local-bigquery` (DuckDB based) on a loopback port.

It needs Python >= 3.13, so it runs from its own venv made by scripts/setup-venvs.sh,
with HOME pointed at that venv's `home/` where the DuckDB extensions were copied: DuckDB
would otherwise try to download them.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from .ports import LOOPBACK, free_port, http_get, listening_pids, port_is_free
from .process import LocalStackError, ManagedProcess, log, repo_root

DUCKDB_VERSION = "1.5.5"


def bq_venv() -> Path:
    """MENTIONFLEET_BQ_VENV, else <repo>/.venv-bq."""
    configured = os.environ.get("MENTIONFLEET_BQ_VENV")
    return Path(configured) if configured else repo_root() / ".venv-bq"


def _check_venv(venv: Path) -> None:
    server = venv / "bin" / "local-bigquery"
    extensions = venv / "home" / ".duckdb" / "extensions" / f"v{DUCKDB_VERSION}" / "linux_amd64"
    if not server.is_file():
        missing = f"{server} is missing"
    elif not any(extensions.glob("*.duckdb_extension")):
        missing = f"no DuckDB extensions in {extensions}"
    else:
        return
    raise LocalStackError(
        f"BigQuery stand-in is not set up: {missing}; run scripts/setup-venvs.sh "
        "(or point MENTIONFLEET_BQ_VENV at a venv it made)"
    )


class LocalBigQuery:
    """`local-bigquery serve` for `project` with dataset `dataset`, data under `base_dir`."""

    def __init__(
        self,
        base_dir: Path,
        project: str,
        *,
        dataset: str = "gdelt",
        venv: Path | None = None,
        port: int | None = None,
        log_path: Path | None = None,
        pid_path: Path | None = None,
    ) -> None:
        self.base_dir = base_dir
        self.project = project
        self.dataset = dataset
        self.venv = venv or bq_venv()
        self.port = port or free_port()
        self.grpc_port = free_port()
        self._process = ManagedProcess(
            "BigQuery stand-in",
            [
                str(self.venv / "bin" / "local-bigquery"), "serve",
                "--host", LOOPBACK, "--port", str(self.port), "--grpc-port", str(self.grpc_port),
                "--project", project, "--dataset", dataset, "--data-dir", str(base_dir / "data"),
            ],
            env={**os.environ, "HOME": str(self.venv / "home"), "PYTHONUNBUFFERED": "1"},
            log_path=log_path or base_dir / "bigquery.log",
            pid_path=pid_path or base_dir / "bigquery.pid",
            cwd=base_dir,
            ports=[self.port, self.grpc_port],
        )

    @property
    def endpoint(self) -> str:
        """The value for MENTIONFLEET_BQ_ENDPOINT (the client's api_endpoint)."""
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def members(self) -> list[int]:
        return self._process.members()

    def start(self, timeout: float = 60) -> None:
        if self._process.running():
            return
        _check_venv(self.venv)
        for port in (self.port, self.grpc_port):
            if not port_is_free(port):
                raise LocalStackError(
                    f"BigQuery stand-in cannot listen on {LOOPBACK}:{port}: the port is taken"
                )
        began = time.monotonic()
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self._process.start()
        self._process.wait_ready(self._ready, timeout=timeout, where=self.endpoint)
        log.info("BigQuery stand-in ready on %s in %.1f s", self.endpoint,
                 time.monotonic() - began)

    def _ready(self) -> bool:
        # Listing datasets opens the DuckDB catalog too, so a broken data dir shows up here.
        path = f"/bigquery/v2/projects/{self.project}/datasets"
        answer = http_get(LOOPBACK, self.port, path, timeout=5)
        if answer is None or answer[0] != 200:
            return False
        try:
            json.loads(answer[1])
        except ValueError:
            return False
        if not listening_pids(self.port, self.members()):
            raise LocalStackError(
                f"BigQuery stand-in: {self.endpoint} answers, but not from our process group "
                f"{self.pid}; another server holds the port"
            )
        return True

    def stop(self, timeout: float = 15) -> None:
        """Stop the server; safe to call twice."""
        if self._process.pid is None:
            return
        self._process.stop(timeout)
        log.info("BigQuery stand-in on %s stopped", self.endpoint)
