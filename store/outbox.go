package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/servicebot/servicebot"
)

const outboxColumns = `id, dedup_key, kind, to_users, to_chat, body, status, attempts, last_error,
	created_at, next_attempt_at, locked_until, sent_at, msg_id, response_code, first_failed_at`

// outboxRow is an outbox row as scanned; a NULL dedup key becomes "" and
// nullable timestamps become zero times.
type outboxRow struct {
	ID            int64          `db:"id"`
	DedupKey      sql.NullString `db:"dedup_key"`
	Kind          string         `db:"kind"`
	ToUsers       string         `db:"to_users"`
	ToChat        string         `db:"to_chat"`
	Body          []byte         `db:"body"`
	Status        string         `db:"status"`
	Attempts      int            `db:"attempts"`
	LastError     string         `db:"last_error"`
	CreatedAt     nullTime       `db:"created_at"`
	NextAttemptAt nullTime       `db:"next_attempt_at"`
	LockedUntil   nullTime       `db:"locked_until"`
	SentAt        nullTime       `db:"sent_at"`
	MsgID         string         `db:"msg_id"`
	ResponseCode  string         `db:"response_code"`
	FirstFailedAt nullTime       `db:"first_failed_at"`
}

func (r outboxRow) message() servicebot.OutboxMessage {
	return servicebot.OutboxMessage{
		ID:            r.ID,
		DedupKey:      r.DedupKey.String,
		Kind:          r.Kind,
		ToUsers:       r.ToUsers,
		ToChat:        r.ToChat,
		Body:          r.Body,
		Status:        r.Status,
		Attempts:      r.Attempts,
		LastError:     r.LastError,
		CreatedAt:     r.CreatedAt.Time,
		NextAttemptAt: r.NextAttemptAt.Time,
		LockedUntil:   r.LockedUntil.Time,
		SentAt:        r.SentAt.Time,
		MsgID:         r.MsgID,
		ResponseCode:  r.ResponseCode,
		FirstFailedAt: r.FirstFailedAt.Time,
	}
}

func outboxMessages(rows []outboxRow) []servicebot.OutboxMessage {
	msgs := make([]servicebot.OutboxMessage, len(rows))
	for i, r := range rows {
		msgs[i] = r.message()
	}
	return msgs
}

// EnqueueOutbox writes a message to deliver: pending, first attempt at
// m.NextAttemptAt, or m.CreatedAt when that is zero. Status, attempts and the
// delivery fields of m are ignored. Inside a transaction it is written with
// the state change that caused it.
//
// With a DedupKey, enqueueing the same key again (a re-run job, a second
// replica) changes nothing: it returns the existing row's id, inserted false
// and no error, and leaves the surrounding transaction usable.
func (s shared) EnqueueOutbox(ctx context.Context, m servicebot.OutboxMessage) (id int64, inserted bool, err error) {
	return enqueueOutbox(ctx, s.q, m)
}

func enqueueOutbox(ctx context.Context, q sqlx.ExtContext, m servicebot.OutboxMessage) (int64, bool, error) {
	switch {
	case m.Kind == "":
		return 0, false, errors.New("store: enqueue outbox: empty kind")
	case m.CreatedAt.IsZero():
		return 0, false, errors.New("store: enqueue outbox: zero created time")
	case !json.Valid(m.Body):
		return 0, false, fmt.Errorf("store: enqueue outbox %s: body is not JSON", m.Kind)
	}
	// NULL, not "", is "no key": NULLs never conflict with each other.
	dedupKey := sql.NullString{String: m.DedupKey, Valid: m.DedupKey != ""}
	next := m.NextAttemptAt
	if next.IsZero() {
		next = m.CreatedAt
	}

	var id int64
	// ON CONFLICT DO NOTHING rather than catching the unique violation: on
	// Postgres an error aborts the whole transaction.
	err := sqlx.GetContext(ctx, q, &id, q.Rebind(`
		INSERT INTO outbox (dedup_key, kind, to_users, to_chat, body, status, created_at, next_attempt_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (dedup_key) DO NOTHING
		RETURNING id`),
		// The body goes as text: lib/pq would send []byte as bytea, which jsonb rejects.
		dedupKey, m.Kind, m.ToUsers, m.ToChat, string(m.Body), servicebot.OutboxPending,
		ts(m.CreatedAt), ts(next))
	switch {
	case err == nil:
		return id, true, nil
	case !errors.Is(err, sql.ErrNoRows):
		return 0, false, fmt.Errorf("store: enqueue outbox %s: %w", m.Kind, err)
	}
	// A conflict: the key is taken, and the row that holds it is committed
	// (Postgres waited for its transaction) and visible to this statement.
	err = sqlx.GetContext(ctx, q, &id, q.Rebind(`SELECT id FROM outbox WHERE dedup_key = ?`), m.DedupKey)
	if err != nil {
		return 0, false, fmt.Errorf("store: enqueue outbox %s: existing %q: %w", m.Kind, m.DedupKey, err)
	}
	return id, false, nil
}

