package store

import (
	"cmp"
	"context"
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
	n, err := rowsChanged(db.sqlx.ExecContext(ctx, db.sqlx.Rebind(`
		INSERT INTO inbox (dedup_key, kind, from_user, payload, status, received_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (dedup_key) DO NOTHING`),
		item.DedupKey, item.Kind, item.FromUser, payload, servicebot.InboxPending, ts(item.ReceivedAt)))
	if err != nil {
		return false, fmt.Errorf("store: insert inbox: %w", err)
	}
	return n == 1, nil
}

// ClaimInbox claims up to limit rows for handling, in order of arrival, at
// most one of each member: ClaimInboxRuns with perMember 1.
func (db *DB) ClaimInbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]servicebot.InboxItem, error) {
	return db.ClaimInboxRuns(ctx, now, lease, limit, 1)
}

// ClaimInboxRuns claims up to limit rows for handling, in order of arrival:
// rows pending (and past any retry delay), and rows still processing whose
// lease has expired because their worker crashed. Each claimed row is
// processing until now+lease, with one more attempt counted. Concurrent
// claimers, in this process or another, never get the same row.
//
// One member's messages are handled in order of arrival: a row is claimed
// only with every earlier unfinished row of its member, so a claim holds a
// run of up to perMember consecutive rows of each member, which the caller
// handles in order (and gives back with ReleaseInbox the ones after a row
// that failed). A member's rows wait while an earlier one is claimed by
// someone else or waiting for a retry: a reply to the bot's question is never
// handled before the report it completes. Runs let a burst from a few members
// (the replies to a 20:00 reminder) fill a batch (issue 15).
func (db *DB) ClaimInboxRuns(ctx context.Context, now time.Time, lease time.Duration, limit, perMember int) ([]servicebot.InboxItem, error) {
	if limit <= 0 || perMember <= 0 {
		return nil, fmt.Errorf("store: claim inbox: limit %d, per member %d: want both positive", limit, perMember)
	}
	// For each member's unfinished rows in order (the partial index
	// inbox_unfinished_by_user, whose predicate the literal statuses match,
	// gives them in that order): its place in the run, how many rows up to
	// it cannot be claimed now, and how many before it are processing (a row
	// taken over from a crashed worker ends a run: its worker may still
	// finish it, and the rows after it must not go first).
	query := `
		UPDATE inbox SET status = ?, locked_until = ?, attempts = attempts + 1
		WHERE id IN (
			SELECT id FROM (
				SELECT id,
					ROW_NUMBER() OVER w AS place,
					SUM(CASE WHEN (status = 'pending' AND (locked_until IS NULL OR locked_until <= ?))
					           OR (status = 'processing' AND locked_until < ?) THEN 0 ELSE 1 END) OVER w AS waiting,
					SUM(CASE WHEN status = 'processing' THEN 1 ELSE 0 END) OVER w
					    - CASE WHEN status = 'processing' THEN 1 ELSE 0 END AS processing_before
				FROM inbox
				WHERE status IN ('pending', 'processing')
				WINDOW w AS (PARTITION BY from_user ORDER BY id)
			) unfinished
			WHERE waiting = 0 AND processing_before = 0 AND place <= ?
			ORDER BY id
			LIMIT ?)
		  -- Checked again on the row as it is now: a worker whose lease ran
		  -- out may have finished it meanwhile.
		  AND ((status = ? AND (locked_until IS NULL OR locked_until <= ?)) OR (status = ? AND locked_until < ?))
		RETURNING ` + inboxColumns
	args := []any{
		servicebot.InboxProcessing, ts(now.Add(lease)),
		ts(now), ts(now),
		perMember, limit,
		servicebot.InboxPending, ts(now), servicebot.InboxProcessing, ts(now),
	}
	var rows []inboxRow
	claim := func(q sqlx.QueryerContext) error {
		return sqlx.SelectContext(ctx, q, &rows, db.sqlx.Rebind(query), args...)
	}
	var err error
	if db.dialect == DialectPostgres {
		// Claims take turns (a transaction lock per schema). A run cannot
		// skip rows another claimer has locked (FOR UPDATE is not allowed
		// with window functions, and a run missing its first row would break
		// the member's order), so each claim must see the previous one's
		// rows as claimed: after the lock, a new statement's snapshot does.
		err = db.InTx(ctx, func(tx *Tx) error {
			if _, err := tx.sqlx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.inbox_claim'))`); err != nil {
				return err
			}
			return claim(tx.sqlx)
		})
	} else {
		// SQLite has one writer: the statement is the turn.
		err = claim(db.sqlx)
	}
	if err != nil {
		return nil, fmt.Errorf("store: claim inbox: %w", err)
	}
	// RETURNING follows no ORDER BY.
	slices.SortFunc(rows, func(a, b inboxRow) int { return cmp.Compare(a.ID, b.ID) })
	return inboxItems(rows), nil
}

// ReleaseInbox gives claimed rows back unhandled, pending at once and with
// their attempt given back: the worker claimed them in a run behind a row of
// the same member that failed, and they must wait for it. Rows no longer
// processing are left alone.
func (db *DB) ReleaseInbox(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	query, args, err := sqlx.In(`
		UPDATE inbox SET status = ?, locked_until = NULL, attempts = attempts - 1
		WHERE id IN (?) AND status = ?`,
		servicebot.InboxPending, ids, servicebot.InboxProcessing)
	if err != nil {
		return fmt.Errorf("store: release inbox: %w", err)
	}
	if _, err := db.sqlx.ExecContext(ctx, db.sqlx.Rebind(query), args...); err != nil {
		return fmt.Errorf("store: release inbox: %w", err)
	}
	return nil
}

// GetInbox returns one inbox row, or an error wrapping servicebot.ErrNotFound.
func (db *DB) GetInbox(ctx context.Context, id int64) (servicebot.InboxItem, error) {
	var row inboxRow
	if err := getOne(ctx, db.sqlx, fmt.Sprintf("get inbox %d", id), &row, db.sqlx.Rebind(`SELECT `+inboxColumns+` FROM inbox WHERE id = ?`), id); err != nil {
		return servicebot.InboxItem{}, err
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

// CompleteInboxes is CompleteInbox for several rows at once, in one
// statement: a worker batch completes the rows it handled together. If any
// of them is no longer processing (another worker finished it after this
// one's lease expired), it changes nothing visible once the caller rolls
// back as it must: it returns an error wrapping servicebot.ErrNotFound.
func (tx *Tx) CompleteInboxes(ctx context.Context, ids []int64, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	query, args, err := sqlx.In(`
		UPDATE inbox SET status = ?, locked_until = NULL, done_at = ?
		WHERE id IN (?) AND status = ?`,
		servicebot.InboxDone, ts(now), ids, servicebot.InboxProcessing)
	if err != nil {
		return fmt.Errorf("store: complete inbox: %w", err)
	}
	n, err := rowsChanged(tx.sqlx.ExecContext(ctx, tx.sqlx.Rebind(query), args...))
	if err != nil {
		return fmt.Errorf("store: complete inbox: %w", err)
	}
	if n != int64(len(ids)) {
		return fmt.Errorf("store: complete inbox: %d of %d rows no longer processing: %w", int64(len(ids))-n, len(ids), servicebot.ErrNotFound)
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
	n, err := rowsChanged(q.ExecContext(ctx, q.Rebind(query), args...))
	if err != nil {
		return err
	}
	if n == 0 {
		return servicebot.ErrNotFound
	}
	return nil
}
