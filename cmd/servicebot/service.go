package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/aftersales"
	"github.com/servicebot/servicebot/config"
	"github.com/servicebot/servicebot/customers"
	"github.com/servicebot/servicebot/handlers"
	"github.com/servicebot/servicebot/people"
	"github.com/servicebot/servicebot/scheduler"
	"github.com/servicebot/servicebot/store"
)

// wireService makes the service work (jobs, follow-ups, digest) and plugs it
// in: the chat commands through the router, its two jobs into the scheduler.
// The approval engine takes it as its dispatch hook.
func wireService(cfg config.Config, db *store.DB, router *handlers.Router, sched *scheduler.Scheduler,
	dir *people.Directory, cal *servicebot.Calendar, clock servicebot.Clock, logger *slog.Logger) *aftersales.Service {
	rules := servicebot.DefaultFollowUpRules(cfg.Location())
	svc := aftersales.New(db, aftersales.AdaptTx(db.InTx), dir, aftersales.Config{
		Rules: rules, Org: cfg.Org, Calendar: cal, Clock: clock, Logger: logger.With("component", "aftersales"),
	})
	handlers.RegisterService(router, svc)
	sched.Add(scheduler.Job{Name: aftersales.JobFollowUps, Cron: aftersales.EveryMinute, RunAtStart: true, Run: svc.FollowUps,
		Description: "R-VIS-1 calls and visits per customer; questions: engineer at 6 h, manager at 8 h (R-VIS-3); " +
			"return visits not done by day 15 to the manager (R-VIS-2)"})
	sched.Add(scheduler.Job{Name: aftersales.JobDigest, Cron: aftersales.EveryMinute, RunAtStart: true, Run: svc.Digest,
		Description: "08:30 on working days: one card per engineer with every follow-up due today or overdue"})
	return svc
}

// cmdImport imports customers or equipment from an .xlsx or .csv file:
//
//	servicebot import customers|equipment FILE [--commit] [--config FILE]
//
// Without --commit it is a dry run: every bad row is listed with its reason
// and nothing is stored.
func cmdImport(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) error {
	const importUsage = "usage: servicebot import customers|equipment FILE [--commit] [--config FILE]\n"
	if len(args) < 2 || (args[0] != customers.KindCustomers && args[0] != customers.KindEquipment) || args[1] == "" || args[1][0] == '-' {
		fmt.Fprint(stderr, importUsage)
		return usageError{errors.New("import: want customers or equipment and a file")}
	}
	kind, path := args[0], args[1]
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	commit := fs.Bool("commit", false, "store the rows (default: a dry run that stores nothing)")
	cfg, verr := loadConfig(ctx, fs, args[2:], lookup)
	if errors.As(verr, new(usageError)) {
		return verr
	}
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return usageError{err}
	}
	db, _, err := openStore(ctx, cfg, onlyDatabaseProblems(verr), stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	regions := []string{servicebot.RegionSouthwest, servicebot.RegionNorth, servicebot.RegionOther}
	for _, r := range cfg.Org.Regions {
		if !slices.Contains(regions, r) {
			regions = append(regions, r)
		}
	}
	im := &customers.Importer{InTx: customers.AdaptTx(db.InTx), Clock: servicebot.SystemClock{}, Regions: regions,
		Engineers: func(ctx context.Context) ([]servicebot.Member, error) { return db.Engineers(ctx, cfg.Org) }}
	rep, err := im.Import(ctx, kind, path, data, *commit)
	if err != nil {
		return err
	}
	if err := customers.WriteReport(stdout, rep); err != nil {
		return err
	}
	if len(rep.Problems) > 0 {
		return usageError{fmt.Errorf("import: %d bad row(s)", len(rep.Problems))}
	}
	return nil
}
