package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/servicebot/servicebot"
)

// bulkRows is how many rows one multi-row statement writes: few enough that
// the parameters stay far under SQLite's limit (32766) and Postgres's
// (65535), many enough that ten thousand engineers take ten statements.
const bulkRows = 1000

const obligationColumns = `id, kind, user_id, key, period, due_at, status, note, created_at, closed_at`

type obligationRow struct {
	ID        int64    `db:"id"`
	Kind      string   `db:"kind"`
	UserID    string   `db:"user_id"`
	Key       string   `db:"key"`
	Period    string   `db:"period"`
	DueAt     nullTime `db:"due_at"`
	Status    string   `db:"status"`
	Note      string   `db:"note"`
	CreatedAt nullTime `db:"created_at"`
	ClosedAt  nullTime `db:"closed_at"`
}

func (r obligationRow) obligation() servicebot.Obligation {
	return servicebot.Obligation{
		ID: r.ID, Kind: r.Kind, UserID: r.UserID, Key: r.Key, Period: r.Period,
		DueAt: r.DueAt.Time, Status: r.Status, Note: r.Note,
		CreatedAt: r.CreatedAt.Time, ClosedAt: r.ClosedAt.Time,
	}
}

// placeholders is "(?, ?, ?), (?, ?, ?)" for rows rows of cols columns.
func placeholders(rows, cols int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
}

// chunks calls fn with consecutive pieces of n items, at most bulkRows each.
func chunks(n int, fn func(lo, hi int) error) error {
	for lo := 0; lo < n; lo += bulkRows {
		if err := fn(lo, min(lo+bulkRows, n)); err != nil {
			return err
		}
	}
	return nil
}

// EnsureObligations creates the obligations whose key does not exist yet and
// leaves the others as they are (a re-run, another replica). A zero Status is
// open. It returns how many it created.
func (tx *Tx) EnsureObligations(ctx context.Context, obs []servicebot.Obligation) (created int, err error) {
	err = chunks(len(obs), func(lo, hi int) error {
		args := make([]any, 0, (hi-lo)*9)
		for _, o := range obs[lo:hi] {
			if o.Key == "" || o.Kind == "" || o.DueAt.IsZero() || o.CreatedAt.IsZero() {
				return fmt.Errorf("obligation %+v lacks a key, kind, due or created time", o)
			}
			status := o.Status
			if status == "" {
				status = servicebot.ObligationOpen
			}
			args = append(args, o.Kind, o.UserID, o.Key, o.Period, ts(o.DueAt), status, o.Note, ts(o.CreatedAt), ts(o.ClosedAt))
		}
		n, err := rowsChanged(tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
			INSERT INTO obligations (kind, user_id, key, period, due_at, status, note, created_at, closed_at)
			VALUES `+placeholders(hi-lo, 9)+`
			ON CONFLICT (key) DO NOTHING`), args...))
		created += int(n)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: ensure obligations: %w", err)
	}
	return created, nil
}

// ClaimDuty records a duty of the department (closing a day, sending a
// summary) as done, once: it returns true to the one caller that created the
// row and false to everybody after. Call it first in the transaction that
// performs the duty: on Postgres a concurrent claimer waits for that
// transaction and then finds the key taken, or free again after a rollback.
func (tx *Tx) ClaimDuty(ctx context.Context, kind, key, period string, now time.Time) (bool, error) {
	n, err := rowsChanged(tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
		INSERT INTO obligations (kind, user_id, key, period, due_at, status, created_at, closed_at)
		VALUES (?, '', ?, ?, ?, ?, ?, ?)
		ON CONFLICT (key) DO NOTHING`),
		kind, key, period, ts(now), servicebot.ObligationDone, ts(now), ts(now)))
	if err != nil {
		return false, fmt.Errorf("store: claim duty %s: %w", key, err)
	}
	return n == 1, nil
}

// DutyDone reports whether the duty with key has been performed.
func (db *DB) DutyDone(ctx context.Context, key string) (bool, error) {
	var n int
	if err := db.sqlx.GetContext(ctx, &n, db.sqlx.Rebind(`SELECT COUNT(*) FROM obligations WHERE key = ?`), key); err != nil {
		return false, fmt.Errorf("store: duty %s: %w", key, err)
	}
	return n > 0, nil
}

