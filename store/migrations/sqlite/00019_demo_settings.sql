-- +goose Up
-- demo_settings keep what `servicebot demo` must find again when it
-- restarts on the same database, such as how far the /sim page's clock
-- control has moved the demo's time ('clock_offset'). `serve` never reads it.
CREATE TABLE demo_settings (
    name  TEXT PRIMARY KEY CHECK (name <> ''),
    value TEXT NOT NULL
) STRICT;

-- +goose Down
DROP TABLE demo_settings;
