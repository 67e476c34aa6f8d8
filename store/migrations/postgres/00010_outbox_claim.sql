-- +goose Up
-- ClaimOutbox looks for pending rows that are due and for sending rows whose
-- lease ran out; replies deferred for the per-member send limit can pile up
-- in the thousands, and without these each claim walked them all.
CREATE INDEX outbox_pending_due ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_sending_lease ON outbox (locked_until) WHERE status = 'sending';

-- +goose Down
DROP INDEX outbox_sending_lease;
DROP INDEX outbox_pending_due;
