package reminders_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/handlers"
	"github.com/servicebot/servicebot/reports"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// kpiEvents lists month's KPI facts as "user kind ref".
func kpiEvents(t *testing.T, db *store.DB, month string) []string {
	t.Helper()
	events, err := db.KPIEvents(t.Context(), month)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range events {
		out = append(out, e.UserID+" "+e.Kind+" "+e.Ref)
	}
	return out
}

// obligationStates lists day's report obligations as "user status".
func obligationStates(t *testing.T, db *store.DB, day string) []string {
	t.Helper()
	obs, err := db.Obligations(t.Context(), servicebot.ObligationDailyReport, day)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range obs {
		out = append(out, o.UserID+" "+o.Status)
	}
	return out
}

// A bot first started after a day's deadline (at 23:00) does not open that
// day: nobody was reminded of it, so its close counts nobody missing and the
// next morning's card lists nobody. The next day is chased as usual.
func TestFirstStartAfterDeadlineOpensNoDay_R_DAY_2(t *testing.T) {
	t.Parallel()
	for _, first := range []string{"2026-11-27 22:00", "2026-11-27 23:00", "2026-11-27 23:59"} {
		t.Run(first, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := t.Context()
				f := newFixture(t, db)
				for _, now := range []string{first, "2026-11-28 00:10", "2026-11-30 09:00", "2026-11-30 09:01"} {
					for _, job := range []func(context.Context, time.Time) error{f.daily.Remind, f.daily.Close, f.daily.MorningSummary} {
						if err := job(ctx, at(t, now)); err != nil {
							t.Fatalf("at %s: %v", now, err)
						}
					}
				}
				if got := obligationStates(t, db, "2026-11-27"); len(got) != 0 {
					t.Errorf("Friday was opened after its deadline: %v", got)
				}
				if got := kpiEvents(t, db, "2026-11"); len(got) != 0 {
					t.Errorf("KPI facts for a day nobody was chased for: %v", got)
				}
				if got := f.outbox(t); len(got) != 0 {
					t.Errorf("outbox %v, want nothing about a day never opened", got)
				}

				// Monday opens at its first look and is chased.
				if err := f.daily.Remind(ctx, at(t, "2026-11-30 20:00")); err != nil {
					t.Fatal(err)
				}
				if got, want := recipients(f.outbox(t), "【日报提醒】"), []string{"liqiang", "wangjun", "zhangwei"}; !slices.Equal(got, want) {
					t.Errorf("Monday's reminder to %v, want %v", got, want)
				}
			})
		})
	}
}

