// Package kv holds the small pieces of state that several replicas share
// through Redis: the WeCom access token, the per-member send limiter and the
// scheduler's leadership. Each has an in-process stand-in for a single
// instance (the embedded mode), where nothing needs to be shared.
//
// Correctness never depends on Redis: unique keys in the database stop a
// message or a reminder from going out twice. Redis only adds sharing (one
// token for all replicas, one send budget per member, one replica running the
// scheduler) so that the replicas behave as one.
package kv

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/cache"
)

// RedisCache is a silenceper/wechat cache.Cache on go-redis v9, so that all
// replicas share one access token instead of each fetching its own (WeCom
// invalidates tokens early when too many are issued). The SDK ships a go-redis
// v8 adapter only.
//
// Redis is an optimisation here, never a condition for sending: every value
// is also kept in this process. When Redis fails (Degrade), Get answers from
// the process's copy and Set keeps the token there and reports success, so
// the SDK uses the token it fetched instead of failing and fetching again on
// every send. When Redis answers again, a token fetched during the outage is
// offered to the other replicas (SET NX) and the first one offered wins: the
// replicas converge on one token without calling gettoken.
//
// For a single instance use cache.NewMemory() from the SDK instead.
type RedisCache struct {
	rdb    *redis.Client
	outage *outage

	mu    sync.Mutex
	local map[string]localValue
}

// localValue is the process's copy of a cached value.
type localValue struct {
	val     string
	expires time.Time
	// unshared marks a value Redis does not hold as far as we know: set
	// while Redis was down. A shared copy that Redis no longer has was
	// deleted (a rejected token) or expired, and is dropped too.
	unshared bool
}

var (
	_ cache.Cache        = (*RedisCache)(nil)
	_ cache.ContextCache = (*RedisCache)(nil)
)

// NewTokenCache returns a cache.Cache storing its values in rdb, and in this
// process when rdb fails.
func NewTokenCache(rdb *redis.Client, d Degrade) *RedisCache {
	return &RedisCache{rdb: rdb, outage: newOutage("token_cache", d), local: map[string]localValue{}}
}

// Get returns the value stored under key as a string, or nil when there is
// none (the SDK then fetches a new token). It must be a string: the SDK
// type-asserts val.(string). Redis is asked for at most 500 ms.
func (c *RedisCache) Get(key string) any {
	return c.GetContext(context.Background(), key)
}

// GetContext is Get with the caller's context.
func (c *RedisCache) GetContext(ctx context.Context, key string) any {
	if c.outage.skip() {
		return c.localGet(key)
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	var get *redis.StringCmd
	var ttl *redis.DurationCmd
	_, err := c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		get = p.Get(ctx, key)
		ttl = p.PTTL(ctx, key)
		return nil
	})
	switch {
	case err == nil:
		c.outage.succeeded()
		v := get.Val()
		c.keep(key, v, ttl.Val(), false)
		return v
	case errors.Is(err, redis.Nil):
		c.outage.succeeded()
		return c.share(ctx, key)
	default:
		// The interface has no error to return: the process's copy, or a
		// miss, which makes the SDK ask WeCom.
		c.outage.failed("get", err)
		return c.localGet(key)
	}
}

// share handles a key Redis does not hold: a value this process got while
// Redis was down is offered to the other replicas; if one of them offered
// theirs first, that one is adopted.
func (c *RedisCache) share(ctx context.Context, key string) any {
	c.mu.Lock()
	lv, ok := c.local[key]
	now := c.outage.d.Now()
	if ok && (!lv.unshared || !now.Before(lv.expires)) {
		delete(c.local, key)
		ok = false
	}
	c.mu.Unlock()
	if !ok {
		return nil
	}
	ttl := lv.expires.Sub(now)
	set, err := c.rdb.SetNX(ctx, key, lv.val, ttl).Result()
	if err != nil {
		c.outage.failed("share", err)
		return lv.val
	}
	if set {
		c.keep(key, lv.val, ttl, false)
		return lv.val
	}
	// Another replica shared first: use its value.
	v, err := c.rdb.Get(ctx, key).Result()
	if err != nil {
		return lv.val
	}
	c.keep(key, v, ttl, false)
	return v
}

// Set stores val under key for timeout (which must be positive: the SDK
// always passes the token's lifetime), in Redis and in this process. A
// failure of Redis is a warning, not an error: the value is kept here.
func (c *RedisCache) Set(key string, val any, timeout time.Duration) error {
	return c.SetContext(context.Background(), key, val, timeout)
}

// SetContext is Set with the caller's context.
func (c *RedisCache) SetContext(ctx context.Context, key string, val any, timeout time.Duration) error {
	if timeout <= 0 {
		// Without this a non-positive TTL would store the token forever
		// (go-redis treats 0 as "no expiry"), outliving its validity.
		return fmt.Errorf("kv: token cache set %q: non-positive timeout %v", key, timeout)
	}
	s, ok := val.(string)
	if !ok {
		return fmt.Errorf("kv: token cache set %q: value is %T, not a string", key, val)
	}
	if c.outage.skip() {
		c.keep(key, s, timeout, true)
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	if err := c.rdb.Set(ctx, key, s, timeout).Err(); err != nil {
		c.outage.failed("set", err)
		c.keep(key, s, timeout, true)
		return nil
	}
	c.outage.succeeded()
	c.keep(key, s, timeout, false)
	return nil
}

// IsExist reports whether key holds a value, in Redis or, when Redis
// fails, in this process.
func (c *RedisCache) IsExist(key string) bool {
	return c.IsExistContext(context.Background(), key)
}

// IsExistContext is IsExist with the caller's context.
func (c *RedisCache) IsExistContext(ctx context.Context, key string) bool {
	return c.GetContext(ctx, key) != nil
}

// Delete removes key here and in Redis; deleting a missing key is not an
// error. The bot calls it when WeCom rejects the cached token (40014/42001),
// since the SDK does not. When Redis fails the process's copy is still gone:
// the next Get fetches a new token.
func (c *RedisCache) Delete(key string) error {
	return c.DeleteContext(context.Background(), key)
}

// DeleteContext is Delete with the caller's context.
func (c *RedisCache) DeleteContext(ctx context.Context, key string) error {
	c.mu.Lock()
	delete(c.local, key)
	c.mu.Unlock()
	if c.outage.skip() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	if err := c.rdb.Del(ctx, key).Err(); err != nil {
		c.outage.failed("delete", err)
		return nil
	}
	c.outage.succeeded()
	return nil
}

func (c *RedisCache) keep(key, val string, ttl time.Duration, unshared bool) {
	if ttl <= 0 {
		return // no expiry known (or already expired): do not keep a copy
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.local[key] = localValue{val: val, expires: c.outage.d.Now().Add(ttl), unshared: unshared}
}

func (c *RedisCache) localGet(key string) any {
	c.mu.Lock()
	defer c.mu.Unlock()
	lv, ok := c.local[key]
	if !ok {
		return nil
	}
	if !c.outage.d.Now().Before(lv.expires) {
		delete(c.local, key)
		return nil
	}
	return lv.val
}
