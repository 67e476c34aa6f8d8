package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/config"
	"github.com/servicebot/servicebot/forms"
	"github.com/servicebot/servicebot/kpi"
	"github.com/servicebot/servicebot/people"
	"github.com/servicebot/servicebot/store"
)

// kpiSources are where the month's facts come from: the bot's own records
// (reports, check-ins, fines), the service records (visits, jobs
// and their forms, the forms' contents), the manager's inputs, and the
// accepted appeals. What no source covers (late arrivals) the manager's card
// lists as the manager's to enter (kpi.Course.Pending).
func kpiSources(db *store.DB, catalog kpi.FormCatalog, loc *time.Location) []kpi.Source {
	return []kpi.Source{
		kpi.BotRecords{Store: db, Location: loc},
		kpi.Visits{Store: db, Location: loc},
		kpi.JobRecords{Store: db, Forms: catalog, Location: loc},
		kpi.FormRecords{Store: db, Forms: catalog, Location: loc},
		kpi.ManagerInputs{Store: db},
		kpi.Appeals{Store: db, Location: loc},
	}
}

// newKPICourse makes the month's course from the configuration.
func newKPICourse(cfg config.Config, db *store.DB, dir *people.Directory, clock servicebot.Clock, logger *slog.Logger) (*kpi.Course, error) {
	catalog, err := forms.Builtin()
	if err != nil {
		return nil, fmt.Errorf("kpi: %w", err)
	}
	return &kpi.Course{
		Rules: cfg.KPIRules(), Sources: kpiSources(db, catalog, cfg.Location()), Engineers: engineers{dir},
		Store: db, InTx: kpi.AdaptTx(db.InTx), Location: cfg.Location(),
		DraftAt:      time.Duration(cfg.KPI.DraftTime.Hour)*time.Hour + time.Duration(cfg.KPI.DraftTime.Minute)*time.Minute,
		AppealWindow: cfg.KPI.AppealWindow, Managers: cfg.Org.Holders(servicebot.RoleServiceManager),
		Group: kpi.Group{ChatID: cfg.Group.ChatID, RobotKey: cfg.Group.RobotKey},
		Clock: clock, Logger: logger.With("component", "kpi"),
	}, nil
}

const kpiUsage = `usage: servicebot kpi input  --month 2026-10 --by USERID FILE.xlsx|FILE.csv [--config FILE]
       servicebot kpi export --month 2026-10 [--format json|xlsx] [--revision N] [--out FILE] [--config FILE]
       servicebot kpi draft  --month 2026-10 --by USERID [--reason TEXT] [--config FILE]
       servicebot kpi draft  --month 2026-10 --preview [--config FILE]
`

