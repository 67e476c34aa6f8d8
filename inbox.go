package servicebot

import "time"

// Inbox row states.
const (
	InboxPending    = "pending"    // stored, not yet handled
	InboxProcessing = "processing" // claimed by a worker until LockedUntil
	InboxDone       = "done"
	InboxFailed     = "failed" // gave up after MaxAttempts; kept with its error
)

// InboxItem is one stored callback delivery. It is written before WeCom gets
// its 200, so nothing acknowledged is ever lost; a worker handles it later.
type InboxItem struct {
	ID          int64     `db:"id"`
	DedupKey    string    `db:"dedup_key"`
	Kind        string    `db:"kind"`      // Event.Kind()
	FromUser    string    `db:"from_user"` // Event.FromUserName
	Payload     []byte    `db:"payload"`   // the decrypted XML
	Status      string    `db:"status"`
	Attempts    int       `db:"attempts"`
	LastError   string    `db:"last_error"`
	ReceivedAt  time.Time `db:"received_at"`
	LockedUntil time.Time `db:"locked_until"`
	DoneAt      time.Time `db:"done_at"`
}
