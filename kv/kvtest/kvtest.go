// Package kvtest gives tests a real Redis: the one TEST_REDIS_URL points at.
package kvtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis returns a client for TEST_REDIS_URL, closed when the test ends. The
// test is skipped when the variable is unset and fails when it is set but
// Redis cannot be reached: CI always sets it, so a broken Redis must not turn
// into silently skipped tests.
//
// Tests share the database: keep every key under KeyPrefix.
func Redis(t testing.TB) *redis.Client {
	t.Helper()
	url := os.Getenv("TEST_REDIS_URL")
	if url == "" {
		t.Skip("TEST_REDIS_URL not set; skipping test that needs Redis")
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("kvtest: parse TEST_REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("kvtest: TEST_REDIS_URL is set but Redis is unreachable: %v", err)
	}
	return rdb
}

// KeyPrefix returns a key prefix unique to this test run ("test:<name>:<random>:")
// and deletes every key under it when the test ends.
func KeyPrefix(t testing.TB, rdb *redis.Client) string {
	t.Helper()
	name := strings.NewReplacer(" ", "_", "/", ".", ":", "_", "*", "_", "?", "_", "[", "_", "]", "_", "\\", "_").Replace(t.Name())
	prefix := fmt.Sprintf("test:%s:%016x:", name, rand.Uint64())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("kvtest: scan %s*: %v", prefix, err)
			return
		}
		if len(keys) > 0 {
			if err := rdb.Del(ctx, keys...).Err(); err != nil {
				t.Errorf("kvtest: delete %d keys under %s: %v", len(keys), prefix, err)
			}
		}
	})
	return prefix
}

// DeadRedis is a client of an address nothing listens on, failing fast: the
// Redis that went away.
func DeadRedis(t testing.TB) *redis.Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	// One dial per call: go-redis otherwise dials five times, 100 ms apart,
	// and a refused connection took 400 ms instead of failing fast.
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond, MaxRetries: -1,
		DialerRetries: 1})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}
