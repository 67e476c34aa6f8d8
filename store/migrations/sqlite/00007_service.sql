-- +goose Up

-- Timestamps are INTEGER unix microseconds in UTC, as in 00001.

-- customers are the department's customers (issue 5), imported from Excel or
-- CSV: the name is the key an import matches on, so importing a file twice
-- changes nothing. tier 'key' is a 大客户/重点客户 of R-VIS-1.
CREATE TABLE customers (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL UNIQUE CHECK (name <> ''),
    tier       TEXT    NOT NULL CHECK (tier IN ('key', 'general')),
    region     TEXT    NOT NULL DEFAULT '',
    address    TEXT    NOT NULL DEFAULT '',
    contact    TEXT    NOT NULL DEFAULT '',
    phone      TEXT    NOT NULL DEFAULT '',
    -- The engineer who keeps in touch (R-VIS-1); '' for the region's first.
    engineer   TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- equipment is each machine a customer has, by its serial number (出厂编号).
-- Dates are civil dates 'YYYY-MM-DD', '' when unknown.
CREATE TABLE equipment (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    model        TEXT    NOT NULL CHECK (model <> ''),
    serial       TEXT    NOT NULL UNIQUE CHECK (serial <> ''),
    factory_date TEXT    NOT NULL DEFAULT '',
    warranty_end TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX equipment_customer ON equipment (customer_id);

-- service_jobs (工单) are created when a service request reaches its
-- dispatch step (R-SVC-1/2, R-VIS-4), one per request.
CREATE TABLE service_jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id   INTEGER UNIQUE REFERENCES approval_requests (id),
    service_type TEXT    NOT NULL CHECK (service_type IN ('install', 'fault', 'visit')),
    customer_id  INTEGER REFERENCES customers (id),
    customer     TEXT    NOT NULL CHECK (customer <> ''),
    region       TEXT    NOT NULL DEFAULT '',
    reason       TEXT    NOT NULL DEFAULT '',
    serial       TEXT    NOT NULL DEFAULT '',
    remote       INTEGER NOT NULL DEFAULT 0 CHECK (remote IN (0, 1)), -- R-SVC-2: the VP chose remote support
    engineer     TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'assigned', 'in_progress', 'completed', 'visited')),
    created_at   INTEGER NOT NULL,
    assigned_at  INTEGER,
    started_at   INTEGER,
    completed_at INTEGER,
    visited_at   INTEGER,
    CHECK (status = 'pending' OR engineer <> '')
) STRICT;
CREATE INDEX service_jobs_engineer ON service_jobs (engineer, status);
CREATE INDEX service_jobs_serial ON service_jobs (serial) WHERE serial <> '';

-- customer_contacts are the recorded phone return visits and on-site visits
-- R-VIS-1 counts from. ref names what recorded it ('job:7',
-- 'questionnaire:12'), so recording it again changes nothing.
CREATE TABLE customer_contacts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('phone', 'onsite')),
    at          INTEGER NOT NULL,
    user_id     TEXT    NOT NULL DEFAULT '',
    ref         TEXT    NOT NULL UNIQUE CHECK (ref <> '')
) STRICT;
CREATE INDEX customer_contacts_last ON customer_contacts (customer_id, kind, at);

-- tech_questions are customers' technical questions (R-VIS-3), due an
-- answer within 8 hours. source is the chat delivery that logged it, so a
-- repeated delivery logs nothing twice.
CREATE TABLE tech_questions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER REFERENCES customers (id),
    customer    TEXT    NOT NULL CHECK (customer <> ''),
    question    TEXT    NOT NULL CHECK (question <> ''),
    asked_by    TEXT    NOT NULL CHECK (asked_by <> ''),
    asked_at    INTEGER NOT NULL,
    due_at      INTEGER NOT NULL,
    answered_by TEXT    NOT NULL DEFAULT '',
    answer      TEXT    NOT NULL DEFAULT '',
    answered_at INTEGER,
    source      TEXT    NOT NULL UNIQUE CHECK (source <> '')
) STRICT;

-- +goose Down
DROP TABLE tech_questions;
DROP TABLE customer_contacts;
DROP TABLE service_jobs;
DROP TABLE equipment;
DROP TABLE customers;
