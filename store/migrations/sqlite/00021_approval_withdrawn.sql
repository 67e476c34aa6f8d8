-- +goose Up
-- A request its requester withdrew before any step was decided (我的申请 →
-- 撤回, issue 12) is closed with status 'rejected' and withdrawn_at set:
-- the store reads it back as withdrawn. (SQLite cannot widen the status
-- CHECK without rebuilding a table that five others reference.)
ALTER TABLE approval_requests ADD COLUMN withdrawn_at INTEGER;

-- +goose Down
ALTER TABLE approval_requests DROP COLUMN withdrawn_at;
