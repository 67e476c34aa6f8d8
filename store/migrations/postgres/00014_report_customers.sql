-- +goose Up

-- Issue 9: a daily report names its customer by the department's list when
-- it can; customer_id links the report to that record (NULL: not on the
-- list, or none named). customer keeps the name as shown.
ALTER TABLE daily_reports ADD COLUMN customer_id BIGINT REFERENCES customers (id);
CREATE INDEX daily_reports_customer ON daily_reports (customer_id) WHERE customer_id IS NOT NULL;

-- customer_aliases are spellings of a listed customer that engineers
-- confirmed (客户 … after the bot said 客户：未识别): the report reader finds
-- them as it finds the names on the list.
CREATE TABLE customer_aliases (
    alias       TEXT        PRIMARY KEY CHECK (alias <> ''),
    customer_id BIGINT      NOT NULL REFERENCES customers (id),
    user_id     TEXT        NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);

-- chat_pending is the one question the bot waits an answer to, per member
-- (这是今天的日报吗？回复「是」保存; 要登记请假吗？): the next 是 settles it.
CREATE TABLE chat_pending (
    user_id    TEXT        PRIMARY KEY CHECK (user_id <> ''),
    kind       TEXT        NOT NULL CHECK (kind <> ''),
    payload    TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE chat_pending;
DROP TABLE customer_aliases;
DROP INDEX daily_reports_customer;
ALTER TABLE daily_reports DROP COLUMN customer_id;
