package reminders

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/feature"
)

// AgainTx is what the manager's 再次提醒 button needs of the transaction:
// who still has no report for the day, and the stage rows that make the
// second reminder go out once per engineer however often it is pressed.
type AgainTx interface {
	EnqueueOutbox(ctx context.Context, m servicebot.OutboxMessage) (id int64, inserted bool, err error)
	StillMissing(ctx context.Context, day servicebot.Date) ([]servicebot.Obligation, error)
	MarkStage(ctx context.Context, stage string, obligationIDs []int64, now time.Time) ([]int64, error)
}

// RemindAgain handles a click on 再次提醒 (button key "remind:2026-11-27",
// registered for servicebot.RemindButtonPrefix)
// of the manager's morning card (R-DAY-3): those who still have no report for
// the day get a reminder to file it late (补报), and the manager's card is
// updated to say how many were reminded. Only managers may press it; a click
// by anybody else is ignored.
func RemindAgain(clock servicebot.Clock, managers []string) func(ctx context.Context, tx AgainTx, ev wecommsg.Event) error {
	return func(ctx context.Context, tx AgainTx, ev wecommsg.Event) error {
		if !slices.Contains(managers, ev.FromUserName) {
			return nil
		}
		day, err := servicebot.ParseDate(strings.TrimPrefix(ev.EventKey, servicebot.RemindButtonPrefix))
		if err != nil {
			return nil // a key we never made: nothing to do, nothing to retry
		}
		now := clock.Now()
		obs, err := tx.StillMissing(ctx, day)
		if err != nil {
			return fmt.Errorf("reminders: remind again: %w", err)
		}
		userOf := make(map[int64]string, len(obs))
		ids := make([]int64, len(obs))
		for i, o := range obs {
			userOf[o.ID], ids[i] = o.UserID, o.ID
		}
		fresh, err := tx.MarkStage(ctx, servicebot.StageAgain, ids, now)
		if err != nil {
			return fmt.Errorf("reminders: remind again: %w", err)
		}
		users := make([]string, len(fresh))
		for i, id := range fresh {
			users[i] = userOf[id]
		}
		slices.Sort(users)
		for lo := 0; lo < len(users); lo += MaxRecipients {
			to := strings.Join(users[lo:min(lo+MaxRecipients, len(users))], "|")
			// Each click reaches only people no click reached before (the
			// stage rows), so a key of its recipients is new for every click
			// that reaches anybody, and the same for a retry of this one.
			sum := sha256.Sum256([]byte(to))
			err := feature.EnqueueTexts(ctx, tx, servicebot.OutboxMessage{
				DedupKey:  fmt.Sprintf("remind-again:%s:%s", day, hex.EncodeToString(sum[:8])),
				ToUsers:   to,
				CreatedAt: now,
			}, servicebot.RemindAgainText(day))
			if err != nil {
				return fmt.Errorf("reminders: remind again: %w", err)
			}
		}
		return updateRemindCard(ctx, tx, ev, len(users), now)
	}
}

// updateRemindCard relabels the clicked card's button with the outcome
// (update_template_card, with the click's one-use response_code).
func updateRemindCard(ctx context.Context, tx AgainTx, ev wecommsg.Event, reminded int, now time.Time) error {
	if ev.ResponseCode == "" {
		return nil
	}
	label := fmt.Sprintf("已再次提醒 %d 人", reminded)
	if reminded == 0 {
		label = "无需提醒：都已提交或已提醒过"
	}
	if err := feature.Relabel(ctx, tx, ev, label, now); err != nil {
		return fmt.Errorf("reminders: update remind card: %w", err)
	}
	return nil
}