// Obligations returns the obligations of kind for period, by user.
func (s shared) Obligations(ctx context.Context, kind, period string) ([]servicebot.Obligation, error) {
	return listObligations(ctx, s.q, kind, period)
}

func listObligations(ctx context.Context, q sqlx.ExtContext, kind, period string) ([]servicebot.Obligation, error) {
	var rows []obligationRow
	err := sqlx.SelectContext(ctx, q, &rows, q.Rebind(`SELECT `+obligationColumns+`
		FROM obligations WHERE kind = ? AND period = ? ORDER BY user_id`), kind, period)
	if err != nil {
		return nil, fmt.Errorf("store: obligations %s %s: %w", kind, period, err)
	}
	out := make([]servicebot.Obligation, len(rows))
	for i, r := range rows {
		out[i] = r.obligation()
	}
	return out, nil
}

// LockObligations is Obligations for a transaction that decides on them
// from other tables: the day's close, from the reports. It first writes each
// row unchanged, which on Postgres holds them until the transaction ends, so
// a report being saved for one of them (SaveReport settles the obligation)
// either commits before this goes on, and is seen, or waits and then sees
// what this decided. SQLite runs one writing transaction at a time anyway.
func (tx *Tx) LockObligations(ctx context.Context, kind, period string) ([]servicebot.Obligation, error) {
	if _, err := tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`UPDATE obligations SET status = status
		WHERE kind = ? AND period = ?`), kind, period); err != nil {
		return nil, fmt.Errorf("store: lock obligations %s %s: %w", kind, period, err)
	}
	return listObligations(ctx, tx.sqlx, kind, period)
}

// GetObligation returns the obligation with key, or an error wrapping
// servicebot.ErrNotFound.
func (tx *Tx) GetObligation(ctx context.Context, key string) (servicebot.Obligation, error) {
	var row obligationRow
	if err := getOne(ctx, tx.sqlx, fmt.Sprintf("obligation %s", key), &row, tx.sqlx.Rebind(`SELECT `+obligationColumns+` FROM obligations WHERE key = ?`), key); err != nil {
		return servicebot.Obligation{}, err
	}
	return row.obligation(), nil
}

// StillMissing returns the daily report obligations of day whose engineer
// has no report even now: the people a manager's 再次提醒 reaches. It reads
// the reports in the same transaction, so a report filed a moment ago counts.
// Obligations closed as done (the engineer went on leave) are left out.
func (tx *Tx) StillMissing(ctx context.Context, day servicebot.Date) ([]servicebot.Obligation, error) {
	var rows []obligationRow
	err := tx.sqlx.SelectContext(ctx, &rows, tx.sqlx.Rebind(`
		SELECT `+obligationColumns+` FROM obligations o
		WHERE o.kind = ? AND o.period = ? AND o.status <> ? AND NOT EXISTS (
			SELECT 1 FROM daily_reports r WHERE r.user_id = o.user_id AND r.day = o.period AND r.is_current = TRUE)
		ORDER BY o.user_id`), servicebot.ObligationDailyReport, day.String(), servicebot.ObligationDone)
	if err != nil {
		return nil, fmt.Errorf("store: still missing on %s: %w", day, err)
	}
	out := make([]servicebot.Obligation, len(rows))
	for i, r := range rows {
		out[i] = r.obligation()
	}
	return out, nil
}

// CloseObligations sets the status of the open obligations among ids (done
// or overdue) and their closing time. Obligations already closed keep their
// outcome. It returns how many it closed.
func (tx *Tx) CloseObligations(ctx context.Context, ids []int64, status string, now time.Time) (int, error) {
	closed := 0
	err := chunks(len(ids), func(lo, hi int) error {
		query, args, err := sqlx.In(`UPDATE obligations SET status = ?, closed_at = ?
			WHERE status = ? AND id IN (?)`, status, ts(now), servicebot.ObligationOpen, ids[lo:hi])
		if err != nil {
			return err
		}
		n, err := rowsChanged(tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(query), args...))
		closed += int(n)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: close obligations: %w", err)
	}
	return closed, nil
}

// SetObligationStatus changes one obligation's status (a diary confirmed, a
// summary handed in), whatever it was, and records when.
func (tx *Tx) SetObligationStatus(ctx context.Context, id int64, status, note string, now time.Time) error {
	err := transition(ctx, tx.sqlx, `UPDATE obligations SET status = ?, note = ?, closed_at = ? WHERE id = ?`,
		status, note, ts(now), id)
	if err != nil {
		return fmt.Errorf("store: set obligation %d %s: %w", id, status, err)
	}
	return nil
}

