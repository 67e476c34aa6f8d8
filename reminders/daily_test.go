package reminders_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/people"
	"github.com/servicebot/servicebot/reminders"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

var shanghai = testclock.Shanghai()

// at is a wall time in Shanghai: at("2026-11-27 20:00").
func at(t testing.TB, s string) time.Time { return testclock.Wall(t, shanghai, s) }

func date(t testing.TB, s string) servicebot.Date {
	t.Helper()
	d, err := servicebot.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var schedule = servicebot.ReportSchedule{
	FirstReminder:  20 * time.Hour,
	SecondReminder: 21*time.Hour + 30*time.Minute,
	Deadline:       22 * time.Hour,
	MorningSummary: 9 * time.Hour,
	Location:       shanghai,
}

const deptAfterSales = 2

// engineers of the test department; sunli manages it and hejing keeps the archive.
var engineers = []servicebot.Member{
	{UserID: "liqiang", Name: "李强", Departments: []int64{deptAfterSales}, Active: true},
	{UserID: "wangjun", Name: "王军", Departments: []int64{deptAfterSales}, Active: true},
	{UserID: "zhangwei", Name: "张伟", Departments: []int64{deptAfterSales}, Active: true},
}

type fixture struct {
	db    *store.DB
	dir   *people.Directory
	daily *reminders.Daily
}

// newFixture seeds the directory (three engineers, the manager, the
// archivist) and wires the daily jobs over the real store and people.Directory.
func newFixture(t *testing.T, db *store.DB, exempt ...string) fixture {
	t.Helper()
	members := append(slices.Clone(engineers),
		servicebot.Member{UserID: "sunli", Name: "孙丽", Departments: []int64{deptAfterSales}, Active: true},
		servicebot.Member{UserID: "hejing", Name: "何静", Departments: []int64{deptAfterSales}, Active: true})
	deps := []servicebot.Department{{ID: 1, Name: "公司"}, {ID: deptAfterSales, ParentID: 1, Name: "售后服务部"}}
	if _, _, err := db.ReplaceDirectory(t.Context(), deps, members, at(t, "2026-09-01 06:00")); err != nil {
		t.Fatal(err)
	}
	cal, err := servicebot.NewCalendar(nil, nil, shanghai)
	if err != nil {
		t.Fatal(err)
	}
	org := servicebot.Org{
		AfterSalesDepartments: []int64{deptAfterSales},
		Roles: map[servicebot.Role][]string{
			servicebot.RoleServiceManager: {"sunli"},
			servicebot.RoleArchivist:      {"hejing"},
		},
		Exempt: exempt,
	}
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	dir := people.NewDirectory(db, people.Config{Org: org, Calendar: cal, Clock: servicebot.SystemClock{}, Logger: logger})
	return fixture{db: db, dir: dir, daily: must(reminders.NewDaily(db.InTx, reminders.Daily{
		Reporters: dir, Reports: db, Store: db, Calendar: cal, Schedule: schedule, Managers: []string{"sunli"},
		Group:  reminders.Group{RobotKey: "robot-key"},
		Logger: logger,
	}))}
}

// report files a complete (or, with plan empty, incomplete) report.
func (f fixture) report(t *testing.T, user, day string, submitted time.Time, status string, plan ...string) {
	t.Helper()
	r := servicebot.DailyReport{UserID: user, Day: date(t, day), Status: status, Source: servicebot.ReportSourceChat,
		Report: servicebot.Report{Done: []string{"调试设备"}, Plan: plan}, Raw: "今天：调试设备", SubmittedAt: submitted}
	if len(plan) == 0 {
		r.Missing = []string{servicebot.MissingPlan}
	}
	if err := f.db.InTx(t.Context(), func(tx *store.Tx) error { _, err := tx.SaveReport(t.Context(), r); return err }); err != nil {
		t.Fatal(err)
	}
}

func (f fixture) leave(t *testing.T, user, from, to string) {
	t.Helper()
	err := f.db.InTx(t.Context(), func(tx *store.Tx) error {
		_, err := tx.AddLeave(t.Context(), user, date(t, from), date(t, to), "事假", at(t, "2026-09-01 08:00"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// sent is what the outbox holds for users: one entry per recipient and text.
type sent struct {
	To   string
	Text string
}

func (f fixture) outbox(t *testing.T) []sent {
	t.Helper()
	rows, err := f.db.ListOutbox(t.Context(), nil, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []sent
	for _, r := range slices.Backward(rows) {
		var body struct {
			Content string `json:"content"`
		}
		_ = json.Unmarshal(r.Body, &body)
		to := r.ToUsers
		if to == "" {
			to = r.Kind + ":" + r.ToChat
		}
		for _, u := range strings.Split(to, "|") {
			out = append(out, sent{To: u, Text: body.Content})
		}
	}
	return out
}

func recipients(msgs []sent, contains string) []string {
	var users []string
	for _, m := range msgs {
		if strings.Contains(m.Text, contains) {
			users = append(users, m.To)
		}
	}
	slices.Sort(users)
	return users
}

// Must show 2: no reminder on a statutory holiday, reminders on a make-up
// working Saturday (调休), none to an engineer on leave, none to an exempt one.
func TestRemindersFollowTheWorkCalendar_R_DAY_4(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		now    string
		leave  []string // userid, from, to
		exempt []string
		want   []string
	}{
		{name: "国庆 2026-10-01 is a holiday", now: "2026-10-01 20:00", want: nil},
		{name: "a plain Sunday", now: "2026-10-11 20:00", want: nil},
		{name: "调休 Saturday 2026-10-10 is a working day", now: "2026-10-10 20:00",
			want: []string{"liqiang", "wangjun", "zhangwei"}},
		{name: "none to an engineer on leave", now: "2026-10-10 20:00",
			leave: []string{"liqiang", "2026-10-09", "2026-10-10"}, want: []string{"wangjun", "zhangwei"}},
		{name: "leave that ended the day before does not count", now: "2026-10-10 20:00",
			leave: []string{"liqiang", "2026-10-08", "2026-10-09"}, want: []string{"liqiang", "wangjun", "zhangwei"}},
		{name: "none to an exempt member", now: "2026-10-10 20:00", exempt: []string{"wangjun"},
			want: []string{"liqiang", "zhangwei"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				f := newFixture(t, db, tc.exempt...)
				if tc.leave != nil {
					f.leave(t, tc.leave[0], tc.leave[1], tc.leave[2])
				}
				if err := f.daily.Remind(t.Context(), at(t, tc.now)); err != nil {
					t.Fatal(err)
				}
				got := recipients(f.outbox(t), "【日报提醒】")
				if !slices.Equal(got, tc.want) {
					t.Errorf("reminded %v, want %v", got, tc.want)
				}
				if all := f.outbox(t); len(all) != len(tc.want) {
					t.Errorf("outbox holds %v, want only the reminders", all)
				}
			})
		})
	}
}

// Must show 3 at the job level: the jobs look at what is due whenever they
// run, so a process back at 20:05 sends the 20:00 reminder once, one back
// after 21:30 sends only the second, and one back after 22:00 sends nothing
// stale but closes the day.
func TestRemindersCatchUpWithoutStaleOnes_R_DAY_2(t *testing.T) {
	t.Parallel()
	type step struct {
		now        string
		liqiang    bool     // liqiang has reported (at 20:30) before this look
		wantFirst  []string // recipients of the first reminder so far
		wantSecond []string // of the second
	}
	all := []string{"liqiang", "wangjun", "zhangwei"}
	cases := []struct {
		name  string
		steps []step
	}{
		{name: "down 19:55 to 20:05: the 20:00 reminder once, on return", steps: []step{
			{now: "2026-11-27 19:55"},
			{now: "2026-11-27 20:05", wantFirst: all},
			{now: "2026-11-27 20:06", wantFirst: all},
			{now: "2026-11-27 20:05", wantFirst: all}, // a re-run as of the same time
		}},
		{name: "both stages on time", steps: []step{
			{now: "2026-11-27 20:00", wantFirst: all},
			{now: "2026-11-27 21:30", liqiang: true, wantFirst: all, wantSecond: []string{"wangjun", "zhangwei"}},
			{now: "2026-11-27 21:59", wantFirst: all, wantSecond: []string{"wangjun", "zhangwei"}},
		}},
		{name: "down 19:55 to 21:40: only the second reminder", steps: []step{
			{now: "2026-11-27 19:55"},
			{now: "2026-11-27 21:40", liqiang: true, wantSecond: []string{"wangjun", "zhangwei"}},
		}},
		{name: "down 19:55 to 22:05: no stale reminder", steps: []step{
			{now: "2026-11-27 19:55"},
			{now: "2026-11-27 22:05"},
			{now: "2026-11-28 08:00"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				f := newFixture(t, db)
				for _, s := range tc.steps {
					now := at(t, s.now)
					if s.liqiang {
						f.report(t, "liqiang", "2026-11-27", at(t, "2026-11-27 20:30"), servicebot.ReportOnTime, "去成都")
					}
					for _, job := range []func(context.Context, time.Time) error{f.daily.Remind, f.daily.Close} {
						if err := job(t.Context(), now); err != nil {
							t.Fatalf("at %s: %v", s.now, err)
						}
					}
					msgs := f.outbox(t)
					if got := recipients(msgs, "【日报提醒】"); !slices.Equal(got, s.wantFirst) {
						t.Errorf("after %s: first reminder to %v, want %v", s.now, got, s.wantFirst)
					}
					if got := recipients(msgs, "【日报再次提醒】"); !slices.Equal(got, s.wantSecond) {
						t.Errorf("after %s: second reminder to %v, want %v", s.now, got, s.wantSecond)
					}
				}
			})
		})
	}
}

// The day's close: a report on time is done, a late one counts late, none at
// all counts missing (R-KPI-4); run twice, or by a second replica, it counts
// nothing twice.
func TestDayCloseRecordsKPI_R_DAY_2(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := t.Context()
		if err := f.daily.Remind(ctx, at(t, "2026-11-30 08:00")); err != nil { // the day opens
			t.Fatal(err)
		}
		f.report(t, "liqiang", "2026-11-30", at(t, "2026-11-30 18:00"), servicebot.ReportOnTime, "去重庆")
		f.report(t, "zhangwei", "2026-11-30", at(t, "2026-11-30 23:10"), servicebot.ReportLate, "去重庆")
		for _, now := range []string{"2026-11-30 21:59", "2026-11-30 23:30", "2026-12-01 00:10", "2026-11-30 23:30"} {
			if err := f.daily.Close(ctx, at(t, now)); err != nil {
				t.Fatal(err)
			}
		}
		events, err := db.KPIEvents(ctx, "2026-11")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range events {
			got = append(got, e.UserID+" "+e.Kind+" "+e.Ref)
		}
		want := []string{"wangjun missing_daily 2026-11-30", "zhangwei late_daily 2026-11-30"}
		if !slices.Equal(got, want) {
			t.Errorf("KPI events %v, want %v", got, want)
		}
		obs, err := db.Obligations(ctx, servicebot.ObligationDailyReport, "2026-11-30")
		if err != nil {
			t.Fatal(err)
		}
		var states []string
		for _, o := range obs {
			states = append(states, o.UserID+" "+o.Status)
		}
		if want := []string{"liqiang done", "wangjun overdue", "zhangwei done"}; !slices.Equal(states, want) {
			t.Errorf("obligations %v, want %v", states, want)
		}
	})
}

// R-DAY-3 at the job level: the next working morning the manager's card
// lists exactly who missed (and who was late), with 再次提醒; the group gets
// the count, names only when configured; a re-run sends nothing more.
func TestMorningSummaryCardAndGroup_R_DAY_3(t *testing.T) {
	t.Parallel()
	for _, showNames := range []bool{false, true} {
		t.Run(map[bool]string{false: "count only", true: "with names"}[showNames], func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := t.Context()
				f := newFixture(t, db)
				f.daily.Group.ShowNames = showNames
				if err := f.daily.Remind(ctx, at(t, "2026-11-27 08:00")); err != nil { // Friday opens
					t.Fatal(err)
				}
				f.report(t, "liqiang", "2026-11-27", at(t, "2026-11-27 19:00"), servicebot.ReportOnTime, "去成都")
				f.report(t, "zhangwei", "2026-11-27", at(t, "2026-11-27 22:30"), servicebot.ReportLate, "去成都")
				for _, now := range []string{"2026-11-28 09:00", "2026-11-30 08:59", "2026-11-30 09:00", "2026-11-30 09:01"} {
					if err := f.daily.MorningSummary(ctx, at(t, now)); err != nil {
						t.Fatal(err)
					}
				}
				rows, err := db.ListOutbox(ctx, nil, 100)
				if err != nil {
					t.Fatal(err)
				}
				var card, group []servicebot.OutboxMessage
				for _, r := range rows {
					switch r.Kind {
					case servicebot.OutTemplateCard:
						card = append(card, r)
					case servicebot.OutWebhook:
						group = append(group, r)
					}
				}
				if len(card) != 1 || len(group) != 1 || len(rows) != 2 {
					t.Fatalf("outbox %d rows (%d cards, %d group posts), want one of each", len(rows), len(card), len(group))
				}
				var c struct {
					SubTitle string `json:"sub_title_text"`
					Buttons  []struct {
						Key string `json:"key"`
					} `json:"button_list"`
				}
				if err := json.Unmarshal(card[0].Body, &c); err != nil {
					t.Fatal(err)
				}
				if card[0].ToUsers != "sunli" || c.SubTitle != "应报 3 人，未报 1 人：王军\n迟交 1 人：张伟" ||
					len(c.Buttons) != 1 || c.Buttons[0].Key != "remind:2026-11-27" {
					t.Errorf("manager card to %s: %q %+v", card[0].ToUsers, c.SubTitle, c.Buttons)
				}
				var g struct {
					Markdown struct {
						Content string `json:"content"`
					} `json:"markdown"`
				}
				if err := json.Unmarshal(group[0].Body, &g); err != nil {
					t.Fatal(err)
				}
				if group[0].ToChat != "robot-key" || !strings.Contains(g.Markdown.Content, "应报 3 人，已报 2 人，未报 1 人") ||
					strings.Contains(g.Markdown.Content, "王军") != showNames {
					t.Errorf("group post to %s: %q (names shown: %v)", group[0].ToChat, g.Markdown.Content, showNames)
				}
			})
		})
	}
}

