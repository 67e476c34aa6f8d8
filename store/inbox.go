package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/servicebot/servicebot"
)

const inboxColumns = `id, dedup_key, kind, from_user, payload, status, attempts, last_error,
	received_at, locked_until, done_at`

// inboxRow is an inbox row as scanned; nullable timestamps become zero times.
type inboxRow struct {
	ID          int64    `db:"id"`
	DedupKey    string   `db:"dedup_key"`
	Kind        string   `db:"kind"`
	FromUser    string   `db:"from_user"`
	Payload     []byte   `db:"payload"`
	Status      string   `db:"status"`
	Attempts    int      `db:"attempts"`
	LastError   string   `db:"last_error"`
	ReceivedAt  nullTime `db:"received_at"`
	LockedUntil nullTime `db:"locked_until"`
	DoneAt      nullTime `db:"done_at"`
}

func (r inboxRow) item() servicebot.InboxItem {
	return servicebot.InboxItem{
		ID:          r.ID,
		DedupKey:    r.DedupKey,
		Kind:        r.Kind,
		FromUser:    r.FromUser,
		Payload:     r.Payload,
		Status:      r.Status,
		Attempts:    r.Attempts,
		LastError:   r.LastError,
		ReceivedAt:  r.ReceivedAt.Time,
		LockedUntil: r.LockedUntil.Time,
		DoneAt:      r.DoneAt.Time,
	}
}

func inboxItems(rows []inboxRow) []servicebot.InboxItem {
	items := make([]servicebot.InboxItem, len(rows))
	for i, r := range rows {
		items[i] = r.item()
	}
	return items
}

// InsertInbox stores a callback delivery as pending. It reports inserted false,
// and no error, when a row with the same DedupKey exists: WeCom delivered it
// again. Any other failure is an error, and the delivery must not be
// acknowledged.
func (db *DB) InsertInbox(ctx context.Context, item servicebot.InboxItem) (inserted bool, err error) {
	if item.DedupKey == "" {
		return false, errors.New("store: insert inbox: empty dedup key")
	}
	if item.ReceivedAt.IsZero() {
		return false, errors.New("store: insert inbox: zero received time")
	}
	if db.inboxBatch != nil {
		return db.inboxBatch.insert(ctx, item)
	}
	payload := item.Payload
	if payload == nil {
		payload = []byte{} // NOT NULL; an empty body is still a delivery
	}
	res, err := db.sqlx.ExecContext(ctx, db.sqlx.Rebind(`
		INSERT INTO inbox (dedup_key, kind, from_user, payload, status, received_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (dedup_key) DO NOTHING`),
		item.DedupKey, item.Kind, item.FromUser, payload, servicebot.InboxPending, ts(item.ReceivedAt))
	if err != nil {
		return false, fmt.Errorf("store: insert inbox: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: insert inbox: %w", err)
	}
	return n == 1, nil
}

// ClaimInbox claims up to limit rows for handling, in order of arrival: rows
// pending (and past any retry delay), and rows still processing whose lease
// has expired because their worker crashed. Each claimed row is processing
// until now+lease, with one more attempt counted. Concurrent claimers, in this
// process or another, never get the same row. A row waits while an earlier
// row of the same member is unfinished, so each member's messages are handled
// one at a time, in order.
func (db *DB) ClaimInbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]servicebot.InboxItem, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("store: claim inbox: limit %d is not positive", limit)
	}
	var rows []inboxRow
	err := sqlx.SelectContext(ctx, db.sqlx, &rows, db.sqlx.Rebind(`
		UPDATE inbox SET status = ?, locked_until = ?, attempts = attempts + 1
		WHERE id IN (
			SELECT id FROM inbox
			WHERE ((status = ? AND (locked_until IS NULL OR locked_until <= ?))
			    OR (status = ? AND locked_until < ?))
			  -- One member's messages are handled in order of arrival: not
			  -- while an earlier one of theirs is unfinished (claimed, or
			  -- waiting for a retry), so a reply to the bot's question is
			  -- never handled before the report it completes.
			  -- (The statuses are literals so that the partial index
			  -- inbox_unfinished_by_user, whose predicate they match, is used.)
			  AND NOT EXISTS (
				SELECT 1 FROM inbox earlier
				WHERE earlier.from_user = inbox.from_user AND earlier.id < inbox.id
				  AND earlier.status IN ('pending', 'processing'))
			ORDER BY id
			LIMIT ?`+db.skipLocked()+`)
		RETURNING `+inboxColumns),
		servicebot.InboxProcessing, ts(now.Add(lease)),
		servicebot.InboxPending, ts(now),
		servicebot.InboxProcessing, ts(now),
		limit)
	if err != nil {
		return nil, fmt.Errorf("store: claim inbox: %w", err)
	}
	// RETURNING follows no ORDER BY.
	slices.SortFunc(rows, func(a, b inboxRow) int { return cmp.Compare(a.ID, b.ID) })
	return inboxItems(rows), nil
}