// MarkStage records that stage was sent for each of obligationIDs and
// returns the ids for which it is new. The unique (obligation, stage) makes
// this the one place that decides who is reminded: call it in the transaction
// that enqueues the reminders, and send only to the ids it returns.
func (tx *Tx) MarkStage(ctx context.Context, stage string, obligationIDs []int64, now time.Time) ([]int64, error) {
	var fresh []int64
	err := chunks(len(obligationIDs), func(lo, hi int) error {
		args := make([]any, 0, (hi-lo)*3)
		for _, id := range obligationIDs[lo:hi] {
			args = append(args, id, stage, ts(now))
		}
		var ids []int64
		err := tx.sqlx.SelectContext(ctx, &ids, tx.sqlx.Rebind(`
			INSERT INTO reminder_stages (obligation_id, stage, sent_at)
			VALUES `+placeholders(hi-lo, 3)+`
			ON CONFLICT (obligation_id, stage) DO NOTHING
			RETURNING obligation_id`), args...)
		fresh = append(fresh, ids...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: mark stage %s: %w", stage, err)
	}
	return fresh, nil
}

// StagesSent returns, for the obligations of kind and period, which stages
// have been sent to whom: stage → user ids.
func (db *DB) StagesSent(ctx context.Context, kind, period string) (map[string][]string, error) {
	var rows []struct {
		Stage  string `db:"stage"`
		UserID string `db:"user_id"`
	}
	err := db.sqlx.SelectContext(ctx, &rows, db.sqlx.Rebind(`
		SELECT s.stage, o.user_id FROM reminder_stages s JOIN obligations o ON o.id = s.obligation_id
		WHERE o.kind = ? AND o.period = ? ORDER BY s.stage, o.user_id`), kind, period)
	if err != nil {
		return nil, fmt.Errorf("store: stages sent %s %s: %w", kind, period, err)
	}
	out := map[string][]string{}
	for _, r := range rows {
		out[r.Stage] = append(out[r.Stage], r.UserID)
	}
	return out, nil
}

// AddKPIEvents records KPI facts; one already recorded (same user, kind and
// ref) is left as it is. It returns how many were new.
func (tx *Tx) AddKPIEvents(ctx context.Context, events []servicebot.KPIEvent) (int, error) {
	added := 0
	err := chunks(len(events), func(lo, hi int) error {
		args := make([]any, 0, (hi-lo)*5)
		for _, e := range events[lo:hi] {
			args = append(args, e.UserID, e.Month, e.Kind, e.Ref, ts(e.CreatedAt))
		}
		n, err := rowsChanged(tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
			INSERT INTO kpi_events (user_id, month, kind, ref, created_at)
			VALUES `+placeholders(hi-lo, 5)+`
			ON CONFLICT (user_id, kind, ref) DO NOTHING`), args...))
		added += int(n)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: add kpi events: %w", err)
	}
	return added, nil
}

// KPIEvents returns the KPI facts of month, by user, kind and ref.
func (db *DB) KPIEvents(ctx context.Context, month string) ([]servicebot.KPIEvent, error) {
	var rows []struct {
		UserID    string   `db:"user_id"`
		Month     string   `db:"month"`
		Kind      string   `db:"kind"`
		Ref       string   `db:"ref"`
		CreatedAt nullTime `db:"created_at"`
	}
	err := db.sqlx.SelectContext(ctx, &rows, db.sqlx.Rebind(`
		SELECT user_id, month, kind, ref, created_at FROM kpi_events WHERE month = ?
		ORDER BY user_id, kind, ref`), month)
	if err != nil {
		return nil, fmt.Errorf("store: kpi events %s: %w", month, err)
	}
	out := make([]servicebot.KPIEvent, len(rows))
	for i, r := range rows {
		out[i] = servicebot.KPIEvent{UserID: r.UserID, Month: r.Month, Kind: r.Kind, Ref: r.Ref, CreatedAt: r.CreatedAt.Time}
	}
	return out, nil
}

// RecordJobRun keeps r as the job's last run and counts it.
func (db *DB) RecordJobRun(ctx context.Context, r servicebot.JobRun) error {
	status := "ok"
	if r.Err != "" {
		status = "error"
	}
	_, err := db.sqlx.ExecContext(ctx, db.sqlx.Rebind(`
		INSERT INTO job_runs (name, last_run_at, last_status, last_error, last_duration_ms, runs)
		VALUES (?, ?, ?, ?, ?, 1)
		ON CONFLICT (name) DO UPDATE SET last_run_at = excluded.last_run_at,
			last_status = excluded.last_status, last_error = excluded.last_error,
			last_duration_ms = excluded.last_duration_ms, runs = job_runs.runs + 1`),
		r.Name, ts(r.At), status, r.Err, r.Duration.Milliseconds())
	if err != nil {
		return fmt.Errorf("store: record job run %s: %w", r.Name, err)
	}
	return nil
}

// JobRuns returns the last run of every job that has run, by name.
func (db *DB) JobRuns(ctx context.Context) (map[string]servicebot.JobRun, error) {
	var rows []struct {
		Name       string   `db:"name"`
		LastRunAt  nullTime `db:"last_run_at"`
		LastError  string   `db:"last_error"`
		DurationMS int64    `db:"last_duration_ms"`
		Runs       int64    `db:"runs"`
	}
	err := db.sqlx.SelectContext(ctx, &rows, `SELECT name, last_run_at, last_error, last_duration_ms, runs FROM job_runs`)
	if err != nil {
		return nil, fmt.Errorf("store: job runs: %w", err)
	}
	out := make(map[string]servicebot.JobRun, len(rows))
	for _, r := range rows {
		out[r.Name] = servicebot.JobRun{Name: r.Name, At: r.LastRunAt.Time, Err: r.LastError,
			Duration: time.Duration(r.DurationMS) * time.Millisecond, Runs: r.Runs}
	}
	return out, nil
}

// PutDocument stores d under d.Token unless a document for the same user,
// kind and period exists; either way it returns the token of the stored one,
// so what a person was shown is what they confirm.
func (tx *Tx) PutDocument(ctx context.Context, d servicebot.Document) (string, error) {
	if len(d.Token) < 32 {
		return "", errors.New("store: put document: token too short to be unguessable")
	}
	_, err := tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(`
		INSERT INTO documents (token, user_id, kind, period, filename, content, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (user_id, kind, period) DO NOTHING`),
		d.Token, d.UserID, d.Kind, d.Period, d.Filename, d.Content, ts(d.CreatedAt))
	if err != nil {
		return "", fmt.Errorf("store: put document: %w", err)
	}
	return tx.DocumentToken(ctx, d.UserID, d.Kind, d.Period)
}

// DocumentToken returns the token of userID's document of kind for period,
// or an error wrapping servicebot.ErrNotFound.
func (tx *Tx) DocumentToken(ctx context.Context, userID, kind, period string) (string, error) {
	var token string
	err := tx.sqlx.GetContext(ctx, &token, tx.sqlx.Rebind(
		`SELECT token FROM documents WHERE user_id = ? AND kind = ? AND period = ?`), userID, kind, period)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("store: document %s %s of %s: %w", kind, period, userID, servicebot.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("store: document %s %s of %s: %w", kind, period, userID, err)
	}
	return token, nil
}

// GetDocument returns the document with token, or an error wrapping
// servicebot.ErrNotFound.
func (db *DB) GetDocument(ctx context.Context, token string) (servicebot.Document, error) {
	var row struct {
		Token     string   `db:"token"`
		UserID    string   `db:"user_id"`
		Kind      string   `db:"kind"`
		Period    string   `db:"period"`
		Filename  string   `db:"filename"`
		Content   []byte   `db:"content"`
		CreatedAt nullTime `db:"created_at"`
	}
	err := db.sqlx.GetContext(ctx, &row, db.sqlx.Rebind(`
		SELECT token, user_id, kind, period, filename, content, created_at FROM documents WHERE token = ?`), token)
	if errors.Is(err, sql.ErrNoRows) {
		return servicebot.Document{}, fmt.Errorf("store: document: %w", servicebot.ErrNotFound)
	}
	if err != nil {
		return servicebot.Document{}, fmt.Errorf("store: document: %w", err)
	}
	return servicebot.Document{Token: row.Token, UserID: row.UserID, Kind: row.Kind, Period: row.Period,
		Filename: row.Filename, Content: row.Content, CreatedAt: row.CreatedAt.Time}, nil
}
