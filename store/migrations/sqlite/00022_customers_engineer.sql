-- +goose Up

-- Customers by their engineer: the round robin that gives a customer without
-- one the engineer with the fewest (R-ORG-2) counts them on every such
-- customer's first contact, and an import of many new customers makes that
-- a count per customer.
CREATE INDEX customers_engineer ON customers (engineer);

-- +goose Down
DROP INDEX customers_engineer;
