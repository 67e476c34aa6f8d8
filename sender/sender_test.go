package sender_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/cache"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/bot/wecomsim"
	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/kv"
	"github.com/servicebot/servicebot/kv/kvtest"
	"github.com/servicebot/servicebot/metrics"
	"github.com/servicebot/servicebot/sender"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// t0 is a Monday morning, away from :00 and :30.
var t0 = time.Date(2025, 3, 10, 9, 7, 0, 0, time.UTC)

// world is one test's WeCom simulator, store and sender parts.
type world struct {
	clock   *testclock.Clock
	sim     *wecomsim.Sim
	api     *bot.Client
	db      *store.DB
	metrics *metrics.Metrics
	logger  *slog.Logger
}

var members = []wecomsim.Member{
	{UserID: "zhangsan", Name: "张三", Departments: []int64{1}},
	{UserID: "lisi", Name: "李四", Departments: []int64{1}},
}

// newWorld starts a simulator and a client of it.
func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	clock := testclock.At(t0)
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	sim := wecomsim.New(wecomsim.Options{
		CorpID:      "ww-test-corp",
		Secret:      "test-secret",
		AgentID:     1000002,
		Members:     members,
		Departments: []wecomsim.Department{{ID: 1, Name: "售后服务部"}},
		Clock:       clock,
		Logger:      logger,
	})
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)

	m := metrics.New()
	api := bot.NewClient(bot.ClientConfig{CorpID: "ww-test-corp", AgentID: 1000002, Secret: "test-secret",
		APIBase: srv.URL, Timeout: 5 * time.Second},
		cache.NewMemory(), m, logger)
	return &world{clock: clock, sim: sim, api: api, db: db, metrics: m, logger: logger}
}

func (w *world) sender(limiter sender.Limiter, opts sender.Options) *sender.Sender {
	return w.senderVia(w.api, limiter, opts)
}

// senderVia is a sender delivering through api.
func (w *world) senderVia(api sender.API, limiter sender.Limiter, opts sender.Options) *sender.Sender {
	opts.Clock, opts.Logger = w.clock, w.logger
	s, err := sender.New(sender.Deps{Outbox: w.db, API: api, Limiter: limiter, Metrics: w.metrics}, opts)
	if err != nil {
		panic(err)
	}
	return s
}

// enqueue writes a text message to users, due now.
func (w *world) enqueue(t *testing.T, users, content string) int64 {
	t.Helper()
	body, err := wecommsg.Text(content)
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := w.db.EnqueueOutbox(t.Context(), servicebot.OutboxMessage{
		Kind:      servicebot.OutText,
		ToUsers:   users,
		Body:      body,
		CreatedAt: w.clock.Now(),
	})
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	return id
}

func (w *world) row(t *testing.T, id int64) servicebot.OutboxMessage {
	t.Helper()
	m, err := w.db.GetOutbox(t.Context(), id)
	if err != nil {
		t.Fatalf("get outbox %d: %v", id, err)
	}
	return m
}

func (w *world) sendDue(t *testing.T, s *sender.Sender, wantSent int) {
	t.Helper()
	sent, err := s.SendDue(t.Context())
	if err != nil {
		t.Fatalf("SendDue: %v", err)
	}
	if sent != wantSent {
		t.Fatalf("SendDue sent %d, want %d", sent, wantSent)
	}
}

