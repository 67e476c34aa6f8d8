-- +goose Up

-- approval_requests are the forms that need a decision (issue 4): service
-- requests, parts compensation, tool compensation, liability fines. The chain
-- is laid out at filing by the rules of rules_version and never re-routed, so
-- a rule change applies to new requests only.
CREATE TABLE approval_requests (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT    NOT NULL CHECK (kind IN ('service', 'parts_compensation', 'tool_compensation', 'liability_fine')),
    service_type  TEXT    NOT NULL DEFAULT '',
    urgent        INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1)),
    amount_fen    INTEGER NOT NULL DEFAULT 0 CHECK (amount_fen >= 0),
    amount_note   TEXT    NOT NULL DEFAULT '',
    customer      TEXT    NOT NULL DEFAULT '',
    region        TEXT    NOT NULL DEFAULT '',
    reason        TEXT    NOT NULL DEFAULT '',
    evidence_kind TEXT    NOT NULL DEFAULT '',
    evidence_url  TEXT    NOT NULL DEFAULT '',
    requester     TEXT    NOT NULL CHECK (requester <> ''),
    subject       TEXT    NOT NULL DEFAULT '',
    -- The kind's own fields (tool class, price and months; a fine's basis).
    details       TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(details)),
    rules_version TEXT    NOT NULL CHECK (rules_version <> ''),
    status        TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at    INTEGER NOT NULL,
    closed_at     INTEGER,
    CHECK ((status = 'pending') = (closed_at IS NULL))
) STRICT;

-- approval_steps is each request's chain, steps still to come included.
-- A decision is one conditional UPDATE (status 'pending' and the clicker is
-- approver_id), so a double tap or a repeated callback decides nothing twice.
CREATE TABLE approval_steps (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id      INTEGER NOT NULL REFERENCES approval_requests (id),
    seq             INTEGER NOT NULL CHECK (seq > 0),
    role            TEXT    NOT NULL,
    action          TEXT    NOT NULL CHECK (action IN ('approve', 'fault_plan', 'dispatch', 'liability')),
    copies          TEXT    NOT NULL DEFAULT '', -- roles joined by "|"
    status          TEXT    NOT NULL DEFAULT 'waiting'
                            CHECK (status IN ('waiting', 'pending', 'decided', 'cancelled')),
    approver_id     TEXT    NOT NULL DEFAULT '',
    delegated_from  TEXT    NOT NULL DEFAULT '',
    escalated_from  TEXT    NOT NULL DEFAULT '',
    escalated_at    INTEGER,
    decision        TEXT    NOT NULL DEFAULT '' CHECK (decision IN ('', 'approved', 'rejected')),
    choice          TEXT    NOT NULL DEFAULT '',
    comment         TEXT    NOT NULL DEFAULT '',
    awaiting_reason INTEGER NOT NULL DEFAULT 0 CHECK (awaiting_reason IN (0, 1)),
    started_at      INTEGER,
    assigned_at     INTEGER,
    reminded_at     INTEGER,
    decided_at      INTEGER,
    task_id         TEXT    NOT NULL DEFAULT '',
    response_code   TEXT    NOT NULL DEFAULT '',
    rules_version   TEXT    NOT NULL,
    UNIQUE (request_id, seq),
    CHECK ((status = 'decided') = (decision <> '')),
    CHECK ((status = 'decided') = (decided_at IS NOT NULL)),
    CHECK (status <> 'pending' OR approver_id <> '')
) STRICT;
-- The reminder job scans pending steps; the text hook finds a rejecter's open reason.
CREATE INDEX approval_steps_pending ON approval_steps (assigned_at) WHERE status = 'pending';
CREATE INDEX approval_steps_awaiting ON approval_steps (approver_id, decided_at) WHERE awaiting_reason = 1;

-- approval_events is the audit trail: who did what to which request, when.
CREATE TABLE approval_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id INTEGER NOT NULL REFERENCES approval_requests (id),
    step_id    INTEGER REFERENCES approval_steps (id),
    at         INTEGER NOT NULL,
    actor      TEXT    NOT NULL DEFAULT '',
    action     TEXT    NOT NULL,
    note       TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX approval_events_request ON approval_events (request_id, id);

-- +goose Down
DROP TABLE approval_events;
DROP TABLE approval_steps;
DROP TABLE approval_requests;
