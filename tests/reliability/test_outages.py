"""Outages mid-run: PostgreSQL and the BigQuery stand-in stopped and started again, a
scorer killed with SIGKILL in the middle of a batch. The fleet recovers by itself.

Each fault is injected while the run is paused at its ledger row (see
`Rig.run_paused`): scorers then sit mid-batch with their rows written and their
transaction open, so the fault provably lands in the middle of the run.
"""

from __future__ import annotations

import time

import psycopg

from tests.reliability.rig import Baseline, Rig

OUTAGE_S = 10.0
"""How long a stopped service stays down (the fault itself, not a wait for a result)."""


def test_postgres_stopped_mid_run_then_started(rig: Rig, baseline: Baseline) -> None:
    with rig.scenario(2, f"PostgreSQL stopped {OUTAGE_S:.0f} s mid-run", baseline) as sc:
        run_id = sc.kickoff()
        with rig.run_paused(run_id):
            in_flight = rig.wait_for_waiting_scorers(1)
            pending = rig.batch_states(run_id).get("pending", 0)
            rig.stack.postgres.stop()  # ends every session, ours and the scorers' open ones
        time.sleep(OUTAGE_S)
        rig.stack.postgres.start()
        sc.fleet.wait_for_run(run_id, timeout_s=300)
        sc.notes.append(
            f"stopped with {in_flight} batch(es) mid-transaction and {pending} not yet scored"
        )
    figures = sc.figures
    assert figures is not None
    assert pending > 0 and in_flight >= 1
    assert figures.failures() == []
    assert figures.retries >= in_flight, "the interrupted deliveries must have been retried"


def test_bigquery_stopped_mid_run_then_started(rig: Rig, baseline: Baseline) -> None:
    with rig.scenario(3, f"BigQuery stand-in stopped {OUTAGE_S:.0f} s mid-run", baseline) as sc:
        run_id = sc.kickoff()
        with rig.run_paused(run_id):
            rig.wait_for_waiting_scorers(1)
            rig.stack.bigquery.stop()
            pending = rig.batch_states(run_id).get("pending", 0)
        # Released: the batches in flight commit; the next ones need the warehouse.
        time.sleep(OUTAGE_S)
        rig.stack.bigquery.start()
        with psycopg.connect(rig.admin_url, autocommit=True) as conn:
            restarted = conn.execute("SELECT now()").fetchone()[0]  # type: ignore[index]
        sc.fleet.wait_for_run(run_id, timeout_s=300)
        with psycopg.connect(rig.admin_url, autocommit=True) as conn:
            waited = conn.execute(
                "SELECT count(*) FROM batches WHERE run_id = %s AND scored_at > %s",
                (run_id, restarted),
            ).fetchone()[0]  # type: ignore[index]
        sc.notes.append(
            f"{pending} batch(es) not yet scored when it stopped; {waited} were scored only "
            "after it came back (the BigQuery client retried them in place)"
        )
    figures = sc.figures
    assert figures is not None
    assert pending > 0
    assert waited >= 1, "some batches must have needed the stopped warehouse"
    assert figures.failures() == []


def test_scorer_killed_mid_batch_then_restarted(rig: Rig, baseline: Baseline) -> None:
    with rig.scenario(4, "scorer SIGKILLed mid-batch, restarted", baseline) as sc:
        run_id = sc.kickoff()
        scorer = sc.fleet.scorer
        with rig.run_paused(run_id):
            in_flight = rig.wait_for_waiting_scorers(1)
            killed = set(scorer.members())
            scorer.kill()  # arbiter and workers at once; their transactions stay open
        # Released: each orphaned transaction gets the lock, finds its client gone and
        # rolls back, rows and ledger entry together.
        scorer.start()  # same port, so the push subscription reaches it again
        restarted = set(scorer.members())
        sc.fleet.wait_for_run(run_id, timeout_s=300)
        sc.notes.append(f"killed with {in_flight} batch(es) written but not committed")
    figures = sc.figures
    assert figures is not None
    assert in_flight >= 1 and killed and killed.isdisjoint(restarted)
    assert figures.failures() == []
    assert figures.retries >= in_flight, "the killed deliveries must have been retried"