// GetInbox returns one inbox row, or an error wrapping servicebot.ErrNotFound.
func (db *DB) GetInbox(ctx context.Context, id int64) (servicebot.InboxItem, error) {
	var row inboxRow
	err := db.sqlx.GetContext(ctx, &row, db.sqlx.Rebind(`SELECT `+inboxColumns+` FROM inbox WHERE id = ?`), id)
	if errors.Is(err, sql.ErrNoRows) {
		return servicebot.InboxItem{}, fmt.Errorf("store: get inbox %d: %w", id, servicebot.ErrNotFound)
	}
	if err != nil {
		return servicebot.InboxItem{}, fmt.Errorf("store: get inbox %d: %w", id, err)
	}
	return row.item(), nil
}

// RetryInbox puts a claimed row back to pending after a failed attempt; it is
// not claimed again before retryAt.
//
// Like FailInbox and CompleteInbox, it changes only a row that is processing,
// and otherwise returns an error wrapping servicebot.ErrNotFound: the row is
// gone or was finished by a worker that took it over after this one's lease
// expired, and this worker's outcome must not be recorded.
func (db *DB) RetryInbox(ctx context.Context, id int64, errText string, retryAt time.Time) error {
	err := transition(ctx, db.sqlx, `
		UPDATE inbox SET status = ?, last_error = ?, locked_until = ?
		WHERE id = ? AND status = ?`,
		servicebot.InboxPending, errText, ts(retryAt), id, servicebot.InboxProcessing)
	if err != nil {
		return fmt.Errorf("store: retry inbox %d: %w", id, err)
	}
	return nil
}

// FailInbox gives up on a claimed row: it stays failed, with its error, and is
// never claimed again.
func (db *DB) FailInbox(ctx context.Context, id int64, errText string, now time.Time) error {
	err := transition(ctx, db.sqlx, `
		UPDATE inbox SET status = ?, last_error = ?, locked_until = NULL, done_at = ?
		WHERE id = ? AND status = ?`,
		servicebot.InboxFailed, errText, ts(now), id, servicebot.InboxProcessing)
	if err != nil {
		return fmt.Errorf("store: fail inbox %d: %w", id, err)
	}
	return nil
}

// CompleteInbox marks a claimed row done, in the transaction that writes the
// outbox rows its handling produced: if the process dies before the commit,
// the row is claimed again and nothing was sent; after it, the row is done and
// nothing is sent twice. If another worker completed the row first (this
// one's lease expired), it returns an error wrapping servicebot.ErrNotFound,
// and the caller's transaction, replies included, must roll back.
func (tx *Tx) CompleteInbox(ctx context.Context, id int64, now time.Time) error {
	err := transition(ctx, tx.sqlx, `
		UPDATE inbox SET status = ?, locked_until = NULL, done_at = ?
		WHERE id = ? AND status = ?`,
		servicebot.InboxDone, ts(now), id, servicebot.InboxProcessing)
	if err != nil {
		return fmt.Errorf("store: complete inbox %d: %w", id, err)
	}
	return nil
}

// InboxStats counts the rows not yet handled (pending or processing) and
// returns the oldest one's arrival time, zero when there are none.
func (db *DB) InboxStats(ctx context.Context) (pending int, oldest time.Time, err error) {
	var row struct {
		Count  int      `db:"count"`
		Oldest nullTime `db:"oldest"`
	}
	err = db.sqlx.GetContext(ctx, &row, db.sqlx.Rebind(`
		SELECT COUNT(*) AS count, MIN(received_at) AS oldest
		FROM inbox WHERE status IN (?, ?)`),
		servicebot.InboxPending, servicebot.InboxProcessing)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: inbox stats: %w", err)
	}
	return row.Count, row.Oldest.Time, nil
}

// transition runs an UPDATE meant to change exactly one row and reports
// servicebot.ErrNotFound when it changed none. query uses ? placeholders.
func transition(ctx context.Context, q sqlx.ExtContext, query string, args ...any) error {
	res, err := q.ExecContext(ctx, q.Rebind(query), args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return servicebot.ErrNotFound
	}
	return nil
}
