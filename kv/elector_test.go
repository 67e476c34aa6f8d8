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
	t.Parallel()
	rdb := kvtest.Redis(t)
	key := kvtest.KeyPrefix(t, rdb) + "scheduler-leader"
	a := kv.NewRedisElector(rdb, key, "replica-a", time.Minute, degrade(t))
	b := kv.NewRedisElector(rdb, key, "replica-b", time.Minute, degrade(t))

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

// Redis keeps the lock's time: rather than wait it out, the test shortens
// what is left of it with PEXPIRE, as that much time passing would.
func TestElectorExpiresWithoutRenewal(t *testing.T) {
	t.Parallel()
	rdb := kvtest.Redis(t)
	key := kvtest.KeyPrefix(t, rdb) + "scheduler-leader"
	const ttl = time.Minute
	a := kv.NewRedisElector(rdb, key, "replica-a", ttl, degrade(t))
	b := kv.NewRedisElector(rdb, key, "replica-b", ttl, degrade(t))

	if !isLeader(t, a) {
		t.Fatal("a: not leader")
	}
	// Half the ttl later a asks again, and so renews: the lock is good for
	// another ttl, not for what was left of it.
	rdb.PExpire(bg, key, ttl/2)
	if !isLeader(t, a) {
		t.Fatal("a: lost the lead before its ttl")
	}
	if pttl := rdb.PTTL(bg, key).Val(); pttl <= ttl*9/10 {
		t.Fatalf("lock ttl after renewal = %v, want about %v (renewed, not what was left)", pttl, ttl)
	}
	if isLeader(t, b) {
		t.Fatal("b: leader while a renews")
	}

	// a stops renewing (a crashed replica) with little of its lock left: b
	// takes over once that is up, and not before.
	const left = 500 * time.Millisecond
	rdb.PExpire(bg, key, left)
	shortened := time.Now()
	waitUntil(t, shortened.Add(10*time.Second), func() bool { return isLeader(t, b) })
	if held := time.Since(shortened); held < left*9/10 {
		t.Fatalf("b took over %v after a's lock had %v left", held, left)
	}
	if isLeader(t, a) {
		t.Fatal("a: still leader after its lock expired and b took it")
	}
}

// waitUntil polls cond until it holds, failing the test at deadline.
func waitUntil(t *testing.T, deadline time.Time, cond func() bool) {
	t.Helper()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met by the deadline")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestElectorRunKeepsLead(t *testing.T) {
	t.Parallel()
	rdb := kvtest.Redis(t)
	key := kvtest.KeyPrefix(t, rdb) + "scheduler-leader"
	// Run renews every ttl/3: a renewal may come a whole second late
	// before the lock lapses.
	const ttl = 1500 * time.Millisecond
	a := kv.NewRedisElector(rdb, key, "replica-a", ttl, degrade(t))
	b := kv.NewRedisElector(rdb, key, "replica-b", ttl, degrade(t))

	ctx, cancel := context.WithCancel(bg)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()

	// Wait for a's first campaign rather than guess how long it takes.
	waitUntil(t, time.Now().Add(10*time.Second), func() bool { return rdb.Get(bg, key).Val() == "replica-a" })
	// With no job asking, Run alone renews the lock: what is left of it
	// jumps back up, twice, and b is refused throughout.
	renewals, last := 0, rdb.PTTL(bg, key).Val()
	waitUntil(t, time.Now().Add(10*time.Second), func() bool {
		if isLeader(t, b) {
			t.Fatal("b: leader while a campaigns")
		}
		left := rdb.PTTL(bg, key).Val()
		if left > last {
			renewals++
		}
		last = left
		return renewals >= 2
	})
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
	t.Parallel()
	e := kv.NewRedisElector(kvtest.DeadRedis(t), "scheduler-leader", "replica-a", time.Minute, degrade(t))
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
	t.Parallel()
	var e kv.AlwaysLeader
	if err := e.IsLeader(bg); err != nil {
		t.Fatalf("AlwaysLeader.IsLeader = %v", err)
	}
}
