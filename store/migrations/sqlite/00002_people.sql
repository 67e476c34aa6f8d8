-- +goose Up

-- The WeCom address book as last synced (`servicebot sync`, job directory-sync).
-- Each sync replaces the departments; the engineers' reporting duty is derived
-- from them and from the configuration, never stored.
CREATE TABLE departments (
    id        INTEGER PRIMARY KEY,
    parent_id INTEGER NOT NULL DEFAULT 0, -- 0: the root
    name      TEXT    NOT NULL,
    synced_at INTEGER NOT NULL
) STRICT;

-- A member who leaves the address book is kept, inactive, so that their
-- reports, leave and KPI records keep a name.
CREATE TABLE members (
    user_id   TEXT    PRIMARY KEY CHECK (user_id <> ''),
    name      TEXT    NOT NULL,
    position  TEXT    NOT NULL DEFAULT '',
    mobile    TEXT    NOT NULL DEFAULT '',
    active    INTEGER NOT NULL CHECK (active IN (0, 1)),
    synced_at INTEGER NOT NULL,
    left_at   INTEGER,
    CHECK (active = (left_at IS NULL))
) STRICT;

CREATE TABLE member_departments (
    user_id       TEXT    NOT NULL REFERENCES members (user_id) ON DELETE CASCADE,
    department_id INTEGER NOT NULL,
    ord           INTEGER NOT NULL, -- WeCom's order: the first is the main department
    PRIMARY KEY (user_id, department_id)
) STRICT;
CREATE INDEX member_departments_department ON member_departments (department_id);

-- leaves are days off of one person (R-DAY-4), both ends inclusive. Days are
-- TEXT 'YYYY-MM-DD': a civil date has no zone, and the fixed format compares
-- in date order.
CREATE TABLE leaves (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      TEXT    NOT NULL CHECK (user_id <> ''),
    from_day     TEXT    NOT NULL CHECK (from_day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    to_day       TEXT    NOT NULL CHECK (to_day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    reason       TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    cancelled_at INTEGER,
    CHECK (from_day <= to_day)
) STRICT;
-- Who is on leave on a day (reminders, exports), and one person's leave (取消请假).
CREATE INDEX leaves_active ON leaves (to_day, from_day) WHERE cancelled_at IS NULL;
CREATE INDEX leaves_user ON leaves (user_id, to_day) WHERE cancelled_at IS NULL;

-- +goose Down
DROP TABLE leaves;
DROP TABLE member_departments;
DROP TABLE members;
DROP TABLE departments;
