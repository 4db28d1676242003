"""`python -m mentionfleet.localstack up|down`.

up    start the stack, print its environment as `export K=V` lines, run until Ctrl-C or
      SIGTERM, then stop everything.
down  stop the processes recorded in a base dir's pidfiles (after `up` was killed -9).
"""

from __future__ import annotations

import argparse
import logging
import shlex
import signal
import sys
from pathlib import Path
from types import FrameType

from .process import LocalStackError, log, read_pidfile, stop_group
from .stack import LocalStack


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # unwinds into the `finally` that stops the stack


def up(base_dir: Path | None, project: str) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    stack = LocalStack(base_dir, project)
    try:
        stack.start()
        for key, value in stack.env().items():
            print(f"export {key}={shlex.quote(value)}", flush=True)
        log.info("local stack up in %s; Ctrl-C stops it", stack.base_dir)
        while True:
            signal.pause()
    except KeyboardInterrupt:
        log.info("stopping local stack")
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # let cleanup finish
        stack.stop()
    return 0


def down(base_dir: Path) -> int:
    # PostgreSQL last, with SIGINT (fast shutdown): SIGTERM would wait for its clients.
    pidfiles = sorted((base_dir / "pids").glob("*.pid"), key=lambda p: (p.stem == "postgres", p))
    if not pidfiles:
        log.info("no pidfiles under %s/pids", base_dir)
    for pidfile in pidfiles:
        pid = read_pidfile(pidfile)
        if pid is None:
            log.info("%s: not running", pidfile.stem)
        else:
            log.info("%s: stopping process group %d", pidfile.stem, pid)
            sig = signal.SIGINT if pidfile.stem == "postgres" else signal.SIGTERM
            stop_group(pid, name=pidfile.stem, sig=sig)
        pidfile.unlink()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mentionfleet.localstack")
    commands = parser.add_subparsers(dest="command", required=True)
    up_parser = commands.add_parser("up", help="start the stack and wait for Ctrl-C")
    up_parser.add_argument("--base-dir", type=Path, default=None,
                           help="state and logs (default: a fresh dir under <repo>/.localstack)")
    up_parser.add_argument("--project", default="mentionfleet-local")
    down_parser = commands.add_parser("down", help="stop processes recorded in a base dir")
    down_parser.add_argument("--base-dir", type=Path, required=True)
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    try:
        if args.command == "up":
            return up(args.base_dir, args.project)
        return down(args.base_dir)
    except LocalStackError as exc:
        log.error("%s", exc)
        return 1


if __name__ == "__main__":
    sys.exit(main())