// deliveries reads servicebot_outbox_deliveries_total{result}.
func (w *world) deliveries(t *testing.T, result string) float64 {
	t.Helper()
	families, err := w.metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "servicebot_outbox_deliveries_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" && l.GetValue() == result {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

func (w *world) wantDeliveries(t *testing.T, want map[string]float64) {
	t.Helper()
	for _, result := range []string{"sent", "retry", "failed", "deferred"} {
		if got := w.deliveries(t, result); got != want[result] {
			t.Errorf("deliveries{result=%q} = %v, want %v", result, got, want[result])
		}
	}
}

func memoryLimiter() sender.Limiter { return kv.NewMemoryLimiter(30, time.Minute) }

func TestSendMarksSent(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		s := w.sender(memoryLimiter(), sender.Options{})
		text := w.enqueue(t, "zhangsan|lisi", "今日日报已收到")
		card, _, err := db.EnqueueOutbox(t.Context(), servicebot.OutboxMessage{
			Kind:    servicebot.OutTemplateCard,
			ToUsers: "lisi",
			Body: []byte(`{"card_type":"button_interaction","main_title":{"title":"报销审批"},
				"task_id":"approval-42","button_list":[{"text":"同意","key":"approve"},{"text":"驳回","key":"reject"}]}`),
			CreatedAt: t0,
		})
		if err != nil {
			t.Fatal(err)
		}

		w.sendDue(t, s, 2)

		sent := w.sim.Sent()
		if len(sent) != 2 {
			t.Fatalf("simulator got %d messages, want 2", len(sent))
		}
		for i, id := range []int64{text, card} {
			got := w.row(t, id)
			if got.Status != servicebot.OutboxSent || got.Attempts != 1 || !got.SentAt.Equal(t0) {
				t.Errorf("row %d: status %s, attempts %d, sent at %v; want sent, 1, %v",
					id, got.Status, got.Attempts, got.SentAt, t0)
			}
			if got.MsgID == "" || got.MsgID != sent[i].MsgID {
				t.Errorf("row %d: msg_id %q, simulator answered %q", id, got.MsgID, sent[i].MsgID)
			}
		}
		if rc := w.row(t, card).ResponseCode; rc == "" || rc != sent[1].ResponseCode {
			t.Errorf("card response_code %q, simulator answered %q", rc, sent[1].ResponseCode)
		}
		if got := len(w.sim.Delivered("lisi")); got != 2 {
			t.Errorf("lisi got %d messages, want 2", got)
		}
		w.wantDeliveries(t, map[string]float64{"sent": 2})

		// Nothing is due any more.
		w.sendDue(t, s, 0)
		if n := w.sim.Calls("message/send"); n != 2 {
			t.Errorf("message/send called %d times, want 2", n)
		}
	})
}

func TestSendRetriesTemporaryErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		fault wecomsim.Fault
	}{
		{"45009 rate limit", wecomsim.Fault{ErrCode: wecommsg.CodeAPIFreqLimit}},
		{"-1 system busy", wecomsim.Fault{ErrCode: wecommsg.CodeSystemBusy}},
		{"45033 too many calls", wecomsim.Fault{ErrCode: wecommsg.CodeTooManyCalls}},
		{"502 from a proxy", wecomsim.Fault{HTTPStatus: 502}},
	}
	const base = 10 * time.Second
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				w := newWorld(t, db)
				s := w.sender(memoryLimiter(), sender.Options{BaseBackoff: base})
				id := w.enqueue(t, "zhangsan", "请于22:00前提交日报")
				fault := tc.fault // a copy: the other dialect's run reads tc at the same time
				fault.Times = 1
				w.sim.InjectFault("message/send", fault)

				w.sendDue(t, s, 0)
				got := w.row(t, id)
				if got.Status != servicebot.OutboxPending || got.Attempts != 1 || got.LastError == "" {
					t.Fatalf("after the fault: status %s, attempts %d, last_error %q; want pending, 1, the error",
						got.Status, got.Attempts, got.LastError)
				}
				// Exponential backoff minus up to half of it as jitter.
				if wait := got.NextAttemptAt.Sub(t0); wait < base/2 || wait > base {
					t.Fatalf("next attempt in %v, want between %v and %v", wait, base/2, base)
				}
				w.wantDeliveries(t, map[string]float64{"retry": 1})

				// Not before the backoff has passed.
				w.sendDue(t, s, 0)
				if n := w.sim.Calls("message/send"); n != 1 {
					t.Fatalf("message/send called %d times before the backoff passed, want 1", n)
				}

				w.clock.Add(base)
				w.sendDue(t, s, 1)
				if got := w.row(t, id); got.Status != servicebot.OutboxSent || got.Attempts != 2 {
					t.Fatalf("after the retry: status %s, attempts %d; want sent, 2", got.Status, got.Attempts)
				}
				if got := len(w.sim.Delivered("zhangsan")); got != 1 {
					t.Fatalf("zhangsan got %d messages, want exactly 1", got)
				}
				w.wantDeliveries(t, map[string]float64{"retry": 1, "sent": 1})
			})
		})
	}
}

