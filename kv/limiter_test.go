package kv_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/servicebot/servicebot/kv"
	"github.com/servicebot/servicebot/kv/kvtest"
)

// limiter is what both implementations offer; the tests run each case on both.
type limiter interface {
	Allow(ctx context.Context, key string, now time.Time) (bool, time.Duration, error)
	AllowAll(ctx context.Context, keys []string, now time.Time) (bool, time.Duration, error)
}

// limiterKinds makes fresh limiters of each kind; the Redis ones of one call
// share a prefix, so they stand for replicas sharing one budget.
var limiterKinds = []struct {
	name string
	make func(t *testing.T, limit int, window time.Duration) func() limiter
}{
	{"memory", func(t *testing.T, limit int, window time.Duration) func() limiter {
		l := kv.NewMemoryLimiter(limit, window)
		return func() limiter { return l }
	}},
	{"redis", func(t *testing.T, limit int, window time.Duration) func() limiter {
		rdb := kvtest.Redis(t)
		prefix := kvtest.KeyPrefix(t, rdb) + "sendlimit:"
		return func() limiter { return kv.NewRedisLimiter(rdb, prefix, limit, window) }
	}},
}

var t0 = time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)

type step struct {
	at        time.Duration // after t0
	keys      []string
	wantOK    bool
	wantRetry time.Duration
}

func TestLimiter(t *testing.T) {
	t.Parallel()
	thirtyTo := func(key string) []step { // 30 sends to key, one a second from t0
		var s []step
		for i := range 30 {
			s = append(s, step{at: time.Duration(i) * time.Second, keys: []string{key}, wantOK: true})
		}
		return s
	}
	cases := []struct {
		name  string
		limit int
		steps []step
	}{
		{
			name:  "31st in a minute refused until the oldest leaves",
			limit: 30,
			steps: append(thirtyTo("zhangsan"),
				step{at: 30 * time.Second, keys: []string{"zhangsan"}, wantRetry: 30 * time.Second},
				step{at: 59*time.Second + 999*time.Millisecond, keys: []string{"zhangsan"}, wantRetry: time.Millisecond},
				// The entry made at t0 leaves exactly at t0+60s; a refused
				// call reserved nothing, so there is room for one.
				step{at: 60 * time.Second, keys: []string{"zhangsan"}, wantOK: true},
				step{at: 60 * time.Second, keys: []string{"zhangsan"}, wantRetry: time.Second},
				step{at: 61 * time.Second, keys: []string{"zhangsan"}, wantOK: true},
			),
		},
		{
			name:  "keys have separate budgets",
			limit: 30,
			steps: append(thirtyTo("zhangsan"),
				step{at: 30 * time.Second, keys: []string{"zhangsan"}, wantRetry: 30 * time.Second},
				step{at: 30 * time.Second, keys: []string{"lisi"}, wantOK: true},
			),
		},
		{
			name:  "AllowAll reserves for all keys or none",
			limit: 2,
			steps: []step{
				{at: 0, keys: []string{"a"}, wantOK: true},
				{at: 10 * time.Second, keys: []string{"a"}, wantOK: true},
				{at: 20 * time.Second, keys: []string{"b"}, wantOK: true},
				// a is full: nothing is reserved for b or c either.
				{at: 30 * time.Second, keys: []string{"b", "a", "c"}, wantRetry: 30 * time.Second},
				{at: 30 * time.Second, keys: []string{"b"}, wantOK: true},
				{at: 30 * time.Second, keys: []string{"c"}, wantOK: true},
				{at: 30 * time.Second, keys: []string{"c"}, wantOK: true},
				// Both full: wait for the later of the two.
				{at: 40 * time.Second, keys: []string{"a", "c"}, wantRetry: 50 * time.Second},
				{at: 60 * time.Second, keys: []string{"a", "b"}, wantRetry: 20 * time.Second},
				{at: 80 * time.Second, keys: []string{"a", "b"}, wantOK: true},
			},
		},
		{
			name:  "a repeated key counts once",
			limit: 2,
			steps: []step{
				{at: 0, keys: []string{"a", "a"}, wantOK: true},
				{at: 0, keys: []string{"a"}, wantOK: true},
				{at: 0, keys: []string{"a"}, wantRetry: time.Minute},
			},
		},
		{
			name:  "no keys is allowed",
			limit: 1,
			steps: []step{{at: 0, keys: nil, wantOK: true}},
		},
	}
	for _, kind := range limiterKinds {
		t.Run(kind.name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					l := kind.make(t, tc.limit, time.Minute)()
					for i, s := range tc.steps {
						ok, retry, err := l.AllowAll(bg, s.keys, t0.Add(s.at))
						if err != nil {
							t.Fatalf("step %d: AllowAll(%v, t0+%v): %v", i, s.keys, s.at, err)
						}
						if ok != s.wantOK || retry != s.wantRetry {
							t.Fatalf("step %d: AllowAll(%v, t0+%v) = %v, %v; want %v, %v",
								i, s.keys, s.at, ok, retry, s.wantOK, s.wantRetry)
						}
					}
				})
			}
		})
	}
}

