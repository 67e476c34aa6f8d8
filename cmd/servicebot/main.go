// Command servicebot runs the after-sales service department's WeCom bot.
//
//	servicebot serve   [--config FILE]   run the bot (callback, workers, scheduler)
//	servicebot demo    [--addr :8080]    bot + WeCom simulator + SQLite, nothing else needed
//	servicebot migrate [--config FILE]   apply database migrations and exit
//	servicebot sync    [--config FILE]   pull the WeCom address book now
//	servicebot reports export --from DAY --to DAY [--format json|csv|xlsx] [--out FILE]
//	                                     export the daily reports, one record per engineer and day
//	servicebot job     list | run NAME [--at TIME]   show the scheduled jobs, or run one as of TIME
//	servicebot approvals [--config FILE] [--id N] [--limit 20] [--format text|json]
//	                                     list approval requests, each step of the chain and the audit trail
//	servicebot outbox  [--config FILE] [--status pending,failed] [--limit 50] [--format text|json]
//	                                     list messages waiting or failed
//	servicebot import  customers|equipment FILE [--commit]   import from .xlsx/.csv (dry run by default)
//	servicebot kpi     input|export|draft --month 2026-10 …   the monthly KPI (see `servicebot kpi`)
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/redis/go-redis/v9"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv)
	stop()
	if err != nil {
		var ue usageError
		if !errors.As(err, &ue) {
			fmt.Fprintln(os.Stderr, "servicebot:", err)
		}
		os.Exit(1)
	}
}

// redisLog passes go-redis's own log lines to slog at debug level.
type redisLog struct{ logger *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.logger.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}

// usageError has already been explained to the user on stderr.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

const usage = `servicebot — 售后服务部的企业微信助手

Usage:
  servicebot serve   [--config FILE]      run the bot
  servicebot demo    [--addr ADDR] [--data DIR] [--empty]
                                          run the bot with a WeCom simulator on SQLite (open /sim)
  servicebot migrate [--config FILE]      apply database migrations
  servicebot sync    [--config FILE]      pull departments and members from the WeCom address book now
  servicebot group create --name NAME --owner USERID [--members a,b] [--config FILE]
                                          create the department's app group chat; prints its chat_id
  servicebot reports export --from 2026-11-01 --to 2026-11-30 [--format json|csv|xlsx] [--out FILE] [--config FILE]
                                          export the daily reports: one record per engineer and day
  servicebot job list [--config FILE]     show each scheduled job, its schedule, last and next run
  servicebot job run NAME [--at 2026-11-27T20:00:00+08:00] [--config FILE]
                                          run a job now, or as of the given time
  servicebot approvals [--config FILE] [--id N] [--limit N] [--format text|json]
                                          list approval requests with every step and the audit trail
  servicebot outbox  [--config FILE] [--status pending,failed] [--limit N] [--format text|json]
                                          list outgoing messages that are waiting or failed
  servicebot outbox retry [--status failed|pending] [--id N] [--config FILE]
                                          send failed messages again (or make waiting ones due now)
  servicebot import customers|equipment FILE.xlsx|FILE.csv [--commit] [--config FILE]
                                          import customers or equipment; without --commit a dry run
                                          that lists every bad row and stores nothing
  servicebot kpi input  --month 2026-10 --by USERID FILE.xlsx|FILE.csv [--config FILE]
                                          record the manager's KPI entries (all rows or none)
  servicebot kpi export --month 2026-10 [--format json|xlsx] [--revision N] [--out FILE]
                                          the month's scores: per engineer each indicator's target,
                                          actual, score and reasons; the total; the revision history
  servicebot kpi draft  --month 2026-10 --by USERID [--reason TEXT]
                                          compute the month again as a new revision (a correction)

` + "`servicebot COMMAND --help`" + ` shows a command's flags and an example.

Settings come from --config FILE (YAML, see config.example.yaml; ` + "`servicebot demo`" + `
writes data/demo.yaml for its database) and SERVICEBOT_* environment variables,
which win. --config may also stand before the command. See README.md.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) error {
	// go-redis prints its pool's dial failures itself ("redis: … pool.go:
	// failed to dial after 5 attempts"), before start-up has said what is
	// wrong in its own words; those lines become debug records.
	level, _ := lookup("SERVICEBOT_LOG_LEVEL")
	redis.SetLogger(redisLog{newLogger(stderr, "text", cmp.Or(level, "info"))})
	err := dispatch(ctx, moveConfigFlag(args), stdout, stderr, lookup)
	if errors.Is(err, flag.ErrHelp) {
		return nil // -h / --help: the usage went to stdout
	}
	return err
}

// moveConfigFlag lets --config stand before the command, as in
// `servicebot --config data/demo.yaml job list`: it is moved behind the
// command's words, where the command's own flags are read.
func moveConfigFlag(args []string) []string {
	var global []string
	for len(args) > 0 {
		a := args[0]
		switch {
		case (a == "--config" || a == "-config") && len(args) > 1:
			global, args = append(global, a, args[1]), args[2:]
		case strings.HasPrefix(a, "--config=") || strings.HasPrefix(a, "-config="):
			global, args = append(global, a), args[1:]
		default:
			return append(slices.Clone(args), global...)
		}
	}
	return global
}

// cliCommand runs one of servicebot's commands with the arguments after its
// name.
type cliCommand func(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) error

// commandsByName are the commands by name (usage lists them for people).
func commandsByName() map[string]cliCommand {
	return map[string]cliCommand{
		"serve": cmdServe, "demo": cmdDemo, "migrate": cmdMigrate, "outbox": cmdOutbox,
		"approvals": cmdApprovals, "job": cmdJob, "reports": cmdReports, "sync": cmdSync,
		"group": cmdGroup, "kpi": cmdKPI, "import": cmdImport,
	}
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{errors.New("no command")}
	}
	cmd, rest := args[0], args[1:]
	if run, ok := commandsByName()[cmd]; ok {
		return run(ctx, rest, stdout, stderr, lookup)
	}
	switch cmd {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
		return usageError{fmt.Errorf("unknown command %q", cmd)}
	}
}
