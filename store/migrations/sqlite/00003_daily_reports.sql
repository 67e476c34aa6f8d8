-- +goose Up

-- daily_reports keeps every revision of every engineer's daily report
-- (R-DAY-1): a later report the same day, or a follow-up that supplies a
-- missing section, adds a revision and becomes the current one; the earlier
-- revisions stay as history.
CREATE TABLE daily_reports (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         TEXT    NOT NULL CHECK (user_id <> ''),
    -- The civil date the report is for, 'YYYY-MM-DD' in the department's
    -- zone: text sorts and compares as the date does, the same on both dialects.
    day             TEXT    NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    revision        INTEGER NOT NULL CHECK (revision >= 1),
    is_current      INTEGER NOT NULL CHECK (is_current IN (0, 1)),
    status          TEXT    NOT NULL CHECK (status IN ('on_time', 'late')),
    source          TEXT    NOT NULL CHECK (source IN ('chat', 'follow_up', '补报')),
    -- JSON arrays of strings, one item per entry.
    done            TEXT    NOT NULL CHECK (json_valid(done)),
    plan            TEXT    NOT NULL CHECK (json_valid(plan)),
    issues          TEXT    NOT NULL CHECK (json_valid(issues)),
    unlabelled      TEXT    NOT NULL CHECK (json_valid(unlabelled)),
    missing         TEXT    NOT NULL CHECK (json_valid(missing)),
    customer        TEXT    NOT NULL DEFAULT '',
    location        TEXT    NOT NULL DEFAULT '',
    -- NULL: the report does not mention parts sales; 0: it says none.
    parts_sales_fen INTEGER,
    raw             TEXT    NOT NULL,
    submitted_at    INTEGER NOT NULL,
    UNIQUE (user_id, day, revision)
) STRICT;

-- One current revision per engineer and day; the reminders and the exports
-- read only these.
CREATE UNIQUE INDEX daily_reports_current ON daily_reports (user_id, day) WHERE is_current = 1;
CREATE INDEX daily_reports_current_day ON daily_reports (day) WHERE is_current = 1;

-- report_attachments are the photos and check-ins (签到: a location with its
-- time) sent the same day, attached to that day's report.
CREATE TABLE report_attachments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     TEXT    NOT NULL CHECK (user_id <> ''),
    day         TEXT    NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    kind        TEXT    NOT NULL CHECK (kind IN ('image', 'location')),
    media_id    TEXT    NOT NULL DEFAULT '',
    pic_url     TEXT    NOT NULL DEFAULT '',
    lat         REAL    NOT NULL DEFAULT 0,
    lng         REAL    NOT NULL DEFAULT 0,
    label       TEXT    NOT NULL DEFAULT '',
    received_at INTEGER NOT NULL
) STRICT;

CREATE INDEX report_attachments_day ON report_attachments (day, user_id);

-- +goose Down
DROP TABLE report_attachments;
DROP TABLE daily_reports;
