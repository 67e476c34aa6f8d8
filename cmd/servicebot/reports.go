package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/config"
	"github.com/servicebot/servicebot/people"
	"github.com/servicebot/servicebot/reportexport"
	"github.com/servicebot/servicebot/store"
)

// newExporter makes the daily report export over the stored reports.
func newExporter(cfg config.Config, db *store.DB, dir *people.Directory) *reportexport.Exporter {
	loc := cfg.Location()
	e := reportexport.New(dir, db, func(d servicebot.Date) time.Time { return cfg.Reports.Deadline.On(d, loc) }, loc)
	if cfg.PublicURL != "" {
		e.MediaURL = func(key string) string { return strings.TrimRight(cfg.PublicURL, "/") + "/" + key }
	}
	return e
}

const reportsAbout = `Writes one record per engineer and day: date, userid, name, region, status (on time,
late, missing, leave, holiday), every section of the report, the parts-sales
amount, the photos and check-ins, and the raw text. Without --out it writes
to standard output (json and csv only).

It needs the department's settings (org: the after-sales departments, roles and
regions; calendar; reports.deadline): without them it cannot know who owed a
report on a day, so it could list only the days that have one, and no region.`

// cmdReports runs `servicebot reports export`.
func cmdReports(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) error {
	const synopsis = "servicebot reports export --from 2026-11-01 --to 2026-11-30 [--format json|csv|xlsx] [--out FILE] [--config FILE]"
	if len(args) > 0 && isHelp(args[0]) {
		subcommands(stdout, "reports", synopsis)
		return nil
	}
	if len(args) == 0 || args[0] != "export" {
		subcommands(stderr, "reports", synopsis)
		return usageError{errors.New("reports: want the subcommand export")}
	}
	fs := newCommand("reports export", synopsis, reportsAbout,
		"servicebot reports export --config data/demo.yaml --from 2026-11-01 --to 2026-11-30 --format xlsx --out 11月日报.xlsx",
		0, stdout, stderr)
	fromFlag := fs.String("from", "", "first day, 2026-11-01")
	toFlag := fs.String("to", "", "last day, 2026-11-30")
	format := fs.String("format", reportexport.FormatJSON, "json, csv or xlsx")
	out := fs.String("out", "", "`FILE` to write (default: standard output)")
	cfg, verr := loadConfig(ctx, fs, args[1:], lookup, append(databaseOnly(), config.SectionDepartment)...)
	if errors.As(verr, new(usageError)) {
		return verr
	}
	from, to, err := exportRange(*fromFlag, *toFlag, *format, *out)
	if err != nil {
		return fs.fail(err)
	}

	db, logger, err := openStore(ctx, cfg, verr, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	cal, err := servicebot.NewCalendar(cfg.Calendar.ExtraOff, cfg.Calendar.ExtraWork, cfg.Location())
	if err != nil {
		return err
	}
	clock := servicebot.SystemClock{}
	// The export reads the directory as last synced; it pulls nothing.
	dir := people.NewDirectory(db, people.Config{Org: cfg.Org, Calendar: cal, Clock: clock, Logger: logger})
	records, err := newExporter(cfg, db, dir).Records(ctx, from, to, clock.Now())
	if err != nil {
		return err
	}

	w := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return fmt.Errorf("reports export: %w", err)
		}
		defer f.Close()
		w = f
	}
	if err := reportexport.Write(w, *format, records); err != nil {
		return err
	}
	if *out != "" {
		fmt.Fprintf(stderr, "wrote %d records (%s to %s) to %s\n", len(records), from, to, *out)
	}
	return nil
}

// exportRange checks the export's flags.
func exportRange(fromText, toText, format, out string) (from, to servicebot.Date, err error) {
	if fromText == "" || toText == "" {
		return from, to, errors.New("reports export: --from and --to are required")
	}
	if from, err = servicebot.ParseDate(fromText); err != nil {
		return from, to, fmt.Errorf("reports export: --from: %w", err)
	}
	if to, err = servicebot.ParseDate(toText); err != nil {
		return from, to, fmt.Errorf("reports export: --to: %w", err)
	}
	if to.Before(from) {
		return from, to, fmt.Errorf("reports export: --to %s is before --from %s", to, from)
	}
	switch format {
	case reportexport.FormatJSON, reportexport.FormatCSV:
	case reportexport.FormatXLSX:
		if out == "" {
			return from, to, errors.New("reports export: --format xlsx needs --out FILE")
		}
	default:
		return from, to, fmt.Errorf("reports export: unknown --format %q (want json, csv or xlsx)", format)
	}
	return from, to, nil
}
