"""Benchmark 3: publishing a run's batch messages, against plain publisher loops.

The fanout's `bus.publish.publish_batches` (one shared client, batching tuned for a
burst, every future awaited at the end) against the Pub/Sub client used plainly: one
`publish(...).result()` per message, and a default client with futures awaited at the
end. Every contender encodes the same BatchMessages (500 ids each) and publishes to the
emulator on a topic with one pull subscription, so the emulator stores every message.
"""

from __future__ import annotations

from concurrent import futures
from datetime import date

from google.cloud.pubsub_v1 import PublisherClient, SubscriberClient

from bench.context import BenchContext
from bench.report import Result, Table
from bench.timing import fmt_rate, fmt_ratio, interleaved, spread_text, timed
from mentionfleet.bus import admin
from mentionfleet.bus.publish import publish_batches
from mentionfleet.message import BatchMessage

MESSAGES = 2000
SLOW_MESSAGES = 200
"""The loop that waits on every publish gets fewer messages; rates are compared."""
IDS_PER_MESSAGE = 500
TOPIC = "bench-fanout"
SUBSCRIPTION = "bench-fanout-sub"


def messages(n: int = MESSAGES) -> list[BatchMessage]:
    return [
        BatchMessage(
            run_id="bench-fanout",
            batch_count=n,
            batch_index=i,
            as_of=date(2026, 11, 29),
            lookback_days=30,
            event_ids=tuple(range(1 + i * 10_000, 1 + i * 10_000 + IDS_PER_MESSAGE * 7, 7)),
        )
        for i in range(n)
    ]


def run(ctx: BenchContext, *, rounds: int = 5) -> Result:
    stack = ctx.stack()
    project = stack.project
    plain = PublisherClient()
    subscriber = SubscriberClient()
    topic = admin.ensure_topic(plain, project, TOPIC)
    subscription = admin.ensure_pull_subscription(subscriber, project, TOPIC, SUBSCRIPTION)
    batch = messages()
    few = batch[:SLOW_MESSAGES]
    try:
        # Each contender returns seconds per message, so rates compare across sample sizes.
        def project_path() -> float:
            return timed(lambda: publish_batches(topic, batch)) / len(batch)

        def plain_each() -> float:
            def go() -> None:
                for m in few:
                    plain.publish(topic, m.encode(), **m.attributes()).result(timeout=60)

            return timed(go) / len(few)

        def plain_futures() -> float:
            def go() -> None:
                pending = [plain.publish(topic, m.encode(), **m.attributes()) for m in batch]
                done, not_done = futures.wait(pending, timeout=60)
                if not_done or any(f.exception() for f in done):
                    raise RuntimeError("plain publish with futures failed")

            return timed(go) / len(batch)

        project_path()  # the emulator (a JVM) warms up on the first burst
        plain_each()
        timings = interleaved(
            {
                "fanout publish_batches": project_path,
                "plain loop, .result() each": plain_each,
                "plain loop, futures at end": plain_futures,
            },
            rounds,
        )
    finally:
        admin.delete_subscription(subscriber, subscription)
        plain.delete_topic(request={"topic": topic})
    reference = "plain loop, .result() each"
    counts = {name: len(few) if name == reference else len(batch) for name in timings.seconds}
    table = Table(
        ("publisher", "messages", "ms per batch", "min–max ms", "batches/s", "vs .result() each"),
        tuple(
            (
                name,
                f"{counts[name]:,}",
                f"{1000 * timings.median(name):.3f}",
                spread_text([1000 * v for v in timings.seconds[name]], 3),
                fmt_rate(1 / timings.median(name)),
                fmt_ratio(timings.ratio(name, reference)),
            )
            for name in timings.seconds
        ),
    )
    size = len(batch[0].encode())
    return Result(
        name="fanout",
        title="3. Fanout publish: batches published per second",
        tables=(table,),
        data={
            "messages": counts,
            "message_bytes": size,
            "rounds": rounds,
            "seconds_per_message": {k: list(v) for k, v in timings.seconds.items()},
            "batches_per_s": {k: 1 / timings.median(k) for k in timings.seconds},
            "ratio_vs_result_each": {k: timings.ratio(k, reference) for k in timings.seconds},
        },
        notes=(
            f"BatchMessages of {IDS_PER_MESSAGE} ids ({size:,} bytes of JSON each) to the "
            "Pub/Sub emulator, encoding included; median of "
            f"{rounds} interleaved rounds after one warm-up burst per client. The loop that "
            f"waits on every publish sends {len(few)} messages a round, the others "
            f"{len(batch):,}: rates are compared. A real run publishes its 45 batches in a "
            "few milliseconds; the fanout's time goes to its queries.",
        ),
    )
