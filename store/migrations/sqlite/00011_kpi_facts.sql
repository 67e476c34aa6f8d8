-- +goose Up
-- An appeal names the one deduction it is about (issue 11 item 4): fact is
-- the deduction's reference (servicebot.KPIFact.Ref), fact_text its words.
ALTER TABLE kpi_appeals ADD COLUMN fact TEXT NOT NULL DEFAULT '';
ALTER TABLE kpi_appeals ADD COLUMN fact_text TEXT NOT NULL DEFAULT '';
-- A manager's complaint entry and the liability fine for the same
-- complaint are one record (R-LIA-0): the entry names the fine, the fine
-- lists the entry (FineBasis.ComplaintEntries).
-- basis is what a card was scored from (its facts and the kinds known to be
-- complete), so an accepted appeal re-scores the stored card with one fact
-- withdrawn; '' for cards stored before.
ALTER TABLE kpi_scores ADD COLUMN basis TEXT NOT NULL DEFAULT '';
ALTER TABLE kpi_inputs ADD COLUMN approval_id INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE kpi_inputs DROP COLUMN approval_id;
ALTER TABLE kpi_scores DROP COLUMN basis;
ALTER TABLE kpi_appeals DROP COLUMN fact_text;
ALTER TABLE kpi_appeals DROP COLUMN fact;
