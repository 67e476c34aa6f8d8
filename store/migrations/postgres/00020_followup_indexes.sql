-- +goose Up

-- Open obligations by kind and key prefix (one customer's R-VIS-1 calls and
-- visits, read and settled on every recorded contact): a range over the key
-- in byte order, so in the "C" collation whatever the database's default.
CREATE INDEX obligations_open_key ON obligations (kind, key COLLATE "C") WHERE status = 'open';

-- A customer's completed jobs awaiting their return visit (which job a
-- return-visit questionnaire is for, R-VIS-2): by customer, not by
-- engineer, whose completed jobs pile up over the years.
CREATE INDEX service_jobs_customer ON service_jobs (customer_id, status);

-- +goose Down
DROP INDEX service_jobs_customer;
DROP INDEX obligations_open_key;
