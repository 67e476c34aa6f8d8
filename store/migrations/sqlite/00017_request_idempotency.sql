-- +goose Up
-- The Idempotency-Key a caller of POST /api/requests sent (issue 16): a
-- retried POST finds the request it filed instead of filing it twice.
ALTER TABLE approval_requests ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX approval_requests_idempotency ON approval_requests (idempotency_key) WHERE idempotency_key IS NOT NULL;

-- +goose Down
DROP INDEX approval_requests_idempotency;
ALTER TABLE approval_requests DROP COLUMN idempotency_key;
