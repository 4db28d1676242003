-- Runs: one per kickoff (as_of + parameters), created by the fanout before publishing.
CREATE TABLE runs (
    run_id        text PRIMARY KEY,
    as_of         date NOT NULL,
    params        jsonb NOT NULL,
    event_count   integer NOT NULL CHECK (event_count >= 0),
    batch_count   integer NOT NULL CHECK (batch_count >= 0),
    state         text NOT NULL DEFAULT 'publishing'
                  CHECK (state IN ('publishing', 'running', 'complete')),
    started_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz,
    finished_at   timestamptz
);
CREATE INDEX runs_as_of ON runs (as_of DESC, started_at DESC);

-- Batches of a run. A scorer marks its batch scored in the same transaction as its rows.
CREATE TABLE batches (
    run_id        text NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    batch_index   integer NOT NULL CHECK (batch_index >= 0),
    event_ids     bigint[] NOT NULL,
    state         text NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'scored', 'failed', 'dead_lettered')),
    attempts      integer NOT NULL DEFAULT 0,
    last_error    text,
    rows_written  integer NOT NULL DEFAULT 0,
    scored_at     timestamptz,
    PRIMARY KEY (run_id, batch_index)
);
CREATE INDEX batches_open ON batches (run_id) WHERE state <> 'scored';

-- The scored series: one row per event and day from the day the event was first seen.
-- z, velocity and tier are NULL where undefined (short history, first day).
CREATE TABLE mention_scores (
    event_id       bigint NOT NULL,
    day            date NOT NULL,
    mentions       integer NOT NULL CHECK (mentions >= 0),
    history_days   integer NOT NULL CHECK (history_days >= 0),
    baseline_mean  double precision,
    baseline_std   double precision,
    z              double precision,
    velocity       integer,
    tier           text CHECK (tier IN ('MEDIUM', 'HIGH', 'CRITICAL')),
    run_id         text NOT NULL,
    batch_index    integer NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, day)
);
CREATE INDEX mention_scores_spikes ON mention_scores (day DESC, z DESC) WHERE tier IS NOT NULL;
