package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecomsim"
	"github.com/servicebot/servicebot/handlers"
	"github.com/servicebot/servicebot/sender"
	"github.com/servicebot/servicebot/store"
)

// fastTuning keeps the end-to-end tests quick: short polls and backoffs. The
// scheduler stays off: a reminder due at the wall-clock time a test happens
// to run must not land in its message counts (the reminder tests turn it on).
var fastTuning = tuning{
	sender: sender.Options{PollInterval: 50 * time.Millisecond, BaseBackoff: 100 * time.Millisecond, MaxBackoff: time.Second},
	worker: handlers.WorkerOptions{PollInterval: 50 * time.Millisecond},
	noJobs: true,
}

// harness is a running bot with its WeCom simulator over real HTTP, exactly
// as `servicebot demo` wires them, on the store the test gives it.
type harness struct {
	t       *testing.T
	demo    *demo
	db      *store.DB
	sim     *wecomsim.Sim
	clock   servicebot.Clock
	baseURL string
	stopped chan error
	cancel  context.CancelFunc
}

// on is h for the subtest t: its checks then fail t, not the test that
// started h (FailNow must be called from the failing test's own goroutine).
func (h *harness) on(t *testing.T) *harness {
	c := *h
	c.t = t
	return &c
}

func startHarness(t *testing.T, db *store.DB) *harness {
	t.Helper()
	return launch(t, db, nil, servicebot.SystemClock{})
}

// startHarnessAt starts the bot and its simulator on clock: a test whose
// outcome depends on the time of day (after 22:00 a report is late, at
// midnight "today" moves) pins it with a testclock.Clock.
func startHarnessAt(t *testing.T, db *store.DB, clock servicebot.Clock) *harness {
	t.Helper()
	return launch(t, db, nil, clock)
}

// restartHarness starts a new bot process on prev's database, with prev's
// simulator, credentials and clock, as after a restart of the server.
func restartHarness(t *testing.T, prev *harness) *harness {
	t.Helper()
	return launch(t, prev.db, prev.demo, prev.clock)
}

func launch(t *testing.T, db *store.DB, prev *demo, clock servicebot.Clock) *harness {
	t.Helper()
	return launchWithBlobs(t, db, prev, clock, "")
}

// launchWithBlobs is launch keeping media at blobURL (default: a directory
// of the test's own).
func launchWithBlobs(t *testing.T, db *store.DB, prev *demo, clock servicebot.Clock, blobURL string) *harness {
	t.Helper()
	return launchTuned(t, db, prev, clock, blobURL, fastTuning)
}

// launchTuned is launchWithBlobs with tuning other than fastTuning.
func launchTuned(t *testing.T, db *store.DB, prev *demo, clock servicebot.Clock, blobURL string, tune tuning) *harness {
	t.Helper()
	tune.blobURL = blobURL
	h, serve := prepareTuned(t, db, clock, prev, tune)
	serve()
	h.waitDirectory()
	return h
}

// prepareTuned builds the bot with tune on db, its media in a directory of
// the test's own unless tune or prev says where, and returns its harness
// and what starts it serving (stopped when the test ends).
func prepareTuned(t *testing.T, db *store.DB, clock servicebot.Clock, prev *demo, tune tuning) (h *harness, serve func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	if prev == nil && tune.blobURL == "" {
		tune.blobURL = t.TempDir()
	}
	d, err := startDemo(ln, db, clock, logger, tune, prev)
	if err != nil {
		_ = ln.Close()
		t.Fatal(err)
	}
	if prev == nil {
		// Issue 10: whatever a test makes the bot send, the strict
		// simulator must have found nothing the documentation refuses.
		t.Cleanup(func() { assertNoRejections(t, d.sim) })
	}
	ctx, cancel := context.WithCancel(context.Background())
	h = &harness{t: t, demo: d, db: db, sim: d.sim, clock: clock, baseURL: d.baseURL, stopped: make(chan error, 1), cancel: cancel}
	return h, func() {
		go func() { h.stopped <- d.app.serve(ctx, ln) }()
		t.Cleanup(h.stop)
	}
}

// waitDirectory waits for the directory sync at start: requests are checked
// against the address book (issue 11 item 8), so a test files nothing before
// the demo department is known.
func (h *harness) waitDirectory() {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		m, err := h.db.GetMember(context.Background(), "yangfan")
		if err == nil && m.Active {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.t.Fatal("the demo directory was not synced within 30s")
}

// assertNoRejections fails t for every request the strict simulator refused
// as malformed (unknown field, byte limit, card rule).
func assertNoRejections(t *testing.T, sim *wecomsim.Sim) {
	t.Helper()
	for _, r := range sim.Rejections() {
		t.Errorf("the simulator refused a %s request: %d %s\n%s", r.API, r.ErrCode, r.ErrMsg, r.Body)
	}
}

// stop shuts the bot down gracefully and waits for it; safe to call twice.
func (h *harness) stop() {
	h.t.Helper()
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.cancel = nil
	select {
	case err := <-h.stopped:
		if err != nil && !errors.Is(err, context.Canceled) {
			h.t.Errorf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		h.t.Error("bot did not shut down within 30s")
	}
}

// waitDelivered waits until user has received n messages from the bot.
func (h *harness) waitDelivered(user string, n int) []wecomsim.Sent {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := h.sim.WaitFor(ctx, func([]wecomsim.Sent) bool { return len(h.sim.Delivered(user)) >= n })
	got := h.sim.Delivered(user)
	if err != nil {
		h.t.Fatalf("%s received %d message(s), want %d: %v\noutbox:\n%s", user, len(got), n, err, h.outboxDump())
	}
	return got
}

// outboxDump lists the outbox rows, newest last, for a failed wait: whether
// the message was never written, is waiting, or failed says where to look.
func (h *harness) outboxDump() string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rows, err := h.db.ListOutbox(ctx, []string{servicebot.OutboxPending, servicebot.OutboxSent, servicebot.OutboxFailed}, 200)
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	for _, m := range rows {
		fmt.Fprintf(&b, "  #%d %s to=%s %s attempts=%d next=%s locked=%s err=%q key=%s\n", m.ID, m.Kind, m.ToUsers,
			m.Status, m.Attempts, m.NextAttemptAt.Format(time.RFC3339), m.LockedUntil.Format(time.RFC3339), m.LastError, m.DedupKey)
	}
	return b.String()
}

// settle waits until the inbox is drained and nothing is left to send, so a
// test can assert that nothing more happens.
func (h *harness) settle() {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		pending, _, err := h.db.InboxStats(context.Background())
		if err != nil {
			h.t.Fatal(err)
		}
		counts, err := h.db.OutboxCounts(context.Background())
		if err != nil {
			h.t.Fatal(err)
		}
		if pending == 0 && counts[servicebot.OutboxPending] == 0 && counts[servicebot.OutboxSending] == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.t.Fatal("inbox and outbox did not drain within 20s")
}

// helpReply is the bot's help reply to user's received: the help for user's
// roles that its router builds from the installed features, headed by the
// quote.
func (h *harness) helpReply(user, received string) string {
	return h.demo.app.router.HelpReplyFor(user, received)
}