func TestSendBackoffGrows(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		const base, maxBackoff = 10 * time.Second, 35 * time.Second
		s := w.sender(memoryLimiter(), sender.Options{BaseBackoff: base, MaxBackoff: maxBackoff, MaxAttempts: 5})
		id := w.enqueue(t, "zhangsan", "回访提醒")
		w.sim.InjectFault("message/send", wecomsim.Fault{ErrCode: wecommsg.CodeAPIFreqLimit, Times: 4})

		for attempt, full := range []time.Duration{base, 2 * base, maxBackoff, maxBackoff} {
			now := w.clock.Now()
			w.sendDue(t, s, 0)
			got := w.row(t, id)
			if wait := got.NextAttemptAt.Sub(now); wait < full/2 || wait > full {
				t.Fatalf("attempt %d: next attempt in %v, want between %v and %v", attempt+1, wait, full/2, full)
			}
			w.clock.Add(full)
		}
		w.sendDue(t, s, 1)
	})
}

func TestSendFailsPermanentErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		fault    *wecomsim.Fault
		kind     string
		wantText string
	}{
		{"81013 all recipients invalid", &wecomsim.Fault{ErrCode: wecommsg.CodeAllInvalidUsers, ErrMsg: "user & party & tag all invalid"},
			servicebot.OutText, "81013"},
		{"40003 invalid userid", &wecomsim.Fault{ErrCode: 40003, ErrMsg: "invalid UserID"},
			servicebot.OutText, "40003"},
		{"a row no API can send", nil, "fax", "unknown kind"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				w := newWorld(t, db)
				s := w.sender(memoryLimiter(), sender.Options{})
				id, _, err := db.EnqueueOutbox(t.Context(), servicebot.OutboxMessage{
					Kind: tc.kind, ToUsers: "zhangsan", Body: json.RawMessage(`{"content":"工具借用单"}`), CreatedAt: t0,
				})
				if err != nil {
					t.Fatal(err)
				}
				if tc.fault != nil {
					fault := *tc.fault // a copy: the other dialect's run reads tc at the same time
					fault.Times = 1
					w.sim.InjectFault("message/send", fault)
				}

				w.sendDue(t, s, 0)
				got := w.row(t, id)
				if got.Status != servicebot.OutboxFailed || !strings.Contains(got.LastError, tc.wantText) {
					t.Fatalf("status %s, last_error %q; want failed with %q", got.Status, got.LastError, tc.wantText)
				}
				w.wantDeliveries(t, map[string]float64{"failed": 1})

				// Failed rows stay failed.
				w.clock.Add(time.Hour)
				w.sendDue(t, s, 0)
				if got := w.row(t, id); got.Status != servicebot.OutboxFailed || got.Attempts != 1 {
					t.Fatalf("a failed row was tried again: status %s, attempts %d", got.Status, got.Attempts)
				}
			})
		})
	}
}

func TestSendGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		s := w.sender(memoryLimiter(), sender.Options{MaxAttempts: 3, BaseBackoff: time.Second})
		id := w.enqueue(t, "zhangsan", "月度KPI已发布")
		w.sim.InjectFault("message/send", wecomsim.Fault{ErrCode: wecommsg.CodeSystemBusy, Times: 3})

		for range 3 {
			w.sendDue(t, s, 0)
			w.clock.Add(time.Minute)
		}
		got := w.row(t, id)
		if got.Status != servicebot.OutboxFailed || got.Attempts != 3 || !strings.Contains(got.LastError, "after 3 attempts") {
			t.Fatalf("status %s, attempts %d, last_error %q; want failed after 3 attempts",
				got.Status, got.Attempts, got.LastError)
		}
		w.wantDeliveries(t, map[string]float64{"retry": 2, "failed": 1})
	})
}

