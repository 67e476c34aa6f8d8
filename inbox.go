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
	ID          int64
	DedupKey    string
	Kind        string // Event.Kind()
	FromUser    string // Event.FromUserName
	Payload     []byte // the decrypted XML
	Status      string
	Attempts    int
	LastError   string
	ReceivedAt  time.Time
	LockedUntil time.Time
	DoneAt      time.Time
}
