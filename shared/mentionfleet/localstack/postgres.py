"""A throwaway PostgreSQL server: own data directory, loopback only, trust auth.

PostgreSQL refuses to run as root, so under root every server command runs as the OS
user `postgres` (created if missing), which must be able to enter the data directory.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from .ports import LOOPBACK, free_port, listening_pids, port_is_free
from .process import (
    LocalStackError,
    children,
    is_alive,
    log,
    tail,
    wait_gone,
    wait_until,
    write_pidfile,
)

OS_USER = "postgres"

# Durability is pointless for a test server and fsync dominates its run time. A clean
# stop (pg_ctl stop -m fast) still writes a checkpoint, so stop/start keeps the data.
_SERVER_CONF = """
# mentionfleet local stack
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
"""


def _bindir() -> Path:
    """PG_BINDIR, else what pg_config reports."""
    configured = os.environ.get("PG_BINDIR")
    if configured:
        path = Path(configured)
    else:
        pg_config = shutil.which("pg_config")
        if pg_config is None:
            raise LocalStackError(
                "PostgreSQL not found: pg_config is not on PATH and PG_BINDIR is unset; "
                "install PostgreSQL (apt-get install postgresql) or set PG_BINDIR"
            )
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True)
        path = Path(out.stdout.strip())
    if not (path / "pg_ctl").is_file():
        raise LocalStackError(f"PG_BINDIR={path}: expected a directory holding pg_ctl and initdb")
    return path


def _os_user() -> pwd.struct_passwd:
    """The unprivileged account the server runs as under root; created when missing."""
    try:
        return pwd.getpwnam(OS_USER)
    except KeyError:
        log.info("creating system user %r to run PostgreSQL (it refuses to run as root)", OS_USER)
        subprocess.run(["useradd", "--system", "--user-group", OS_USER], check=True)
        return pwd.getpwnam(OS_USER)


def _check_traversable(path: Path, user: pwd.struct_passwd) -> None:
    """Fail early and clearly when `user` cannot reach `path` (initdb's error is obscure)."""
    for parent in reversed(path.parents):
        info = parent.stat()
        if info.st_uid == user.pw_uid:
            continue
        bit = stat.S_IXGRP if info.st_gid == user.pw_gid else stat.S_IXOTH
        if not info.st_mode & bit:
            raise LocalStackError(
                f"PostgreSQL runs as OS user {user.pw_name!r}, which cannot enter {parent} "
                f"(mode {stat.filemode(info.st_mode)}); use a base dir whose parents are "
                "world-traversable, e.g. the default under <repo>/.localstack"
            )


class LocalPostgres:
    """PostgreSQL on 127.0.0.1:`port` with database `database`, data under `base_dir`."""

    def __init__(
        self,
        base_dir: Path,
        *,
        port: int | None = None,
        database: str = "mentionfleet",
        pid_path: Path | None = None,
    ) -> None:
        self.base_dir = base_dir
        self.data_dir = base_dir / "data"
        self.log_path = base_dir / "postgres.log"
        self.pid_path = pid_path or base_dir / "postgres.pid"
        self.port = port or free_port()
        self.database = database
        self._bindir: Path | None = None
        self._user = _os_user() if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@{LOOPBACK}:{self.port}/{self.database}"

    @property
    def admin_url(self) -> str:
        """The maintenance database, for creating or dropping `database`."""
        return f"postgresql://postgres@{LOOPBACK}:{self.port}/postgres"

    @property
    def pid(self) -> int | None:
        """The postmaster's PID while it runs."""
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None
        return pid if is_alive(pid) else None

    def members(self) -> list[int]:
        """The postmaster and its child processes.

        Not a process group: every PostgreSQL child process calls setsid() itself.
        """
        pid = self.pid
        return [pid, *children(pid)] if pid else []

    def start(self, timeout: float = 60) -> None:
        """Initialise on first use, start, wait until it accepts connections."""
        if self.pid is not None:
            return
        began = time.monotonic()
        if not port_is_free(self.port):
            raise LocalStackError(
                f"PostgreSQL cannot listen on {LOOPBACK}:{self.port}: the port is taken"
            )
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        try:
            self._start_server(timeout - (time.monotonic() - began))
        except BaseException:
            try:
                self.stop(timeout=10)  # pg_ctl may have given up on a server still starting
            except LocalStackError as exc:
                log.warning("cleanup after failed start: %s", exc)
            raise
        log.info("PostgreSQL ready on %s:%d in %.1f s", LOOPBACK, self.port,
                 time.monotonic() - began)

    def _start_server(self, timeout: float) -> None:
        timeout = max(5.0, timeout)
        self._pg_ctl(
            "start", "-w", "-t", str(int(timeout)), "-l", str(self.log_path),
            "-o", f"-p {self.port}", timeout=timeout + 5,
        )
        pid = self.pid
        if pid is None:
            raise self._error("PostgreSQL did not start")
        write_pidfile(self.pid_path, pid)
        wait_until(
            self._accepts_connections,
            timeout=timeout,
            on_timeout=lambda: self._describe("did not accept connections", timeout),
            died=lambda: None if self.pid else self._describe("exited", timeout),
        )
        if not listening_pids(self.port, [pid]):
            raise self._error(f"port {self.port} answers, but postmaster {pid} does not own it")
        self._create_database()

    def stop(self, timeout: float = 30) -> None:
        """Fast shutdown (rolls back open transactions, checkpoints); safe to call twice."""
        pids = self.members()
        if not pids:
            self.pid_path.unlink(missing_ok=True)
            return
        try:
            self._pg_ctl("stop", "-m", "fast", "-w", "-t", str(int(timeout)), timeout=timeout + 5)
        except LocalStackError as exc:
            log.warning("%s; killing PostgreSQL processes %s", exc, pids)
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        # Child processes can outlive the postmaster's exit by a moment.
        left = wait_gone(pids, timeout=10)
        if left:
            raise self._error(f"PostgreSQL processes {left} did not exit")
        self.pid_path.unlink(missing_ok=True)
        wait_until(
            lambda: port_is_free(self.port),
            timeout=5,
            on_timeout=lambda: f"PostgreSQL stopped, but port {self.port} is still taken",
        )
        log.info("PostgreSQL on port %d stopped", self.port)

    def restart(self, timeout: float = 60) -> None:
        """Stop and start again on the same port with the same data."""
        self.stop()
        self.start(timeout)

    def remove_data(self) -> None:
        """Delete the data directory; the server must be stopped."""
        if self.pid is not None:
            raise LocalStackError(f"PostgreSQL on port {self.port} still runs; stop it first")
        shutil.rmtree(self.data_dir, ignore_errors=True)

    # -- internals ----------------------------------------------------------------------

    def _bin(self, name: str) -> str:
        if self._bindir is None:
            self._bindir = _bindir()
        return str(self._bindir / name)

    def _initdb(self) -> None:
        self.base_dir.mkdir(parents=True, exist_ok=True)
        if self._user is not None:
            _check_traversable(self.base_dir, self._user)
            os.chown(self.base_dir, self._user.pw_uid, self._user.pw_gid)
        self._run(
            [self._bin("initdb"), "-D", str(self.data_dir), "-U", "postgres",
             "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"],
            what="initdb",
            timeout=120,
        )
        with (self.data_dir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(_SERVER_CONF)

    def _pg_ctl(self, *args: str, timeout: float) -> None:
        self._run([self._bin("pg_ctl"), "-D", str(self.data_dir), *args],
                  what=f"pg_ctl {args[0]}", timeout=timeout)

    def _run(self, argv: list[str], *, what: str, timeout: float) -> None:
        kwargs: dict[str, Any] = {}
        if self._user is not None:
            # extra_groups=[] drops root's supplementary groups along with its uid.
            kwargs = {"user": self._user.pw_uid, "group": self._user.pw_gid, "extra_groups": []}
        try:
            result = subprocess.run(
                argv, cwd=self.base_dir, capture_output=True, text=True, timeout=timeout,
                env={**os.environ, "LC_ALL": "C"}, start_new_session=True, **kwargs,
            )
        except subprocess.TimeoutExpired:
            raise self._error(f"{what} did not finish within {timeout:.0f} s") from None
        if result.returncode != 0:
            output = (result.stderr or result.stdout).strip()
            raise self._error(f"{what} failed with status {result.returncode}: {output}")

    def _accepts_connections(self) -> bool:
        try:
            with psycopg.connect(self.admin_url, connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def _create_database(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (self.database,)
            ).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))

    def _describe(self, what: str, timeout: float) -> str:
        return (
            f"PostgreSQL on {LOOPBACK}:{self.port} {what} within {timeout:.0f} s; "
            f"last log lines ({self.log_path}):\n{tail(self.log_path)}"
        )

    def _error(self, what: str) -> LocalStackError:
        return LocalStackError(
            f"{what} (data dir {self.data_dir}, port {self.port}); "
            f"last log lines ({self.log_path}):\n{tail(self.log_path)}"
        )
