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
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/cache"
)

// cacheOpTimeout bounds each Redis call made through the context-less
// cache.Cache methods. The SDK calls them on the path of every WeCom API
// request and cannot cancel them, so a stalled Redis must not stall sending:
// after the timeout Get reports a miss and the SDK fetches a fresh token.
const cacheOpTimeout = 2 * time.Second

// RedisCache is a silenceper/wechat cache.Cache on go-redis v9, so that all
// replicas share one access token instead of each fetching its own (WeCom
// invalidates tokens early when too many are issued). The SDK ships a go-redis
// v8 adapter only.
//
// For a single instance use cache.NewMemory() from the SDK instead.
type RedisCache struct {
	rdb *redis.Client
}

var (
	_ cache.Cache        = (*RedisCache)(nil)
	_ cache.ContextCache = (*RedisCache)(nil)
)

// NewTokenCache returns a cache.Cache storing its values in rdb.
func NewTokenCache(rdb *redis.Client) *RedisCache {
	return &RedisCache{rdb: rdb}
}

// Get returns the value stored under key as a string, or nil when there is
// none or Redis cannot be reached (the SDK then fetches a new token). It must
// be a string: the SDK type-asserts val.(string). Each call is bounded by a
// 2 s timeout.
func (c *RedisCache) Get(key string) any {
	ctx, cancel := context.WithTimeout(context.Background(), cacheOpTimeout)
	defer cancel()
	return c.GetContext(ctx, key)
}

// GetContext is Get with the caller's context.
func (c *RedisCache) GetContext(ctx context.Context, key string) any {
	v, err := c.rdb.Get(ctx, key).Result()
	if err != nil {
		// A miss (redis.Nil) and an unreachable Redis look the same to the
		// SDK: both mean "ask WeCom". The interface has no error to return.
		return nil
	}
	return v
}

// Set stores val under key for timeout (which must be positive: the SDK
// always passes the token's lifetime). The 2 s timeout of Get applies.
func (c *RedisCache) Set(key string, val any, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), cacheOpTimeout)
	defer cancel()
	return c.SetContext(ctx, key, val, timeout)
}

// SetContext is Set with the caller's context.
func (c *RedisCache) SetContext(ctx context.Context, key string, val any, timeout time.Duration) error {
	if timeout <= 0 {
		// Without this a non-positive TTL would store the token forever
		// (go-redis treats 0 as "no expiry"), outliving its validity.
		return fmt.Errorf("kv: token cache set %q: non-positive timeout %v", key, timeout)
	}
	if err := c.rdb.Set(ctx, key, val, timeout).Err(); err != nil {
		return fmt.Errorf("kv: token cache set %q: %w", key, err)
	}
	return nil
}

// IsExist reports whether key holds a value; false when Redis cannot be
// reached. The 2 s timeout of Get applies.
func (c *RedisCache) IsExist(key string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), cacheOpTimeout)
	defer cancel()
	return c.IsExistContext(ctx, key)
}

// IsExistContext is IsExist with the caller's context.
func (c *RedisCache) IsExistContext(ctx context.Context, key string) bool {
	n, err := c.rdb.Exists(ctx, key).Result()
	return err == nil && n > 0
}

// Delete removes key; deleting a missing key is not an error. The bot calls it
// when WeCom rejects the cached token (40014/42001), since the SDK does not.
// The 2 s timeout of Get applies.
func (c *RedisCache) Delete(key string) error {
	ctx, cancel := context.WithTimeout(context.Background(), cacheOpTimeout)
	defer cancel()
	return c.DeleteContext(ctx, key)
}

// DeleteContext is Delete with the caller's context.
func (c *RedisCache) DeleteContext(ctx context.Context, key string) error {
	if err := c.rdb.Del(ctx, key).Err(); err != nil {
		return fmt.Errorf("kv: token cache delete %q: %w", key, err)
	}
	return nil
}
