-- +goose Up
-- Voice messages are kept with the day like photos (issue 10), and every
-- photo and voice is fetched with media/get while its media_id lives (three
-- days) and kept in the blob store under blob_key. SQLite cannot change a
-- CHECK constraint: the table is rebuilt.
CREATE TABLE report_attachments_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id        TEXT    NOT NULL CHECK (user_id <> ''),
    day            TEXT    NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    kind           TEXT    NOT NULL CHECK (kind IN ('image', 'voice', 'location')),
    media_id       TEXT    NOT NULL DEFAULT '',
    pic_url        TEXT    NOT NULL DEFAULT '',
    lat            REAL    NOT NULL DEFAULT 0,
    lng            REAL    NOT NULL DEFAULT 0,
    label          TEXT    NOT NULL DEFAULT '',
    received_at    INTEGER NOT NULL,
    format         TEXT    NOT NULL DEFAULT '',
    blob_key       TEXT    NOT NULL DEFAULT '',
    content_type   TEXT    NOT NULL DEFAULT '',
    fetch_attempts INTEGER NOT NULL DEFAULT 0,
    fetch_error    TEXT    NOT NULL DEFAULT '',
    next_fetch_at  INTEGER
) STRICT;
INSERT INTO report_attachments_new (id, user_id, day, kind, media_id, pic_url, lat, lng, label, received_at, next_fetch_at)
    SELECT id, user_id, day, kind, media_id, pic_url, lat, lng, label, received_at,
           CASE WHEN media_id <> '' THEN received_at END
    FROM report_attachments;
DROP TABLE report_attachments;
ALTER TABLE report_attachments_new RENAME TO report_attachments;
CREATE INDEX report_attachments_day ON report_attachments (day, user_id);
CREATE INDEX report_attachments_to_fetch ON report_attachments (next_fetch_at)
    WHERE blob_key = '' AND media_id <> '' AND next_fetch_at IS NOT NULL;

-- +goose Down
DELETE FROM report_attachments WHERE kind = 'voice';
CREATE TABLE report_attachments_old (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     TEXT    NOT NULL CHECK (user_id <> ''),
    day         TEXT    NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    kind        TEXT    NOT NULL CHECK (kind IN ('image', 'location')),
    media_id    TEXT    NOT NULL DEFAULT '',
    pic_url     TEXT    NOT NULL DEFAULT '',
    lat         REAL    NOT NULL DEFAULT 0,
    lng         REAL    NOT NULL DEFAULT 0,
    label       TEXT    NOT NULL DEFAULT '',
    received_at INTEGER NOT NULL
) STRICT;
INSERT INTO report_attachments_old SELECT id, user_id, day, kind, media_id, pic_url, lat, lng, label, received_at FROM report_attachments;
DROP TABLE report_attachments;
ALTER TABLE report_attachments_old RENAME TO report_attachments;
CREATE INDEX report_attachments_day ON report_attachments (day, user_id);