func TestLimiterAllowMatchesAllowAll(t *testing.T) {
	t.Parallel()
	for _, kind := range limiterKinds {
		t.Run(kind.name, func(t *testing.T) {
			l := kind.make(t, 1, time.Minute)()
			if ok, _, err := l.Allow(bg, "wangwu", t0); err != nil || !ok {
				t.Fatalf("first Allow = %v, %v; want allowed", ok, err)
			}
			ok, retry, err := l.Allow(bg, "wangwu", t0.Add(15*time.Second))
			if err != nil || ok || retry != 45*time.Second {
				t.Fatalf("second Allow = %v, %v, %v; want refused, 45s", ok, retry, err)
			}
			if ok, _, _ := l.AllowAll(bg, []string{"wangwu"}, t0.Add(15*time.Second)); ok {
				t.Fatal("AllowAll after Allow filled the key: allowed")
			}
		})
	}
}

// Many concurrent callers on two limiters (two replicas for Redis) at the
// same instant: exactly limit are allowed. For Redis this also shows that
// reservations made in the same millisecond do not merge into one entry.
func TestLimiterSharedBudgetConcurrent(t *testing.T) {
	t.Parallel()
	for _, kind := range limiterKinds {
		t.Run(kind.name, func(t *testing.T) {
			newReplica := kind.make(t, 30, time.Minute)
			replicas := []limiter{newReplica(), newReplica()}
			var allowed atomic.Int32
			var wg sync.WaitGroup
			for i := range 80 {
				wg.Go(func() {
					ok, _, err := replicas[i%2].AllowAll(bg, []string{"zhaoliu", "qianqi"}, t0)
					if err != nil {
						t.Error(err)
					}
					if ok {
						allowed.Add(1)
					}
				})
			}
			wg.Wait()
			if got := allowed.Load(); got != 30 {
				t.Fatalf("allowed %d of 80 concurrent sends, want 30", got)
			}
			for i, r := range replicas {
				if ok, retry, _ := r.Allow(bg, "qianqi", t0.Add(time.Second)); ok || retry != 59*time.Second {
					t.Fatalf("replica %d after the budget was spent: %v, %v; want refused, 59s", i, ok, retry)
				}
			}
		})
	}
}

func TestRedisLimiterDown(t *testing.T) {
	t.Parallel()
	l := kv.NewRedisLimiter(kvtest.DeadRedis(t), "sendlimit:", 30, time.Minute)
	if ok, _, err := l.AllowAll(bg, []string{"a"}, t0); err == nil || ok {
		t.Fatalf("AllowAll with Redis down = %v, %v; want an error", ok, err)
	}
}
