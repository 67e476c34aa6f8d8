package reminders_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"testing"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/reminders"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// taskIDRe is what WeCom takes as a task_id.
var taskIDRe = regexp.MustCompile(`^[a-zA-Z0-9_\-@]{1,128}$`)

type sentCard struct {
	TaskID    string `json:"task_id"`
	MainTitle struct {
		Title string `json:"title"`
	} `json:"main_title"`
}

// sentCards are the template cards in db's outbox.
func sentCards(t *testing.T, db *store.DB) []sentCard {
	t.Helper()
	rows, err := db.ListOutbox(t.Context(), nil, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []sentCard
	for _, r := range rows {
		if r.Kind != servicebot.OutTemplateCard {
			continue
		}
		var c sentCard
		if err := json.Unmarshal(r.Body, &c); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// freshStore is another empty store of db's dialect: the database started
// afresh against the same WeCom app.
func freshStore(t *testing.T, db *store.DB) *store.DB {
	t.Helper()
	if db.Dialect() == store.DialectPostgres {
		return storetest.Postgres(t)
	}
	return storetest.SQLite(t)
}

// WeCom refuses a task_id the app has used before, ever. The cards the
// reminders send for the same day or month from a database started afresh
// (a reset, a trial run before production) get new task ids, all of a form
// WeCom takes. The month-end summary is named without a stutter.
func TestCardTaskIDsDifferAfterADatabaseReset(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		first, next string // when the first installation and the reset one send
		send        func(t *testing.T, f fixture, now string)
		wantTitle   string
	}{
		{name: "morning summary", first: "2026-11-30 09:00", next: "2026-11-30 09:20",
			send: func(t *testing.T, f fixture, now string) {
				t.Helper()
				if err := f.daily.Remind(t.Context(), at(t, "2026-11-27 08:00")); err != nil {
					t.Fatal(err)
				}
				if err := f.daily.MorningSummary(t.Context(), at(t, now)); err != nil {
					t.Fatal(err)
				}
			},
			wantTitle: "11月27日（周五）日报情况"},
		{name: "monthly summary", first: "2026-11-28 09:00", next: "2026-11-28 09:20",
			send: func(t *testing.T, f fixture, now string) {
				t.Helper()
				monthly := must(reminders.NewMonthly(f.db.InTx, reminders.Monthly{
					Engineers: rosterEngineers{f.dir}, Reports: f.db, Store: f.db,
					Calendar: f.daily.Calendar, Schedule: schedule,
					RawRecordsDay: 10, DiaryDay: 20, RemindDaysBefore: 2, Logger: f.daily.Logger,
				}))
				if err := monthly.Run(t.Context(), at(t, now)); err != nil {
					t.Fatal(err)
				}
			},
			wantTitle: "11月工作分析总结报告"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				seen := map[string]string{}
				for i, install := range []struct {
					db  *store.DB
					now string
				}{{db, tc.first}, {freshStore(t, db), tc.next}} {
					f := newFixture(t, install.db)
					tc.send(t, f, install.now)
					cards := sentCards(t, install.db)
					if len(cards) == 0 {
						t.Fatalf("installation %d sent no card", i+1)
					}
					for _, c := range cards {
						if !taskIDRe.MatchString(c.TaskID) {
							t.Errorf("task_id %q is not one WeCom takes", c.TaskID)
						}
						if c.MainTitle.Title != tc.wantTitle {
							t.Errorf("card title %q, want %q", c.MainTitle.Title, tc.wantTitle)
						}
						if prev, dup := seen[c.TaskID]; dup {
							t.Errorf("installation %d reused task_id %q of %s", i+1, c.TaskID, prev)
						}
						seen[c.TaskID] = fmt.Sprintf("installation %d", i+1)
					}
				}
			})
		})
	}
}
