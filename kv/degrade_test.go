package kv_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/redis/go-redis/v9"

	"github.com/servicebot/servicebot/internal/faultproxy"
	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/kv"
	"github.com/servicebot/servicebot/kv/kvtest"
	"github.com/servicebot/servicebot/metrics"
)

// proxiedRedis is a client of TEST_REDIS_URL's Redis through p.
func proxiedRedis(t *testing.T, p *faultproxy.Proxy) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: p.Addr(), DialTimeout: 200 * time.Millisecond, MaxRetries: -1,
		ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// Issue 15: two replicas that each fetched a token while Redis was away
// converge on one when it returns, without fetching again: the first to
// find Redis empty offers its token, the other adopts it.
func TestTokenCacheReplicasConvergeWhenRedisReturns(t *testing.T) {
	t.Parallel()
	real := kvtest.Redis(t)
	key := kvtest.KeyPrefix(t, real) + "gowechat_work__access_token_corp_1000002"
	proxy := faultproxy.Start(t, real.Options().Addr)
	clock := testclock.At(time.Now())
	d := kv.Degrade{Now: clock.Now, Logger: testLogger(t)}
	a := kv.NewTokenCache(proxiedRedis(t, proxy), d)
	b := kv.NewTokenCache(proxiedRedis(t, proxy), d)

	proxy.Down()
	for _, r := range []struct {
		c   *kv.RedisCache
		tok string
	}{{a, "tok-a"}, {b, "tok-b"}} {
		if r.c.Get(key) != nil {
			t.Fatal("a token before any was fetched")
		}
		if err := r.c.Set(key, r.tok, time.Hour); err != nil {
			t.Fatalf("Set with Redis down: %v", err)
		}
		if got := r.c.Get(key); got != r.tok {
			t.Fatalf("Get with Redis down = %v, want the process's own %s", got, r.tok)
		}
	}

	proxy.Pass()
	clock.Add(10 * time.Second) // past the pause after a failure
	ga, gb := a.Get(key), b.Get(key)
	if ga != "tok-a" || gb != "tok-a" {
		t.Fatalf("after Redis returned: a has %v, b has %v; want both the first one shared (tok-a)", ga, gb)
	}
	if v, err := real.Get(bg, key).Result(); err != nil || v != "tok-a" {
		t.Fatalf("Redis holds %q (%v), want tok-a", v, err)
	}
	if ttl := real.PTTL(bg, key).Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("shared token's TTL = %v, want what is left of its hour", ttl)
	}

	// A token another replica dropped (WeCom rejected it) is not brought
	// back by a replica that still holds a copy.
	if err := a.Delete(key); err != nil {
		t.Fatal(err)
	}
	if got := b.Get(key); got != nil {
		t.Fatalf("b still serves a token deleted from Redis: %v", got)
	}
}

// A Redis that hangs costs one short wait, then the process's copy is used
// for a while without asking: a send does not wait on Redis each time.
func TestTokenCacheRedisHungAnswersFromTheProcess(t *testing.T) {
	t.Parallel()
	real := kvtest.Redis(t)
	key := kvtest.KeyPrefix(t, real) + "token"
	proxy := faultproxy.Start(t, real.Options().Addr)
	c := kv.NewTokenCache(proxiedRedis(t, proxy), degrade(t))
	if err := c.Set(key, "tok", time.Hour); err != nil {
		t.Fatal(err)
	}
	proxy.Hang()
	start := time.Now()
	for range 50 {
		if got := c.Get(key); got != "tok" {
			t.Fatalf("Get with Redis hung = %v, want the process's copy", got)
		}
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("50 Gets with Redis hung took %v, want about one 500 ms wait", took)
	}
}

// Issue 15: while Redis is down the send limit is kept per process, with no
// error for the sender, a metric per failure and one warning a minute.
func TestFallbackLimiterKeepsTheLimitInProcessAndWarnsOnceAMinute(t *testing.T) {
	t.Parallel()
	clock := testclock.At(time.Now())
	var warnings countingHandler
	m := metrics.New()
	l := kv.NewFallbackLimiter(kvtest.DeadRedis(t), "sendlimit:", 30, time.Minute,
		kv.Degrade{Now: clock.Now, Logger: slog.New(&warnings), Metrics: m})
	for i := range 30 {
		ok, _, err := l.AllowAll(bg, []string{"user:a"}, clock.Now())
		if err != nil || !ok {
			t.Fatalf("send %d with Redis down: ok %v, err %v; want allowed", i+1, ok, err)
		}
		clock.Add(6 * time.Second / 10) // 30 sends in 18 s: Redis is retried every 5 s
	}
	ok, wait, err := l.AllowAll(bg, []string{"user:a"}, clock.Now())
	if err != nil || ok || wait <= 0 {
		t.Fatalf("31st send within the minute: ok %v, wait %v, err %v; want deferred by the process's limiter", ok, wait, err)
	}
	var counted dto.Metric
	if err := m.RedisFailures("limiter").Write(&counted); err != nil {
		t.Fatal(err)
	}
	fails := counted.GetCounter().GetValue()
	if fails < 4 || fails > 6 {
		t.Errorf("%v failures counted, want one per 5 s retry (4 to 6)", fails)
	}
	if n := warnings.count(); n != 1 {
		t.Errorf("%d warnings in 18 s of outage, want 1", n)
	}
	clock.Add(time.Minute)
	_, _, _ = l.AllowAll(bg, []string{"user:b"}, clock.Now())
	if n := warnings.count(); n != 2 {
		t.Errorf("%d warnings after another minute of outage, want 2", n)
	}
}

// countingHandler counts warnings.
type countingHandler struct {
	mu sync.Mutex
	n  int
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Level == slog.LevelWarn {
		h.mu.Lock()
		h.n++
		h.mu.Unlock()
	}
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }
func (h *countingHandler) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}
