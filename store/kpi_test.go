package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

func TestKPIInputsKeepEveryChange(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		now := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
		add := func(in servicebot.KPIInput) (servicebot.KPIInput, bool) {
			var got servicebot.KPIInput
			var added bool
			err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				got, added, err = tx.AddKPIInput(ctx, in)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return got, added
		}
		complaint := servicebot.KPIInput{Month: "2026-10", EnteredBy: "wang", EnteredAt: now, Origin: "api",
			KPIFact: servicebot.KPIFact{UserID: "li", Kind: servicebot.FactComplaint, Date: servicebot.NewDate(2026, 10, 7), Note: "客户电话投诉"}}
		first, added := add(complaint)
		if !added || first.ID == 0 {
			t.Fatalf("first complaint: added %v id %d", added, first.ID)
		}
		// The same row again (an uploaded file twice) adds nothing.
		if again, added := add(complaint); added || again.ID != first.ID {
			t.Errorf("repeat: added %v id %d, want the first (%d)", added, again.ID, first.ID)
		}
		// A company figure replaces the live one, recording who and when.
		profit := servicebot.KPIInput{Month: "2026-10", EnteredBy: "wang", EnteredAt: now, Origin: "api",
			KPIFact: servicebot.KPIFact{Kind: servicebot.FactProfit, Value: 11_50, Target: 12_00}}
		p1, _ := add(profit)
		profit.Value, profit.EnteredBy, profit.EnteredAt = 12_10, "zhao", now.Add(time.Hour)
		p2, _ := add(profit)
		var voided bool
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			voided, err = tx.VoidKPIInput(ctx, first.ID, "wang", now.Add(2*time.Hour))
			return err
		}); err != nil || !voided {
			t.Fatalf("void: %v %v", voided, err)
		}
		history, err := db.KPIInputs(ctx, "2026-10")
		if err != nil {
			t.Fatal(err)
		}
		if len(history) != 3 {
			t.Fatalf("history has %d entries, want 3: %+v", len(history), history)
		}
		want := []struct {
			id       int64
			live     bool
			voidedBy string
			voidedAt time.Time
		}{
			{first.ID, false, "wang", now.Add(2 * time.Hour)},
			{p1.ID, false, "zhao", now.Add(time.Hour)},
			{p2.ID, true, "", time.Time{}},
		}
		for i, w := range want {
			h := history[i]
			if h.ID != w.id || h.Live() != w.live || h.VoidedBy != w.voidedBy || !h.VoidedAt.Equal(w.voidedAt) {
				t.Errorf("entry %d = %+v, want id %d live %v voided by %q at %s", i, h, w.id, w.live, w.voidedBy, w.voidedAt)
			}
		}
		if h := history[0]; h.Date != servicebot.NewDate(2026, 10, 7) || h.Note != "客户电话投诉" || h.UserID != "li" || !h.EnteredAt.Equal(now) {
			t.Errorf("complaint read back as %+v", h)
		}
	})
}

