package store_test

import (
	"cmp"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

var (
	reportDay = servicebot.NewDate(2026, time.November, 27)
	shanghai  = time.FixedZone("CST", 8*3600)
)

func fen(f servicebot.Fen) *servicebot.Fen { return &f }

// A later report replaces the current one and the earlier stays as history;
// every field survives the round trip on both dialects.
func TestSaveReportKeepsHistory(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		first := servicebot.DailyReport{
			UserID: "zhangwei", Day: reportDay, Status: servicebot.ReportOnTime, Source: servicebot.ReportSourceChat,
			Report: servicebot.Report{
				Done:     []string{"成都某厂安装调试"},
				Customer: "成都某厂", Location: "成都",
				Missing: []string{servicebot.MissingPlan},
			},
			Raw:         "今天：成都某厂安装调试",
			SubmittedAt: time.Date(2026, 11, 27, 19, 0, 0, 0, shanghai),
		}
		second := servicebot.DailyReport{
			UserID: "zhangwei", Day: reportDay, Status: servicebot.ReportLate, Source: servicebot.ReportSourceFollowUp,
			Report: servicebot.Report{
				Done:       []string{"成都某厂安装调试", "培训操作工"},
				Plan:       []string{"去重庆"},
				Issues:     []string{"缺一个传感器"},
				Unlabelled: []string{"另外"},
				Customer:   "成都某厂", Location: "成都",
				PartsSales: fen(123450),
			},
			Raw:         "今天：成都某厂安装调试\n明天：去重庆",
			SubmittedAt: time.Date(2026, 11, 27, 22, 5, 0, 0, shanghai),
		}
		var saved []servicebot.DailyReport
		for _, r := range []servicebot.DailyReport{first, second} {
			err := db.InTx(ctx, func(tx *store.Tx) error {
				s, err := tx.SaveReport(ctx, r)
				saved = append(saved, s)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if saved[0].Revision != 1 || saved[1].Revision != 2 {
			t.Fatalf("revisions = %d, %d; want 1, 2", saved[0].Revision, saved[1].Revision)
		}

		history, err := db.ReportHistory(ctx, "zhangwei", reportDay)
		if err != nil {
			t.Fatal(err)
		}
		for i := range saved {
			saved[i].SubmittedAt = saved[i].SubmittedAt.UTC()
		}
		if !reflect.DeepEqual(history, saved) {
			t.Fatalf("history =\n%+v\nwant\n%+v", history, saved)
		}

		err = db.InTx(ctx, func(tx *store.Tx) error {
			cur, err := tx.CurrentReport(ctx, "zhangwei", reportDay)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(cur, saved[1]) {
				t.Errorf("current = %+v, want revision 2", cur)
			}
			if _, err := tx.CurrentReport(ctx, "zhangwei", reportDay.AddDays(-1)); !errors.Is(err, servicebot.ErrNotFound) {
				t.Errorf("report of a day without one: err = %v, want ErrNotFound", err)
			}
			week, err := tx.UserReports(ctx, "zhangwei", reportDay.AddDays(-6), reportDay)
			if err != nil {
				return err
			}
			if len(week) != 1 || week[0].Revision != 2 {
				t.Errorf("user reports = %+v, want only the current revision", week)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestReportStatus(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		at := time.Date(2026, 11, 27, 20, 30, 0, 0, time.UTC)
		reports := []servicebot.DailyReport{
			{UserID: "zhangwei", Day: reportDay, Status: servicebot.ReportOnTime, Source: servicebot.ReportSourceChat,
				Report: servicebot.Report{Done: []string{"安装"}, Plan: []string{"调试"}}, Raw: "x", SubmittedAt: at},
			{UserID: "liqiang", Day: reportDay, Status: servicebot.ReportLate, Source: servicebot.ReportSourceBackfill,
				Report: servicebot.Report{Done: []string{"维修"}, Missing: []string{servicebot.MissingPlan}}, Raw: "y", SubmittedAt: at},
			// Another day: not in the answer.
			{UserID: "wangjun", Day: reportDay.AddDays(-1), Status: servicebot.ReportOnTime, Source: servicebot.ReportSourceChat,
				Report: servicebot.Report{Done: []string{"巡检"}, Plan: []string{"巡检"}}, Raw: "z", SubmittedAt: at},
		}
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for _, r := range reports {
				if _, err := tx.SaveReport(ctx, r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.ReportStatus(ctx, reportDay)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]servicebot.ReportState{
			"zhangwei": {Status: servicebot.ReportOnTime, SubmittedAt: at, Complete: true},
			"liqiang":  {Status: servicebot.ReportLate, SubmittedAt: at, Complete: false},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("ReportStatus = %+v, want %+v", got, want)
		}
		all, err := db.ListReports(ctx, reportDay.AddDays(-1), reportDay)
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		for _, r := range all {
			order = append(order, r.Day.String()+" "+r.UserID)
		}
		wantOrder := []string{"2026-11-26 wangjun", "2026-11-27 liqiang", "2026-11-27 zhangwei"}
		if !reflect.DeepEqual(order, wantOrder) {
			t.Fatalf("ListReports order = %v, want %v", order, wantOrder)
		}
	})
}

func TestReportAttachments(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		at := time.Date(2026, 11, 27, 9, 15, 0, 0, time.UTC)
		in := []servicebot.ReportAttachment{
			{UserID: "zhangwei", Day: reportDay, Kind: servicebot.AttachLocation, Lat: 30.657, Lng: 104.066, Label: "成都市武侯区", At: at},
			{UserID: "zhangwei", Day: reportDay, Kind: servicebot.AttachImage, MediaID: "m1", PicURL: "http://x/1.jpg", At: at.Add(time.Hour)},
		}
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for i := range in {
				id, err := tx.AddReportAttachment(ctx, in[i])
				if err != nil {
					return err
				}
				in[i].ID = id
			}
			if _, err := tx.AddReportAttachment(ctx, servicebot.ReportAttachment{UserID: "x", Day: reportDay, Kind: "video", At: at}); err == nil {
				t.Error("an unknown kind was accepted")
			}
			n, err := tx.CountReportAttachments(ctx, "zhangwei", reportDay, servicebot.AttachImage)
			if err != nil {
				return err
			}
			if n != 1 {
				t.Errorf("image count = %d, want 1", n)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.ListReportAttachments(ctx, reportDay, reportDay)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, in) {
			t.Fatalf("attachments =\n%+v\nwant\n%+v", got, in)
		}
	})
}

// ListReportStates: each current report of the period as user, day and
// status, a replaced revision and days outside the period left out, on both
// dialects (the database joins a user's days into one row).
func TestListReportStates(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		at := time.Date(2026, 11, 27, 20, 30, 0, 0, time.UTC)
		report := func(user string, day servicebot.Date, status string) servicebot.DailyReport {
			return servicebot.DailyReport{UserID: user, Day: day, Status: status, Source: servicebot.ReportSourceChat,
				Report: servicebot.Report{Done: []string{"安装"}, Plan: []string{"调试"}}, Raw: "x", SubmittedAt: at}
		}
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for _, r := range []servicebot.DailyReport{
				report("zhangwei", reportDay, servicebot.ReportOnTime),
				report("zhangwei", reportDay, servicebot.ReportLate), // replaces the first
				report("zhangwei", reportDay.AddDays(-1), servicebot.ReportOnTime),
				report("liqiang", reportDay.AddDays(-2), servicebot.ReportLate),
				report("liqiang", reportDay.AddDays(1), servicebot.ReportOnTime), // after the period
			} {
				if _, err := tx.SaveReport(ctx, r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.ListReportStates(ctx, reportDay.AddDays(-5), reportDay)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(got, func(a, b servicebot.ReportMark) int {
			return cmp.Or(strings.Compare(a.UserID, b.UserID), a.Day.Compare(b.Day))
		})
		want := []servicebot.ReportMark{
			{UserID: "liqiang", Day: reportDay.AddDays(-2), Status: servicebot.ReportLate},
			{UserID: "zhangwei", Day: reportDay.AddDays(-1), Status: servicebot.ReportOnTime},
			{UserID: "zhangwei", Day: reportDay, Status: servicebot.ReportLate},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ListReportStates = %+v, want %+v", got, want)
		}
	})
}
