package handlers_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/handlers"
	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

func textPayload(from, content, msgID string) []byte {
	return []byte(`<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[` + from +
		`]]></FromUserName><CreateTime>1795000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[` +
		content + `]]></Content><MsgId>` + msgID + `</MsgId><AgentID>1</AgentID></xml>`)
}

func storeText(t *testing.T, db *store.DB, clock *testclock.Clock, from, content, msgID string) {
	t.Helper()
	ev, err := bot.ParseEvent(textPayload(from, content, msgID))
	if err != nil {
		t.Fatal(err)
	}
	ok, err := db.InsertInbox(t.Context(), servicebot.InboxItem{
		DedupKey: ev.DedupKey(), Kind: ev.Kind(), FromUser: ev.FromUserName,
		Payload: textPayload(from, content, msgID), Status: servicebot.InboxPending, ReceivedAt: clock.Now(),
	})
	if err != nil || !ok {
		t.Fatalf("insert: %v %v", ok, err)
	}
}

func newWorker(db *store.DB, clock *testclock.Clock, route func(context.Context, *store.Tx, wecommsg.Event) error,
	opts handlers.WorkerOptions) *handlers.Worker[*store.Tx] {
	opts.Clock, opts.Logger = clock, slog.New(slog.DiscardHandler)
	w, err := handlers.NewWorker(handlers.WorkerDeps[*store.Tx]{Queue: db, InTx: db.InTx, Parse: bot.ParseEvent, Route: route}, opts)
	if err != nil {
		panic(err)
	}
	return w
}

// A worker that crashed after claiming rows leaves them "processing"; once
// the lease runs out the next worker (after a restart) handles them, and the
// member gets one reply each.
func TestWorker_RowsLeftByACrashAreHandledAfterRestart(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clock := testclock.At(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
		storeText(t, db, clock, "liqiang", "一", "1")
		storeText(t, db, clock, "liqiang", "二", "2")

		// The crashed process claimed liqiang's first message and died before
		// handling it (the second waits behind the first: one member's
		// messages are handled in order).
		claimed, err := db.ClaimInbox(t.Context(), clock.Now(), time.Minute, 10)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim: %d rows, %v", len(claimed), err)
		}

		router := handlers.NewRouter[*store.Tx](clock)
		w := newWorker(db, clock, router.Route, handlers.WorkerOptions{Lease: time.Minute})
		if n, err := w.ProcessDue(t.Context()); err != nil || n != 0 {
			t.Fatalf("within the lease nothing is ours: claimed %d, %v", n, err)
		}
		clock.Add(time.Minute + time.Second)
		for i, want := range []int{1, 1, 0} {
			if n, err := w.ProcessDue(t.Context()); err != nil || n != want {
				t.Fatalf("pass %d after the lease: claimed %d, %v; want %d", i+1, n, err, want)
			}
		}
		inbox, _ := db.InboxCounts(t.Context())
		if inbox[servicebot.InboxDone] != 2 {
			t.Errorf("inbox %v, want 2 done", inbox)
		}
		out, err := db.ListOutbox(t.Context(), nil, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 2 {
			t.Fatalf("%d replies queued, want 2", len(out))
		}
		for _, m := range out {
			if m.ToUsers != "liqiang" || m.Kind != servicebot.OutText || m.Status != servicebot.OutboxPending {
				t.Errorf("reply %+v", m)
			}
		}
	})
}

