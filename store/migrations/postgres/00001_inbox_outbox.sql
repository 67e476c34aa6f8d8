-- +goose Up

-- inbox holds every callback delivery before WeCom gets its 200 (DESIGN, flow 1).
CREATE TABLE inbox (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- A repeated delivery hits this key and is answered 200 without new work.
    dedup_key    TEXT        NOT NULL UNIQUE CHECK (dedup_key <> ''),
    kind         TEXT        NOT NULL,
    from_user    TEXT        NOT NULL DEFAULT '',
    -- BYTEA, not TEXT: whatever WeCom sent is stored as it came. A TEXT column
    -- would reject a NUL byte or invalid UTF-8, the insert would fail, we would
    -- answer 503 and WeCom would retry the same bytes forever.
    payload      BYTEA       NOT NULL,
    status       TEXT        NOT NULL DEFAULT 'pending'
                             CHECK (status IN ('pending', 'processing', 'done', 'failed')),
    attempts     INTEGER     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error   TEXT        NOT NULL DEFAULT '',
    received_at  TIMESTAMPTZ NOT NULL,
    -- processing: the worker's lease; pending: not claimable before (a retry's backoff).
    locked_until TIMESTAMPTZ,
    done_at      TIMESTAMPTZ
);

-- The worker claims unfinished rows in id order; finished rows, nearly all of
-- them, stay out of the index.
CREATE INDEX inbox_unfinished ON inbox (id) WHERE status IN ('pending', 'processing');

-- outbox holds every message, card and card update to deliver (DESIGN, flow 2).
CREATE TABLE outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- NULL means "no key": NULLs never conflict, so keyless rows are not deduplicated.
    dedup_key       TEXT        UNIQUE CHECK (dedup_key <> ''),
    kind            TEXT        NOT NULL,
    to_users        TEXT        NOT NULL DEFAULT '',
    to_chat         TEXT        NOT NULL DEFAULT '',
    body            JSONB       NOT NULL,
    status          TEXT        NOT NULL DEFAULT 'pending'
                                CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error      TEXT        NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    locked_until    TIMESTAMPTZ,
    sent_at         TIMESTAMPTZ,
    failed_at       TIMESTAMPTZ,
    msg_id          TEXT        NOT NULL DEFAULT '',
    response_code   TEXT        NOT NULL DEFAULT ''
);

-- The sender claims unfinished rows in id order.
CREATE INDEX outbox_unfinished ON outbox (id) WHERE status IN ('pending', 'sending');
-- Listing by status, newest first, and counting by status.
CREATE INDEX outbox_status ON outbox (status, id);

-- +goose Down
DROP TABLE outbox;
DROP TABLE inbox;
