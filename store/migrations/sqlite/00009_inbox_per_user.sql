-- +goose Up
-- ClaimInbox keeps one member's messages in order: it looks for an earlier
-- unfinished row of the same member.
CREATE INDEX inbox_unfinished_by_user ON inbox (from_user, id) WHERE status IN ('pending', 'processing');

-- +goose Down
DROP INDEX inbox_unfinished_by_user;
