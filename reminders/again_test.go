package reminders_test

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/reminders"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// fri27 is the Friday whose reports are chased.
var fri27 = servicebot.NewDate(2026, time.November, 27)

// R-DAY-3: each press of 再次提醒 reaches those still missing whom no press
// reached before. A second press after somebody else went missing reaches
// that person (its message is not taken for a duplicate of the first
// press's), and a third, with nobody new, sends nothing.
func TestRemindAgain_EachClickReachesItsNewRecipients(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		clock := testclock.At(time.Date(2026, 11, 30, 9, 5, 0, 0, shanghai))
		remind := reminders.RemindAgain(clock, []string{"sunli"})
		owe := func(users ...string) {
			t.Helper()
			obs := make([]servicebot.Obligation, len(users))
			for i, u := range users {
				obs[i] = servicebot.Obligation{Kind: servicebot.ObligationDailyReport, UserID: u,
					Key: servicebot.DailyReportKey(u, fri27), Period: fri27.String(),
					DueAt: time.Date(2026, 11, 27, 22, 0, 0, 0, shanghai), CreatedAt: time.Date(2026, 11, 27, 8, 0, 0, 0, shanghai)}
			}
			if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := tx.EnsureObligations(ctx, obs); return err }); err != nil {
				t.Fatal(err)
			}
		}
		click := func(n int) {
			t.Helper()
			clock.Add(time.Minute)
			ev := wecommsg.Event{FromUserName: "sunli", CreateTime: clock.Now().Unix(), MsgType: wecommsg.MsgEvent,
				Event: wecommsg.EventTemplateCard, EventKey: servicebot.RemindButtonPrefix + fri27.String(),
				TaskID: "daily-summary-2026-11-27-1-1", ResponseCode: "rc" + strconv.Itoa(n)}
			if err := db.InTx(ctx, func(tx *store.Tx) error { return remind(ctx, tx, ev) }); err != nil {
				t.Fatal(err)
			}
		}
		outbox := func() (reminded []string, labels []string) {
			t.Helper()
			rows, err := db.ListOutbox(ctx, nil, 100)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range slices.Backward(rows) {
				switch r.Kind {
				case servicebot.OutText:
					var body struct{ Content string }
					if err := json.Unmarshal(r.Body, &body); err != nil {
						t.Fatal(err)
					}
					if strings.Contains(body.Content, "【补报提醒】") {
						reminded = append(reminded, r.ToUsers)
					}
				case servicebot.OutUpdateCard:
					var body struct {
						Button struct {
							ReplaceName string `json:"replace_name"`
						} `json:"button"`
					}
					if err := json.Unmarshal(r.Body, &body); err != nil {
						t.Fatal(err)
					}
					labels = append(labels, body.Button.ReplaceName)
				}
			}
			return reminded, labels
		}

		owe("liqiang", "wangjun")
		click(1)
		// zhangwei owes the day's report too, found only now (say a sync
		// restored him), and nobody has reminded him.
		owe("zhangwei")
		click(2)
		click(3)

		reminded, labels := outbox()
		if want := []string{"liqiang|wangjun", "zhangwei"}; !slices.Equal(reminded, want) {
			t.Errorf("再次提醒 messages to %q, want %q", reminded, want)
		}
		if want := []string{"已再次提醒 2 人", "已再次提醒 1 人", "无需提醒：都已提交或已提醒过"}; !slices.Equal(labels, want) {
			t.Errorf("card labels %q, want %q", labels, want)
		}
	})
}
