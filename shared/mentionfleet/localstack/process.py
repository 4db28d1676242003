"""Server processes run in their own process group, recorded in pidfiles.

Several servers are wrappers that spawn the real server (gcloud spawns java, gunicorn
forks workers), so a process is stopped by signalling its whole group: stopping only the
leader would orphan the children and leave the port taken.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

from .ports import port_is_free

log = logging.getLogger("mentionfleet.localstack")

_PROC = Path("/proc")


class LocalStackError(RuntimeError):
    """A local service could not be set up, started, checked or stopped."""


def repo_root() -> Path:
    """The checkout holding this package (for .venv-bq and .localstack), else the cwd."""
    root = Path(__file__).resolve().parents[3]
    return root if (root / "pyproject.toml").is_file() else Path.cwd()


def wait_until(
    ready: Callable[[], bool],
    *,
    timeout: float,
    on_timeout: Callable[[], str],
    died: Callable[[], str | None] | None = None,
    interval: float = 0.1,
) -> None:
    """Poll `ready` until it is true; raise with `on_timeout()` after `timeout` seconds.

    `died` is checked between polls and returns an error message once waiting is
    pointless (the server exited), so a crash is reported at once, not after the timeout.
    """
    deadline = time.monotonic() + timeout
    while True:
        if ready():
            return
        if died is not None and (message := died()) is not None:
            raise LocalStackError(message)
        if time.monotonic() >= deadline:
            raise LocalStackError(on_timeout())
        time.sleep(interval)


def tail(path: Path, lines: int = 15) -> str:
    """The last `lines` lines of a log file, for error messages."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"(no log: {exc})"
    last = text.rstrip().splitlines()[-lines:]
    return "\n".join(f"    {line}" for line in last) if last else "    (log is empty)"


def _stat(pid: int, task: int | None = None) -> list[str] | None:
    """Fields of /proc/PID[/task/TID]/stat after the command name (which may hold spaces)."""
    path = _PROC / str(pid) / ("stat" if task is None else f"task/{task}/stat")
    try:
        raw = path.read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()


def _alive(pid: int, fields: list[str]) -> bool:
    """True unless the process has exited (a zombie holds no ports or files).

    A SIGKILLed multi-threaded process shows its main thread as a zombie while the other
    threads are still exiting, and those still hold the shared file table (its listening
    socket included): only when every thread is gone is it really gone.
    """
    if fields[0] not in ("Z", "X"):
        return True
    try:
        tasks = [int(tid) for tid in os.listdir(_PROC / str(pid) / "task") if int(tid) != pid]
    except OSError:
        return False
    return any((state := _stat(pid, tid)) and state[0] not in ("Z", "X") for tid in tasks)


def start_time(pid: int) -> int | None:
    """Kernel start time of `pid` (clock ticks since boot); tells a reused PID apart."""
    fields = _stat(pid)
    return int(fields[19]) if fields else None


def is_alive(pid: int) -> bool:
    """True while `pid` exists and has not exited."""
    fields = _stat(pid)
    return fields is not None and _alive(pid, fields)


def _live_where(field: int, value: int) -> list[int]:
    """Live processes whose stat field number `field` (after the name) equals `value`."""
    found = []
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat(int(entry.name))
        if fields and int(fields[field]) == value and _alive(int(entry.name), fields):
            found.append(int(entry.name))
    return found


def group_members(pgid: int) -> list[int]:
    """Live processes whose process group is `pgid`."""
    return _live_where(2, pgid)


def children(pid: int) -> list[int]:
    """Live direct children of `pid`."""
    return _live_where(1, pid)


