"""The soak (`make soak` only): about 100k events, every batch delivered twice in
shuffled order, a scorer killed mid-batch a third of the way in and PostgreSQL stopped
two thirds of the way in, all in one run."""

from __future__ import annotations

import random
import time

import pytest

from tests.reliability import measure
from tests.reliability.rig import Baseline, Rig

pytestmark = pytest.mark.soak
COPIES = 2
OUTAGE_S = 10.0


def test_soak_duplicates_crash_and_outage_in_one_large_run(rig: Rig, baseline: Baseline) -> None:
    events = sum(len(b) for b in baseline.batches)
    name = f"soak: {events} events, {COPIES}x delivery, scorer killed, PostgreSQL stopped"
    with rig.scenario(8, name, baseline) as sc:
        run_id = "rel-soak"
        messages = rig.record_run(run_id, baseline.batches, baseline.detector)
        deliveries = [m for m in messages for _ in range(COPIES)]
        random.Random(8).shuffle(deliveries)
        rig.publish(deliveries)
        total = len(messages)

        def scored_at_least(share: float) -> None:
            measure.wait_until(
                lambda: rig.batch_states(run_id).get("scored", 0) >= share * total,
                timeout_s=1800, what=f"{share:.0%} of {total} batches scored",
            )  # fmt: skip

        scored_at_least(1 / 3)
        scorer = sc.fleet.scorer
        with rig.run_paused(run_id):
            killed_mid_batch = rig.wait_for_waiting_scorers(1)
            scorer.kill()
        scorer.start()
        scored_at_least(2 / 3)
        with rig.run_paused(run_id):
            stopped_mid_batch = rig.wait_for_waiting_scorers(1)
            rig.stack.postgres.stop()
        time.sleep(OUTAGE_S)
        rig.stack.postgres.start()
        sc.fleet.wait_for_run(run_id, timeout_s=3600)
        sc.wait_for_deliveries(run_id, COPIES * total, timeout_s=1800)
        sc.notes.append(
            f"scorer killed with {killed_mid_batch} batch(es) mid-transaction, PostgreSQL "
            f"stopped {OUTAGE_S:.0f} s with {stopped_mid_batch}"
        )
    figures = sc.figures
    assert figures is not None
    assert figures.failures() == []
    assert figures.retries >= killed_mid_batch + stopped_mid_batch