// ClaimOutbox claims up to limit rows for delivery, oldest first: rows pending
// whose next attempt is due, and rows still sending whose lease has expired
// because their sender crashed. Each claimed row is sending until now+lease,
// with one more attempt counted. Concurrent claimers never get the same row.
func (db *DB) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]servicebot.OutboxMessage, error) {
	return db.ClaimOutboxExcept(ctx, now, lease, limit, nil)
}

// ClaimOutboxExcept is ClaimOutbox leaving alone the pending rows addressed
// to exactly one of held (members at their send limit): they stay due, in
// their order, and are claimed once the sender stops naming them, instead of
// being claimed and put back again and again while the limit lasts (issue 15).
func (db *DB) ClaimOutboxExcept(ctx context.Context, now time.Time, lease time.Duration, limit int, held []string) ([]servicebot.OutboxMessage, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("store: claim outbox: limit %d is not positive", limit)
	}
	notHeld := ""
	args := []any{servicebot.OutboxSending, ts(now.Add(lease)), ts(now)}
	if len(held) > 0 {
		notHeld = ` AND to_users NOT IN (?` + strings.Repeat(`, ?`, len(held)-1) + `)`
		for _, u := range held {
			args = append(args, u)
		}
	}
	args = append(args, ts(now), limit)
	var rows []outboxRow
	err := sqlx.SelectContext(ctx, db.sqlx, &rows, db.sqlx.Rebind(`
		UPDATE outbox SET status = ?, locked_until = ?, attempts = attempts + 1
		WHERE id IN (
			SELECT id FROM outbox
			-- Literal statuses: they match the partial indexes
			-- outbox_pending_due and outbox_sending_lease, so a backlog of
			-- replies deferred for the send limit is not walked on every claim.
			WHERE (status = 'pending' AND next_attempt_at <= ?`+notHeld+`)
			   OR (status = 'sending' AND locked_until < ?)
			ORDER BY id
			LIMIT ?`+db.skipLocked()+`)
		RETURNING `+outboxColumns),
		args...)
	if err != nil {
		return nil, fmt.Errorf("store: claim outbox: %w", err)
	}
	// RETURNING follows no ORDER BY.
	slices.SortFunc(rows, func(a, b outboxRow) int { return cmp.Compare(a.ID, b.ID) })
	return outboxMessages(rows), nil
}

// GetOutbox returns one outbox row, or an error wrapping servicebot.ErrNotFound.
func (db *DB) GetOutbox(ctx context.Context, id int64) (servicebot.OutboxMessage, error) {
	var row outboxRow
	if err := getOne(ctx, db.sqlx, fmt.Sprintf("get outbox %d", id), &row, db.sqlx.Rebind(`SELECT `+outboxColumns+` FROM outbox WHERE id = ?`), id); err != nil {
		return servicebot.OutboxMessage{}, err
	}
	return row.message(), nil
}

// SentResponseCode is the response_code WeCom returned for the sent row
// dedupKey, "" when it is not sent (yet) or returned none.
func (tx *Tx) SentResponseCode(ctx context.Context, dedupKey string) (string, error) {
	var codes []string
	err := tx.sqlx.SelectContext(ctx, &codes, tx.sqlx.Rebind(
		`SELECT COALESCE(response_code, '') FROM outbox WHERE dedup_key = ? AND status = ?`), dedupKey, servicebot.OutboxSent)
	if err != nil {
		return "", fmt.Errorf("store: sent response code of %s: %w", dedupKey, err)
	}
	if len(codes) == 0 {
		return "", nil
	}
	return codes[0], nil
}