func TestKPIRevisionsAndAppeals_R_KPI_13(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
		cards := []servicebot.KPIScorecard{{
			KPIEngineer: servicebot.KPIEngineer{UserID: "li", Name: "李娜"}, Total: 8850, Rank: 1,
			Indicators: []servicebot.KPIIndicatorScore{{Indicator: servicebot.KPIServiceMgmt, Rule: "R-KPI-4", Name: "服务管理",
				Weight: 800, Score: 700, Target: "t", Actual: "a",
				Reasons: []servicebot.KPIReason{{Points: -100, Text: "缺交日报", Date: servicebot.NewDate(2026, 10, 14), Source: "日报 2026-10-14"}}}},
		}}
		var r1, r2 servicebot.KPIRevision
		err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			if _, err = tx.LatestKPIRevision(ctx, "2026-10"); !errors.Is(err, servicebot.ErrNotFound) {
				t.Errorf("latest before the draft: %v, want ErrNotFound", err)
			}
			rev := servicebot.KPIRevision{Month: "2026-10", RulesVersion: "kpi-2026.1", Reason: "每月1日自动起草",
				CreatedAt: now, AppealUntil: now.Add(48 * time.Hour)}
			if r1, err = tx.SaveKPIRevision(ctx, rev, cards); err != nil {
				return err
			}
			rev.Reason, rev.CreatedBy = "申诉 #1 采纳", "wang"
			r2, err = tx.SaveKPIRevision(ctx, rev, cards)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if r1.Revision != 1 || r2.Revision != 2 {
			t.Fatalf("revisions %d, %d; want 1, 2", r1.Revision, r2.Revision)
		}
		latest, err := db.LatestKPIRevision(ctx, "2026-10")
		if err != nil || latest.ID != r2.ID || latest.CreatedBy != "wang" || !latest.AppealUntil.Equal(now.Add(48*time.Hour)) {
			t.Fatalf("latest = %+v, %v", latest, err)
		}
		got, err := db.KPIScores(ctx, r2.ID)
		if err != nil || len(got) != 1 || got[0].Total != 8850 || got[0].Name != "李娜" ||
			got[0].Indicators[0].Reasons[0] != cards[0].Indicators[0].Reasons[0] {
			t.Fatalf("scores read back as %+v, %v", got, err)
		}
		publish := func() bool {
			var ok bool
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				ok, err = tx.PublishKPIRevision(ctx, r2.ID, "wang", now.Add(time.Hour))
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !publish() || publish() {
			t.Error("publishing twice: want true then false")
		}
		var appeal servicebot.KPIAppeal
		err = db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			appeal, err = tx.FileKPIAppeal(ctx, servicebot.KPIAppeal{Month: "2026-10", UserID: "li",
				Indicator: servicebot.KPIServiceMgmt, Reason: "14日交了", Revision: 1, FiledAt: now})
			if err != nil {
				return err
			}
			for i, want := range []bool{true, false} {
				ok, err := tx.DecideKPIAppeal(ctx, appeal.ID, servicebot.KPIAppealAccepted, "wang", 2, now.Add(time.Hour))
				if err != nil || ok != want {
					t.Errorf("decision %d: %v %v, want %v", i, ok, err, want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		appeals, err := db.KPIAppeals(ctx, "2026-10")
		if err != nil || len(appeals) != 1 || appeals[0].Status != servicebot.KPIAppealAccepted ||
			appeals[0].ResultRevision != 2 || appeals[0].DecidedBy != "wang" {
			t.Fatalf("appeals = %+v, %v", appeals, err)
		}
		history, err := db.KPIRevisions(ctx, "2026-10")
		if err != nil || len(history) != 2 || history[0].Published() || !history[1].Published() {
			t.Fatalf("history = %+v, %v", history, err)
		}
	})
}

func TestKPIBotRecords_R_KPI_10(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		at := time.Date(2026, 10, 5, 20, 0, 0, 0, time.UTC)
		fen := servicebot.Fen(4999_99)
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for _, r := range []servicebot.DailyReport{
				{UserID: "li", Day: servicebot.NewDate(2026, 10, 5), Status: servicebot.ReportOnTime, Source: servicebot.ReportSourceChat,
					Report: servicebot.Report{Done: []string{"调试"}, PartsSales: &fen}, Raw: "x", SubmittedAt: at},
				{UserID: "li", Day: servicebot.NewDate(2026, 10, 6), Status: servicebot.ReportOnTime, Source: servicebot.ReportSourceChat,
					Report: servicebot.Report{Done: []string{"调试"}}, Raw: "x", SubmittedAt: at},
				{UserID: "li", Day: servicebot.NewDate(2026, 11, 1), Status: servicebot.ReportOnTime, Source: servicebot.ReportSourceChat,
					Report: servicebot.Report{Done: []string{"调试"}, PartsSales: &fen}, Raw: "x", SubmittedAt: at},
			} {
				if _, err := tx.SaveReport(ctx, r); err != nil {
					return err
				}
			}
			for _, day := range []int{5, 5, 6} {
				if _, err := tx.AddReportAttachment(ctx, servicebot.ReportAttachment{UserID: "li", Day: servicebot.NewDate(2026, 10, day),
					Kind: servicebot.AttachLocation, Label: "成都", At: at}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		sales, err := db.ListPartsSales(ctx, servicebot.NewDate(2026, 10, 1), servicebot.NewDate(2026, 10, 31))
		if err != nil || len(sales) != 1 || *sales[0].PartsSales != fen || sales[0].Day != servicebot.NewDate(2026, 10, 5) {
			t.Fatalf("parts sales = %+v, %v", sales, err)
		}
		days, err := db.CheckInDays(ctx, servicebot.NewDate(2026, 10, 1), servicebot.NewDate(2026, 10, 31))
		if err != nil || len(days["li"]) != 2 {
			t.Fatalf("check-in days = %v, %v; want 2 days", days, err)
		}
	})
}