// WeCom silently drops the 31st message a minute to a member: the limiter
// defers it until the window has room, on one Redis budget shared by the
// replicas or in memory for a single instance.
func TestSendDefersOverLimit(t *testing.T) {
	t.Parallel()
	limiters := []struct {
		name string
		make func(t *testing.T) sender.Limiter
	}{
		{"memory", func(*testing.T) sender.Limiter { return memoryLimiter() }},
		{"redis", func(t *testing.T) sender.Limiter {
			rdb := kvtest.Redis(t)
			return kv.NewRedisLimiter(rdb, kvtest.KeyPrefix(t, rdb), 30, time.Minute)
		}},
	}
	for _, l := range limiters {
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				w := newWorld(t, db)
				// One attempt allowed: being deferred must not fail a row.
				s := w.sender(l.make(t), sender.Options{Batch: 40, MaxAttempts: 1})
				var ids []int64
				for i := range 31 {
					ids = append(ids, w.enqueue(t, "zhangsan", fmt.Sprintf("第%d条提醒", i+1)))
				}
				w.enqueue(t, "lisi", "李四的提醒")

				w.sendDue(t, s, 31) // 30 to zhangsan, 1 to lisi
				last := w.row(t, ids[30])
				if last.Status != servicebot.OutboxPending || !last.NextAttemptAt.Equal(t0.Add(time.Minute)) || last.Attempts != 0 {
					t.Fatalf("31st message: status %s, next attempt %v, attempts %d; want pending until %v, its attempt given back",
						last.Status, last.NextAttemptAt, last.Attempts, t0.Add(time.Minute))
				}
				w.wantDeliveries(t, map[string]float64{"sent": 31, "deferred": 1})

				w.clock.Add(59 * time.Second)
				w.sendDue(t, s, 0)
				w.clock.Add(time.Second)
				w.sendDue(t, s, 1)

				if got := w.row(t, ids[30]); got.Status != servicebot.OutboxSent || got.Attempts != 1 {
					t.Fatalf("31st message after the window: status %s, attempts %d; want sent at its first attempt", got.Status, got.Attempts)
				}
				if got := len(w.sim.Delivered("zhangsan")); got != 31 {
					t.Fatalf("zhangsan got %d messages, want 31", got)
				}
				for _, m := range w.sim.Sent() {
					if m.Dropped || len(m.DroppedUsers) > 0 {
						t.Fatalf("WeCom dropped message %d (%q) for %v", m.Seq, m.Content, m.DroppedUsers)
					}
				}
			})
		})
	}
}

// Correctness does not depend on Redis: with the limiter down, send anyway.
func TestSendWithoutLimiter(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		s := w.sender(kv.NewRedisLimiter(kvtest.DeadRedis(t), "sendlimit:", 30, time.Minute), sender.Options{})
		id := w.enqueue(t, "zhangsan", "Redis 挂了也要送达")

		w.sendDue(t, s, 1)
		if got := w.row(t, id); got.Status != servicebot.OutboxSent {
			t.Fatalf("status %s, want sent", got.Status)
		}
		if got := len(w.sim.Delivered("zhangsan")); got != 1 {
			t.Fatalf("zhangsan got %d messages, want 1", got)
		}
	})
}

// Cancelling Run lets the send in flight finish and be recorded, puts the
// rest of the batch back for the next sender, and returns nil.
func TestRunFinishesInFlightSendOnCancel(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		s := w.sender(memoryLimiter(), sender.Options{PollInterval: time.Hour})
		first := w.enqueue(t, "zhangsan", "第一条")
		rest := []int64{w.enqueue(t, "zhangsan", "第二条"), w.enqueue(t, "lisi", "第三条")}
		w.sim.InjectFault("message/send", wecomsim.Fault{Latency: 300 * time.Millisecond, Times: 1})

		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()

		waitUntil(t, func() bool { return w.sim.Calls("message/send") == 1 }) // the first send is under way
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Run = %v after cancel, want nil", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after cancel")
		}

		if got := w.row(t, first); got.Status != servicebot.OutboxSent || got.MsgID == "" {
			t.Fatalf("in-flight row: status %s, msg_id %q; want sent with a msg_id", got.Status, got.MsgID)
		}
		if got := len(w.sim.Sent()); got != 1 {
			t.Fatalf("simulator got %d messages, want only the one in flight", got)
		}
		for _, id := range rest {
			if got := w.row(t, id); got.Status != servicebot.OutboxPending || got.NextAttemptAt.After(t0) {
				t.Fatalf("row %d not sent yet: status %s, next attempt %v; want pending, due now",
					id, got.Status, got.NextAttemptAt)
			}
		}
	})
}

