"""A Cloud Function served locally by functions-framework (gunicorn), like one instance.

functions-framework reads WORKERS (gunicorn worker processes) and THREADS (threads per
worker) from the environment; with more than one of either, requests run in parallel.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

from .ports import LOOPBACK, free_port, http_get, listening_pids, port_is_free
from .process import LocalStackError, ManagedProcess, log

SignatureType = Literal["http", "cloudevent"]

# functions-framework answers 404 (http) or 405 (cloudevent) here without calling the
# function, so probing readiness never runs user code.
_PROBE_PATH = "/robots.txt"


class FunctionServer:
    """`functions-framework --target T --source S` on 127.0.0.1:`port`."""

    def __init__(
        self,
        target: str,
        source: Path,
        signature_type: SignatureType = "http",
        env: Mapping[str, str] | None = None,
        *,
        port: int | None = None,
        workers: int = 1,
        threads: int = 4,
        run_dir: Path | None = None,
    ) -> None:
        if workers < 1 or threads < 1:
            raise ValueError(f"workers={workers}, threads={threads}: expected both >= 1")
        self.target = target
        self.source = Path(source).resolve()
        self.signature_type = signature_type
        self.port = port or free_port()
        self.run_dir = run_dir or Path(tempfile.mkdtemp(prefix=f"mentionfleet-{target}-"))
        name = f"function {target}:{self.port}"
        server_env = {
            **os.environ,
            "GUNICORN_LOG_LEVEL": "info",
            **(env or {}),
            "WORKERS": str(workers),
            "THREADS": str(threads),
            "PYTHONUNBUFFERED": "1",
        }
        self._process = ManagedProcess(
            name,
            [
                sys.executable, "-m", "functions_framework",
                "--target", target, "--source", str(self.source),
                "--signature-type", signature_type,
                "--host", LOOPBACK, "--port", str(self.port),
            ],
            env=server_env,
            log_path=self.run_dir / "logs" / f"{target}-{self.port}.log",
            pid_path=self.run_dir / "pids" / f"{target}-{self.port}.pid",
            cwd=self.source.parent,
            ports=[self.port],
        )

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid

    @property
    def log_path(self) -> Path:
        return self._process.log_path

    def members(self) -> list[int]:
        """The gunicorn arbiter and its workers."""
        return self._process.members()

    def start(self, timeout: float = 30) -> Self:
        if self._process.running():
            return self
        if not self.source.is_file():
            raise LocalStackError(f"function {self.target}: source {self.source} does not exist")
        if not port_is_free(self.port):
            raise LocalStackError(f"function {self.target}: {LOOPBACK}:{self.port} is taken")
        began = time.monotonic()
        self._process.start()
        self._process.wait_ready(self._ready, timeout=timeout, where=self.url)
        log.info("function %s ready on %s in %.1f s", self.target, self.url,
                 time.monotonic() - began)
        return self

    def _ready(self) -> bool:
        if http_get(LOOPBACK, self.port, _PROBE_PATH) is None:
            return False
        if not listening_pids(self.port, self.members()):
            raise LocalStackError(
                f"function {self.target}: {self.url} answers, but not from our process group "
                f"{self.pid}; another server holds the port"
            )
        return True

    def stop(self, timeout: float = 10) -> None:
        """Graceful stop of arbiter and workers; safe to call twice."""
        if self._process.pid is not None:
            self._process.stop(timeout)
            log.info("function %s on %s stopped", self.target, self.url)

    def kill(self) -> None:
        """SIGKILL arbiter and workers at once, like a crashed instance; start() works again."""
        if self._process.pid is not None:
            self._process.kill()
            log.info("function %s on %s killed", self.target, self.url)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
