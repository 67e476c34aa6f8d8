-- +goose Up

-- form_submissions are the department's paper forms filled in on the phone
-- (issue 5): a draft per person until submitted. field_values holds the
-- values by field name as the form's definition (form_id, form_version)
-- laid them out. A submitted request form names the approval it filed.
CREATE TABLE form_submissions (
    id           BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    form_id      TEXT        NOT NULL CHECK (form_id <> ''),
    form_version INTEGER     NOT NULL CHECK (form_version > 0),
    user_id      TEXT        NOT NULL CHECK (user_id <> ''),
    job_id       BIGINT, -- the service job (工单) it belongs to, if any
    field_values JSONB       NOT NULL DEFAULT '{}',
    status       TEXT        NOT NULL CHECK (status IN ('draft', 'submitted')),
    approval_id  BIGINT      REFERENCES approval_requests (id),
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    submitted_at TIMESTAMPTZ,
    CHECK ((status = 'submitted') = (submitted_at IS NOT NULL))
);
CREATE INDEX form_submissions_user ON form_submissions (user_id, status, id DESC);
CREATE INDEX form_submissions_job ON form_submissions (job_id) WHERE job_id IS NOT NULL;
CREATE INDEX form_submissions_form ON form_submissions (form_id, id DESC);

-- form_photos are kept with the record. A photo is uploaded before the form
-- is saved; it belongs to its uploader until a saved submission names it.
CREATE TABLE form_photos (
    id            BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       TEXT        NOT NULL CHECK (user_id <> ''),
    submission_id BIGINT      REFERENCES form_submissions (id),
    filename      TEXT        NOT NULL DEFAULT '',
    content_type  TEXT        NOT NULL,
    content       BYTEA       NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX form_photos_submission ON form_photos (submission_id);

-- +goose Down
DROP TABLE form_photos;
DROP TABLE form_submissions;