def wait_gone(pids: list[int], timeout: float) -> list[int]:
    """Wait until none of `pids` is alive; those still alive after `timeout`."""
    deadline = time.monotonic() + timeout
    while (alive := [pid for pid in pids if is_alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


def stop_group(pgid: int, *, name: str, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    """Send `sig` to the group, SIGKILL whatever is left after `timeout`, wait until gone."""
    for current, grace in ((sig, timeout), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(pgid, current)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if not group_members(pgid):
                return
            time.sleep(0.05)
        if current != signal.SIGKILL:
            log.warning("%s (group %d) ignored %s for %.0f s; killing it", name, pgid,
                        signal.Signals(current).name, grace)
    left = group_members(pgid)
    if left:
        raise LocalStackError(f"{name}: processes {left} of group {pgid} survived SIGKILL")


def write_pidfile(path: Path, pid: int) -> None:
    """Record `pid` with its start time, so a later cleanup never signals a reused PID."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{pid} {start_time(pid) or 0}\n", encoding="utf-8")


def read_pidfile(path: Path) -> int | None:
    """The PID recorded in `path` if that very process still runs, else None."""
    try:
        pid_text, started_text = path.read_text(encoding="utf-8").split()
    except (OSError, ValueError):
        return None
    pid = int(pid_text)
    return pid if is_alive(pid) and start_time(pid) == int(started_text) else None


class ManagedProcess:
    """One server command in a new session: its log, its pidfile, its process group.

    `ports` are the ports it listens on; stopping waits until they are free again.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        log_path: Path,
        pid_path: Path,
        cwd: Path | None = None,
        ports: Sequence[int] = (),
    ) -> None:
        self.name = name
        self.ports = list(ports)
        self.argv = list(argv)
        self.env = dict(env)
        self.log_path = log_path
        self.pid_path = pid_path
        self.cwd = cwd
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """PID of the group leader (= the process group id), None before start."""
        return self._proc.pid if self._proc else None

    def start(self) -> None:
        if self.running():
            return
        self._end(signal.SIGTERM, 5)  # children a previous, exited leader left behind
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log_file:
            self._proc = self._spawn(log_file)
        write_pidfile(self.pid_path, self._proc.pid)
        log.debug("%s started: pid %d: %s", self.name, self._proc.pid, " ".join(self.argv))

    def _spawn(self, log_file: IO[bytes]) -> subprocess.Popen[bytes]:
        try:
            return subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own group: stop() reaches every child
            )
        except OSError as exc:
            raise LocalStackError(f"{self.name}: cannot run {self.argv[0]!r}: {exc}") from exc

    def wait_ready(self, ready: Callable[[], bool], *, timeout: float, where: str) -> None:
        """Wait until `ready()`; if it never is, or the server exits, stop it and raise."""
        try:
            wait_until(
                ready,
                timeout=timeout,
                on_timeout=lambda: (
                    f"{self.name} did not become ready on {where} within {timeout:.0f} s; "
                    f"last log lines ({self.log_path}):\n{self.log_tail()}"
                ),
                died=self.exit_message,
            )
        except BaseException:
            try:
                self.stop(timeout=5)
            except LocalStackError as exc:
                log.warning("cleanup after failed start: %s", exc)
            raise

    def running(self) -> bool:
        """True while the group leader runs."""
        return self._proc is not None and self._proc.poll() is None

    def exit_message(self) -> str | None:
        """Why waiting for readiness is pointless (the leader exited), else None."""
        if self._proc is None or self._proc.poll() is None:
            return None
        return (
            f"{self.name} exited with status {self._proc.returncode} before becoming ready; "
            f"last log lines ({self.log_path}):\n{self.log_tail()}"
        )

    def members(self) -> list[int]:
        """Live processes of this server's group (leader and children)."""
        return group_members(self._proc.pid) if self._proc else []

    def log_tail(self, lines: int = 15) -> str:
        return tail(self.log_path, lines)

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM the group, SIGKILL it after `timeout`; safe to call twice."""
        self._end(signal.SIGTERM, timeout)

    def kill(self) -> None:
        """SIGKILL the whole group at once, like a crash."""
        self._end(signal.SIGKILL, 10)

    def _end(self, sig: int, timeout: float) -> None:
        if self._proc is None:
            return
        # Once the leader is reaped and its group is empty, the id may belong to a new
        # process: signal the group only while it is still ours.
        if self._proc.poll() is None or group_members(self._proc.pid):
            stop_group(self._proc.pid, name=self.name, sig=sig, timeout=timeout)
        self._proc.wait()  # reap the leader; its children are reaped by init
        self._proc = None
        self.pid_path.unlink(missing_ok=True)
        wait_until(
            lambda: all(port_is_free(port) for port in self.ports),
            timeout=5,
            on_timeout=lambda: f"{self.name} stopped, but ports {self.ports} are still taken",
        )
