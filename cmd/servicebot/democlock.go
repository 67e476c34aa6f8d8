package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/people"
)

// demoClock is the demo's time: the real clock moved on by the /sim page's
// clock control, so a newcomer can see the 20:00 reminder, the 09:00
// summary and the 1st's KPI draft without waiting for them. Only the demo
// has one; `serve` runs on servicebot.SystemClock.
type demoClock struct {
	real   servicebot.Clock
	mu     sync.Mutex
	offset time.Duration
}

func newDemoClock(real servicebot.Clock, start time.Time) *demoClock {
	c := &demoClock{real: real}
	if !start.IsZero() {
		c.offset = start.Sub(real.Now())
	}
	return c
}

func (c *demoClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.real.Now().Add(c.offset)
}

// moveTo sets the time to t. Only forward: what the bot recorded is never
// dated after the demo's now.
func (c *demoClock) moveTo(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.real.Now()
	if t.Before(now.Add(c.offset)) {
		return fmt.Errorf("演示时间只能向前调整（现在 %s）", now.Add(c.offset).Format(time.DateTime))
	}
	c.offset = t.Sub(now)
	return nil
}

// moveClock moves the demo's clock to t, runs every job as of t (what a
// running scheduler would do in its next minute, done at once so the page
// shows the result), and wakes the sender. directory-sync is left to its
// schedule: the simulator's address book does not change.
func (a *app) moveClock(ctx context.Context, clock *demoClock, t time.Time) error {
	if err := clock.moveTo(t); err != nil {
		return err
	}
	a.logger.Info("demo clock moved", "to", t)
	var errs []error
	for _, j := range a.scheduler.Jobs() {
		if j.Name == people.JobSync {
			continue
		}
		if err := a.scheduler.RunNow(ctx, j.Name, clock.Now()); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", j.Name, err))
		}
	}
	a.sender.Kick()
	return errors.Join(errs...)
}