func TestRunKickAndFullBatches(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		// An hour between polls: anything sent within the test was sent
		// because of a kick or a full batch.
		s := w.sender(memoryLimiter(), sender.Options{Batch: 2, PollInterval: time.Hour})
		w.enqueue(t, "lisi", "Run 的第一轮")
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})

		waitUntil(t, func() bool { return w.deliveries(t, "sent") == 1 }) // the first pass at start

		for i := range 5 {
			w.enqueue(t, "zhangsan", fmt.Sprintf("工单%d", i))
		}
		s.Kick()
		waitUntil(t, func() bool { return w.deliveries(t, "sent") == 6 })
		if got := len(w.sim.Delivered("zhangsan")); got != 5 {
			t.Fatalf("zhangsan got %d messages, want 5", got)
		}
	})
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Issue 10 must show 4: a first deployment whose server IP is not yet among
// the app's 可信IP (WeCom answers 60020 for ten minutes) loses nothing: no
// row fails for good, none spends its attempts, and once the admin has fixed
// it every message is delivered exactly once.
func TestConfigErrorKeepsRowsUntilFixed_60020(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		s := w.sender(memoryLimiter(), sender.Options{MaxAttempts: 3, BaseBackoff: time.Second, ConfigBackoff: time.Minute})
		users := []string{"zhangsan", "lisi", "zhangsan", "lisi", "zhangsan"}
		var ids []int64
		for i, u := range users {
			ids = append(ids, w.enqueue(t, u, fmt.Sprintf("第 %d 条提醒", i+1)))
		}
		fixedAt := t0.Add(10 * time.Minute)
		w.sim.InjectFault("message/send", wecomsim.Fault{ErrCode: wecommsg.CodeUntrustedIP,
			ErrMsg: "not allow to access from your ip", Until: fixedAt})

		// Ten minutes of 60020, the sender looking every 20 seconds.
		for w.clock.Now().Before(fixedAt) {
			w.sendDue(t, s, 0)
			counts, err := db.OutboxCounts(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if counts[servicebot.OutboxFailed] != 0 {
				t.Fatalf("at %s a row failed for good during the 60020", w.clock.Now().Sub(t0))
			}
			w.clock.Add(20 * time.Second)
		}
		for _, id := range ids {
			m := w.row(t, id)
			if m.Status != servicebot.OutboxPending || m.Attempts != 0 || !strings.Contains(m.LastError, "可信IP") {
				t.Fatalf("row %d after the 60020: status %s, attempts %d, last_error %q; want pending, no attempt spent, the fix named",
					id, m.Status, m.Attempts, m.LastError)
			}
		}
		if got := w.deliveries(t, "config_error"); got < float64(len(ids)) {
			t.Errorf("config_error deliveries %v, want at least %d", got, len(ids))
		}

		// Fixed: within one ConfigBackoff everything goes, once.
		w.clock.Add(time.Minute)
		w.sendDue(t, s, len(ids))
		w.clock.Add(time.Hour)
		w.sendDue(t, s, 0)
		for _, u := range []string{"zhangsan", "lisi"} {
			got := w.sim.Delivered(u)
			want := 0
			for _, v := range users {
				if v == u {
					want++
				}
			}
			if len(got) != want {
				t.Errorf("%s received %d messages, want %d exactly once each", u, len(got), want)
			}
		}
		for _, id := range ids {
			if m := w.row(t, id); m.Status != servicebot.OutboxSent {
				t.Errorf("row %d: %s, want sent", id, m.Status)
			}
		}
	})
}

// `servicebot outbox retry`: a failed row goes out once more, once; a sent
// row is never sent again by it.
func TestRequeueFailedSendsOnceMore(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		s := w.sender(memoryLimiter(), sender.Options{})
		failed := w.enqueue(t, "zhangsan", "工具借用单待确认")
		w.sim.InjectFault("message/send", wecomsim.Fault{ErrCode: 40003, ErrMsg: "invalid UserID"})
		w.sendDue(t, s, 0)
		if m := w.row(t, failed); m.Status != servicebot.OutboxFailed {
			t.Fatalf("status %s, want failed", m.Status)
		}
		sent := w.enqueue(t, "lisi", "月报已收到")
		w.sendDue(t, s, 1)

		n, err := db.RequeueOutbox(t.Context(), servicebot.OutboxFailed, failed, w.clock.Now())
		if err != nil || n != 1 {
			t.Fatalf("requeue row %d: %d, %v", failed, n, err)
		}
		if m := w.row(t, failed); m.Status != servicebot.OutboxPending || m.Attempts != 0 {
			t.Fatalf("after requeue: %s, %d attempts", m.Status, m.Attempts)
		}
		if n, err := db.RequeueOutbox(t.Context(), servicebot.OutboxFailed, sent, w.clock.Now()); err != nil || n != 0 {
			t.Fatalf("a sent row was requeued: %d, %v", n, err)
		}
		w.sendDue(t, s, 1)
		w.clock.Add(time.Hour)
		w.sendDue(t, s, 0)
		if got := len(w.sim.Delivered("zhangsan")); got != 1 {
			t.Errorf("zhangsan received %d, want 1", got)
		}
		if got := len(w.sim.Delivered("lisi")); got != 1 {
			t.Errorf("lisi received %d, want 1", got)
		}
	})
}

