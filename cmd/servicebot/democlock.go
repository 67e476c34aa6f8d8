package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/people"
)

// demoClock is the demo's time: the real clock moved on by the /sim page's
// clock control, so a newcomer can see the 20:00 reminder, the 09:00
// summary and the 1st's KPI draft without waiting for them. Only the demo
// has one; `serve` runs on servicebot.SystemClock.
type demoClock struct {
	real servicebot.Clock
	// offset (a time.Duration) is only read or set, never held: Now is
	// asked inside the database's write transactions, so a lock held across
	// a database write of our own would wait on such a transaction while it
	// waits on us (on SQLite, until the busy timeout).
	offset atomic.Int64
	// moving serialises moves and their saves, which take their time.
	moving sync.Mutex
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
		c.offset.Store(int64(start.Sub(real.Now())))
	}
	return c
}

// keepIn makes the clock keep its offset in settings. With restore it
// first takes the offset kept there by an earlier run, if any: the demo's
// time never goes back behind what its records are dated. Otherwise (the
// demo was started --at a time) it keeps its own.
func (c *demoClock) keepIn(ctx context.Context, settings demoSettings, restore bool) error {
	c.moving.Lock()
	defer c.moving.Unlock()
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
			c.offset.Store(int64(d))
			return nil
		}
	}
	return c.save(ctx, c.currentOffset())
}

// save keeps offset in the demo's database; c.moving is held.
func (c *demoClock) save(ctx context.Context, offset time.Duration) error {
	if c.keep == nil {
		return nil
	}
	if err := c.keep.PutDemoSetting(ctx, settingClockOffset, offset.String()); err != nil {
		return fmt.Errorf("demo clock: %w", err)
	}
	return nil
}

func (c *demoClock) currentOffset() time.Duration { return time.Duration(c.offset.Load()) }

func (c *demoClock) Now() time.Time {
	return c.real.Now().Add(c.currentOffset())
}

// moveTo sets the time to t and keeps the new offset. Only forward: what
// the bot recorded is never dated after the demo's now.
// The new offset is saved first and takes effect once saved, so a failed
// save leaves the time as it was.
func (c *demoClock) moveTo(ctx context.Context, t time.Time) error {
	c.moving.Lock()
	defer c.moving.Unlock()
	now := c.real.Now()
	offset := c.currentOffset()
	if t.Before(now.Add(offset)) {
		return fmt.Errorf("演示时间只能向前调整（现在 %s）", now.Add(offset).Format(time.DateTime))
	}
	if err := c.save(ctx, t.Sub(now)); err != nil {
		return err
	}
	c.offset.Store(int64(t.Sub(now)))
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
