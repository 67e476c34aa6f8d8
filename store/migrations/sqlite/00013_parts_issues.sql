-- +goose Up
-- parts_issues record replacement parts leaving the warehouse, each against
-- an approved request (R-SVC-3, 第二十八条); the bot refuses any other.
CREATE TABLE parts_issues (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id INTEGER NOT NULL REFERENCES approval_requests (id),
    parts      TEXT    NOT NULL CHECK (json_valid(parts)),
    issued_by  TEXT    NOT NULL CHECK (issued_by <> ''),
    issued_at  INTEGER NOT NULL,
    note       TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX parts_issues_request ON parts_issues (request_id, id);

-- +goose Down
DROP TABLE parts_issues;
