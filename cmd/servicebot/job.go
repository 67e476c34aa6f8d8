package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
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
//
// Both need only the database (and, to run a job, the department's
// settings): the jobs write to the outbox, and the running servicebot sends.
func cmdJob(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) error {
	const (
		listSynopsis = "servicebot job list [--config FILE]"
		runSynopsis  = "servicebot job run NAME [--at 2026-11-27T20:00:00+08:00] [--config FILE]"
	)
	if len(args) > 0 && isHelp(args[0]) {
		subcommands(stdout, "job", listSynopsis, runSynopsis)
		return nil
	}
	if len(args) == 0 || (args[0] != "list" && args[0] != "run") {
		subcommands(stderr, "job", listSynopsis, runSynopsis)
		return usageError{errors.New("job: want list or run")}
	}
	sub, args := args[0], args[1:]
	var (
		fs       *command
		atFlag   *string
		sections []config.Section
	)
	if sub == "list" {
		fs = newCommand("job list", listSynopsis,
			"Shows each scheduled job: its schedule, last run and result, next run, and what it does.\n"+
				"Needs only the database.",
			"servicebot --config data/demo.yaml job list", 0, stdout, stderr)
		sections = databaseOnly()
	} else {
		fs = newCommand("job run", runSynopsis,
			"Runs one job now, or as of an earlier time (--at), as the scheduler would. What it sends is\n"+
				"written to the outbox and goes out with the running servicebot. Needs the database and the\n"+
				"department's settings, not the WeCom credentials (except directory-sync, which calls WeCom).\n"+
				"A time in the future is refused: its messages would wait until then and its records be\n"+
				"dated ahead; in the demo, move the clock on the /sim page instead.",
			"servicebot --config data/demo.yaml job run daily-reminders\n"+
				"servicebot --config data/demo.yaml job run daily-close --at 2026-11-27T22:05:00+08:00", 1, stdout, stderr)
		atFlag = fs.String("at", "", "run as of this `TIME` (RFC 3339, not in the future); default now")
		sections = append(databaseOnly(), config.SectionDepartment, config.SectionApprovals, config.SectionKPI, config.SectionPages)
	}
	cfg, verr := loadConfig(ctx, fs, args, lookup, sections...)
	if errors.As(verr, new(usageError)) {
		return verr
	}
	var name string
	if sub == "run" {
		if fs.NArg() != 1 {
			return fs.fail(errors.New("job run: which job? `servicebot job list` shows them"))
		}
		name = fs.Arg(0)
	}
	clock := servicebot.Clock(servicebot.SystemClock{})
	now := clock.Now()
	at := now
	if atFlag != nil && *atFlag != "" {
		t, err := time.Parse(time.RFC3339, *atFlag)
		if err != nil {
			return fs.fail(fmt.Errorf("--at %q: want a time such as 2026-11-27T20:00:00+08:00", *atFlag))
		}
		if t.After(now.Add(time.Minute)) {
			return fs.fail(fmt.Errorf("--at %s is in the future: what the job sent would wait until then and its records "+
				"would be dated ahead. Run it then, or earlier times now (a missed 20:00 reminder is sent when the job "+
				"next runs before the deadline)", t.Format(time.RFC3339)))
		}
		at = t
	}
	wecomErr := cfg.Check(config.SectionWeCom)
	if sub == "run" && name == people.JobSync && wecomErr != nil {
		fmt.Fprintf(stderr, "%s calls WeCom, whose settings have problems:\n%v\n", name, wecomErr)
		return usageError{wecomErr}
	}
	db, logger, err := openStore(ctx, cfg, verr, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	if wecomErr != nil {
		// The jobs write to the outbox and never call WeCom here (no sender
		// runs in this process): stand-in credentials let the app be wired.
		cfg.WeCom = standInWeCom()
	}
	cfg.MetricsAddr = "" // nothing to serve
	a, err := newApp(cfg, db, nil, clock, logger, tuning{noJobs: true})
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

// standInWeCom is a syntactically valid WeCom app for commands that wire the
// app but never call WeCom (job list, job run): the API base cannot resolve,
// so a call by mistake fails rather than reaching a real corp.
func standInWeCom() config.WeCom {
	return config.WeCom{CorpID: "not-configured", AgentID: 1, Secret: "not-configured", Token: "not-configured",
		AESKey: strings.Repeat("A", 43), APIBase: "http://wecom.invalid", HTTPTimeout: time.Second}
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