// A new hire synced after the day opened owes that day's report too and is
// reminded with the rest; someone who left since is not.
func TestReminderReachesNewHireNotLeaver_R_DAY_2(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		f := newFixture(t, db)
		if err := f.daily.Remind(ctx, at(t, "2026-11-27 08:00")); err != nil {
			t.Fatal(err)
		}
		members := []servicebot.Member{
			engineers[0], engineers[2], // wangjun left
			{UserID: "newhire", Name: "新人", Departments: []int64{deptAfterSales}, Active: true},
			{UserID: "sunli", Name: "孙丽", Departments: []int64{deptAfterSales}, Active: true},
		}
		deps := []servicebot.Department{{ID: 1, Name: "公司"}, {ID: deptAfterSales, ParentID: 1, Name: "售后服务部"}}
		if _, _, err := db.ReplaceDirectory(ctx, deps, members, at(t, "2026-11-27 12:00")); err != nil {
			t.Fatal(err)
		}
		if err := f.daily.Remind(ctx, at(t, "2026-11-27 20:00")); err != nil {
			t.Fatal(err)
		}
		if got, want := recipients(f.outbox(t), "【日报提醒】"), []string{"liqiang", "newhire", "zhangwei"}; !slices.Equal(got, want) {
			t.Errorf("reminded %v, want %v", got, want)
		}
	})
}

