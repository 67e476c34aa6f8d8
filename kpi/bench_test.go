package kpi_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// Must show 4: 1,000 engineers with a month of daily reports (parts sales
// in a quarter of them), check-ins, missing-report facts, and the visits,
// failed services and forms' missing fields that the manager enters until
// the bot records them, on Postgres. "compute" gathers and scores the
// month; "draft" also records the revision (1,000 breakdowns) with the
// manager's card, as the 1st's job does.
//
//	TEST_DATABASE_URL=… go test -run '^$' -bench Draft1000 -benchtime 5x ./kpi/
func BenchmarkDraft1000Engineers(b *testing.B) {
	const engineersN = 1000
	db := storetest.Postgres(b)
	ctx := b.Context()
	clk := testclock.At(at(10, 31, 23, 0))
	members := make(roster, engineersN)
	for i := range members {
		members[i] = servicebot.Member{UserID: fmt.Sprintf("eng%04d", i), Name: fmt.Sprintf("工程师%d", i), Active: true}
	}
	seedMonth(b, db, members)
	km := newMonth(db, clk)
	km.Engineers = members

	b.Run("compute", func(b *testing.B) {
		for b.Loop() {
			cards, err := km.Compute(ctx, "2026-10")
			if err != nil {
				b.Fatal(err)
			}
			if len(cards) != engineersN {
				b.Fatalf("%d scorecards, want %d", len(cards), engineersN)
			}
		}
	})
	b.Run("draft", func(b *testing.B) {
		for b.Loop() {
			clk.Add(time.Minute)
			if _, err := km.Redraft(ctx, "2026-10", manager, "基准测试"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func seedMonth(b *testing.B, db *store.DB, members roster) {
	b.Helper()
	ctx := b.Context()
	cal, err := servicebot.NewCalendar(nil, nil, shanghai)
	if err != nil {
		b.Fatal(err)
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		var events []servicebot.KPIEvent
		for i, m := range members {
			for day := 1; day <= 31; day++ {
				d := servicebot.NewDate(2026, 10, day)
				if !cal.IsWorkingDate(d) {
					continue
				}
				if (i+day)%11 == 0 { // about two missing reports a month each
					events = append(events, servicebot.KPIEvent{UserID: m.UserID, Month: "2026-10", Kind: servicebot.KPIMissingDaily,
						Ref: d.String(), CreatedAt: at(10, day, 22, 1)})
					continue
				}
				var parts *servicebot.Fen
				if (i+day)%4 == 0 {
					f := servicebot.Fen((i*day)%5000*100 + 99)
					parts = &f
				}
				if _, err := tx.SaveReport(ctx, servicebot.DailyReport{UserID: m.UserID, Day: d, Status: servicebot.ReportOnTime,
					Source: servicebot.ReportSourceChat, Raw: "今天：现场调试\n明天：回访",
					Report:      servicebot.Report{Done: []string{"现场调试"}, Plan: []string{"回访"}, Customer: "某厂", PartsSales: parts},
					SubmittedAt: at(10, day, 20, 0)}); err != nil {
					return err
				}
				if _, err := tx.AddReportAttachment(ctx, servicebot.ReportAttachment{UserID: m.UserID, Day: d,
					Kind: servicebot.AttachLocation, Label: "现场", At: at(10, day, 9, 0)}); err != nil {
					return err
				}
			}
		}
		if _, err := tx.AddKPIEvents(ctx, events); err != nil {
			return err
		}
		add := func(in servicebot.KPIInput) error {
			in.Month, in.EnteredBy, in.EnteredAt, in.Origin = "2026-10", manager, at(10, 31, 18, 0), "bench"
			_, _, err := tx.AddKPIInput(ctx, in)
			return err
		}
		for _, f := range []servicebot.KPIFact{
			{Kind: servicebot.FactProfit, Value: 11_50, Target: 12_00}, {Kind: servicebot.FactRetention, Value: 95_00},
		} {
			if err := add(servicebot.KPIInput{KPIFact: f}); err != nil {
				return err
			}
		}
		for i, m := range members {
			for _, f := range []servicebot.KPIFact{
				{Kind: servicebot.FactPhoneVisit, Count: int64(3 + i%6)},
				{Kind: servicebot.FactOnSiteVisit, Count: int64(i % 3)},
				{Kind: servicebot.FactMissingField, Count: int64(1 + i%6), Date: servicebot.NewDate(2026, 10, 1+i%28), Note: "设备安装调试资料数据采集清单"},
				{Kind: servicebot.FactFailedService, Date: servicebot.NewDate(2026, 10, 1+i%28)},
			} {
				f.UserID = m.UserID
				if err := add(servicebot.KPIInput{KPIFact: f}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
