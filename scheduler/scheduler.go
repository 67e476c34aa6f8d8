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
	"github.com/robfig/cron/v3"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/feature"
	"github.com/servicebot/servicebot/internal/need"
)

// Job is one named, scheduled piece of work, as the features declare it.
type Job = feature.Job

// ErrUnknownJob is returned by RunNow for a name no job has.
var ErrUnknownJob = errors.New("scheduler: unknown job")

// RunRecorder keeps the last run of each job (the store's job_runs), for
// `servicebot job list` and for whoever wonders whether 20:00 happened.
type RunRecorder interface {
	RecordJobRun(ctx context.Context, r servicebot.JobRun) error
}

// Scheduler runs jobs on their schedule on the elected replica.
type Scheduler struct {
	jobs     map[string]Job
	loc      *time.Location
	clock    servicebot.Clock
	elector  gocron.Elector
	recorder RunRecorder
	logger   *slog.Logger
	cron     gocron.Scheduler
}

// Deps are what a Scheduler works with.
type Deps struct {
	// Elector decides which replica runs the jobs (kv.RedisElector with
	// several replicas, kv.AlwaysLeader alone).
	Elector gocron.Elector
	// Recorder records every run, scheduled or by hand.
	Recorder RunRecorder
}

func (d Deps) validate() error {
	return need.Deps("scheduler", map[string]bool{
		"Elector":  d.Elector != nil,
		"Recorder": d.Recorder != nil,
	})
}

// Config is where and when the jobs run. Location defaults to UTC, Clock to
// the system clock, Logger to one that discards.
type Config struct {
	// Location is the zone of the jobs' cron specs (the department's).
	Location *time.Location
	Clock    servicebot.Clock
	Logger   *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.Clock == nil {
		c.Clock = servicebot.SystemClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// New makes a scheduler.
func New(deps Deps, cfg Config) (*Scheduler, error) {
	if err := deps.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Scheduler{jobs: map[string]Job{}, loc: cfg.Location, clock: cfg.Clock, elector: deps.Elector,
		recorder: deps.Recorder, logger: cfg.Logger}, nil
}

// secondOfMinute is when in its minute every job fires. WeCom asks apps not to
// send exactly at :00 and :30, when every other app's reminders go out; a
// few seconds later the 20:00 reminder still reads 20:00.
const secondOfMinute = 17

// withSeconds turns a five-field spec into the six-field one that fires at
// secondOfMinute.
func withSeconds(spec string) string { return fmt.Sprintf("%d %s", secondOfMinute, spec) }

// secondsParser reads the six-field specs withSeconds makes.
var secondsParser = cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// Add registers a job; call before Start, which rejects a bad cron spec.
func (s *Scheduler) Add(j Job) {
	s.jobs[j.Name] = j
}

// NextRun is when the named job is next due strictly after after, from its
// cron spec in the scheduler's location.
func (s *Scheduler) NextRun(name string, after time.Time) (time.Time, error) {
	j, ok := s.jobs[name]
	if !ok {
		return time.Time{}, fmt.Errorf("%w: %q", ErrUnknownJob, name)
	}
	spec, err := secondsParser.Parse(withSeconds(j.Cron))
	if err != nil {
		return time.Time{}, fmt.Errorf("scheduler: job %s: cron %q: %w", j.Name, j.Cron, err)
	}
	return spec.Next(after.In(s.loc)), nil
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
// (`servicebot job run NAME --at TIME`), and records the run.
func (s *Scheduler) RunNow(ctx context.Context, name string, at time.Time) error {
	j, ok := s.jobs[name]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownJob, name)
	}
	return s.run(ctx, j, at)
}

// run runs j as of at and records the outcome. A failure to record is logged,
// not returned: the job's own outcome is what matters to the caller.
func (s *Scheduler) run(ctx context.Context, j Job, at time.Time) error {
	start := s.clock.Now()
	err := j.Run(ctx, at)
	r := servicebot.JobRun{Name: j.Name, At: at, Duration: s.clock.Now().Sub(start)}
	if err != nil {
		r.Err = err.Error()
	}
	if rerr := s.recorder.RecordJobRun(context.WithoutCancel(ctx), r); rerr != nil {
		s.logger.Warn("cannot record job run", "job", j.Name, "err", rerr)
	}
	return err
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
		opts := []gocron.JobOption{
			// gocron passes ctx (cancelled at shutdown) as the task's first argument.
			gocron.WithContext(ctx),
			gocron.WithName(j.Name),
			// A run still going when the next is due is not started twice.
			gocron.WithSingletonMode(gocron.LimitModeReschedule),
		}
		if j.RunAtStart {
			opts = append(opts, gocron.WithStartAt(gocron.WithStartImmediately()))
		}
		_, err := cron.NewJob(gocron.CronJob(withSeconds(j.Cron), true), gocron.NewTask(s.runLogged, j), opts...)
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
	if err := s.run(ctx, j, now); err != nil {
		s.logger.Error("job failed", "job", j.Name, "at", now, "err", err)
		return
	}
	s.logger.Debug("job done", "job", j.Name, "at", now, "took", s.clock.Now().Sub(now))
}

// slogAdapter lets gocron log through our logger (its messages already start "gocron: ").
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Debug(msg string, args ...any) { a.l.Debug(msg, args...) }
func (a slogAdapter) Info(msg string, args ...any)  { a.l.Info(msg, args...) }
func (a slogAdapter) Warn(msg string, args ...any)  { a.l.Warn(msg, args...) }
func (a slogAdapter) Error(msg string, args ...any) { a.l.Error(msg, args...) }