// Issue 12: at the first reminder the managers get the day's counts and the
// page where every report is read, once; not at the second reminder, and
// not without the pages.
func TestManagersEveningNoteLinksTheDay_R_DAY_2(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		f := newFixture(t, db)
		f.daily.DayURL = func(d servicebot.Date) string { return "https://bot.example.com/web/today?d=" + d.String() }
		if err := f.daily.Remind(ctx, at(t, "2026-11-27 08:00")); err != nil {
			t.Fatal(err)
		}
		f.report(t, "zhangwei", "2026-11-27", at(t, "2026-11-27 19:00"), servicebot.ReportOnTime, "回访")
		f.report(t, "liqiang", "2026-11-27", at(t, "2026-11-27 19:10"), servicebot.ReportOnTime) // no plan
		for _, now := range []string{"2026-11-27 20:00", "2026-11-27 20:05", "2026-11-27 21:30"} {
			if err := f.daily.Remind(ctx, at(t, now)); err != nil {
				t.Fatal(err)
			}
		}
		var notes []string
		for _, m := range f.outbox(t) {
			if m.To == "sunli" {
				notes = append(notes, m.Text)
			}
		}
		want := "11月27日 20:00 日报：应交 3 人，已交 2 人，未交 1 人，已提醒。另有 1 份缺今日工作或明日计划，已提醒补全。\n" +
			"查看当天全部日报：https://bot.example.com/web/today?d=2026-11-27"
		if len(notes) != 1 || notes[0] != want {
			t.Errorf("the manager got %q, want once %q", notes, want)
		}
	})
}