// blockedAPI answers 45009 for every send until the clock reaches until, as
// WeCom does for an hour after an hourly rate breach, then lets sends
// through to the simulator.
type blockedAPI struct {
	api   sender.API
	clock *testclock.Clock
	until time.Time
}

func (b *blockedAPI) Send(ctx context.Context, m servicebot.OutboxMessage) (servicebot.SendResult, error) {
	if b.clock.Now().Before(b.until) {
		return servicebot.SendResult{}, &wecommsg.APIError{API: "message/send", Code: wecommsg.CodeAPIFreqLimit, Msg: "api freq out of limit"}
	}
	return b.api.Send(ctx, m)
}

// Issue 15, must show 1: a WeCom rate block of 90 minutes costs no message.
// Attempts with the default backoff (jitter included) run into the dozens
// by then; the sender gives up by the time since the first failure (6 h),
// so every message is delivered, once, after the block.
func TestSend45009BlockOf90MinutesDeliversEveryMessageOnceAfterwards(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		api := &blockedAPI{api: w.api, clock: w.clock, until: t0.Add(90 * time.Minute)}
		s := w.senderVia(api, memoryLimiter(), sender.Options{Batch: 100})
		const perUser = 10
		var ids []int64
		for i := range perUser {
			for _, u := range []string{"zhangsan", "lisi"} {
				ids = append(ids, w.enqueue(t, u, fmt.Sprintf("消息 %d", i)))
			}
			w.clock.Add(17 * time.Second) // spread, so their backoffs differ
		}
		for w.clock.Now().Before(t0.Add(4 * time.Hour)) {
			if _, err := s.SendDue(t.Context()); err != nil {
				t.Fatal(err)
			}
			w.clock.Add(30 * time.Second)
		}
		maxAttempts := 0
		for _, id := range ids {
			got := w.row(t, id)
			if got.Status != servicebot.OutboxSent {
				t.Errorf("row %d: %s after %d attempts (%s), want sent", id, got.Status, got.Attempts, got.LastError)
			}
			if !got.SentAt.After(api.until) && !got.SentAt.Equal(api.until) {
				t.Errorf("row %d sent at %v, inside the block", id, got.SentAt)
			}
			maxAttempts = max(maxAttempts, got.Attempts)
		}
		for _, u := range []string{"zhangsan", "lisi"} {
			if n := len(w.sim.Delivered(u)); n != perUser {
				t.Errorf("%s received %d messages, want each of the %d once", u, n, perUser)
			}
		}
		if w.deliveries(t, "failed") != 0 {
			t.Errorf("%v rows given up", w.deliveries(t, "failed"))
		}
		t.Logf("20 messages through a 90-minute block: all sent once, up to %d attempts each", maxAttempts)
	})
}

// The give-up rule is time since the first failure: a row failing for
// longer than GiveUpAfter fails for good, however few its attempts.
func TestSendGivesUpByTimeSinceTheFirstFailure(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		api := &blockedAPI{api: w.api, clock: w.clock, until: t0.Add(24 * time.Hour)}
		s := w.senderVia(api, memoryLimiter(),
			sender.Options{GiveUpAfter: 3 * time.Hour, BaseBackoff: time.Hour, MaxBackoff: time.Hour})
		id := w.enqueue(t, "zhangsan", "回访提醒")
		for w.clock.Now().Before(t0.Add(6 * time.Hour)) {
			if _, err := s.SendDue(t.Context()); err != nil {
				t.Fatal(err)
			}
			w.clock.Add(10 * time.Minute)
		}
		got := w.row(t, id)
		if got.Status != servicebot.OutboxFailed || !got.FirstFailedAt.Equal(t0) {
			t.Fatalf("status %s, first failure %v; want failed, first failed at %v", got.Status, got.FirstFailedAt, t0)
		}
		if !strings.Contains(got.LastError, "giving up after") || got.Attempts > 8 {
			t.Errorf("last_error %q after %d attempts; want given up by time, with few attempts", got.LastError, got.Attempts)
		}
	})
}

