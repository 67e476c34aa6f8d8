package kv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/redis/go-redis/v9"
)

// ErrNotLeader is what IsLeader returns to a replica that is not the
// scheduler's leader; gocron then skips the job run on that replica.
var ErrNotLeader = errors.New("kv: not the scheduler leader")

// campaignScript takes the lock when it is free (SET NX PX) or extends it when
// this instance already holds it (compare-and-expire), in one atomic step so
// that the lock cannot change hands between the check and the write.
//
// KEYS[1] the lock; ARGV[1] instance id; ARGV[2] ttl (ms). Returns 1 when the
// caller holds the lock afterwards, 0 when another instance does.
var campaignScript = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`)

// resignScript deletes the lock only if this instance holds it
// (compare-and-delete), so a replica whose lock already expired and passed to
// another cannot remove the new leader's lock.
var resignScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// RedisElector is a gocron Elector: of the replicas sharing a key, the one
// holding the Redis lock is the leader and runs the scheduled jobs.
//
// Every IsLeader call campaigns: it takes the lock if free and renews it if
// held. gocron calls IsLeader before each job run, so a leader whose jobs run
// more often than ttl keeps the lock by itself; Run keeps it between runs.
// A leader that dies or stops renewing loses the lock after ttl.
type RedisElector struct {
	rdb        *redis.Client
	key        string
	instanceID string
	ttl        time.Duration
	logger     *slog.Logger
	outage     *outage

	leading atomic.Bool // last known state, to log changes only
}

var (
	_ gocron.Elector = (*RedisElector)(nil)
	_ gocron.Elector = AlwaysLeader{}
)

// NewRedisElector returns an elector competing for key as instanceID, which
// must be unique per replica (hostname plus pid, say). It panics if ttl is
// shorter than a millisecond.
//
// While Redis fails every replica leads (see IsLeader); d says how that is
// counted and warned about.
func NewRedisElector(rdb *redis.Client, key, instanceID string, ttl time.Duration, d Degrade) *RedisElector {
	if ttl < time.Millisecond {
		panic(fmt.Sprintf("kv: elector ttl must be >= 1ms, got %v", ttl))
	}
	o := newOutage("elector", d)
	return &RedisElector{rdb: rdb, key: key, instanceID: instanceID, ttl: ttl, logger: o.d.Logger, outage: o}
}

// IsLeader returns nil when this instance holds (or has just taken) the lock,
// and ErrNotLeader when another instance does.
//
// When Redis cannot be reached it also returns nil, with a warning: every
// replica then runs the jobs, which is safe because the jobs' writes are
// guarded by unique keys in the database, whereas failing closed would stop
// all reminders for as long as Redis is down.
func (e *RedisElector) IsLeader(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		// Shutting down: no job should start now.
		return fmt.Errorf("kv: elector: %w", err)
	}
	if e.outage.skip() {
		return nil // Redis failed a moment ago: lead, as below
	}
	rctx, cancel := context.WithTimeout(ctx, opTimeout)
	held, err := campaignScript.Run(rctx, e.rdb, []string{e.key}, e.instanceID, e.ttl.Milliseconds()).Int()
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			// Shutting down, not an outage: no job should start now.
			return fmt.Errorf("kv: elector: %w", ctx.Err())
		}
		// The warning (once a minute) says every replica now runs the jobs.
		e.outage.failed("campaign", err)
		return nil
	}
	e.outage.succeeded()
	if held == 1 {
		if !e.leading.Swap(true) {
			e.logger.InfoContext(ctx, "became scheduler leader", "key", e.key, "instance", e.instanceID)
		}
		return nil
	}
	if e.leading.Swap(false) {
		e.logger.WarnContext(ctx, "lost scheduler leadership", "key", e.key, "instance", e.instanceID)
	}
	return ErrNotLeader
}

// Run campaigns every third of ttl until ctx is cancelled, so the leader keeps
// the lock between job runs and a standby takes over within ttl of the
// leader's death. It returns nil when ctx is cancelled; call Resign after it
// (with a fresh context) to hand over at once.
func (e *RedisElector) Run(ctx context.Context) error {
	t := time.NewTicker(max(e.ttl/3, time.Millisecond))
	defer t.Stop()
	for {
		_ = e.IsLeader(ctx) // the outcome is logged; jobs ask again themselves
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Resign releases the lock if this instance holds it, so that another replica
// takes over at its next campaign instead of after ttl. Call it on shutdown,
// after the scheduler has stopped.
func (e *RedisElector) Resign(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	if err := resignScript.Run(ctx, e.rdb, []string{e.key}, e.instanceID).Err(); err != nil {
		return fmt.Errorf("kv: elector resign: %w", err)
	}
	if e.leading.Swap(false) {
		e.logger.InfoContext(ctx, "resigned scheduler leadership", "key", e.key, "instance", e.instanceID)
	}
	return nil
}

// AlwaysLeader is the Elector of a single instance: it always leads.
type AlwaysLeader struct{}

// IsLeader returns nil.
func (AlwaysLeader) IsLeader(context.Context) error { return nil }

// Resign does nothing; it lets AlwaysLeader stand in for a RedisElector at
// shutdown.
func (AlwaysLeader) Resign(context.Context) error { return nil }
