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
	// keep, when set, keeps the offset in the demo's database, so a
	// restarted demo goes on from the time it had reached.
	keep demoSettings
}

// demoSettings is what the demo keeps across restarts (*store.DB).
type demoSettings interface {
	DemoSetting(ctx context.Context, name string) (string, bool, error)
	PutDemoSetting(ctx context.Context, name, value string) error
}

// settingClockOffset names the kept offset of the demo's clock.
const settingClockOffset = "clock_offset"

func newDemoClock(real servicebot.Clock, start time.Time) *demoClock {
	c := &demoClock{real: real}
	if !start.IsZero() {
		c.offset = start.Sub(real.Now())
	}
	return c
}

// keepIn makes the clock keep its offset in settings. With restore it
// first takes the offset kept there by an earlier run, if any: the demo's
// time never goes back behind what its records are dated. Otherwise (the
// demo was started --at a time) it keeps its own.
func (c *demoClock) keepIn(ctx context.Context, settings demoSettings, restore bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keep = settings
	if restore {
		v, ok, err := settings.DemoSetting(ctx, settingClockOffset)
		if err != nil {
			return fmt.Errorf("demo clock: %w", err)
		}
		if ok {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("demo clock: kept offset %q: %w", v, err)
			}
			c.offset = d
			return nil
		}
	}
	return c.saveLocked(ctx)
}

func (c *demoClock) saveLocked(ctx context.Context) error {
	if c.keep == nil {
		return nil
	}
	if err := c.keep.PutDemoSetting(ctx, settingClockOffset, c.offset.String()); err != nil {
		return fmt.Errorf("demo clock: %w", err)
	}
	return nil
}

func (c *demoClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.real.Now().Add(c.offset)
}

// moveTo sets the time to t and keeps the new offset. Only forward: what
// the bot recorded is never dated after the demo's now.
func (c *demoClock) moveTo(ctx context.Context, t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.real.Now()
	if t.Before(now.Add(c.offset)) {
		return fmt.Errorf("演示时间只能向前调整（现在 %s）", now.Add(c.offset).Format(time.DateTime))
	}
	was := c.offset
	c.offset = t.Sub(now)
	if err := c.saveLocked(ctx); err != nil {
		c.offset = was
		return err
	}
	return nil
}

// moveClock moves the demo's clock to t, runs every job as of t (what a
// running scheduler would do in its next minute, done at once so the page
// shows the result), and wakes the sender. directory-sync is left to its
// schedule: the simulator's address book does not change.
func (a *app) moveClock(ctx context.Context, clock *demoClock, t time.Time) error {
	if err := clock.moveTo(ctx, t); err != nil {
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