// A group robot takes 20 messages a minute (91770), not a member's 30: the
// 21st post in a minute waits instead of meeting 45009.
func TestRobotPostsKeptAt20AMinute(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.sim.AddRobot("robot-key", "售后服务部群机器人")
		limiter := sender.SplitLimiter(kv.NewMemoryLimiter(30, time.Minute), kv.NewMemoryLimiter(sender.RobotsPerMinute, time.Minute))
		s := w.sender(limiter, sender.Options{})
		for i := range 25 {
			rows, err := wecommsg.Group{RobotKey: "robot-key"}.Posts(
				servicebot.OutboxMessage{DedupKey: fmt.Sprintf("post:%d", i), CreatedAt: w.clock.Now()}, fmt.Sprintf("第 %d 条群消息", i+1))
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := db.EnqueueOutbox(t.Context(), rows[0]); err != nil {
				t.Fatal(err)
			}
		}
		w.sendDue(t, s, sender.RobotsPerMinute)
		w.clock.Add(time.Minute)
		w.sendDue(t, s, 5)
		for _, m := range w.sim.Sent() {
			if m.API == "webhook/send" && m.Duplicate {
				t.Errorf("a post was suppressed: %+v", m)
			}
		}
		if got := w.deliveries(t, "failed") + w.deliveries(t, "retry"); got != 0 {
			t.Errorf("%v posts met an error; the limiter should have kept them under WeCom's 20 a minute", got)
		}
	})
}

// Issue 15: while a member is at the send limit, the rows waiting for them
// are left alone: claims do not take and defer them again and again (that
// churn took the database from the inbox worker during a burst of replies),
// and when room appears they go out in order.
func TestSendHoldsAMembersBacklogAtTheLimitAndSendsItInOrder(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		s := w.sender(memoryLimiter(), sender.Options{Batch: 40})
		var ids []int64
		for i := range 36 {
			ids = append(ids, w.enqueue(t, "zhangsan", fmt.Sprintf("回复 %02d", i)))
		}
		w.sendDue(t, s, 30)
		for _, id := range ids[30:] {
			if got := w.row(t, id); got.Status != servicebot.OutboxPending || !got.NextAttemptAt.Equal(t0.Add(time.Minute)) || got.Attempts != 0 {
				t.Fatalf("row %d: %s, next attempt %v, attempts %d; want pending until room at %v", id, got.Status, got.NextAttemptAt, got.Attempts, t0.Add(time.Minute))
			}
		}
		// More replies come while the limit lasts (the inbox worker drains
		// a burst); another member's go out at once, zhangsan's are not
		// claimed at all.
		for i := 36; i < 46; i++ {
			ids = append(ids, w.enqueue(t, "zhangsan", fmt.Sprintf("回复 %02d", i)))
		}
		w.enqueue(t, "lisi", "李四的回复")
		w.clock.Add(10 * time.Second)
		w.sendDue(t, s, 1)
		w.clock.Add(40 * time.Second)
		w.sendDue(t, s, 0)
		for _, id := range ids[36:] {
			if got := w.row(t, id); got.Status != servicebot.OutboxPending || got.Attempts != 0 || got.LastError != "" {
				t.Fatalf("row %d claimed while zhangsan is at the limit: %+v", id, got)
			}
		}
		w.wantDeliveries(t, map[string]float64{"sent": 31, "deferred": 6})

		w.clock.Set(t0.Add(time.Minute))
		w.sendDue(t, s, 16)
		var got []string
		for _, m := range w.sim.Delivered("zhangsan") {
			got = append(got, m.Content)
		}
		for i, c := range got {
			if want := fmt.Sprintf("回复 %02d", i); c != want {
				t.Fatalf("zhangsan's message %d is %q, want %q: not in order (%v)", i, c, want, got)
			}
		}
		if len(got) != 46 {
			t.Errorf("zhangsan got %d messages, want 46", len(got))
		}
	})
}