// A handler that fails leaves no reply behind (its transaction rolls back),
// is retried with backoff, and after MaxAttempts the row is kept as failed.
func TestWorker_FailingHandlerRollsBackRetriesThenFails(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clock := testclock.At(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
		storeText(t, db, clock, "liqiang", "会失败", "9")
		boom := errors.New("boom")
		route := func(ctx context.Context, tx *store.Tx, ev wecommsg.Event) error {
			if _, _, err := tx.EnqueueOutbox(ctx, servicebot.OutboxMessage{
				Kind: servicebot.OutText, ToUsers: ev.FromUserName, Body: json.RawMessage(`{"content":"x"}`), CreatedAt: clock.Now(),
			}); err != nil {
				return err
			}
			return boom
		}
		w := newWorker(db, clock, route, handlers.WorkerOptions{MaxAttempts: 3})
		for attempt := 1; attempt <= 3; attempt++ {
			if n, err := w.ProcessDue(t.Context()); err != nil || n != 1 {
				t.Fatalf("attempt %d: claimed %d, %v", attempt, n, err)
			}
			if n, _ := w.ProcessDue(t.Context()); n != 0 {
				t.Fatalf("attempt %d: retried at once, want a backoff", attempt)
			}
			clock.Add(10 * time.Minute)
		}
		inbox, _ := db.InboxCounts(t.Context())
		if inbox[servicebot.InboxFailed] != 1 {
			t.Errorf("inbox %v, want the row failed after 3 attempts", inbox)
		}
		out, _ := db.OutboxCounts(t.Context())
		for status, n := range out {
			if n != 0 {
				t.Errorf("%d %s outbox rows from a failed handler, want none", n, status)
			}
		}
	})
}

// Handling the same delivery twice (a crash after commit is impossible, but a
// second row for the same message could come from an operator's replay)
// queues one reply: its dedup key names the delivery.
func TestRouter_ReplyIsKeyedByDelivery(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clock := testclock.At(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
		router := handlers.NewRouter[*store.Tx](clock)
		ev, err := bot.ParseEvent(textPayload("liqiang", "你好", "77"))
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			err := db.InTx(t.Context(), func(tx *store.Tx) error { return router.Route(t.Context(), tx, ev) })
			if err != nil {
				t.Fatal(err)
			}
		}
		out, _ := db.ListOutbox(t.Context(), nil, 10)
		if len(out) != 1 {
			t.Fatalf("%d replies, want 1", len(out))
		}
		if out[0].DedupKey != "reply:msg:77" {
			t.Errorf("dedup key %q", out[0].DedupKey)
		}
	})
}

func TestHelpReply(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, quote string }{
		{"你好", "你发的是「你好」，下面是全部命令："},
		{"  多行\n\n  消息  ", "你发的是「多行 消息」，下面是全部命令："},
		{"一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十超出部分", "你发的是「一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十…」，下面是全部命令："},
	}
	for _, c := range cases {
		r := handlers.NewRouter[*store.Tx](nil)
		got := r.HelpReply(c.in)
		if got != c.quote+"\n\n"+r.HelpText() {
			t.Errorf("HelpReply(%q) = %q", c.in, got)
		}
	}
}

// Issue 15: a batch of deliveries (one per member) is handled in one
// transaction, one savepoint each: a failing delivery's writes are undone
// and it is retried, while the others' replies and completions commit.
func TestWorker_BatchOneFailingRowCostsTheOthersNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clock := testclock.At(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
		for i, u := range []string{"liqiang", "zhangwei", "wangjun", "zhaolei"} {
			storeText(t, db, clock, u, "消息", fmt.Sprint(100+i))
		}
		route := func(ctx context.Context, tx *store.Tx, ev wecommsg.Event) error {
			if _, _, err := tx.EnqueueOutbox(ctx, servicebot.OutboxMessage{
				Kind: servicebot.OutText, ToUsers: ev.FromUserName, Body: json.RawMessage(`{"content":"收到"}`), CreatedAt: clock.Now(),
			}); err != nil {
				return err
			}
			if ev.FromUserName == "zhangwei" {
				// A failing statement: on Postgres it would abort the whole
				// transaction without the savepoint.
				if _, _, err := tx.EnqueueOutbox(ctx, servicebot.OutboxMessage{Kind: servicebot.OutText, CreatedAt: clock.Now(),
					ToUsers: ev.FromUserName, Body: []byte("not json")}); err != nil {
					return err
				}
				return errors.New("boom")
			}
			return nil
		}
		w := newWorker(db, clock, route, handlers.WorkerOptions{})
		if n, err := w.ProcessDue(t.Context()); err != nil || n != 4 {
			t.Fatalf("claimed %d, %v; want the batch of 4", n, err)
		}
		inbox, _ := db.InboxCounts(t.Context())
		if inbox[servicebot.InboxDone] != 3 || inbox[servicebot.InboxPending] != 1 {
			t.Errorf("inbox %v, want 3 done and zhangwei's pending for a retry", inbox)
		}
		out, err := db.ListOutbox(t.Context(), nil, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out {
			if m.ToUsers == "zhangwei" {
				t.Errorf("the failing delivery's reply was kept: %+v", m)
			}
		}
		if len(out) != 3 {
			t.Errorf("%d replies, want 3", len(out))
		}
	})
}

