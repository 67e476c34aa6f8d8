package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/servicebot/servicebot"
)

const formSubmissionColumns = `id, form_id, form_version, user_id, job_id, field_values, status, approval_id,
	created_at, updated_at, submitted_at`

type formSubmissionRow struct {
	ID          int64         `db:"id"`
	FormID      string        `db:"form_id"`
	FormVersion int           `db:"form_version"`
	UserID      string        `db:"user_id"`
	JobID       sql.NullInt64 `db:"job_id"`
	Values      []byte        `db:"field_values"`
	Status      string        `db:"status"`
	ApprovalID  sql.NullInt64 `db:"approval_id"`
	CreatedAt   nullTime      `db:"created_at"`
	UpdatedAt   nullTime      `db:"updated_at"`
	SubmittedAt nullTime      `db:"submitted_at"`
}

func (r formSubmissionRow) submission() (servicebot.FormSubmission, error) {
	var v servicebot.FormValues
	if err := json.Unmarshal(r.Values, &v); err != nil {
		return servicebot.FormSubmission{}, fmt.Errorf("submission %d values: %w", r.ID, err)
	}
	return servicebot.FormSubmission{ID: r.ID, FormID: r.FormID, FormVersion: r.FormVersion, UserID: r.UserID,
		JobID: r.JobID.Int64, Values: v, Status: r.Status, ApprovalID: r.ApprovalID.Int64,
		CreatedAt: r.CreatedAt.Time, UpdatedAt: r.UpdatedAt.Time, SubmittedAt: r.SubmittedAt.Time}, nil
}

// nullID is the parameter for an optional reference: NULL for 0.
func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// SaveFormSubmission inserts sub when sub.ID is 0, else updates the draft
// with sub.ID filed by sub.UserID — its values, job and status (a draft
// becomes submitted this way). There being no such draft (another's, or
// submitted already) is an error wrapping servicebot.ErrNotFound. It returns
// the stored submission; its values are as JSON decodes them.
func (tx *Tx) SaveFormSubmission(ctx context.Context, sub servicebot.FormSubmission) (servicebot.FormSubmission, error) {
	values, err := json.Marshal(sub.Values)
	if err != nil {
		return servicebot.FormSubmission{}, fmt.Errorf("store: save form submission: %w", err)
	}
	id := sub.ID
	if id == 0 {
		err = tx.sqlx.GetContext(ctx, &id, tx.sqlx.Rebind(`
			INSERT INTO form_submissions (form_id, form_version, user_id, job_id, field_values, status, approval_id,
				created_at, updated_at, submitted_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			sub.FormID, sub.FormVersion, sub.UserID, nullID(sub.JobID), string(values), sub.Status,
			nullID(sub.ApprovalID), ts(sub.CreatedAt), ts(sub.UpdatedAt), ts(sub.SubmittedAt))
		if err != nil {
			return servicebot.FormSubmission{}, fmt.Errorf("store: insert form submission: %w", err)
		}
	} else {
		changed, err := rowChanged(tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
			UPDATE form_submissions
			SET form_version = ?, job_id = ?, field_values = ?, status = ?, updated_at = ?, submitted_at = ?
			WHERE id = ? AND user_id = ? AND form_id = ? AND status = 'draft'`),
			sub.FormVersion, nullID(sub.JobID), string(values), sub.Status, ts(sub.UpdatedAt), ts(sub.SubmittedAt),
			id, sub.UserID, sub.FormID))
		if err != nil {
			return servicebot.FormSubmission{}, fmt.Errorf("store: update form submission %d: %w", id, err)
		}
		if !changed {
			return servicebot.FormSubmission{}, fmt.Errorf("store: update form submission %d: no such draft of %s: %w",
				id, sub.UserID, servicebot.ErrNotFound)
		}
	}
	return getFormSubmission(ctx, tx.sqlx, id)
}

// SetSubmissionApproval records the approval a submitted request form filed.
func (tx *Tx) SetSubmissionApproval(ctx context.Context, id, approvalID int64) error {
	changed, err := rowChanged(tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(
		`UPDATE form_submissions SET approval_id = ? WHERE id = ?`), approvalID, id))
	if err != nil {
		return fmt.Errorf("store: set approval of submission %d: %w", id, err)
	}
	if !changed {
		return fmt.Errorf("store: set approval of submission %d: %w", id, servicebot.ErrNotFound)
	}
	return nil
}

// FormSubmission returns the submission with id, or an error wrapping
// servicebot.ErrNotFound.
func (s shared) FormSubmission(ctx context.Context, id int64) (servicebot.FormSubmission, error) {
	return getFormSubmission(ctx, s.q, id)
}

func getFormSubmission(ctx context.Context, q sqlx.ExtContext, id int64) (servicebot.FormSubmission, error) {
	var row formSubmissionRow
	if err := getOne(ctx, q, fmt.Sprintf("form submission %d", id), &row, q.Rebind(`SELECT `+formSubmissionColumns+` FROM form_submissions WHERE id = ?`), id); err != nil {
		return servicebot.FormSubmission{}, err
	}
	sub, err := row.submission()
	if err != nil {
		return servicebot.FormSubmission{}, fmt.Errorf("store: %w", err)
	}
	return sub, nil
}

