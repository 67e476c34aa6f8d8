package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/config"
	"github.com/servicebot/servicebot/forms"
	"github.com/servicebot/servicebot/kpi"
	"github.com/servicebot/servicebot/people"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/web"
)

// kpiSources are where the month's facts come from: the bot's own records
// (reports, check-ins, fines), the service records (visits, jobs
// and their forms, the forms' contents), the manager's inputs, and the
// accepted appeals. What no source covers (late arrivals) the manager's card
// lists as the manager's to enter (kpi.Month.Pending).
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

// newKPIMonth makes the KPI month from the configuration.
func newKPIMonth(cfg config.Config, db *store.DB, dir *people.Directory, clock servicebot.Clock, logger *slog.Logger) (*kpi.Month, error) {
	catalog, err := forms.Builtin()
	if err != nil {
		return nil, fmt.Errorf("kpi: %w", err)
	}
	km := kpi.NewMonth(db, db.InTx, kpi.MonthConfig{
		Rules: cfg.KPIRules(), Sources: kpiSources(db, catalog, cfg.Location()), Engineers: engineers{dir},
		Location:     cfg.Location(),
		DraftAt:      time.Duration(cfg.KPI.DraftTime.Hour)*time.Hour + time.Duration(cfg.KPI.DraftTime.Minute)*time.Minute,
		AppealWindow: cfg.KPI.AppealWindow, Managers: cfg.Org.Holders(servicebot.RoleServiceManager),
		Group: kpi.Group{ChatID: cfg.Group.ChatID, RobotKey: cfg.Group.RobotKey},
		Clock: clock, Logger: logger.With("component", "kpi"),
	})
	if base := strings.TrimSuffix(cfg.PublicURL, "/"); base != "" && cfg.WebEnabled() {
		// The chat texts stay short and link the pages (issue 12).
		km.PageURL = func(month, user string) string { return base + web.KPICardPath(month, user) }
		km.TableURL = func(month string) string { return base + web.KPITablePath(month) }
	}
	return km, nil
}

