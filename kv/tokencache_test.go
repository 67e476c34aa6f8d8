package kv_test

import (
	"testing"
	"time"

	"github.com/servicebot/servicebot/kv"
	"github.com/servicebot/servicebot/kv/kvtest"
)

func TestTokenCache(t *testing.T) {
	t.Parallel()
	rdb := kvtest.Redis(t)
	prefix := kvtest.KeyPrefix(t, rdb)
	c := kv.NewTokenCache(rdb, degrade(t))
	key := prefix + "gowechat_work__access_token_corp_1000002"

	if got := c.Get(key); got != nil {
		t.Fatalf("Get on a miss = %#v, want nil", got)
	}
	if c.IsExist(key) {
		t.Fatal("IsExist on a miss = true")
	}

	if err := c.Set(key, "tok-123", 5700*time.Second); err != nil {
		t.Fatalf("Set: %v", err)
	}
	// The SDK does val.(string): anything but a string would panic there.
	got, ok := c.Get(key).(string)
	if !ok || got != "tok-123" {
		t.Fatalf("Get = %#v, want string \"tok-123\"", c.Get(key))
	}
	if !c.IsExist(key) {
		t.Fatal("IsExist after Set = false")
	}
	ttl, err := rdb.PTTL(bg, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl <= 5690*time.Second || ttl > 5700*time.Second {
		t.Fatalf("TTL after Set = %v, want about 5700s", ttl)
	}

	if err := c.Delete(key); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if got := c.Get(key); got != nil {
		t.Fatalf("Get after Delete = %#v, want nil", got)
	}
	if err := c.Delete(key); err != nil {
		t.Fatalf("Delete of a missing key: %v", err)
	}

	if err := c.Set(key, "tok", 0); err == nil {
		t.Fatal("Set with a zero timeout succeeded; it would store the token forever")
	}
	if c.IsExist(key) {
		t.Fatal("Set with a zero timeout stored the value")
	}
}

func TestTokenCacheExpires(t *testing.T) {
	t.Parallel()
	rdb := kvtest.Redis(t)
	c := kv.NewTokenCache(rdb, degrade(t))
	key := kvtest.KeyPrefix(t, rdb) + "token"

	const ttl = 200 * time.Millisecond
	if err := c.Set(key, "tok", ttl); err != nil {
		t.Fatal(err)
	}
	// Redis expires the key on its own clock: poll rather than bet on a
	// sleep, with room for a machine under load.
	deadline := time.Now().Add(10 * time.Second)
	for c.Get(key) != nil {
		if time.Now().After(deadline) {
			t.Fatalf("Get long after the TTL = %#v, want nil", c.Get(key))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Issue 15: with Redis unreachable the cache works in the process. A miss is
// a miss (the SDK asks WeCom once), a failed write is not an error (the SDK
// would otherwise throw the fetched token away and fetch again on every
// send), and the token is then served from the process; nothing hangs.
func TestTokenCacheRedisDownKeepsTheTokenInProcess(t *testing.T) {
	t.Parallel()
	c := kv.NewTokenCache(kvtest.DeadRedis(t), degrade(t))
	if got := c.Get("k"); got != nil {
		t.Fatalf("Get with Redis down = %#v, want nil", got)
	}
	if c.IsExist("k") {
		t.Fatal("IsExist with Redis down = true")
	}
	if err := c.Set("k", "v", time.Minute); err != nil {
		t.Fatalf("Set with Redis down = %v, want nil: the token is kept in the process", err)
	}
	if got, _ := c.Get("k").(string); got != "v" {
		t.Fatalf("Get after Set with Redis down = %#v, want \"v\"", c.Get("k"))
	}
	if err := c.Delete("k"); err != nil {
		t.Fatalf("Delete with Redis down: %v", err)
	}
	if got := c.Get("k"); got != nil {
		t.Fatalf("Get after Delete with Redis down = %#v, want nil", got)
	}
}
