package kv

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// The limiters keep a sliding-window log per key: the times of the sends
// allowed within the last window. A send is allowed while fewer than limit
// entries are younger than window; retryAfter is when enough of them age out.
//
// Both take "now" from the caller rather than from a clock of their own (or
// from Redis TIME): the sender's time comes from the injected
// servicebot.Clock, so tests can drive the window by moving that clock, and
// every decision about a row uses one notion of time. Replicas' clocks differ
// by milliseconds under NTP, which is noise against a one-minute window.

// limiterScript reserves one entry in every key, or in none. Checking all keys
// before adding to any, in one script, is what makes AllowAll all-or-nothing
// and the budget exact across replicas (Redis runs a script atomically).
//
// KEYS: one sorted set per key, members scored by their time in ms.
// ARGV[1] now (ms), ARGV[2] window (ms), ARGV[3] limit, ARGV[4] a member
// unique to this call (two calls in the same millisecond must not merge).
// Returns {1, 0} when reserved, {0, ms to wait} when some key is full.
var limiterScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local full = false
local wait = 0
for _, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local n = redis.call('ZCARD', key)
  if n >= limit then
    full = true
    -- Room appears when the entry at n-limit (0-based, oldest first) leaves.
    local e = redis.call('ZRANGE', key, n - limit, n - limit, 'WITHSCORES')
    local w = tonumber(e[2]) + window - now
    if w > wait then wait = w end
  end
