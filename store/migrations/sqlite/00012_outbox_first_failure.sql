-- +goose Up
-- The sender gives a row up by the time since its first failed attempt
-- (issue 15), not by how many attempts it had: an hour-long WeCom rate block
-- must not turn messages into failures.
ALTER TABLE outbox ADD COLUMN first_failed_at INTEGER;

-- +goose Down
ALTER TABLE outbox DROP COLUMN first_failed_at;