// cmdKPI is `servicebot kpi input|export|draft`; each has its own flags.
func cmdKPI(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) error {
	const (
		inputSynopsis  = "servicebot kpi input  --month 2026-10 --by USERID FILE.xlsx|FILE.csv [--config FILE]"
		exportSynopsis = "servicebot kpi export --month 2026-10 [--format json|xlsx] [--revision N] [--out FILE] [--config FILE]"
		draftSynopsis  = "servicebot kpi draft  --month 2026-10 (--by USERID [--reason TEXT] | --preview) [--config FILE]"
	)
	if len(args) > 0 && isHelp(args[0]) {
		subcommands(stdout, "kpi", inputSynopsis, exportSynopsis, draftSynopsis)
		return nil
	}
	if len(args) == 0 {
		subcommands(stderr, "kpi", inputSynopsis, exportSynopsis, draftSynopsis)
		return usageError{errors.New("kpi: want input, export or draft")}
	}
	sub, args := args[0], args[1:]
	var (
		fs                      *command
		by, format, out, reason *string
		revision                *int
		preview                 = new(bool)
		sections                []config.Section
	)
	switch sub {
	case "input":
		fs = newCommand("kpi input", inputSynopsis,
			"Records the manager's KPI entries for the month from a file with a header row:\n"+
				"账号, 项目, 日期, 数量, 数值, 目标, 说明 (or user_id, kind, date, count, value, target, note;\n"+
				"月份/month optional). 项目 is a kind's key or Chinese label (complaint/客户投诉, phone_visit/电话回访,\n"+
				"bonus/附加分, ...). All rows or none: a bad row is reported with its line and nothing is stored.\n"+
				"--by must be the service manager, the VP in charge or the general manager.",
			"servicebot kpi input --config data/demo.yaml --month 2026-10 --by sunli 十月考核.xlsx", 1, stdout, stderr)
		by = fs.String("by", "", "userid of the manager making the entries (recorded)")
		// org.roles says who may (checked below); not the whole department.
		sections = append(databaseOnly(), config.SectionKPI)
	case "export":
		fs = newCommand("kpi export", exportSynopsis,
			"Writes the month's scores: per engineer each indicator's target, actual, score and reasons,\n"+
				"the total, and the revision history. Needs only the database.",
			"servicebot kpi export --config data/demo.yaml --month 2026-10 --format xlsx --out 十月KPI.xlsx", 0, stdout, stderr)
		format = fs.String("format", kpi.FormatJSON, "json or xlsx")
		revision = fs.Int("revision", 0, "this revision (default the newest)")
		out = fs.String("out", "", "write to this `FILE` (default standard output; xlsx needs it)")
		sections = databaseOnly()
	case "draft":
		fs = newCommand("kpi draft", draftSynopsis,
			"Computes a month that is over again as a new revision (a correction): previews of what changed\n"+
				"go to the engineers and a new card to the manager, through the outbox of the running servicebot.\n"+
				"With --preview it computes and prints any month, records nothing and tells nobody.",
			"servicebot kpi draft --config data/demo.yaml --month 2026-10 --by sunli --reason 补录回访\n"+
				"servicebot kpi draft --config data/demo.yaml --month 2026-11 --preview", 0, stdout, stderr)
		by = fs.String("by", "", "userid of the manager asking for it (recorded)")
		reason = fs.String("reason", "", "why it is computed again")
		preview = fs.Bool("preview", false, "compute and print, record nothing and tell nobody (any month, also one not over)")
		sections = append(databaseOnly(), config.SectionDepartment, config.SectionApprovals, config.SectionKPI, config.SectionPages)
	default:
		subcommands(stderr, "kpi", inputSynopsis, exportSynopsis, draftSynopsis)
		return usageError{fmt.Errorf("kpi: unknown subcommand %q", sub)}
	}
	month := fs.String("month", "", "the month, YYYY-MM")
	cfg, verr := loadConfig(ctx, fs, args, lookup, sections...)
	if errors.As(verr, new(usageError)) {
		return verr
	}
	if _, _, err := servicebot.KPIMonthRange(*month); err != nil {
		return fs.fail(fmt.Errorf("--month %q: want YYYY-MM", *month))
	}
	switch {
	case sub == "input" && (fs.NArg() != 1 || *by == ""):
		return fs.fail(errors.New("kpi input: FILE and --by are required"))
	case sub == "draft" && *by == "" && !*preview:
		return fs.fail(errors.New("kpi draft: --by is required (or --preview)"))
	case (sub == "input" || sub == "draft") && *by != "" && !cfg.Org.MayEnterKPI(*by):
		// Issue 11 item 8: as the API requires.
		fmt.Fprintf(stderr, "--by %s: only the service manager, the VP in charge or the general manager may change the KPI\n", *by)
		return usageError{fmt.Errorf("kpi %s: %s may not change the KPI", sub, *by)}
	case sub == "export" && *format != kpi.FormatJSON && *format != kpi.FormatXLSX:
		return fs.fail(fmt.Errorf("--format must be json or xlsx, got %q", *format))
	case sub == "export" && *format == kpi.FormatXLSX && *out == "":
		return fs.fail(errors.New("--format xlsx needs --out FILE"))
	}
	// No Redis: one process, no scheduler.
	db, logger, err := openStore(ctx, cfg, verr, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	clock := servicebot.Clock(servicebot.SystemClock{})
	switch sub {
	case "input":
		return kpiInput(ctx, db, cfg, clock, *month, *by, fs.Arg(0), stdout)
	case "export":
		return kpiExport(ctx, db, *month, *format, *revision, *out, stdout)
	}
	if cfg.Check(config.SectionWeCom) != nil {
		// The draft writes to the outbox; the running servicebot sends.
		cfg.WeCom = standInWeCom()
	}
	cfg.MetricsAddr = ""
	a, err := newApp(cfg, db, nil, clock, logger, tuning{noJobs: true})
	if err != nil {
		return err
	}
	defer a.close(context.WithoutCancel(ctx))
	km, err := newKPIMonth(cfg, db, a.directory, clock, logger)
	if err != nil {
		return err
	}
	if *preview {
		cards, err := km.Preview(ctx, *month)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "预览 %s（未记录，不占用本月起草，不通知任何人）\n", *month)
		for _, sc := range cards {
			fmt.Fprintf(stdout, "%d. %s %s %s\n", sc.Rank, sc.UserID, sc.Name, sc.Total)
		}
		return nil
	}
	rev, err := km.Redraft(ctx, *month, *by, *reason)
	var refused *servicebot.KPIMonthError
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
		inputs := kpi.NewInputs(db.InTx, kpi.InputsConfig{Rules: cfg.KPIRules(), Clock: clock})
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
