-- +goose Up

-- obligations are what somebody owes by a time (DESIGN, flow 3): a daily
-- report due at 22:00, a monthly diary due on the 20th, and the department's
-- own duties (closing a day, the morning summary). The key makes each one
-- exist once, whichever replica or re-run creates it.
CREATE TABLE obligations (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       TEXT        NOT NULL,
    -- '' for a duty of the department rather than of a person.
    user_id    TEXT        NOT NULL DEFAULT '',
    key        TEXT        NOT NULL UNIQUE CHECK (key <> ''),
    -- The day ('2026-11-27') or month ('2026-11') the obligation is about.
    period     TEXT        NOT NULL,
    due_at     TIMESTAMPTZ NOT NULL,
    status     TEXT        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'overdue')),
    -- Free-form detail of the outcome (e.g. the late report's time), for people.
    note       TEXT        NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    closed_at  TIMESTAMPTZ
);

CREATE INDEX obligations_period ON obligations (kind, period, user_id);
CREATE INDEX obligations_open ON obligations (kind, due_at) WHERE status = 'open';

-- reminder_stages records each reminder sent for an obligation. The unique
-- (obligation, stage) is what makes a reminder go out once: two replicas, a
-- restart or a re-run all hit it, and the outbox row is written in the same
-- transaction as the stage row.
CREATE TABLE reminder_stages (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    obligation_id BIGINT      NOT NULL REFERENCES obligations (id) ON DELETE CASCADE,
    stage         TEXT        NOT NULL CHECK (stage <> ''),
    sent_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (obligation_id, stage)
);

-- job_runs keeps the last run of each scheduled job (`servicebot job list`).
CREATE TABLE job_runs (
    name             TEXT        PRIMARY KEY,
    last_run_at      TIMESTAMPTZ NOT NULL, -- the time the run was "as of"
    last_status      TEXT        NOT NULL CHECK (last_status IN ('ok', 'error')),
    last_error       TEXT        NOT NULL DEFAULT '',
    last_duration_ms BIGINT      NOT NULL DEFAULT 0,
    runs             BIGINT      NOT NULL DEFAULT 0
);

-- kpi_events are the facts R-KPI-4 scores: a missing or late daily report, a
-- late monthly submission. One per (user, kind, ref), however often a job runs.
CREATE TABLE kpi_events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    TEXT        NOT NULL,
    month      TEXT        NOT NULL, -- 'YYYY-MM' the event counts in
    kind       TEXT        NOT NULL,
    ref        TEXT        NOT NULL, -- what it is about: the day, the obligation key
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (user_id, kind, ref)
);

CREATE INDEX kpi_events_month ON kpi_events (month, user_id);

-- documents are files the bot compiled (a monthly work diary as .xlsx),
-- served under an unguessable token and kept as they were confirmed.
CREATE TABLE documents (
    token      TEXT        PRIMARY KEY CHECK (length(token) >= 32),
    user_id    TEXT        NOT NULL,
    kind       TEXT        NOT NULL,
    period     TEXT        NOT NULL,
    filename   TEXT        NOT NULL,
    content    BYTEA       NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (user_id, kind, period)
);

-- +goose Down
DROP TABLE documents;
DROP TABLE kpi_events;
DROP TABLE job_runs;
DROP TABLE reminder_stages;
DROP TABLE obligations;
