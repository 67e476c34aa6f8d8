-- +goose Up

-- kpi_inputs are what the manager enters for the monthly KPI (issue 6):
-- company figures, incidents, trainings, the bonus. A row is never edited: a
-- change voids it (voided_by, voided_at) and adds another, so every change
-- keeps who made it and when.
CREATE TABLE kpi_inputs (
    id         BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    month      TEXT        COLLATE "C" NOT NULL CHECK (month ~ '^[0-9]{4}-[0-9]{2}$'),
    -- '' for a company figure, the same for every engineer.
    user_id    TEXT        NOT NULL DEFAULT '',
    kind       TEXT        NOT NULL CHECK (kind <> ''),
    day        TEXT        COLLATE "C" NOT NULL DEFAULT '' CHECK (day = '' OR day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    count      BIGINT      NOT NULL DEFAULT 0 CHECK (count >= 0),
    -- In the kind's unit: fen, hundredths of a percent or of a point.
    value      BIGINT      NOT NULL DEFAULT 0,
    target     BIGINT      NOT NULL DEFAULT 0,
    note       TEXT        NOT NULL DEFAULT '',
    origin     TEXT        NOT NULL DEFAULT '',
    entered_by TEXT        NOT NULL CHECK (entered_by <> ''),
    entered_at TIMESTAMPTZ NOT NULL,
    voided_by  TEXT        NOT NULL DEFAULT '',
    voided_at  TIMESTAMPTZ,
    CHECK ((voided_by = '') = (voided_at IS NULL))
);

CREATE INDEX kpi_inputs_month ON kpi_inputs (month, user_id, kind);

-- kpi_revisions are the recorded computations of a month: the 1st's draft
-- is revision 1; an accepted appeal, a re-draft or a correction after
-- publishing adds the next (R-KPI-13). Only published_at/by ever change.
CREATE TABLE kpi_revisions (
    id            BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    month         TEXT        COLLATE "C" NOT NULL CHECK (month ~ '^[0-9]{4}-[0-9]{2}$'),
    revision      INTEGER     NOT NULL CHECK (revision >= 1),
    rules_version TEXT        NOT NULL CHECK (rules_version <> ''),
    reason        TEXT        NOT NULL DEFAULT '',
    created_by    TEXT        NOT NULL DEFAULT '', -- '' for the bot
    created_at    TIMESTAMPTZ NOT NULL,
    appeal_until  TIMESTAMPTZ NOT NULL,
    published_at  TIMESTAMPTZ,
    published_by  TEXT        NOT NULL DEFAULT '',
    UNIQUE (month, revision)
);

-- kpi_scores is each engineer's breakdown in a revision: every indicator's
-- target, actual, score and reasons, as JSON.
CREATE TABLE kpi_scores (
    revision_id BIGINT  NOT NULL REFERENCES kpi_revisions (id) ON DELETE CASCADE,
    user_id     TEXT    NOT NULL CHECK (user_id <> ''),
    name        TEXT    NOT NULL DEFAULT '',
    total       BIGINT  NOT NULL, -- hundredths of a point
    rank        INTEGER NOT NULL,
    breakdown   JSONB   NOT NULL,
    PRIMARY KEY (revision_id, user_id)
);

-- kpi_appeals are engineers' 申诉 against one indicator of a month.
CREATE TABLE kpi_appeals (
    id              BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    month           TEXT        COLLATE "C" NOT NULL,
    user_id         TEXT        NOT NULL CHECK (user_id <> ''),
    indicator       TEXT        NOT NULL CHECK (indicator <> ''),
    reason          TEXT        NOT NULL,
    revision        INTEGER     NOT NULL,
    status          TEXT        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'rejected')),
    filed_at        TIMESTAMPTZ NOT NULL,
    decided_by      TEXT        NOT NULL DEFAULT '',
    decided_at      TIMESTAMPTZ,
    result_revision INTEGER     NOT NULL DEFAULT 0,
    CHECK ((status = 'open') = (decided_at IS NULL))
);

CREATE INDEX kpi_appeals_month ON kpi_appeals (month, status);

-- +goose Down
DROP TABLE kpi_appeals;
DROP TABLE kpi_scores;
DROP TABLE kpi_revisions;
DROP TABLE kpi_inputs;
