package scheduler_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/kv"
	"github.com/servicebot/servicebot/scheduler"
	"github.com/servicebot/servicebot/store/storetest"
)

func TestNextRunFollowsTheCronSpecInTheLocation(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	s := newScheduler(t, storetest.SQLite(t), scheduler.Config{Location: loc, Clock: servicebot.SystemClock{}, Logger: slog.New(slog.DiscardHandler)})
	noop := func(context.Context, time.Time) error { return nil }
	s.Add(scheduler.Job{Name: "sync", Cron: "0 6 * * *", Run: noop})
	s.Add(scheduler.Job{Name: "look", Cron: "* * * * *", Run: noop})
	after := time.Date(2026, 11, 27, 12, 30, 15, 0, time.UTC) // 20:30:15 in Shanghai
	cases := []struct {
		job  string
		want time.Time
	}{
		// Jobs fire 17 s into their minute, off WeCom's busy :00.
		{"sync", time.Date(2026, 11, 28, 6, 0, 17, 0, loc)},
		{"look", time.Date(2026, 11, 27, 20, 30, 17, 0, loc)},
	}
	for _, tc := range cases {
		got, err := s.NextRun(tc.job, after)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("NextRun(%s) = %s %v, want %s", tc.job, got, err, tc.want)
		}
	}
	if _, err := s.NextRun("nope", after); !errors.Is(err, scheduler.ErrUnknownJob) {
		t.Errorf("NextRun of an unknown job: %v", err)
	}
}

func TestRunNowRecordsEachRun(t *testing.T) {
	db := storetest.SQLite(t)
	s := newScheduler(t, db, scheduler.Config{Location: time.UTC, Clock: servicebot.SystemClock{}, Logger: slog.New(slog.DiscardHandler)})
	boom := errors.New("boom")
	fail := true
	s.Add(scheduler.Job{Name: "job", Cron: "* * * * *", Run: func(context.Context, time.Time) error {
		if fail {
			return boom
		}
		return nil
	}})
	at := time.Date(2026, 11, 27, 20, 0, 0, 0, time.UTC)
	if err := s.RunNow(t.Context(), "job", at); !errors.Is(err, boom) {
		t.Fatalf("RunNow = %v, want the job's error", err)
	}
	fail = false
	if err := s.RunNow(t.Context(), "job", at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	runs, err := db.JobRuns(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if r := runs["job"]; r.Runs != 2 || !r.At.Equal(at.Add(time.Hour)) || r.Err != "" {
		t.Errorf("last run = %+v, want the second, successful one of 2", r)
	}
}

// newScheduler is a scheduler that always leads, recording its runs in rec.
func newScheduler(t *testing.T, rec scheduler.RunRecorder, cfg scheduler.Config) *scheduler.Scheduler {
	t.Helper()
	s, err := scheduler.New(scheduler.Deps{Elector: kv.AlwaysLeader{}, Recorder: rec}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
