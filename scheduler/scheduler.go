// Package scheduler says "look now" at the right times (DESIGN, flow 3). It
// owns no business logic: each job is a plain func(ctx, now) that scans the
// database for what is due and writes to the outbox under unique keys, so a
// job run twice, late, or on two replicas at once never sends twice.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/go-co-op/gocron/v2"

	"github.com/servicebot/servicebot"
)

// Job is one named, scheduled piece of work.
type Job struct {
	Name string
	// Cron is a five-field crontab spec in the scheduler's location, e.g.
	// "0 20 * * *" for 20:00 every day.
	Cron string
	// Description says in a line what the job does (`servicebot job list`).
	Description string
	Run         func(ctx context.Context, now time.Time) error
}

// ErrUnknownJob is returned by RunNow for a name no job has.
var ErrUnknownJob = errors.New("scheduler: unknown job")

// Scheduler runs jobs on their schedule on the elected replica.
type Scheduler struct {
	jobs    map[string]Job
	loc     *time.Location
	clock   servicebot.Clock
	elector gocron.Elector
	logger  *slog.Logger
	cron    gocron.Scheduler
}

// New makes a scheduler in loc. elector decides which replica runs the jobs
// (kv.RedisElector with several replicas, kv.AlwaysLeader alone).
func New(loc *time.Location, clock servicebot.Clock, elector gocron.Elector, logger *slog.Logger) *Scheduler {
	return &Scheduler{jobs: map[string]Job{}, loc: loc, clock: clock, elector: elector, logger: logger}
}

// Add registers a job; call before Start.
func (s *Scheduler) Add(j Job) {
	s.jobs[j.Name] = j
}

// Jobs lists the registered jobs by name.
func (s *Scheduler) Jobs() []Job {
	out := make([]Job, 0, len(s.jobs))
	for _, j := range s.jobs {
		out = append(out, j)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}

// RunNow runs the named job once as of at, whatever the schedule says
// (`servicebot job run NAME --at TIME`).
func (s *Scheduler) RunNow(ctx context.Context, name string, at time.Time) error {
	j, ok := s.jobs[name]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownJob, name)
	}
	return j.Run(ctx, at)
}

// Start begins triggering the jobs; ctx is handed to every run.
func (s *Scheduler) Start(ctx context.Context) error {
	cron, err := gocron.NewScheduler(
		gocron.WithLocation(s.loc),
		gocron.WithDistributedElector(s.elector),
		gocron.WithLogger(slogAdapter{s.logger}),
	)
	if err != nil {
		return fmt.Errorf("scheduler: new: %w", err)
	}
	for _, j := range s.Jobs() {
		_, err := cron.NewJob(
			gocron.CronJob(j.Cron, false),
			// gocron passes ctx (cancelled at shutdown) as the task's first argument.
			gocron.NewTask(s.runLogged, j),
			gocron.WithContext(ctx),
			gocron.WithName(j.Name),
			// A run still going when the next is due is not started twice.
			gocron.WithSingletonMode(gocron.LimitModeReschedule),
		)
		if err != nil {
			return fmt.Errorf("scheduler: add %s (%s): %w", j.Name, j.Cron, err)
		}
	}
	cron.Start()
	s.cron = cron
	return nil
}

// Shutdown stops triggering and waits for running jobs to finish.
func (s *Scheduler) Shutdown() error {
	if s.cron == nil {
		return nil
	}
	if err := s.cron.Shutdown(); err != nil {
		return fmt.Errorf("scheduler: shutdown: %w", err)
	}
	return nil
}

func (s *Scheduler) runLogged(ctx context.Context, j Job) {
	now := s.clock.Now()
	if err := j.Run(ctx, now); err != nil {
		s.logger.Error("job failed", "job", j.Name, "at", now, "err", err)
		return
	}
	s.logger.Info("job done", "job", j.Name, "at", now, "took", s.clock.Now().Sub(now))
}

// slogAdapter lets gocron log through our logger.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Debug(msg string, args ...any) { a.l.Debug("gocron: "+msg, args...) }
func (a slogAdapter) Info(msg string, args ...any)  { a.l.Info("gocron: "+msg, args...) }
func (a slogAdapter) Warn(msg string, args ...any)  { a.l.Warn("gocron: "+msg, args...) }
func (a slogAdapter) Error(msg string, args ...any) { a.l.Error("gocron: "+msg, args...) }
