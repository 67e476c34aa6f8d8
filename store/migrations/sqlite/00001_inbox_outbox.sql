-- +goose Up

-- Timestamps are INTEGER unix microseconds in UTC (the store opens SQLite with
-- _time_integer_format=unix_micro): they compare and sort as numbers, keep the
-- precision Postgres keeps, and STRICT rejects anything else.

-- inbox holds every callback delivery before WeCom gets its 200 (DESIGN, flow 1).
CREATE TABLE inbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: ids give the order of arrival
    -- A repeated delivery hits this key and is answered 200 without new work.
    dedup_key    TEXT    NOT NULL UNIQUE CHECK (dedup_key <> ''),
    kind         TEXT    NOT NULL,
    from_user    TEXT    NOT NULL DEFAULT '',
    payload      BLOB    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'processing', 'done', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error   TEXT    NOT NULL DEFAULT '',
    received_at  INTEGER NOT NULL,
    -- processing: the worker's lease; pending: not claimable before (a retry's backoff).
    locked_until INTEGER,
    done_at      INTEGER
) STRICT;

-- The worker claims unfinished rows in id order; finished rows, nearly all of
-- them, stay out of the index.
CREATE INDEX inbox_unfinished ON inbox (id) WHERE status IN ('pending', 'processing');

-- outbox holds every message, card and card update to deliver (DESIGN, flow 2).
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    -- NULL means "no key": NULLs never conflict, so keyless rows are not deduplicated.
    dedup_key       TEXT    UNIQUE CHECK (dedup_key <> ''),
    kind            TEXT    NOT NULL,
    to_users        TEXT    NOT NULL DEFAULT '',
    to_chat         TEXT    NOT NULL DEFAULT '',
    body            TEXT    NOT NULL CHECK (json_valid(body)),
    status          TEXT    NOT NULL DEFAULT 'pending'
                            CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error      TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    locked_until    INTEGER,
    sent_at         INTEGER,
    failed_at       INTEGER,
    msg_id          TEXT    NOT NULL DEFAULT '',
    response_code   TEXT    NOT NULL DEFAULT ''
) STRICT;

-- The sender claims unfinished rows in id order.
CREATE INDEX outbox_unfinished ON outbox (id) WHERE status IN ('pending', 'sending');
-- Listing by status, newest first, and counting by status.
CREATE INDEX outbox_status ON outbox (status, id);

-- +goose Down
DROP TABLE outbox;
DROP TABLE inbox;
