-- +goose Up

-- daily_reports keeps every revision of every engineer's daily report
-- (R-DAY-1): a later report the same day, or a follow-up that supplies a
-- missing section, adds a revision and becomes the current one; the earlier
-- revisions stay as history.
CREATE TABLE daily_reports (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         TEXT        NOT NULL CHECK (user_id <> ''),
    -- The civil date the report is for, 'YYYY-MM-DD' in the department's
    -- zone: text sorts and compares as the date does, the same on both dialects.
    day             TEXT        COLLATE "C" NOT NULL CHECK (day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    revision        INTEGER     NOT NULL CHECK (revision >= 1),
    is_current      BOOLEAN     NOT NULL,
    status          TEXT        NOT NULL CHECK (status IN ('on_time', 'late')),
    source          TEXT        NOT NULL CHECK (source IN ('chat', 'follow_up', '补报')),
    -- JSON arrays of strings, one item per entry.
    done            JSONB       NOT NULL,
    plan            JSONB       NOT NULL,
    issues          JSONB       NOT NULL,
    unlabelled      JSONB       NOT NULL,
    missing         JSONB       NOT NULL,
    customer        TEXT        NOT NULL DEFAULT '',
    location        TEXT        NOT NULL DEFAULT '',
    -- NULL: the report does not mention parts sales; 0: it says none.
    parts_sales_fen BIGINT,
    raw             TEXT        NOT NULL,
    submitted_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (user_id, day, revision)
);

-- One current revision per engineer and day; the reminders and the exports
-- read only these.
CREATE UNIQUE INDEX daily_reports_current ON daily_reports (user_id, day) WHERE is_current;
CREATE INDEX daily_reports_current_day ON daily_reports (day) WHERE is_current;

-- report_attachments are the photos and check-ins (签到: a location with its
-- time) sent the same day, attached to that day's report.
CREATE TABLE report_attachments (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     TEXT             NOT NULL CHECK (user_id <> ''),
    day         TEXT             COLLATE "C" NOT NULL CHECK (day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    kind        TEXT             NOT NULL CHECK (kind IN ('image', 'location')),
    media_id    TEXT             NOT NULL DEFAULT '',
    pic_url     TEXT             NOT NULL DEFAULT '',
    lat         DOUBLE PRECISION NOT NULL DEFAULT 0,
    lng         DOUBLE PRECISION NOT NULL DEFAULT 0,
    label       TEXT             NOT NULL DEFAULT '',
    received_at TIMESTAMPTZ      NOT NULL
);

CREATE INDEX report_attachments_day ON report_attachments (day, user_id);

-- +goose Down
DROP TABLE report_attachments;
DROP TABLE daily_reports;
