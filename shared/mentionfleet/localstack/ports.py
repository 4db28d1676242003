"""Loopback ports: picking free ones, and finding out which process listens on one.

Readiness alone is not proof that *our* server answered: a stale server from an earlier
run may hold the port. So services also check that the listening socket belongs to one
of their own processes, using the kernel's socket tables in /proc.
"""

from __future__ import annotations

import http.client
import os
import socket
from collections.abc import Iterable
from pathlib import Path

LOOPBACK = "127.0.0.1"
_TCP_LISTEN = "0A"
_PROC = Path("/proc")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now.

    The port is released before returning, so another process could take it; servers
    therefore verify ownership of the listener once they are up.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def listener_inodes(port: int) -> set[int]:
    """Socket inodes of TCP sockets in LISTEN state on `port` (IPv4 and IPv6)."""
    inodes: set[int] = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (_PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], int(fields[9])
            if state == _TCP_LISTEN and int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(inode)
    return inodes


def port_is_free(port: int) -> bool:
    """True when no socket listens on `port`."""
    return not listener_inodes(port)


def pids_holding(inodes: set[int], candidates: Iterable[int]) -> set[int]:
    """Those of `candidates` that hold an open file descriptor on one of `inodes`."""
    wanted = {f"socket:[{inode}]" for inode in inodes}
    holders: set[int] = set()
    if not wanted:
        return holders
    for pid in candidates:
        fd_dir = _PROC / str(pid) / "fd"
        try:
            names = os.listdir(fd_dir)
        except OSError:
            continue  # process gone, or not ours to inspect
        for name in names:
            try:
                if os.readlink(fd_dir / name) in wanted:
                    holders.add(pid)
                    break
            except OSError:
                continue
    return holders


def listening_pids(port: int, candidates: Iterable[int]) -> set[int]:
    """Those of `candidates` that hold the listening socket on `port`."""
    return pids_holding(listener_inodes(port), candidates)


def http_get(host: str, port: int, path: str, timeout: float = 2.0) -> tuple[int, bytes] | None:
    """GET http://host:port/path; (status, body) for any HTTP answer, None if there is none."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()
