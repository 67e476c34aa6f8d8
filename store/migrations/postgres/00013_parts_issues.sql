-- +goose Up
-- parts_issues record replacement parts leaving the warehouse, each against
-- an approved request (R-SVC-3, 第二十八条); the bot refuses any other.
CREATE TABLE parts_issues (
    id         BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id BIGINT      NOT NULL REFERENCES approval_requests (id),
    parts      JSONB       NOT NULL,
    issued_by  TEXT        NOT NULL CHECK (issued_by <> ''),
    issued_at  TIMESTAMPTZ NOT NULL,
    note       TEXT        NOT NULL DEFAULT ''
);
CREATE INDEX parts_issues_request ON parts_issues (request_id, id);

-- +goose Down
DROP TABLE parts_issues;
