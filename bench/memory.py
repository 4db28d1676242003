"""Benchmark 5: the scorer's peak memory per batch size.

For each batch size a fresh scorer (functions-framework, one worker, one thread, as one
Cloud Functions instance serving one request at a time) scores one batch of real ids
from the loaded data: BigQuery stand-in query, detector, COPY upsert. The worker's peak
resident set (VmHWM in /proc/PID/status) is read after the request; the idle figure is
its resident set just after start, with the function's imports loaded.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from bench.context import BATCH_SIZE, BenchContext
from bench.report import Goal, Result, Table
from bench.scorer_maths import PARAMS
from mentionfleet.localstack import FunctionServer
from mentionfleet.localstack.process import repo_root
from mentionfleet.message import BatchMessage
from mentionfleet.store.migrate import migrate
from mentionfleet.warehouse.client import make_client
from mentionfleet.warehouse.queries import CountryCodes, Window
from mentionfleet.warehouse.reads import fetch_event_ids

SIZES = (100, 250, 500, 1000, 2000)
GOAL_MIB = 256


def status_kib(pid: int, field: str) -> int:
    """A `kB` field of /proc/PID/status (VmRSS, VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(f"/proc/{pid}/status has no {field}")


def push_envelope(message: BatchMessage) -> bytes:
    """The body a Pub/Sub push subscription POSTs for this message."""
    return json.dumps(
        {
            "message": {
                "data": base64.b64encode(message.encode()).decode(),
                "attributes": message.attributes(),
                "messageId": f"bench-{message.batch_index}",
                "publishTime": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            },
            "subscription": "projects/bench/subscriptions/bench-memory",
        }
    ).encode()


def measure(ctx: BenchContext, ids: list[int], size: int) -> tuple[int, int]:
    """(idle KiB, peak KiB) of a fresh scorer worker scoring one batch of `size` ids."""
    stack, options = ctx.stack(), ctx.options
    server = FunctionServer(
        "score_batch",
        repo_root() / "functions" / "scorer" / "main.py",
        "cloudevent",
        stack.env(),
        workers=1,
        threads=1,
        run_dir=stack.base_dir,
    )
    message = BatchMessage(
        run_id=f"bench-memory-{size}",
        batch_count=1,
        batch_index=0,
        as_of=options.end,
        lookback_days=options.lookback_days,
        event_ids=tuple(ids[:size]),
        detector=PARAMS,
    )
    with server:
        workers = [pid for pid in server.members() if pid != server.pid]
        if len(workers) != 1:
            raise RuntimeError(f"scorer for size {size}: expected one worker, found {workers}")
        idle = status_kib(workers[0], "VmRSS")
        topic = f"/projects/{stack.project}/topics/bench-memory"
        request = urllib.request.Request(
            server.url + topic,
            data=push_envelope(message),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=300):
                pass
        except urllib.error.HTTPError as exc:
            raise RuntimeError(
                f"scorer answered {exc.code} for a batch of {size}; log: {server.log_path}"
            ) from None
        peak = status_kib(workers[0], "VmHWM")
    return idle, peak


def run(ctx: BenchContext) -> Result:
    ctx.data()
    migrate(ctx.stack().database_url)  # the scorer writes; safe if the fleet ran first
    settings, options = ctx.settings, ctx.options
    window = Window(as_of=options.end, days=options.lookback_days)
    ids = fetch_event_ids(
        make_client(settings),
        settings.events_table,
        window,
        CountryCodes(),
        max_bytes_billed=settings.max_bytes_billed,
    )
    if len(ids) < max(SIZES):
        raise RuntimeError(f"{len(ids)} events in the window: need {max(SIZES)} for the sizes")
    measured = {size: measure(ctx, ids, size) for size in SIZES}
    rows = tuple(
        (f"{size:,}", f"{idle / 1024:.0f}", f"{peak / 1024:.0f}", f"{(peak - idle) / 1024:.0f}")
        for size, (idle, peak) in measured.items()
    )
    default_peak = measured[BATCH_SIZE][1] / 1024
    return Result(
        name="memory",
        title="5. Memory: scorer peak RSS per batch size",
        tables=(Table(("batch (events)", "idle MiB", "peak MiB", "peak - idle MiB"), rows),),
        goals=(
            Goal(
                f"scorer peak RSS <= {GOAL_MIB} MB at the default batch size ({BATCH_SIZE})",
                default_peak <= GOAL_MIB,
                f"{default_peak:.0f} MiB",
            ),
        ),
        data={
            "sizes": {
                size: {"idle_kib": idle, "peak_kib": peak}
                for size, (idle, peak) in measured.items()
            },
            "days": options.lookback_days,
        },
        notes=(
            f"One fresh scorer process per size (one gunicorn worker, one thread), "
            f"{options.lookback_days}-day window, ids from the loaded data; VmHWM of the "
            "worker after one push request, which runs the whole handler: query, maths, "
            "write, ledger.",
        ),
    )