// Issue 15: a batch holds runs of one member's messages, handled in order in
// one transaction. When one fails, the
// rest of its member's run is given back and waits behind its retry; other
// members go on; after the retry the member's messages are handled in order.
func TestWorker_BatchRunsKeepEachMembersOrder(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clock := testclock.At(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
		for i, m := range []struct{ user, text string }{
			{"liqiang", "一"}, {"zhangwei", "一"}, {"liqiang", "二"}, {"liqiang", "坏"}, {"liqiang", "三"}, {"zhangwei", "二"},
		} {
			storeText(t, db, clock, m.user, m.text, fmt.Sprint(200+i))
		}
		var handled []string // in the order handled, committed or not
		failing := true
		route := func(ctx context.Context, tx *store.Tx, ev wecommsg.Event) error {
			handled = append(handled, ev.FromUserName+":"+ev.Content)
			if _, _, err := tx.EnqueueOutbox(ctx, servicebot.OutboxMessage{
				Kind: servicebot.OutText, ToUsers: ev.FromUserName, CreatedAt: clock.Now(),
				DedupKey: "reply:" + ev.MsgID, Body: json.RawMessage(`{"content":"收到"}`),
			}); err != nil {
				return err
			}
			if ev.Content == "坏" && failing {
				return errors.New("boom")
			}
			return nil
		}
		w := newWorker(db, clock, route, handlers.WorkerOptions{})
		if n, err := w.ProcessDue(t.Context()); err != nil || n != 6 {
			t.Fatalf("claimed %d, %v; want all 6 in one batch", n, err)
		}
		// The batch is first handled without savepoints, up to 坏, rolled
		// back, then handled again with them.
		if got := fmt.Sprint(handled); got != "[liqiang:一 zhangwei:一 liqiang:二 liqiang:坏 liqiang:一 zhangwei:一 liqiang:二 liqiang:坏 zhangwei:二]" {
			t.Errorf("handled %s; want each member's in order, liqiang:三 not after the failure", got)
		}
		inbox, _ := db.InboxCounts(t.Context())
		if inbox[servicebot.InboxDone] != 4 || inbox[servicebot.InboxPending] != 2 {
			t.Errorf("inbox %v, want 4 done, 坏 waiting for a retry and 三 given back", inbox)
		}
		// 三 waits behind 坏 until its retry.
		if n, err := w.ProcessDue(t.Context()); err != nil || n != 0 {
			t.Fatalf("before the retry: claimed %d, %v; want nothing", n, err)
		}
		failing = false
		handled = nil
		clock.Add(time.Minute)
		if n, err := w.ProcessDue(t.Context()); err != nil || n != 2 {
			t.Fatalf("after the retry delay: claimed %d, %v; want 坏 and 三", n, err)
		}
		if got := fmt.Sprint(handled); got != "[liqiang:坏 liqiang:三]" {
			t.Errorf("after the retry: handled %s, want [liqiang:坏 liqiang:三]", got)
		}
		if out, err := db.ListOutbox(t.Context(), nil, 10); err != nil || len(out) != 6 {
			t.Errorf("%d replies, %v; want one per message", len(out), err)
		}
	})
}
