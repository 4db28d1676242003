"""At-least-once delivery: every batch three times out of order; overlapping batches
scored by eight scorers at once."""

from __future__ import annotations

import random
from collections import Counter

import psycopg

from tests.reliability.rig import Baseline, Rig

COPIES = 3
OVERLAP_CHUNK = 30
SUBSCRIPTIONS = 4
"""The emulator pushes at most 2 messages at a time per subscription: 4 make 8."""
SCORERS = 2 * SUBSCRIPTIONS


def test_every_batch_delivered_three_times_in_shuffled_order(rig: Rig, baseline: Baseline) -> None:
    with rig.scenario(1, f"every batch delivered {COPIES}x, shuffled", baseline) as sc:
        run_id = "rel-three-copies"
        messages = rig.record_run(run_id, baseline.batches, baseline.detector)
        deliveries = [m for m in messages for _ in range(COPIES)]
        random.Random(20261130).shuffle(deliveries)
        rig.publish(deliveries)
        sc.fleet.wait_for_run(run_id, timeout_s=300)
        sc.wait_for_deliveries(run_id, COPIES * len(messages))
        with psycopg.connect(rig.admin_url) as conn:
            attempts: dict[int, int] = dict(
                conn.execute(
                    "SELECT batch_index, attempts FROM batches WHERE run_id = %s", (run_id,)
                ).fetchall()
            )
    figures = sc.figures
    assert figures is not None
    assert figures.failures() == []
    order = [m.batch_index for m in deliveries]
    assert order != sorted(order), "the copies must arrive out of order"
    scored = Counter(
        e["batch_index"] for e in sc.scorer_entries
        if e.get("message") == "batch scored" and e.get("run_id") == run_id
    )  # fmt: skip
    assert scored == {i: COPIES for i in range(len(messages))}
    assert attempts == {i: COPIES for i in range(len(messages))}
    # Each key is written by the first copy only: later copies change nothing.
    assert figures.rows_duplicated == 0 and figures.deliveries >= COPIES * len(messages)


def overlapping_batches(event_ids: list[int], chunk: int) -> list[list[int]]:
    """Batch i holds chunks i and i+1 (cyclic): every event is in exactly two batches."""
    chunks = [event_ids[i : i + chunk] for i in range(0, len(event_ids), chunk)]
    n = len(chunks)
    return [sorted(chunks[i] + chunks[(i + 1) % n]) for i in range(n)]


def test_overlapping_batches_eight_scorers_no_deadlock(rig: Rig, baseline: Baseline) -> None:
    event_ids = sorted(i for batch in baseline.batches for i in batch)
    batches = overlapping_batches(event_ids, OVERLAP_CHUNK)
    membership = Counter(i for batch in batches for i in batch)
    assert set(membership.values()) == {2} and set(membership) == set(event_ids)
    name = f"{SCORERS} scorers in parallel, overlapping batches"
    with rig.scenario(5, name, baseline, scorer_workers=SCORERS, scorer_threads=1) as sc:
        extra = [
            rig.extra_push_subscription(sc.fleet, f"scorer-push-extra-{k}")
            for k in range(1, SUBSCRIPTIONS)
        ]
        try:
            run_id = "rel-overlap"
            messages = rig.record_run(run_id, batches, baseline.detector)
            # Paused at the run's ledger row, every scorer holds its batch's rows until
            # all eight have written theirs: proof that they overlap in time.
            with rig.run_paused(run_id):
                rig.publish(messages)
                parallel = rig.wait_for_waiting_scorers(SCORERS)
            sc.fleet.wait_for_run(run_id, timeout_s=300)
            sc.wait_for_deliveries(run_id, SUBSCRIPTIONS * len(messages))
        finally:
            for path in extra:
                rig.subscriber.delete_subscription(request={"subscription": path})
        sc.notes.append(
            f"{parallel} scorer transactions were open at once on overlapping rows; "
            f"each batch was delivered once per subscription ({SUBSCRIPTIONS})"
        )
    figures = sc.figures
    assert figures is not None
    assert parallel >= SCORERS
    assert figures.failures() == []
    assert figures.deadlocks == 0 and figures.unique_violations == 0
    failed = [e for e in sc.scorer_entries if e.get("severity") == "ERROR"]
    assert failed == []
