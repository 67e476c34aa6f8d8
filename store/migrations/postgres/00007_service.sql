-- +goose Up

-- customers are the department's customers (issue 5), imported from Excel or
-- CSV: the name is the key an import matches on, so importing a file twice
-- changes nothing. tier 'key' is a 大客户/重点客户 of R-VIS-1.
CREATE TABLE customers (
    id         BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT        NOT NULL UNIQUE CHECK (name <> ''),
    tier       TEXT        NOT NULL CHECK (tier IN ('key', 'general')),
    region     TEXT        NOT NULL DEFAULT '',
    address    TEXT        NOT NULL DEFAULT '',
    contact    TEXT        NOT NULL DEFAULT '',
    phone      TEXT        NOT NULL DEFAULT '',
    -- The engineer who keeps in touch (R-VIS-1); '' for the region's first.
    engineer   TEXT        NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- equipment is each machine a customer has, by its serial number (出厂编号).
-- Dates are civil dates 'YYYY-MM-DD', '' when unknown.
CREATE TABLE equipment (
    id           BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id  BIGINT      NOT NULL REFERENCES customers (id),
    model        TEXT        NOT NULL CHECK (model <> ''),
    serial       TEXT        NOT NULL UNIQUE CHECK (serial <> ''),
    factory_date TEXT        NOT NULL DEFAULT '',
    warranty_end TEXT        NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX equipment_customer ON equipment (customer_id);

-- service_jobs (工单) are created when a service request reaches its
-- dispatch step (R-SVC-1/2, R-VIS-4), one per request.
CREATE TABLE service_jobs (
    id           BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id   BIGINT      UNIQUE REFERENCES approval_requests (id),
    service_type TEXT        NOT NULL CHECK (service_type IN ('install', 'fault', 'visit')),
    customer_id  BIGINT      REFERENCES customers (id),
    customer     TEXT        NOT NULL CHECK (customer <> ''),
    region       TEXT        NOT NULL DEFAULT '',
    reason       TEXT        NOT NULL DEFAULT '',
    serial       TEXT        NOT NULL DEFAULT '',
    remote       BOOLEAN     NOT NULL DEFAULT FALSE, -- R-SVC-2: the VP chose remote support
    engineer     TEXT        NOT NULL DEFAULT '',
    status       TEXT        NOT NULL CHECK (status IN ('pending', 'assigned', 'in_progress', 'completed', 'visited')),
    created_at   TIMESTAMPTZ NOT NULL,
    assigned_at  TIMESTAMPTZ,
    started_at   TIMESTAMPTZ,
    completed_at TIMESTAMPTZ,
    visited_at   TIMESTAMPTZ,
    CHECK (status = 'pending' OR engineer <> '')
);
CREATE INDEX service_jobs_engineer ON service_jobs (engineer, status);
CREATE INDEX service_jobs_serial ON service_jobs (serial) WHERE serial <> '';

-- customer_contacts are the recorded phone return visits and on-site visits
-- R-VIS-1 counts from. ref names what recorded it ('job:7',
-- 'questionnaire:12'), so recording it again changes nothing.
CREATE TABLE customer_contacts (
    id          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id BIGINT      NOT NULL REFERENCES customers (id),
    kind        TEXT        NOT NULL CHECK (kind IN ('phone', 'onsite')),
    at          TIMESTAMPTZ NOT NULL,
    user_id     TEXT        NOT NULL DEFAULT '',
    ref         TEXT        NOT NULL UNIQUE CHECK (ref <> '')
);
CREATE INDEX customer_contacts_last ON customer_contacts (customer_id, kind, at);

-- tech_questions are customers' technical questions (R-VIS-3), due an
-- answer within 8 hours. source is the chat delivery that logged it, so a
-- repeated delivery logs nothing twice.
CREATE TABLE tech_questions (
    id          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id BIGINT      REFERENCES customers (id),
    customer    TEXT        NOT NULL CHECK (customer <> ''),
    question    TEXT        NOT NULL CHECK (question <> ''),
    asked_by    TEXT        NOT NULL CHECK (asked_by <> ''),
    asked_at    TIMESTAMPTZ NOT NULL,
    due_at      TIMESTAMPTZ NOT NULL,
    answered_by TEXT        NOT NULL DEFAULT '',
    answer      TEXT        NOT NULL DEFAULT '',
    answered_at TIMESTAMPTZ,
    source      TEXT        NOT NULL UNIQUE CHECK (source <> '')
);

-- +goose Down
DROP TABLE tech_questions;
DROP TABLE customer_contacts;
DROP TABLE service_jobs;
DROP TABLE equipment;
DROP TABLE customers;