end
if full then
  return {0, wait}
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, window)
end
return {1, 0}
`)

// RedisLimiter is a sliding-window limiter shared by every replica using the
// same Redis and prefix: across all of them at most limit calls per window are
// allowed for a key.
//
// The keys of one AllowAll call go into one script, so on Redis Cluster they
// would have to share a hash slot; servicebot uses a single Redis.
type RedisLimiter struct {
	rdb    *redis.Client
	prefix string
	limit  int
	window time.Duration
}

// NewRedisLimiter returns a limiter allowing limit calls per window for each
// key, storing its log under prefix+key. It panics if limit < 1 or window is
// shorter than a millisecond (the log's resolution): that is a wiring mistake.
func NewRedisLimiter(rdb *redis.Client, prefix string, limit int, window time.Duration) *RedisLimiter {
	mustValidLimit(limit, window)
	return &RedisLimiter{rdb: rdb, prefix: prefix, limit: limit, window: window}
}

// Allow reserves one call for key at now. When the key is at its limit it
// reserves nothing and returns false with the time until room appears.
func (l *RedisLimiter) Allow(ctx context.Context, key string, now time.Time) (ok bool, retryAfter time.Duration, err error) {
	return l.AllowAll(ctx, []string{key}, now)
}

// AllowAll reserves one call for every key at now, or for none: a message to
// several members goes out only if each of them has room. When some key is at
// its limit it returns false and the longest wait among the full keys.
// Repeated keys count once; no keys at all are allowed.
func (l *RedisLimiter) AllowAll(ctx context.Context, keys []string, now time.Time) (ok bool, retryAfter time.Duration, err error) {
	keys = uniqueKeys(keys)
	if len(keys) == 0 {
		return true, 0, nil
	}
	redisKeys := make([]string, len(keys))
	for i, k := range keys {
		redisKeys[i] = l.prefix + k
	}
	nowMS := now.UnixMilli()
	res, err := limiterScript.Run(ctx, l.rdb, redisKeys,
		nowMS, l.window.Milliseconds(), l.limit, uniqueMember(nowMS)).Int64Slice()
	if err != nil {
		return false, 0, fmt.Errorf("kv: limiter allow: %w", err)
	}
	if len(res) != 2 {
		return false, 0, fmt.Errorf("kv: limiter allow: unexpected script result %v", res)
	}
	return res[0] == 1, time.Duration(res[1]) * time.Millisecond, nil
}

// FallbackLimiter is a RedisLimiter that, while Redis fails, keeps the limit
// in this process instead (Degrade): each replica then allows the full
// budget on its own, so a member may get up to limit per replica for the
// length of the outage. That is better than sending with no limit at all,
// and far better than not sending.
type FallbackLimiter struct {
	redis  *RedisLimiter
	local  *MemoryLimiter
	outage *outage
}

// NewFallbackLimiter returns a limiter allowing limit calls per window for
// each key across replicas through rdb, or per process while rdb fails.
func NewFallbackLimiter(rdb *redis.Client, prefix string, limit int, window time.Duration, d Degrade) *FallbackLimiter {
	return &FallbackLimiter{
		redis:  NewRedisLimiter(rdb, prefix, limit, window),
		local:  NewMemoryLimiter(limit, window),
		outage: newOutage("limiter", d),
	}
}

// AllowAll reserves one call for every key at now, or for none; see
// RedisLimiter.AllowAll. It never returns an error: when Redis fails the
// process's own limiter decides.
func (l *FallbackLimiter) AllowAll(ctx context.Context, keys []string, now time.Time) (ok bool, retryAfter time.Duration, err error) {
	if !l.outage.skip() {
		rctx, cancel := context.WithTimeout(ctx, opTimeout)
		ok, retryAfter, err = l.redis.AllowAll(rctx, keys, now)
		cancel()
		if err == nil {
			l.outage.succeeded()
			return ok, retryAfter, nil
		}
		if ctx.Err() != nil {
			return false, 0, err
		}
		l.outage.failed("allow", err)
	}
	return l.local.AllowAll(ctx, keys, now)
}

// uniqueMember names one reservation. The time prefix keeps members readable
// in redis-cli; the random suffix keeps two reservations made in the same
// millisecond (by this or another replica) from collapsing into one entry.
func uniqueMember(nowMS int64) string {
	return fmt.Sprintf("%d-%016x", nowMS, rand.Uint64())
}

// MemoryLimiter is the single-instance stand-in for RedisLimiter, with the
// same semantics. It is safe for concurrent use.
type MemoryLimiter struct {
	limit  int
	window time.Duration

	mu        sync.Mutex
	log       map[string][]time.Time // per key, sorted oldest first
	nextSweep time.Time
}

// NewMemoryLimiter returns an in-process limiter allowing limit calls per
// window for each key. It panics if limit < 1 or window is shorter than a
// millisecond, like NewRedisLimiter.
func NewMemoryLimiter(limit int, window time.Duration) *MemoryLimiter {
	mustValidLimit(limit, window)
	return &MemoryLimiter{limit: limit, window: window, log: make(map[string][]time.Time)}
}

// Allow reserves one call for key at now; see RedisLimiter.Allow.
func (l *MemoryLimiter) Allow(ctx context.Context, key string, now time.Time) (ok bool, retryAfter time.Duration, err error) {
	return l.AllowAll(ctx, []string{key}, now)
}

// AllowAll reserves one call for every key at now, or for none; see
// RedisLimiter.AllowAll. It never returns an error.
func (l *MemoryLimiter) AllowAll(_ context.Context, keys []string, now time.Time) (ok bool, retryAfter time.Duration, err error) {
	keys = uniqueKeys(keys)
	cutoff := now.Add(-l.window)

	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now, cutoff)

	full := false
	for _, k := range keys {
		entries := trim(l.log[k], cutoff)
		l.log[k] = entries
		if n := len(entries); n >= l.limit {
			full = true
			retryAfter = max(retryAfter, entries[n-l.limit].Add(l.window).Sub(now))
		}
	}
	if full {
		return false, retryAfter, nil
	}
	for _, k := range keys {
		entries := l.log[k]
		// Keep the log sorted even if callers' clocks are not monotonic, so
		// that trim can cut from the front.
		i, _ := slices.BinarySearchFunc(entries, now, time.Time.Compare)
		l.log[k] = slices.Insert(entries, i, now)
	}
	return true, 0, nil
}

// sweep forgets keys with no entry left in the window, at most once a window,
// so that members who stopped receiving messages do not stay in memory.
func (l *MemoryLimiter) sweep(now, cutoff time.Time) {
	if now.Before(l.nextSweep) {
		return
	}
	l.nextSweep = now.Add(l.window)
	for k, entries := range l.log {
		if len(entries) == 0 || !entries[len(entries)-1].After(cutoff) {
			delete(l.log, k)
		}
	}
}

// trim drops the entries at or before cutoff, as the Redis script does.
func trim(entries []time.Time, cutoff time.Time) []time.Time {
	i := 0
	for i < len(entries) && !entries[i].After(cutoff) {
		i++
	}
	return slices.Delete(entries, 0, i)
}

func uniqueKeys(keys []string) []string {
	if len(keys) <= 1 {
		return keys
	}
	out := slices.Clone(keys)
	slices.Sort(out)
	return slices.Compact(out)
}

func mustValidLimit(limit int, window time.Duration) {
	if limit < 1 || window < time.Millisecond {
		panic(fmt.Sprintf("kv: limiter needs limit >= 1 and window >= 1ms, got %d per %v", limit, window))
	}
}
