-- +goose Up
-- How a customer's engineer was chosen (issue 16 item 6): '' when the
-- department named them (the customer list's 负责工程师), 'round_robin' when
-- the bot gave the customer to the region's engineers in turn, so the
-- choice can be explained and is kept, not recomputed.
ALTER TABLE customers ADD COLUMN engineer_source TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE customers DROP COLUMN engineer_source;
