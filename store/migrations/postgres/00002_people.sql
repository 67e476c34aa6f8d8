-- +goose Up

-- The WeCom address book as last synced (`servicebot sync`, job directory-sync).
-- Each sync replaces the departments; the engineers' reporting duty is derived
-- from them and from the configuration, never stored.
CREATE TABLE departments (
    id        BIGINT      PRIMARY KEY,
    parent_id BIGINT      NOT NULL DEFAULT 0, -- 0: the root
    name      TEXT        NOT NULL,
    synced_at TIMESTAMPTZ NOT NULL
);

-- A member who leaves the address book is kept, inactive, so that their
-- reports, leave and KPI records keep a name.
CREATE TABLE members (
    user_id   TEXT        PRIMARY KEY CHECK (user_id <> ''),
    name      TEXT        NOT NULL,
    position  TEXT        NOT NULL DEFAULT '',
    mobile    TEXT        NOT NULL DEFAULT '',
    active    BOOLEAN     NOT NULL,
    synced_at TIMESTAMPTZ NOT NULL,
    left_at   TIMESTAMPTZ,
    CHECK (active = (left_at IS NULL))
);

CREATE TABLE member_departments (
    user_id       TEXT    NOT NULL REFERENCES members (user_id) ON DELETE CASCADE,
    department_id BIGINT  NOT NULL,
    ord           INTEGER NOT NULL, -- WeCom's order: the first is the main department
    PRIMARY KEY (user_id, department_id)
);
CREATE INDEX member_departments_department ON member_departments (department_id);

-- leaves are days off of one person (R-DAY-4), both ends inclusive. Days are
-- TEXT 'YYYY-MM-DD' in both dialects: a civil date has no zone, and the fixed
-- format compares in date order (collation "C" makes sure of it).
CREATE TABLE leaves (
    id           BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      TEXT        NOT NULL CHECK (user_id <> ''),
    from_day     TEXT        COLLATE "C" NOT NULL CHECK (from_day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    to_day       TEXT        COLLATE "C" NOT NULL CHECK (to_day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    reason       TEXT        NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    cancelled_at TIMESTAMPTZ,
    CHECK (from_day <= to_day)
);
-- Who is on leave on a day (reminders, exports), and one person's leave (取消请假).
CREATE INDEX leaves_active ON leaves (to_day, from_day) WHERE cancelled_at IS NULL;
CREATE INDEX leaves_user ON leaves (user_id, to_day) WHERE cancelled_at IS NULL;

-- +goose Down
DROP TABLE leaves;
DROP TABLE member_departments;
DROP TABLE members;
DROP TABLE departments;