// ListFormSubmissions returns the submissions f selects, newest first.
func (s shared) ListFormSubmissions(ctx context.Context, f servicebot.FormFilter) ([]servicebot.FormSubmission, error) {
	q := s.q
	var where []string
	var args []any
	if len(f.UserIDs) > 0 {
		where = append(where, "user_id IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(f.UserIDs)), ", ")+")")
		for _, u := range f.UserIDs {
			args = append(args, u)
		}
	}
	for _, c := range []struct {
		col string
		val any
		set bool
	}{{"form_id", f.FormID, f.FormID != ""}, {"status", f.Status, f.Status != ""}, {"job_id", f.JobID, f.JobID != 0}} {
		if c.set {
			where = append(where, c.col+" = ?")
			args = append(args, c.val)
		}
	}
	query := `SELECT ` + formSubmissionColumns + ` FROM form_submissions`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 200
	}
	query += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit)
	return selectSubmissions(ctx, q, "list form submissions", query, args...)
}

// SubmittedForms returns the submissions submitted from from up to (not
// including) to, oldest first.
func (db *DB) SubmittedForms(ctx context.Context, from, to time.Time) ([]servicebot.FormSubmission, error) {
	return selectSubmissions(ctx, db.sqlx, "submitted forms", `SELECT `+formSubmissionColumns+` FROM form_submissions
		WHERE status = ? AND submitted_at >= ? AND submitted_at < ? ORDER BY submitted_at, id`,
		servicebot.SubmissionSubmitted, ts(from), ts(to))
}

// FormsOfJobsCompleted returns the submitted forms of the jobs completed
// from from up to (not including) to, whenever they were submitted: a job
// finished on the 31st may have its report filed on the 1st.
func (db *DB) FormsOfJobsCompleted(ctx context.Context, from, to time.Time) ([]servicebot.FormSubmission, error) {
	return selectSubmissions(ctx, db.sqlx, "forms of jobs completed", `SELECT `+formSubmissionColumns+` FROM form_submissions
		WHERE status = ? AND job_id IN (SELECT id FROM service_jobs WHERE completed_at >= ? AND completed_at < ?)
		ORDER BY id`, servicebot.SubmissionSubmitted, ts(from), ts(to))
}

func selectSubmissions(ctx context.Context, q sqlx.ExtContext, what, query string, args ...any) ([]servicebot.FormSubmission, error) {
	return selectAll(ctx, q, what, query, formSubmissionRow.submission, args...)
}

// AddFormPhoto stores an uploaded photo, not yet attached to a submission.
func (db *DB) AddFormPhoto(ctx context.Context, p servicebot.FormPhoto) (int64, error) {
	var id int64
	err := db.sqlx.GetContext(ctx, &id, db.sqlx.Rebind(`
		INSERT INTO form_photos (user_id, filename, content_type, content, created_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`), p.UserID, p.Filename, p.ContentType, p.Content, ts(p.CreatedAt))
	if err != nil {
		return 0, fmt.Errorf("store: add form photo: %w", err)
	}
	return id, nil
}

// AttachFormPhotos links photos to a submission. Each must be userID's and
// unattached or attached to this submission already; otherwise nothing is
// linked and the error wraps servicebot.ErrNotFound.
func (tx *Tx) AttachFormPhotos(ctx context.Context, submissionID int64, userID string, photoIDs []int64) error {
	if len(photoIDs) == 0 {
		return nil
	}
	query, args, err := sqlx.In(`UPDATE form_photos SET submission_id = ?
		WHERE id IN (?) AND user_id = ? AND (submission_id IS NULL OR submission_id = ?)`,
		submissionID, photoIDs, userID, submissionID)
	if err != nil {
		return fmt.Errorf("store: attach form photos: %w", err)
	}
	n, err := rowsChanged(tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(query), args...))
	if err != nil {
		return fmt.Errorf("store: attach form photos: %w", err)
	}
	if int(n) != len(photoIDs) {
		return fmt.Errorf("store: attach form photos to %d: %d of %d are not %s's to attach: %w",
			submissionID, len(photoIDs)-int(n), len(photoIDs), userID, servicebot.ErrNotFound)
	}
	return nil
}

// FormPhoto returns the photo with id, or an error wrapping servicebot.ErrNotFound.
func (db *DB) FormPhoto(ctx context.Context, id int64) (servicebot.FormPhoto, error) {
	var row struct {
		ID           int64         `db:"id"`
		UserID       string        `db:"user_id"`
		SubmissionID sql.NullInt64 `db:"submission_id"`
		Filename     string        `db:"filename"`
		ContentType  string        `db:"content_type"`
		Content      []byte        `db:"content"`
		CreatedAt    nullTime      `db:"created_at"`
	}
	err := db.sqlx.GetContext(ctx, &row, db.sqlx.Rebind(`
		SELECT id, user_id, submission_id, filename, content_type, content, created_at FROM form_photos WHERE id = ?`), id)
	if errors.Is(err, sql.ErrNoRows) {
		return servicebot.FormPhoto{}, fmt.Errorf("store: form photo %d: %w", id, servicebot.ErrNotFound)
	}
	if err != nil {
		return servicebot.FormPhoto{}, fmt.Errorf("store: form photo %d: %w", id, err)
	}
	return servicebot.FormPhoto{ID: row.ID, UserID: row.UserID, SubmissionID: row.SubmissionID.Int64,
		Filename: row.Filename, ContentType: row.ContentType, Content: row.Content, CreatedAt: row.CreatedAt.Time}, nil
}