// cmdKPI is `servicebot kpi input|export|draft`.
func cmdKPI(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, kpiUsage)
		return usageError{errors.New("kpi: want input, export or draft")}
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("kpi "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	month := fs.String("month", "", "the month, YYYY-MM")
	by := fs.String("by", "", "input, draft: the userid of the manager making the change (recorded)")
	format := fs.String("format", kpi.FormatJSON, "export: json or xlsx")
	revision := fs.Int("revision", 0, "export: this revision (default the newest)")
	out := fs.String("out", "", "export: write to this file (default stdout)")
	reason := fs.String("reason", "", "draft: why it is computed again")
	preview := fs.Bool("preview", false, "draft: compute and print, record nothing and tell nobody (any month, also one not over)")
	switch sub {
	case "input", "export", "draft":
	default:
		fmt.Fprint(stderr, kpiUsage)
		return usageError{fmt.Errorf("kpi: unknown subcommand %q", sub)}
	}
	// The file comes first or last: flag stops at the first non-flag.
	var file string
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		file, args = args[0], args[1:]
	}
	cfg, verr := loadConfig(ctx, fs, args, lookup)
	if errors.As(verr, new(usageError)) {
		return verr
	}
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
	}
	if _, _, err := servicebot.KPIMonthRange(*month); err != nil {
		fmt.Fprintf(stderr, "--month %q: want YYYY-MM\n%s", *month, kpiUsage)
		return usageError{err}
	}
	switch {
	case sub == "input" && (file == "" || *by == ""):
		fmt.Fprint(stderr, kpiUsage)
		return usageError{errors.New("kpi input: FILE and --by are required")}
	case sub == "draft" && *by == "" && !*preview:
		fmt.Fprint(stderr, kpiUsage)
		return usageError{errors.New("kpi draft: --by is required")}
	case (sub == "input" || sub == "draft") && *by != "" && !cfg.Org.MayEnterKPI(*by):
		// Issue 11 item 8: as the API requires.
		fmt.Fprintf(stderr, "--by %s: only the service manager, the VP in charge or the general manager may change the KPI\n", *by)
		return usageError{fmt.Errorf("kpi %s: %s may not change the KPI", sub, *by)}
	case sub == "export" && *format != kpi.FormatJSON && *format != kpi.FormatXLSX:
		fmt.Fprintf(stderr, "--format must be json or xlsx, got %q\n%s", *format, kpiUsage)
		return usageError{fmt.Errorf("bad --format %q", *format)}
	}
	validate := verr
	if sub != "draft" {
		validate = onlyDatabaseProblems(verr)
	}
	// The app below runs without Redis (one process, no scheduler).
	db, logger, err := openStore(ctx, cfg, validate, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	clock := servicebot.Clock(servicebot.SystemClock{})
	switch sub {
	case "input":
		return kpiInput(ctx, db, cfg, clock, *month, *by, file, stdout)
	case "export":
		return kpiExport(ctx, db, *month, *format, *revision, *out, stdout)
	}
	a, err := newApp(cfg, db, nil, clock, logger, tuning{noJobs: true})
	if err != nil {
		return err
	}
	course := a.course
	if *preview {
		cards, err := course.Preview(ctx, *month)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "预览 %s（未记录，不占用本月起草，不通知任何人）\n", *month)
		for _, sc := range cards {
			fmt.Fprintf(stdout, "%d. %s %s %s\n", sc.Rank, sc.UserID, sc.Name, sc.Total)
		}
		return nil
	}
	rev, err := course.Redraft(ctx, *month, *by, *reason)
	var refused *servicebot.KPICourseError
	if errors.As(err, &refused) {
		// R-KPI-13, issue 11 item 1: nothing is recorded for a month not over.
		fmt.Fprintf(stderr, "kpi draft refused: %s (use --preview to look without recording)\n", refused.Text)
		return usageError{err}
	}
	if err != nil {
		return err
	}
	state := "draft: previews of what changed and a new card to the manager"
	if rev.Published() {
		state = "published as a correction: the engineers whose result changed are told"
	}
	fmt.Fprintf(stdout, "kpi %s revision %d recorded (%s); messages go out with the running servicebot\n", *month, rev.Revision, state)
	return nil
}

func kpiInput(ctx context.Context, db *store.DB, cfg config.Config, clock servicebot.Clock, month, by, file string, stdout io.Writer) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	name := filepath.Base(file)
	ins, lines, err := kpi.ParseFile(f, name, month)
	if err == nil {
		inputs := &kpi.Inputs{Rules: cfg.KPIRules(), InTx: kpi.AdaptInputTx(db.InTx), Clock: clock}
		var res kpi.AddResult
		if res, err = inputs.Add(ctx, ins, by, "cli "+name, lines); err == nil {
			fmt.Fprintf(stdout, "%s: %d entries recorded for %s by %s, %d already recorded\n", name, len(res.Added), month, by, res.Skipped)
			return nil
		}
	}
	var invalid *kpi.InvalidInputError
	if errors.As(err, &invalid) {
		fmt.Fprintf(stdout, "%s: nothing recorded; fix these rows:\n", name)
		for _, r := range invalid.Rows {
			for _, p := range r.Problems {
				fmt.Fprintf(stdout, "  line %d: %s\n", r.Row, p)
			}
		}
		return usageError{err}
	}
	return err
}

func kpiExport(ctx context.Context, db *store.DB, month, format string, revision int, out string, stdout io.Writer) error {
	m, err := kpi.Load(ctx, db, month, revision)
	if err != nil {
		return err
	}
	w := stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	return kpi.Write(w, format, m)
}
