package handlers_test

import (
	"context"
	"testing"
	"time"

	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/handlers"
	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// Issue 15: callbacks stored at FloodRate or faster (counted over 100 ms)
// are a flood; the flood is over one full window after it stops.
func TestIntakeFloodedFromFloodRate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	in := handlers.NewIntake(func() time.Time { return now })
	perWindow := handlers.FloodRate / 10
	for range perWindow - 1 {
		in.Stored()
	}
	if in.Flooded() {
		t.Fatalf("%d callbacks in 100 ms flagged a flood; the rate is %d a second", perWindow-1, handlers.FloodRate)
	}
	in.Stored()
	if !in.Flooded() {
		t.Fatalf("%d callbacks in 100 ms (%d a second) not flagged a flood", perWindow, handlers.FloodRate)
	}
	now = now.Add(100 * time.Millisecond) // the next window: the last full one counts
	if !in.Flooded() {
		t.Error("a flood in the previous window is over at once")
	}
	in.Stored()
	now = now.Add(100 * time.Millisecond)
	if in.Flooded() {
		t.Error("one callback in the last window still counted a flood")
	}
	now = now.Add(time.Hour)
	if in.Flooded() {
		t.Error("a flood an hour ago still counted")
	}
}

// While callbacks flood in the worker waits before a batch, but never more
// than a second at a time: a flood that does not end is still handled.
func TestWorkerGivesWayToAFloodForASecondAtMost(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	clock := testclock.At(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	storeText(t, db, clock, "liqiang", "洪水中的消息", "9001")
	handled := make(chan time.Time, 1)
	route := func(context.Context, *store.Tx, wecommsg.Event) error {
		select {
		case handled <- time.Now():
		default:
		}
		return nil
	}
	w := newWorker(db, clock, route, handlers.WorkerOptions{GiveWay: func() bool { return true }})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	start := time.Now()
	stopped := make(chan error, 1)
	go func() { stopped <- w.Run(ctx) }()
	select {
	case at := <-handled:
		if took := at.Sub(start); took < time.Second {
			t.Errorf("handled %v after the start while flooded, want after giving way for a second", took)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a message was not handled within 10 s of a flood that does not end")
	}
	cancel()
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
}
