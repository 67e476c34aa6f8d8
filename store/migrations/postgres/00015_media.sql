-- +goose Up
-- Voice messages are kept with the day like photos (issue 10), and every
-- photo and voice is fetched with media/get while its media_id lives (three
-- days) and kept in the blob store under blob_key.
ALTER TABLE report_attachments DROP CONSTRAINT report_attachments_kind_check;
ALTER TABLE report_attachments ADD CONSTRAINT report_attachments_kind_check CHECK (kind IN ('image', 'voice', 'location'));
ALTER TABLE report_attachments ADD COLUMN format TEXT NOT NULL DEFAULT '';
ALTER TABLE report_attachments ADD COLUMN blob_key TEXT NOT NULL DEFAULT '';
ALTER TABLE report_attachments ADD COLUMN content_type TEXT NOT NULL DEFAULT '';
ALTER TABLE report_attachments ADD COLUMN fetch_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE report_attachments ADD COLUMN fetch_error TEXT NOT NULL DEFAULT '';
ALTER TABLE report_attachments ADD COLUMN next_fetch_at TIMESTAMPTZ;
-- What the media fetcher looks at: media not yet kept, not given up.
CREATE INDEX report_attachments_to_fetch ON report_attachments (next_fetch_at)
    WHERE blob_key = '' AND media_id <> '' AND next_fetch_at IS NOT NULL;
UPDATE report_attachments SET next_fetch_at = received_at WHERE media_id <> '';

-- +goose Down
DROP INDEX report_attachments_to_fetch;
ALTER TABLE report_attachments DROP COLUMN next_fetch_at;
ALTER TABLE report_attachments DROP COLUMN fetch_error;
ALTER TABLE report_attachments DROP COLUMN fetch_attempts;
ALTER TABLE report_attachments DROP COLUMN content_type;
ALTER TABLE report_attachments DROP COLUMN blob_key;
ALTER TABLE report_attachments DROP COLUMN format;
DELETE FROM report_attachments WHERE kind = 'voice';
ALTER TABLE report_attachments DROP CONSTRAINT report_attachments_kind_check;
ALTER TABLE report_attachments ADD CONSTRAINT report_attachments_kind_check CHECK (kind IN ('image', 'location'));
