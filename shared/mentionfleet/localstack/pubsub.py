"""The Google Cloud Pub/Sub emulator (gcloud's java server) on a loopback port."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from .ports import LOOPBACK, free_port, http_get, listening_pids, port_is_free
from .process import LocalStackError, ManagedProcess, log


class PubSubEmulator:
    """`gcloud beta emulators pubsub start` for `project`, state under `base_dir`."""

    def __init__(
        self,
        base_dir: Path,
        project: str,
        *,
        port: int | None = None,
        log_path: Path | None = None,
        pid_path: Path | None = None,
    ) -> None:
        self.base_dir = base_dir
        self.project = project
        self.port = port or free_port()
        self._process = ManagedProcess(
            "Pub/Sub emulator",
            [
                shutil.which("gcloud") or "gcloud", "beta", "emulators", "pubsub", "start",
                f"--host-port={self.host}", f"--project={project}",
                f"--data-dir={base_dir / 'data'}",
            ],
            # gcloud starts java with JAVA_OPTS; without a cap the JVM sizes its heap
            # from the machine's memory.
            env={**os.environ, "JAVA_OPTS": "-Xmx512m", "CLOUDSDK_CORE_DISABLE_PROMPTS": "1"},
            log_path=log_path or base_dir / "pubsub.log",
            pid_path=pid_path or base_dir / "pubsub.pid",
            ports=[self.port],
        )

    @property
    def host(self) -> str:
        """The value for PUBSUB_EMULATOR_HOST."""
        return f"{LOOPBACK}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def members(self) -> list[int]:
        """The gcloud wrapper and the java server it spawned."""
        return self._process.members()

    def start(self, timeout: float = 60) -> None:
        if self._process.running():
            return
        if shutil.which("gcloud") is None:
            raise LocalStackError(
                "Pub/Sub emulator: gcloud is not on PATH; install google-cloud-cli and "
                "google-cloud-cli-pubsub-emulator"
            )
        if not port_is_free(self.port):
            raise LocalStackError(f"Pub/Sub emulator cannot listen on {self.host}: port taken")
        began = time.monotonic()
        (self.base_dir / "data").mkdir(parents=True, exist_ok=True)
        self._process.start()
        self._process.wait_ready(self._ready, timeout=timeout, where=self.host)
        log.info("Pub/Sub emulator ready on %s in %.1f s", self.host, time.monotonic() - began)

    def _ready(self) -> bool:
        answer = http_get(LOOPBACK, self.port, "/")
        if answer is None or answer[0] != 200 or answer[1].strip() != b"Ok":
            return False
        # A stale emulator from an earlier run would answer "Ok" too.
        if not listening_pids(self.port, self.members()):
            raise LocalStackError(
                f"Pub/Sub emulator: {self.host} answers, but not from our process group "
                f"{self.pid}; another server holds the port"
            )
        return True

    def stop(self, timeout: float = 15) -> None:
        """Stop the wrapper and java together; safe to call twice."""
        if self._process.pid is None:
            return
        self._process.stop(timeout)
        log.info("Pub/Sub emulator on %s stopped", self.host)
