package kv

import (
	"log/slog"
	"sync"
	"time"

	"github.com/servicebot/servicebot/metrics"
)

// Degrade is how the Redis-backed pieces behave when Redis fails: each falls
// back to this process's own state (a token kept in memory, a send limit per
// process, every replica leading), counts the failure in Metrics and warns
// at most once a minute, and says when Redis answers again. Correctness
// never depends on Redis (the database's unique keys keep reminders once),
// so an outage must not stop the bot.
//
// Make the client with redis.Options.ContextTimeoutEnabled: without it
// go-redis waits out its own socket timeouts (seconds) instead of the 500 ms
// given to each operation here.
type Degrade struct {
	// Now is the clock of the fallback state (token expiry, when to warn
	// and retry). Required.
	Now     func() time.Time
	Logger  *slog.Logger     // nil: no logs
	Metrics *metrics.Metrics // nil: no metrics
}

const (
	// opTimeout bounds one Redis operation. Redis answers in well under a
	// millisecond; waiting longer means it is gone or hung.
	opTimeout = 500 * time.Millisecond
	// retryAfterFailure is how long a component works on its own after a
	// failure before it tries Redis again: a hung Redis costs one opTimeout
	// per this period, not one per message.
	retryAfterFailure = 5 * time.Second
	// warnEvery limits the warnings of one component during an outage.
	warnEvery = time.Minute
)

// outage tracks Redis's health as one component sees it.
type outage struct {
	component string
	d         Degrade

	mu        sync.Mutex
	down      bool
	skipUntil time.Time
	warnedAt  time.Time
	failures  int // since the last warning
}

func newOutage(component string, d Degrade) *outage {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		panic("kv: Degrade.Now is required")
	}
	return &outage{component: component, d: d}
}

// skip reports whether Redis failed so recently that it is not worth asking.
func (o *outage) skip() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.down && o.d.Now().Before(o.skipUntil)
}

// failed records a failed operation: metric, and a warning at most once a
// minute naming how many failed since the last one.
func (o *outage) failed(op string, err error) {
	o.d.Metrics.RedisFailure(o.component)
	now := o.d.Now()
	o.mu.Lock()
	o.down = true
	o.skipUntil = now.Add(retryAfterFailure)
	o.failures++
	warn := o.warnedAt.IsZero() || now.Sub(o.warnedAt) >= warnEvery
	n := o.failures
	if warn {
		o.warnedAt = now
		o.failures = 0
	}
	o.mu.Unlock()
	if warn {
		o.d.Logger.Warn("redis unavailable; working on this process's own state",
			"component", o.component, "op", op, "failures", n, "err", err)
	}
}

// succeeded records that Redis answered, saying so once after an outage.
func (o *outage) succeeded() {
	o.mu.Lock()
	wasDown := o.down
	o.down = false
	o.warnedAt = time.Time{}
	o.failures = 0
	o.mu.Unlock()
	if wasDown {
		o.d.Logger.Info("redis answers again; sharing state through it", "component", o.component)
	}
}
