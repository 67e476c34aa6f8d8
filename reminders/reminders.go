// Package reminders holds the scheduled jobs that chase what people owe
// (DESIGN, flow 3): the daily report's reminders, the day's close, the
// manager's morning summary, and the monthly submissions of R-DAY-5.
//
// Each job is a plain func(ctx, now) that looks at what is due at now and
// writes reminders to the outbox. What is due is decided by the pure rules of
// the root package; what has been done is decided by unique keys in the
// store: a reminder stage is a row (obligation, stage) written in the same
// transaction as its outbox rows, so two replicas, a restart or a re-run
// never send one twice, and a process that was down sends a due reminder
// when it comes back, unless its deadline has passed.
package reminders

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
)

// MaxRecipients is how many userids one message/send takes (touser ≤ 1000).
const MaxRecipients = wecommsg.MaxRecipients

// Reporters says who owes a daily report on a day: the engineers for whom it
// is a working day and who are not on leave (people.Directory).
type Reporters interface {
	Reporters(ctx context.Context, day servicebot.Date) ([]servicebot.Member, error)
}

// ReportStates says who has filed a report for a day (store.DB).
type ReportStates interface {
	ReportStatus(ctx context.Context, day servicebot.Date) (map[string]servicebot.ReportState, error)
}

// Store is what the jobs read outside a transaction.
type Store interface {
	DutyDone(ctx context.Context, key string) (bool, error)
	Obligations(ctx context.Context, kind, period string) ([]servicebot.Obligation, error)
}

// Tx is what the jobs write through: the obligations, their stages, the KPI
// facts and the outbox rows of one decision commit together.
type Tx interface {
	EnsureObligations(ctx context.Context, obs []servicebot.Obligation) (int, error)
	ClaimDuty(ctx context.Context, kind, key, period string, now time.Time) (bool, error)
	Obligations(ctx context.Context, kind, period string) ([]servicebot.Obligation, error)
	// LockObligations is Obligations, holding the rows until the
	// transaction ends: a report saved meanwhile is seen or waits.
	LockObligations(ctx context.Context, kind, period string) ([]servicebot.Obligation, error)
	GetObligation(ctx context.Context, key string) (servicebot.Obligation, error)
	ReportStatus(ctx context.Context, day servicebot.Date) (map[string]servicebot.ReportState, error)
	CloseObligations(ctx context.Context, ids []int64, status string, now time.Time) (int, error)
	MarkStage(ctx context.Context, stage string, obligationIDs []int64, now time.Time) ([]int64, error)
	AddKPIEvents(ctx context.Context, events []servicebot.KPIEvent) (int, error)
	EnqueueOutbox(ctx context.Context, m servicebot.OutboxMessage) (id int64, inserted bool, err error)
	// PutDocument keeps a compiled diary; it returns the token of the one
	// stored first, so a later stage links to what the first one showed.
	PutDocument(ctx context.Context, d servicebot.Document) (string, error)
}

// Group is where department-wide posts go: an app group chat or a group
// robot, or nowhere when both are empty.
type Group struct {
	ChatID    string
	RobotKey  string
	ShowNames bool // names of those who missed in the group post (default: the count only)
}

// posts are the outbox rows of a markdown post to the group (split to fit
// the API's limit), none when no group is configured.
func (g Group) posts(dedupKey, markdown string, now time.Time) ([]servicebot.OutboxMessage, error) {
	return wecommsg.Group{ChatID: g.ChatID, RobotKey: g.RobotKey}.Posts(
		servicebot.OutboxMessage{DedupKey: dedupKey, CreatedAt: now}, markdown)
}

// enqueueText sends the same text to users in messages of at most
// MaxRecipients each. Each message's dedup key is keyPrefix and a digest of
// its recipients, so a re-run that (wrongly) reached the same people would
// still enqueue nothing new.
func enqueueText(ctx context.Context, tx Tx, keyPrefix string, users []string, text string, now time.Time) error {
	for _, batch := range wecommsg.Batches(users) {
		to := strings.Join(batch, "|")
		rows, err := wecommsg.Texts(servicebot.OutboxMessage{DedupKey: keyPrefix + ":" + digest(to),
			ToUsers: to, CreatedAt: now}, text)
		if err != nil {
			return fmt.Errorf("reminders: %s: %w", keyPrefix, err)
		}
		if err := enqueue(ctx, tx, rows...); err != nil {
			return fmt.Errorf("reminders: enqueue %s: %w", keyPrefix, err)
		}
	}
	return nil
}

// enqueue writes rows to the outbox.
func enqueue(ctx context.Context, tx Tx, rows ...servicebot.OutboxMessage) error {
	for _, m := range rows {
		if _, _, err := tx.EnqueueOutbox(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// taskID names an interactive card. WeCom refuses a task_id the app has
// used before, ever, even one sent from a database started afresh (a reset,
// a demo before production on the same app) where the same day or period
// comes round again: the id of the row the card is about and the time it
// was made keep two installations apart. name must be of [a-zA-Z0-9_-@];
// WeCom takes at most 128 bytes.
func taskID(name string, rowID int64, created time.Time) string {
	return fmt.Sprintf("%s-%d-%d", name, rowID, created.Unix())
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}
