package kv_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/servicebot/servicebot/kv"
	"github.com/servicebot/servicebot/kv/kvtest"
)

func isLeader(t *testing.T, e interface{ IsLeader(context.Context) error }) bool {
	t.Helper()
	err := e.IsLeader(bg)
	if err != nil && !errors.Is(err, kv.ErrNotLeader) {
		t.Fatalf("IsLeader: unexpected error %v", err)
	}
	return err == nil
}

func TestElectorResign(t *testing.T) {
	rdb := kvtest.Redis(t)
	key := kvtest.KeyPrefix(t, rdb) + "scheduler-leader"
	a := kv.NewRedisElector(rdb, key, "replica-a", time.Minute, testLogger(t))
	b := kv.NewRedisElector(rdb, key, "replica-b", time.Minute, testLogger(t))

	if !isLeader(t, a) {
		t.Fatal("a: first to ask is not leader")
	}
	if isLeader(t, b) {
		t.Fatal("b: leader while a holds the lock")
	}
	if !isLeader(t, a) {
		t.Fatal("a: lost the lead on asking again")
	}

	// Only the holder can release the lock.
	if err := b.Resign(bg); err != nil {
		t.Fatalf("b.Resign: %v", err)
	}
	if isLeader(t, b) {
		t.Fatal("b: leader after resigning a lock it did not hold")
	}

	if err := a.Resign(bg); err != nil {
		t.Fatalf("a.Resign: %v", err)
	}
	if !isLeader(t, b) {
		t.Fatal("b: not leader after a resigned")
	}
	if isLeader(t, a) {
		t.Fatal("a: leader again while b holds the lock")
	}
}

func TestElectorExpiresWithoutRenewal(t *testing.T) {
	rdb := kvtest.Redis(t)
	key := kvtest.KeyPrefix(t, rdb) + "scheduler-leader"
	const ttl = time.Second
	a := kv.NewRedisElector(rdb, key, "replica-a", ttl, testLogger(t))
	b := kv.NewRedisElector(rdb, key, "replica-b", ttl, testLogger(t))

	if !isLeader(t, a) {
		t.Fatal("a: not leader")
	}
	time.Sleep(400 * time.Millisecond)
	if !isLeader(t, a) { // renews
		t.Fatal("a: lost the lead before its ttl")
	}
	if pttl := rdb.PTTL(bg, key).Val(); pttl < 900*time.Millisecond {
		t.Fatalf("lock ttl after renewal = %v, want about %v", pttl, ttl)
	}
	if isLeader(t, b) {
		t.Fatal("b: leader while a renews")
	}

	// a stops renewing (a crashed replica): b takes over once the ttl is up.
	time.Sleep(ttl + 100*time.Millisecond)
	if !isLeader(t, b) {
		t.Fatal("b: not leader after a's lock expired")
	}
	if isLeader(t, a) {
		t.Fatal("a: still leader after its lock expired and b took it")
	}
}

func TestElectorRunKeepsLead(t *testing.T) {
	rdb := kvtest.Redis(t)
	key := kvtest.KeyPrefix(t, rdb) + "scheduler-leader"
	const ttl = 300 * time.Millisecond
	a := kv.NewRedisElector(rdb, key, "replica-a", ttl, testLogger(t))
	b := kv.NewRedisElector(rdb, key, "replica-b", ttl, testLogger(t))

	ctx, cancel := context.WithCancel(bg)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()

	time.Sleep(50 * time.Millisecond)
	for range 4 { // over three ttls, with no job asking
		if isLeader(t, b) {
			t.Fatal("b: leader while a campaigns")
		}
		time.Sleep(ttl)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run returned %v after cancel, want nil", err)
	}
	if err := a.Resign(bg); err != nil {
		t.Fatal(err)
	}
	if !isLeader(t, b) {
		t.Fatal("b: not leader after a stopped and resigned")
	}
}

// Jobs are guarded by unique keys, so with Redis down every replica runs them
// rather than none.
func TestElectorRedisDownRunsJobs(t *testing.T) {
	e := kv.NewRedisElector(deadRedis(t), "scheduler-leader", "replica-a", time.Minute, testLogger(t))
	if err := e.IsLeader(bg); err != nil {
		t.Fatalf("IsLeader with Redis down = %v, want nil (fail open)", err)
	}
	ctx, cancel := context.WithCancel(bg)
	cancel()
	if err := e.IsLeader(ctx); err == nil {
		t.Fatal("IsLeader with a cancelled context = nil, want an error")
	}
}

func TestAlwaysLeader(t *testing.T) {
	var e kv.AlwaysLeader
	if err := e.IsLeader(bg); err != nil {
		t.Fatalf("AlwaysLeader.IsLeader = %v", err)
	}
}