// SentResponseCodes are the response_codes WeCom returned for the sent rows
// whose dedup key starts with prefix (no LIKE wildcards in it), by key: the
// cards 待审批 sent again for one step, each updated with its own code when
// the step is decided.
func (tx *Tx) SentResponseCodes(ctx context.Context, prefix string) (map[string]string, error) {
	var rows []struct {
		Key  string `db:"dedup_key"`
		Code string `db:"response_code"`
	}
	err := tx.sqlx.SelectContext(ctx, &rows, tx.sqlx.Rebind(
		`SELECT dedup_key, response_code FROM outbox WHERE dedup_key LIKE ? AND status = ? AND COALESCE(response_code, '') <> ''`),
		prefix+"%", servicebot.OutboxSent)
	if err != nil {
		return nil, fmt.Errorf("store: sent response codes of %s: %w", prefix, err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Key] = r.Code
	}
	return out, nil
}

// MarkOutboxSent records a delivered row: WeCom's msgid and response_code and
// the time. Recipients WeCom did not know are kept in last_error; otherwise
// the error of an earlier attempt, if any, stays.
//
// Like RetryOutbox and FailOutbox, it changes only a row that is sending, and
// otherwise returns an error wrapping servicebot.ErrNotFound (the row is gone
// or another sender took it over after this one's lease expired and has
// recorded its own outcome).
func (db *DB) MarkOutboxSent(ctx context.Context, id int64, res servicebot.SendResult, now time.Time) error {
	var note string
	if len(res.InvalidUsers) > 0 {
		note = "invalid users: " + strings.Join(res.InvalidUsers, "|")
	}
	err := transition(ctx, db.sqlx, `
		UPDATE outbox SET status = ?, sent_at = ?, locked_until = NULL, msg_id = ?, response_code = ?,
			last_error = COALESCE(NULLIF(?, ''), last_error)
		WHERE id = ? AND status = ?`,
		servicebot.OutboxSent, ts(now), res.MsgID, res.ResponseCode, note, id, servicebot.OutboxSending)
	if err != nil {
		return fmt.Errorf("store: mark outbox %d sent: %w", id, err)
	}
	return nil
}

// RetryOutbox puts a claimed row back to pending after an attempt that
// failed at failedAt, due again at next. The row's first failure is kept:
// the sender gives up by the time since it.
func (db *DB) RetryOutbox(ctx context.Context, id int64, errText string, failedAt, next time.Time) error {
	err := transition(ctx, db.sqlx, `
		UPDATE outbox SET status = ?, last_error = ?, next_attempt_at = ?, locked_until = NULL,
			first_failed_at = COALESCE(first_failed_at, ?)
		WHERE id = ? AND status = ?`,
		servicebot.OutboxPending, errText, ts(next), ts(failedAt), id, servicebot.OutboxSending)
	if err != nil {
		return fmt.Errorf("store: retry outbox %d: %w", id, err)
	}
	return nil
}

// DeferOutbox puts a claimed row back to pending without spending an
// attempt: it was not tried (a recipient was at the send limit, or the
// sender was shutting down). Due again at next; reason becomes its last error.
func (db *DB) DeferOutbox(ctx context.Context, id int64, reason string, next time.Time) error {
	err := transition(ctx, db.sqlx, `
		UPDATE outbox SET status = ?, last_error = ?, next_attempt_at = ?, locked_until = NULL,
			attempts = attempts - 1
		WHERE id = ? AND status = ?`,
		servicebot.OutboxPending, reason, ts(next), id, servicebot.OutboxSending)
	if err != nil {
		return fmt.Errorf("store: defer outbox %d: %w", id, err)
	}
	return nil
}

// FailOutbox gives up on a claimed row: it stays failed, with its error and
// the time it failed, and is never claimed again.
func (db *DB) FailOutbox(ctx context.Context, id int64, errText string, now time.Time) error {
	err := transition(ctx, db.sqlx, `
		UPDATE outbox SET status = ?, last_error = ?, failed_at = ?, locked_until = NULL
		WHERE id = ? AND status = ?`,
		servicebot.OutboxFailed, errText, ts(now), id, servicebot.OutboxSending)
	if err != nil {
		return fmt.Errorf("store: fail outbox %d: %w", id, err)
	}
	return nil
}

