-- +goose Up

-- Timestamps are INTEGER unix microseconds in UTC, as in 00001.

-- kpi_inputs are what the manager enters for the monthly KPI (issue 6):
-- company figures, incidents, trainings, the bonus. A row is never edited: a
-- change voids it (voided_by, voided_at) and adds another, so every change
-- keeps who made it and when.
CREATE TABLE kpi_inputs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    month      TEXT    NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    -- '' for a company figure, the same for every engineer.
    user_id    TEXT    NOT NULL DEFAULT '',
    kind       TEXT    NOT NULL CHECK (kind <> ''),
    day        TEXT    NOT NULL DEFAULT '' CHECK (day = '' OR day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    count      INTEGER NOT NULL DEFAULT 0 CHECK (count >= 0),
    -- In the kind's unit: fen, hundredths of a percent or of a point.
    value      INTEGER NOT NULL DEFAULT 0,
    target     INTEGER NOT NULL DEFAULT 0,
    note       TEXT    NOT NULL DEFAULT '',
    origin     TEXT    NOT NULL DEFAULT '',
    entered_by TEXT    NOT NULL CHECK (entered_by <> ''),
    entered_at INTEGER NOT NULL,
    voided_by  TEXT    NOT NULL DEFAULT '',
    voided_at  INTEGER,
    CHECK ((voided_by = '') = (voided_at IS NULL))
) STRICT;

CREATE INDEX kpi_inputs_month ON kpi_inputs (month, user_id, kind);

-- kpi_revisions are the recorded computations of a month: the 1st's draft
-- is revision 1; an accepted appeal, a re-draft or a correction after
-- publishing adds the next (R-KPI-13). Only published_at/by ever change.
CREATE TABLE kpi_revisions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    month         TEXT    NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    revision      INTEGER NOT NULL CHECK (revision >= 1),
    rules_version TEXT    NOT NULL CHECK (rules_version <> ''),
    reason        TEXT    NOT NULL DEFAULT '',
    created_by    TEXT    NOT NULL DEFAULT '', -- '' for the bot
    created_at    INTEGER NOT NULL,
    appeal_until  INTEGER NOT NULL,
    published_at  INTEGER,
    published_by  TEXT    NOT NULL DEFAULT '',
    UNIQUE (month, revision)
) STRICT;

-- kpi_scores is each engineer's breakdown in a revision: every indicator's
-- target, actual, score and reasons, as JSON.
CREATE TABLE kpi_scores (
    revision_id INTEGER NOT NULL REFERENCES kpi_revisions (id) ON DELETE CASCADE,
    user_id     TEXT    NOT NULL CHECK (user_id <> ''),
    name        TEXT    NOT NULL DEFAULT '',
    total       INTEGER NOT NULL, -- hundredths of a point
    rank        INTEGER NOT NULL,
    breakdown   TEXT    NOT NULL CHECK (json_valid(breakdown)),
    PRIMARY KEY (revision_id, user_id)
) STRICT;

-- kpi_appeals are engineers' 申诉 against one indicator of a month.
CREATE TABLE kpi_appeals (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    month           TEXT    NOT NULL,
    user_id         TEXT    NOT NULL CHECK (user_id <> ''),
    indicator       TEXT    NOT NULL CHECK (indicator <> ''),
    reason          TEXT    NOT NULL,
    revision        INTEGER NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'rejected')),
    filed_at        INTEGER NOT NULL,
    decided_by      TEXT    NOT NULL DEFAULT '',
    decided_at      INTEGER,
    result_revision INTEGER NOT NULL DEFAULT 0,
    CHECK ((status = 'open') = (decided_at IS NULL))
) STRICT;

CREATE INDEX kpi_appeals_month ON kpi_appeals (month, status);

-- +goose Down
DROP TABLE kpi_appeals;
DROP TABLE kpi_scores;
DROP TABLE kpi_revisions;
DROP TABLE kpi_inputs;
