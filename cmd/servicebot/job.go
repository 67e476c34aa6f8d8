package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/config"
	"github.com/servicebot/servicebot/people"
	"github.com/servicebot/servicebot/scheduler"
)

// engineers adapts the directory's roster to reminders.Engineers: every
// active engineer who is not exempt, whether or not the day is a working day.
type engineers struct{ dir *people.Directory }

func (e engineers) Engineers(ctx context.Context, day servicebot.Date) ([]servicebot.Member, error) {
	roster, err := e.dir.Roster(ctx, day)
	if err != nil {
		return nil, err
	}
	var out []servicebot.Member
	for _, entry := range roster {
		if entry.Status != people.StatusExempt {
			out = append(out, entry.Member)
		}
	}
	return out, nil
}

// reportSchedule is the configured times of the daily report.
func reportSchedule(cfg config.Config) servicebot.ReportSchedule {
	off := func(c config.ClockTime) time.Duration {
		return time.Duration(c.Hour)*time.Hour + time.Duration(c.Minute)*time.Minute
	}
	r := cfg.Reports
	return servicebot.ReportSchedule{
		FirstReminder: off(r.FirstReminder), SecondReminder: off(r.SecondReminder),
		Deadline: off(r.Deadline), MorningSummary: off(r.MorningSummary),
		Location: cfg.Location(),
	}
}

// cmdJob lists the scheduled jobs or runs one by hand:
//
//	servicebot job list
//	servicebot job run NAME [--at 2026-11-27T20:00:00+08:00]
func cmdJob(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) error {
	const jobUsage = "usage: servicebot job list [--config FILE]\n" +
		"       servicebot job run NAME [--at 2026-11-27T20:00:00+08:00] [--config FILE]\n"
	if len(args) == 0 || (args[0] != "list" && args[0] != "run") {
		fmt.Fprint(stderr, jobUsage)
		return usageError{errors.New("job: want list or run")}
	}
	sub, args := args[0], args[1:]
	var name string
	if sub == "run" {
		if len(args) == 0 || args[0] == "" || args[0][0] == '-' {
			fmt.Fprint(stderr, jobUsage)
			return usageError{errors.New("job run: no job name")}
		}
		name, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("job "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	atFlag := fs.String("at", "", "run as of this time (RFC 3339); default now")
	cfg, verr := loadConfig(ctx, fs, args, lookup)
	if errors.As(verr, new(usageError)) {
		return verr
	}
	clock := servicebot.Clock(servicebot.SystemClock{})
	at := clock.Now()
	if *atFlag != "" {
		t, err := time.Parse(time.RFC3339, *atFlag)
		if err != nil {
			fmt.Fprintf(stderr, "--at %q: want a time such as 2026-11-27T20:00:00+08:00\n", *atFlag)
			return usageError{err}
		}
		at = t
	}
	db, rdb, logger, err := openServices(ctx, cfg, verr, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	a, err := newApp(cfg, db, rdb, clock, logger, tuning{})
	if err != nil {
		return err
	}
	defer a.close(context.WithoutCancel(ctx))
	if sub == "list" {
		runs, err := db.JobRuns(ctx)
		if err != nil {
			return err
		}
		return printJobs(stdout, a.scheduler, runs, clock.Now(), cfg.Location())
	}
	if err := a.scheduler.RunNow(ctx, name, at); err != nil {
		if errors.Is(err, scheduler.ErrUnknownJob) {
			fmt.Fprintf(stderr, "unknown job %q; `servicebot job list` shows them\n", name)
			return usageError{err}
		}
		return fmt.Errorf("job %s: %w", name, err)
	}
	fmt.Fprintf(stdout, "job %s ran as of %s; what it wrote to the outbox goes out with the running servicebot\n",
		name, at.In(cfg.Location()).Format(time.RFC3339))
	return nil
}

// printJobs writes the job table: schedule, last run and next run.
func printJobs(w io.Writer, sched *scheduler.Scheduler, runs map[string]servicebot.JobRun, now time.Time, loc *time.Location) error {
	const layout = "2006-01-02 15:04:05"
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tSCHEDULE\tLAST RUN\tRESULT\tNEXT RUN\tDESCRIPTION")
	for _, j := range sched.Jobs() {
		last, result := "never", "-"
		if r, ok := runs[j.Name]; ok {
			last, result = r.At.In(loc).Format(layout), fmt.Sprintf("ok (%s)", r.Duration.Round(time.Millisecond))
			if r.Err != "" {
				result = "error: " + r.Err
			}
		}
		next, err := sched.NextRun(j.Name, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", j.Name, j.Cron, last, result, next.In(loc).Format(layout), j.Description)
	}
	return tw.Flush()
}
