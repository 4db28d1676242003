"""The database password never reaches a log: not the stack's, not the function
servers', not this process's, not an HTTP answer.

The fleet logs in with it for every scenario of the package (outages and crashes
included), and PostgreSQL checks it. This test adds the failure paths most likely to
print a connection string: a scorer and a fanout that cannot reach the database.
"""

from __future__ import annotations

from collections.abc import Mapping

import psycopg
import pytest

from tests.reliability import measure
from tests.reliability.rig import Baseline, Rig


def places_holding(secret: str, texts: Mapping[str, str]) -> list[str]:
    """Pure: the names of the texts that contain `secret`."""
    return [name for name, text in texts.items() if secret in text]


def test_the_search_finds_a_planted_secret() -> None:
    texts = {"a.log": "nothing here", "b.log": "url postgresql://u:s3cret-pw@host/db"}
    assert places_holding("s3cret-pw", texts) == ["b.log"]
    assert places_holding("absent", texts) == []


def test_database_password_appears_in_no_log(rig: Rig, baseline: Baseline) -> None:
    wrong = rig.fleet_url.replace(rig.password, "not-the-password")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(wrong, connect_timeout=10).close()

    fleet = rig.fleet(env={"MENTIONFLEET_PG_POOL_TIMEOUT": "2"}).start()
    try:
        messages = rig.record_run("rel-secrets", baseline.batches[:1], baseline.detector)
        log = measure.LogMark(fleet.scorer.log_path)
        rig.stack.postgres.stop()
        try:
            rig.publish(messages)
            answer = fleet.kickoff(rig.spec.kickoff_body())
            rig.responses.append(f"{answer.status} {answer.body}")
            measure.wait_until(
                lambda: measure.count_messages(measure.json_lines(log.text()), measure.FAILED) > 0,
                timeout_s=120, what="the scorer failing to reach the database",
            )  # fmt: skip
        finally:
            rig.stack.postgres.start()
    finally:
        fleet.stop()
    assert answer.status >= 500, answer.body

    logs = {str(path): text for path, text in rig.stack_log_text().items()}
    scorer_logs = [text for path, text in logs.items() if "score_batch-" in path]
    assert len(scorer_logs) >= len(rig.figures), "every scenario's scorer log is searched"
    assert any("batch failed" in text for text in scorer_logs)
    texts = {
        **logs,
        "this test process's log records": "\n".join(rig.process_log),
        "the fanout's answers": "\n".join(rig.responses),
    }
    assert places_holding(rig.password, texts) == []
