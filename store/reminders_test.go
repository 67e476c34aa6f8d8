package store_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

func dailyObligation(user, day string, now time.Time) servicebot.Obligation {
	d, _ := servicebot.ParseDate(day)
	return servicebot.Obligation{Kind: servicebot.ObligationDailyReport, UserID: user,
		Key: servicebot.DailyReportKey(user, d), Period: day, DueAt: now.Add(time.Hour), CreatedAt: now}
}

func TestObligationsStagesAndKPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
		var ids []int64
		err := db.InTx(ctx, func(tx *store.Tx) error {
			obs := []servicebot.Obligation{dailyObligation("a", "2026-11-27", now), dailyObligation("b", "2026-11-27", now)}
			if n, err := tx.EnsureObligations(ctx, obs); err != nil || n != 2 {
				return fmt.Errorf("first ensure: %d %v", n, err)
			}
			obs = append(obs, dailyObligation("c", "2026-11-27", now))
			if n, err := tx.EnsureObligations(ctx, obs); err != nil || n != 1 {
				return fmt.Errorf("second ensure created %d (want only c): %v", n, err)
			}
			got, err := tx.Obligations(ctx, servicebot.ObligationDailyReport, "2026-11-27")
			if err != nil {
				return err
			}
			for _, o := range got {
				if o.Status != servicebot.ObligationOpen || !o.DueAt.Equal(now.Add(time.Hour)) {
					return fmt.Errorf("obligation %+v: want open, due at %s", o, now.Add(time.Hour))
				}
				ids = append(ids, o.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		mark := func(stage string, ids []int64) []int64 {
			var fresh []int64
			err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				fresh, err = tx.MarkStage(ctx, stage, ids, now)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(fresh)
			return fresh
		}
		if got := mark(servicebot.StageFirst, ids[:2]); !slices.Equal(got, ids[:2]) {
			t.Errorf("first marking = %v, want %v", got, ids[:2])
		}
		if got := mark(servicebot.StageFirst, ids); !slices.Equal(got, ids[2:]) {
			t.Errorf("re-marking = %v, want only the new %v", got, ids[2:])
		}
		if got := mark(servicebot.StageSecond, ids[:1]); !slices.Equal(got, ids[:1]) {
			t.Errorf("another stage = %v, want %v", got, ids[:1])
		}
		sent, err := db.StagesSent(ctx, servicebot.ObligationDailyReport, "2026-11-27")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(sent[servicebot.StageFirst], []string{"a", "b", "c"}) || !slices.Equal(sent[servicebot.StageSecond], []string{"a"}) {
			t.Errorf("stages sent = %v", sent)
		}

		err = db.InTx(ctx, func(tx *store.Tx) error {
			for i, want := range []bool{true, false} {
				got, err := tx.ClaimDuty(ctx, servicebot.ObligationDayClose, "day_close:2026-11-27", "2026-11-27", now)
				if err != nil || got != want {
					return fmt.Errorf("claim %d = %v %v, want %v", i, got, err, want)
				}
			}
			if n, err := tx.CloseObligations(ctx, ids[:1], servicebot.ObligationOverdue, now); err != nil || n != 1 {
				return fmt.Errorf("close = %d %v", n, err)
			}
			if n, err := tx.CloseObligations(ctx, ids, servicebot.ObligationDone, now); err != nil || n != 2 {
				return fmt.Errorf("close keeps closed ones: %d %v", n, err)
			}
			ev := servicebot.KPIEvent{UserID: "a", Month: "2026-11", Kind: servicebot.KPIMissingDaily, Ref: "2026-11-27", CreatedAt: now}
			if n, err := tx.AddKPIEvents(ctx, []servicebot.KPIEvent{ev, ev}); err != nil || n != 1 {
				return fmt.Errorf("kpi events added %d %v, want 1", n, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if done, err := db.DutyDone(ctx, "day_close:2026-11-27"); err != nil || !done {
			t.Errorf("DutyDone = %v %v", done, err)
		}
		events, err := db.KPIEvents(ctx, "2026-11")
		if err != nil || len(events) != 1 || events[0].UserID != "a" || !events[0].CreatedAt.Equal(now) {
			t.Errorf("KPI events = %+v %v", events, err)
		}
	})
}

// Two transactions marking the same stage at once: each obligation's stage
// is fresh for exactly one of them (the unique key, not luck).
func TestMarkStageConcurrentlyOnce(t *testing.T) {
	t.Parallel()
	db := storetest.Postgres(t)
	ctx := t.Context()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	var obs []servicebot.Obligation
	for i := range 500 {
		obs = append(obs, dailyObligation(fmt.Sprintf("u%03d", i), "2026-11-27", now))
	}
	var ids []int64
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.EnsureObligations(ctx, obs); err != nil {
			return err
		}
		got, err := tx.Obligations(ctx, servicebot.ObligationDailyReport, "2026-11-27")
		for _, o := range got {
			ids = append(ids, o.ID)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	fresh := make([][]int64, 4)
	for i := range fresh {
		wg.Go(func() {
			err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				fresh[i], err = tx.MarkStage(ctx, servicebot.StageFirst, ids, now)
				return err
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var all []int64
	for _, f := range fresh {
		all = append(all, f...)
	}
	slices.Sort(all)
	if !slices.Equal(all, ids) {
		t.Errorf("%d stages fresh across 4 concurrent markers, want each of %d once", len(all), len(ids))
	}
}

func TestJobRuns(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		at := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
		runs := []servicebot.JobRun{
			{Name: "daily-reminders", At: at, Duration: 12 * time.Millisecond},
			{Name: "daily-reminders", At: at.Add(time.Minute), Err: "boom", Duration: 3 * time.Millisecond},
		}
		for _, r := range runs {
			if err := db.RecordJobRun(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.JobRuns(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := servicebot.JobRun{Name: "daily-reminders", At: at.Add(time.Minute), Err: "boom", Duration: 3 * time.Millisecond, Runs: 2}
		if len(got) != 1 || got["daily-reminders"] != want {
			t.Errorf("JobRuns = %+v, want %+v", got, want)
		}
	})
}