// ListOutbox returns up to limit rows in any of statuses (all rows when
// statuses is empty), newest first.
func (db *DB) ListOutbox(ctx context.Context, statuses []string, limit int) ([]servicebot.OutboxMessage, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("store: list outbox: limit %d is not positive", limit)
	}
	query, args := `SELECT `+outboxColumns+` FROM outbox ORDER BY id DESC LIMIT ?`, []any{limit}
	if len(statuses) > 0 {
		var err error
		query, args, err = sqlx.In(`SELECT `+outboxColumns+` FROM outbox WHERE status IN (?) ORDER BY id DESC LIMIT ?`,
			statuses, limit)
		if err != nil {
			return nil, fmt.Errorf("store: list outbox: %w", err)
		}
	}
	var rows []outboxRow
	if err := db.sqlx.SelectContext(ctx, &rows, db.sqlx.Rebind(query), args...); err != nil {
		return nil, fmt.Errorf("store: list outbox: %w", err)
	}
	return outboxMessages(rows), nil
}

// OutboxCounts counts rows by status. Every status is present, with 0 when no
// row has it, so a gauge built on it falls back to 0.
func (db *DB) OutboxCounts(ctx context.Context) (map[string]int, error) {
	counts, err := db.countByStatus(ctx, "outbox",
		servicebot.OutboxPending, servicebot.OutboxSending, servicebot.OutboxSent, servicebot.OutboxFailed)
	if err != nil {
		return nil, fmt.Errorf("store: outbox counts: %w", err)
	}
	return counts, nil
}

// InboxCounts returns how many inbox rows are in each status, with every
// status present (0 if none).
func (db *DB) InboxCounts(ctx context.Context) (map[string]int, error) {
	counts, err := db.countByStatus(ctx, "inbox",
		servicebot.InboxPending, servicebot.InboxProcessing, servicebot.InboxDone, servicebot.InboxFailed)
	if err != nil {
		return nil, fmt.Errorf("store: inbox counts: %w", err)
	}
	return counts, nil
}

// countByStatus counts the rows of table (a constant of ours, never input)
// by status, starting every status in statuses at 0.
func (db *DB) countByStatus(ctx context.Context, table string, statuses ...string) (map[string]int, error) {
	var rows []struct {
		Status string `db:"status"`
		Count  int    `db:"count"`
	}
	if err := db.sqlx.SelectContext(ctx, &rows, `SELECT status, COUNT(*) AS count FROM `+table+` GROUP BY status`); err != nil {
		return nil, err
	}
	counts := make(map[string]int, len(statuses))
	for _, st := range statuses {
		counts[st] = 0
	}
	for _, r := range rows {
		counts[r.Status] = r.Count
	}
	return counts, nil
}

// RequeueOutbox makes rows due again at now: failed rows (status failed)
// go back to pending with their attempts reset, or pending rows (status
// pending, e.g. waiting out a configuration error that has since been fixed)
// are made due at once. id, when non-zero, picks one row. It returns how many
// rows it changed. Each goes out once more, still under WeCom's duplicate
// check, so a row WeCom did deliver within four hours is not shown twice.
func (db *DB) RequeueOutbox(ctx context.Context, status string, id int64, now time.Time) (int64, error) {
	var query string
	switch status {
	case servicebot.OutboxFailed:
		query = `UPDATE outbox SET status = ?, attempts = 0, next_attempt_at = ?, failed_at = NULL, first_failed_at = NULL, locked_until = NULL,
			last_error = 'sent again by hand after: ' || last_error
			WHERE status = ?`
	case servicebot.OutboxPending:
		query = `UPDATE outbox SET status = ?, next_attempt_at = ? WHERE status = ?`
	default:
		return 0, fmt.Errorf("store: requeue outbox: status %q: only failed or pending rows can be sent again", status)
	}
	args := []any{servicebot.OutboxPending, ts(now), status}
	if id != 0 {
		query += ` AND id = ?`
		args = append(args, id)
	}
	n, err := rowsChanged(db.sqlx.ExecContext(ctx, db.sqlx.Rebind(query), args...))
	if err != nil {
		return 0, fmt.Errorf("store: requeue outbox: %w", err)
	}
	return n, nil
}
