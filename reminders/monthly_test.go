package reminders_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/people"
	"github.com/servicebot/servicebot/reminders"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// rosterEngineers is reminders.Engineers over the directory, as cmd wires it.
type rosterEngineers struct{ dir *people.Directory }

func (r rosterEngineers) Engineers(ctx context.Context, day servicebot.Date) ([]servicebot.Member, error) {
	roster, err := r.dir.Roster(ctx, day)
	var out []servicebot.Member
	for _, e := range roster {
		if e.Status != people.StatusExempt {
			out = append(out, e.Member)
		}
	}
	return out, err
}

// cards returns the template cards in the outbox: recipients → sub title.
func cards(t *testing.T, db *store.DB, kind string) map[string][]string {
	t.Helper()
	rows, err := db.ListOutbox(t.Context(), nil, 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, r := range slices.Backward(rows) {
		if r.Kind != servicebot.OutTemplateCard || !strings.Contains(r.DedupKey, kind) {
			continue
		}
		var c struct {
			SubTitle string `json:"sub_title_text"`
			// Where a button_interaction card shows a link: a row of type 1.
			Rows []struct {
				Type int    `json:"type"`
				URL  string `json:"url"`
			} `json:"horizontal_content_list"`
		}
		if err := json.Unmarshal(r.Body, &c); err != nil {
			t.Fatal(err)
		}
		for _, u := range strings.Split(r.ToUsers, "|") {
			text := c.SubTitle
			for _, row := range c.Rows {
				if row.Type == 1 {
					text += " " + row.URL
				}
			}
			out[u] = append(out[u], text)
		}
	}
	return out
}

// Monthly submissions (R-DAY-5): the October diary is compiled from the daily
// reports and sent for confirmation two days before the 20th; whoever
// confirms is handed to the archivist and not reminded again; the rest are
// reminded on the 20th and are overdue, counted in the KPI and reported to the
// manager, the day after.
func TestMonthlyDiaryConfirmRemindOverdue_R_DAY_5(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		f := newFixture(t, db)
		f.report(t, "liqiang", "2026-10-09", at(t, "2026-10-09 19:00"), servicebot.ReportOnTime, "去成都")
		f.report(t, "liqiang", "2026-10-10", at(t, "2026-10-10 23:00"), servicebot.ReportLate, "休息")
		monthly := must(reminders.NewMonthly(db.InTx, reminders.Monthly{
			Engineers: rosterEngineers{f.dir}, Reports: db, Store: db,
			Calendar: f.daily.Calendar, Schedule: schedule,
			RawRecordsDay: 10, DiaryDay: 20, RemindDaysBefore: 2, Managers: []string{"sunli"},
			FileURL: func(token string) string { return "https://bot.example.com/files/" + token },
			Logger:  f.daily.Logger,
		}))
		run := func(now string) {
			t.Helper()
			if err := monthly.Run(ctx, at(t, now)); err != nil {
				t.Fatalf("at %s: %v", now, err)
			}
		}

		run("2026-11-18 08:59")
		if got := cards(t, db, servicebot.ObligationMonthlyDiary); len(got) != 0 {
			t.Fatalf("diary cards before the 18th 09:00: %v", got)
		}
		run("2026-11-18 09:01")
		run("2026-11-18 09:02") // the next look finds it done
		got := cards(t, db, servicebot.ObligationMonthlyDiary)
		if users := sortedKeys(got); !slices.Equal(users, []string{"liqiang", "wangjun", "zhangwei"}) {
			t.Fatalf("diary cards to %v, want the three engineers", users)
		}
		for u, texts := range got {
			if len(texts) != 1 || !strings.Contains(texts[0], "10月工作日记已根据每天的日报整理好") ||
				!strings.Contains(texts[0], "https://bot.example.com/files/") {
				t.Errorf("%s got %q, want one diary card with its link", u, texts)
			}
		}

		// The diary itself, as liqiang's link serves it.
		token := strings.TrimPrefix(got["liqiang"][0][strings.Index(got["liqiang"][0], "https://"):], "https://bot.example.com/files/")
		doc, err := db.GetDocument(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		checkDiary(t, doc.Content, map[string][]string{
			"2026-10-01": {"2026-10-01", "周四", "休息"},
			"2026-10-09": {"2026-10-09", "周五", "按时", "调试设备", "去成都"},
			"2026-10-10": {"2026-10-10", "周六", "迟交", "调试设备", "休息"},
			"2026-10-12": {"2026-10-12", "周一", "未报"},
		})

		// liqiang confirms by the card's button.
		confirm := reminders.ConfirmMonthly(servicebot.ClockFunc(func() time.Time { return at(t, "2026-11-19 10:00") }),
			reminders.MonthlyButtonPrefix, []string{"hejing"}, monthly.FileURL)
		ev := wecommsg.Event{FromUserName: "liqiang", CreateTime: 1, MsgType: wecommsg.MsgEvent,
			Event: wecommsg.EventTemplateCard, EventKey: reminders.MonthlyButtonPrefix + "monthly_diary:2026-10", ResponseCode: "rc"}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return confirm(ctx, tx, ev) }); err != nil {
			t.Fatal(err)
		}
		archived := recipients(f.outbox(t), "【归档】")
		if !slices.Equal(archived, []string{"hejing"}) {
			t.Errorf("archivist messages to %v, want hejing", archived)
		}
		if msgs := f.outbox(t); !slices.ContainsFunc(msgs, func(m sent) bool {
			return m.To == "hejing" && strings.Contains(m.Text, "https://bot.example.com/files/"+token)
		}) {
			t.Errorf("the archivist did not get liqiang's diary link: %v", msgs)
		}

		run("2026-11-20 09:00")
		got = cards(t, db, servicebot.ObligationMonthlyDiary)
		for _, u := range []string{"wangjun", "zhangwei"} {
			if len(got[u]) != 2 || !strings.Contains(got[u][1], "截止日") {
				t.Errorf("%s got %q, want a due-day card", u, got[u])
			}
		}
		if len(got["liqiang"]) != 1 {
			t.Errorf("liqiang confirmed but got %q", got["liqiang"])
		}

		run("2026-11-21 00:00")
		run("2026-11-21 09:00")
		events, err := db.KPIEvents(ctx, "2026-11")
		if err != nil {
			t.Fatal(err)
		}
		var late []string
		for _, e := range events {
			if e.Kind == servicebot.KPILateMonthly {
				late = append(late, e.UserID+" "+e.Ref)
			}
		}
		want := []string{"wangjun monthly_diary:2026-10:wangjun", "zhangwei monthly_diary:2026-10:zhangwei"}
		if !slices.Equal(late, want) {
			t.Errorf("late monthly KPI events %v, want %v", late, want)
		}
		overdue := recipients(f.outbox(t), "【逾期】10月工作日记")
		if !slices.Equal(overdue, []string{"sunli"}) {
			t.Errorf("overdue report to %v, want the manager once", overdue)
		}
		if msgs := f.outbox(t); !slices.ContainsFunc(msgs, func(m sent) bool {
			return m.To == "sunli" && strings.Contains(m.Text, "2 人未确认：王军、张伟")
		}) {
			t.Errorf("the manager's overdue message does not name 王军、张伟: %v", msgs)
		}
	})
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// checkDiary opens the .xlsx and checks the rows of some days (cells from the left).
func checkDiary(t *testing.T, content []byte, want map[string][]string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(content))
	if err != nil {
		t.Fatalf("diary is not an xlsx file: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows("日记")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2+31 {
		t.Errorf("diary has %d rows, want a title, a header and 31 days", len(rows))
	}
	for _, row := range rows {
		if len(row) == 0 {
			continue
		}
		if w, ok := want[row[0]]; ok {
			if len(row) < len(w) || !slices.Equal(row[:len(w)], w) {
				t.Errorf("diary row %v, want it to start %v", row, w)
			}
			delete(want, row[0])
		}
	}
	if len(want) > 0 {
		t.Errorf("diary lacks the days %v", want)
	}
}