// R-DAY-2, R-KPI-4: a report that comes after the day's close counted its
// engineer missing is late, not missing, in the KPI as on the morning card:
// one typed after 22:00, a 补报 the next day, and one sent at 21:59 but
// handled after the close (which costs nothing at all).
func TestReportAfterCloseIsLateNotMissing_R_DAY_2(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		f := newFixture(t, db)
		var now time.Time
		clock := servicebot.ClockFunc(func() time.Time { return now })
		router := handlers.NewRouter[*store.Tx](clock)
		flow, err := reports.New(reports.Config{
			Org:      servicebot.Org{AfterSalesDepartments: []int64{deptAfterSales}, Roles: map[servicebot.Role][]string{servicebot.RoleServiceManager: {"sunli"}, servicebot.RoleArchivist: {"hejing"}}},
			Calendar: f.daily.Calendar, Deadline: schedule.Deadline, Help: router.HelpReply, Clock: clock,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := router.Install(reports.Feature[*store.Tx](flow)); err != nil {
			t.Fatal(err)
		}
		msgs := 0
		say := func(user, text, sent, handled string) {
			t.Helper()
			msgs++
			now = at(t, handled)
			ev := wecommsg.Event{MsgType: wecommsg.MsgText, FromUserName: user, Content: text,
				MsgID: strconv.Itoa(msgs), CreateTime: at(t, sent).Unix()}
			if err := db.InTx(ctx, func(tx *store.Tx) error { return router.Route(ctx, tx, ev) }); err != nil {
				t.Fatalf("%s says %q: %v", user, text, err)
			}
		}
		run := func(job func(context.Context, time.Time) error, when string) {
			t.Helper()
			if err := job(ctx, at(t, when)); err != nil {
				t.Fatalf("at %s: %v", when, err)
			}
		}

		run(f.daily.Remind, "2026-11-30 08:00") // Monday opens
		run(f.daily.Close, "2026-11-30 22:00")
		if got, want := kpiEvents(t, db, "2026-11"), []string{
			"liqiang missing_daily 2026-11-30", "wangjun missing_daily 2026-11-30", "zhangwei missing_daily 2026-11-30",
		}; !slices.Equal(got, want) {
			t.Fatalf("after the close: KPI %v, want %v", got, want)
		}

		say("liqiang", "今天：成都调试\n明天：去重庆", "2026-11-30 21:59", "2026-11-30 22:01")
		say("zhangwei", "今天：绵阳巡检\n明天：绵阳维修", "2026-11-30 23:10", "2026-11-30 23:10")
		say("wangjun", "补报 11月30日\n今天：德阳安装\n明天：德阳培训", "2026-12-01 10:00", "2026-12-01 10:00")
		// A second revision of a report already settled changes nothing.
		say("zhangwei", "明天：绵阳维修，顺路回访", "2026-12-01 08:00", "2026-12-01 08:00")

		if got, want := kpiEvents(t, db, "2026-11"), []string{
			"wangjun late_daily 2026-11-30", "zhangwei late_daily 2026-11-30",
		}; !slices.Equal(got, want) {
			t.Errorf("KPI %v, want %v", got, want)
		}
		if got, want := obligationStates(t, db, "2026-11-30"), []string{"liqiang done", "wangjun done", "zhangwei done"}; !slices.Equal(got, want) {
			t.Errorf("obligations %v, want %v", got, want)
		}

		// The manager's summary says the same: nobody missing, two late.
		run(f.daily.MorningSummary, "2026-12-01 10:30")
		rows, err := db.ListOutbox(ctx, nil, 100)
		if err != nil {
			t.Fatal(err)
		}
		var summary string
		for _, r := range rows {
			if r.ToUsers == "sunli" {
				var body struct{ Content string }
				if err := json.Unmarshal(r.Body, &body); err != nil {
					t.Fatal(err)
				}
				summary = body.Content
			}
		}
		if want := "11月30日（周一）日报情况\n应报 3 人，未报 0 人\n迟交 2 人：王军、张伟"; summary != want {
			t.Errorf("manager's summary %q, want %q", summary, want)
		}
	})
}

// A late report saved while the day is being closed is counted once, as
// late, whichever transaction gets there first: the close holds the day's
// obligations before it reads the reports, and the report settles what the
// close recorded.
func TestLateReportRacingTheCloseCountsLateOnce_R_DAY_2(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		f := newFixture(t, db)
		var days []servicebot.Date
		for d := date(t, "2026-11-02"); len(days) < 12; d = d.AddDays(1) {
			if f.daily.Calendar.IsWorkingDate(d) {
				days = append(days, d)
			}
		}
		for _, day := range days {
			if err := f.daily.Remind(ctx, schedule.MorningOn(day)); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make(chan error, 2)
			wg.Go(func() { errs <- f.daily.Close(ctx, schedule.DeadlineOn(day).Add(time.Minute)) })
			wg.Go(func() {
				errs <- db.InTx(ctx, func(tx *store.Tx) error {
					_, err := tx.SaveReport(ctx, servicebot.DailyReport{UserID: "wangjun", Day: day, Status: servicebot.ReportLate,
						Source: servicebot.ReportSourceChat, Report: servicebot.Report{Done: []string{"调试"}, Plan: []string{"回访"}},
						Raw: "今天：调试 明天：回访", SubmittedAt: schedule.DeadlineOn(day).Add(time.Minute)})
					return err
				})
			})
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		var got []string
		for _, e := range kpiEvents(t, db, "2026-11") {
			if strings.HasPrefix(e, "wangjun ") {
				got = append(got, e)
			}
		}
		var want []string
		for _, d := range days {
			want = append(want, fmt.Sprintf("wangjun late_daily %s", d))
		}
		if !slices.Equal(got, want) {
			t.Errorf("wangjun's KPI facts %v, want late_daily once a day, never missing_daily", got)
		}
	})
}
