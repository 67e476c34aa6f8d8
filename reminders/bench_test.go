package reminders_test

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/people"
	"github.com/servicebot/servicebot/reminders"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// Must show 6: with 10,000 engineers on Postgres, of whom 3,000 have
// reported, the 20:00 run of daily-reminders finds the 7,000 missing and
// writes their reminders, in messages of at most 1,000 recipients.
//
//	TEST_DATABASE_URL=… go test -run '^$' -bench DailyReminders -benchtime 5x ./reminders/
func BenchmarkDailyReminders10kEngineers(b *testing.B) {
	const engineersN, reported = 10_000, 3_000
	db := storetest.Postgres(b)
	ctx := b.Context()
	members := make([]servicebot.Member, engineersN)
	for i := range members {
		members[i] = servicebot.Member{UserID: fmt.Sprintf("eng%05d", i), Name: fmt.Sprintf("工程师%d", i),
			Departments: []int64{deptAfterSales}, Active: true}
	}
	deps := []servicebot.Department{{ID: 1, Name: "公司"}, {ID: deptAfterSales, ParentID: 1, Name: "售后服务部"}}
	if _, _, err := db.ReplaceDirectory(ctx, deps, members, at(b, "2026-11-01 06:00")); err != nil {
		b.Fatal(err)
	}
	cal, err := servicebot.NewCalendar(nil, nil, shanghai)
	if err != nil {
		b.Fatal(err)
	}
	org := servicebot.Org{AfterSalesDepartments: []int64{deptAfterSales}}
	dir := people.NewDirectory(db, people.Config{Org: org, Calendar: cal, Clock: servicebot.SystemClock{}, Logger: slog.New(slog.DiscardHandler)})
	daily := must(reminders.NewDaily(db.InTx, reminders.Daily{Reporters: dir, Reports: db, Store: db, Calendar: cal, Schedule: schedule, Logger: slog.New(slog.DiscardHandler)}))

	day := servicebot.NewDate(2026, time.November, 30)
	var messages, recipients, largest int
	for b.Loop() {
		b.StopTimer()
		day = nextWorkingDay(cal, day)
		// The day opened in the morning, and 3,000 have reported by 20:00.
		if err := daily.Remind(ctx, day.In(shanghai).Add(8*time.Hour)); err != nil {
			b.Fatal(err)
		}
		seedReports(b, db, members[:reported], day)
		b.StartTimer()

		if err := daily.Remind(ctx, day.In(shanghai).Add(20*time.Hour)); err != nil {
			b.Fatal(err)
		}

		b.StopTimer()
		messages, recipients, largest = reminderMessages(b, db, day)
		if recipients != engineersN-reported {
			b.Fatalf("%d reminded on %s, want %d", recipients, day, engineersN-reported)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(messages), "messages/op")
	b.ReportMetric(float64(largest), "max-recipients/message")
	if largest > reminders.MaxRecipients {
		b.Fatalf("a message has %d recipients, more than %d", largest, reminders.MaxRecipients)
	}
}

func nextWorkingDay(cal *servicebot.Calendar, d servicebot.Date) servicebot.Date {
	return servicebot.DateOf(cal.NextWorkingDay(d.In(cal.Location())))
}

func seedReports(b *testing.B, db *store.DB, who []servicebot.Member, day servicebot.Date) {
	b.Helper()
	err := db.InTx(b.Context(), func(tx *store.Tx) error {
		for _, m := range who {
			_, err := tx.SaveReport(b.Context(), servicebot.DailyReport{UserID: m.UserID, Day: day,
				Status: servicebot.ReportOnTime, Source: servicebot.ReportSourceChat,
				Report: servicebot.Report{Done: []string{"巡检"}, Plan: []string{"回访"}}, Raw: "今天：巡检 明天：回访",
				SubmittedAt: day.In(shanghai).Add(18 * time.Hour)})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// reminderMessages counts day's reminder rows in the outbox, their
// recipients, and the most recipients in one row.
func reminderMessages(b *testing.B, db *store.DB, day servicebot.Date) (messages, recipients, largest int) {
	b.Helper()
	rows, err := db.ListOutbox(b.Context(), nil, 100_000)
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range rows {
		if !strings.HasPrefix(r.DedupKey, "remind:daily:"+day.String()+":") {
			continue
		}
		n := len(strings.Split(r.ToUsers, "|"))
		messages++
		recipients += n
		largest = max(largest, n)
	}
	return messages, recipients, largest
}
