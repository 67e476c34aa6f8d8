package reminders_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/reminders"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// R-DAY-5: the archivist is told who confirmed by the name the address book
// gives them; someone it does not know (yet) by their userid.
func TestConfirmMonthlyNamesTheEngineerToTheArchivist(t *testing.T) {
	t.Parallel()
	cases := []struct {
		user, want string
	}{
		{"liqiang", "【归档】李强 已确认提交10月工作日记，请查收归档。"},
		{"xiaoxin", "【归档】xiaoxin 已确认提交10月工作日记，请查收归档。"},
	}
	for _, tc := range cases {
		t.Run(tc.user, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := t.Context()
				now := time.Date(2026, 11, 19, 10, 0, 0, 0, shanghai)
				if _, _, err := db.ReplaceDirectory(ctx, []servicebot.Department{{ID: 2, Name: "售后服务部"}},
					[]servicebot.Member{{UserID: "liqiang", Name: "李强", Departments: []int64{2}}}, now); err != nil {
					t.Fatal(err)
				}
				duty := servicebot.MonthlyDuty{Kind: servicebot.ObligationMonthlyDiary, Period: "2026-10"}
				ob := servicebot.Obligation{Kind: duty.Kind, UserID: tc.user, Key: duty.Key(tc.user), Period: duty.Period,
					DueAt: now.Add(24 * time.Hour), CreatedAt: now.Add(-24 * time.Hour)}
				confirm := reminders.ConfirmMonthly(servicebot.ClockFunc(func() time.Time { return now }), "monthly:", []string{"hejing"}, nil)
				ev := wecommsg.Event{FromUserName: tc.user, CreateTime: 1, MsgType: wecommsg.MsgEvent,
					Event: wecommsg.EventTemplateCard, EventKey: "monthly:" + duty.Kind + ":" + duty.Period}
				err := db.InTx(ctx, func(tx *store.Tx) error {
					if _, err := tx.EnsureObligations(ctx, []servicebot.Obligation{ob}); err != nil {
						return err
					}
					return confirm(ctx, tx, ev)
				})
				if err != nil {
					t.Fatal(err)
				}
				out, err := db.ListOutbox(ctx, nil, 10)
				if err != nil {
					t.Fatal(err)
				}
				var texts []string
				for _, m := range out {
					var body struct{ Content string }
					if m.ToUsers == "hejing" && json.Unmarshal(m.Body, &body) == nil {
						texts = append(texts, body.Content)
					}
				}
				if len(texts) != 1 || texts[0] != tc.want {
					t.Errorf("archivist got %q, want %q", texts, tc.want)
				}
			})
		})
	}
}
