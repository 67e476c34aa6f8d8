package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/config"
	"github.com/servicebot/servicebot/store"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) error {
	fs := newCommand("serve", "servicebot serve [--config FILE]",
		"Runs the bot: the WeCom callback, the inbox worker, the outbox sender, the scheduler and the pages.\n"+
			"Every setting is checked first; all problems are printed at once.",
		"servicebot serve --config /etc/servicebot.yaml", 0, stdout, stderr)
	cfg, verr := loadConfig(ctx, fs, args, lookup, config.AllSections()...)
	if errors.As(verr, new(usageError)) {
		return verr
	}
	logger := newLogger(stderr, cfg.LogFormat, cfg.LogLevel)
	db, rdb, err := openMigrated(ctx, cfg, logger, verr, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	a, err := newApp(cfg, db, rdb, servicebot.SystemClock{}, logger, tuning{})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		a.close(ctx)
		return fmt.Errorf("listen %s: %w", cfg.HTTPAddr, err)
	}
	return a.serve(ctx, ln)
}

// openMigrated checks the services the configuration names (every problem
// printed at once, as a usage error), opens the store and migrates it. The
// caller closes db; rdb is nil without Redis.
func openMigrated(ctx context.Context, cfg config.Config, logger *slog.Logger, verr error, stderr io.Writer) (*store.DB, *redis.Client, error) {
	db, rdb, err := checkServices(ctx, cfg, logger, verr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, nil, usageError{err}
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("migrate: %w", err)
	}
	return db, rdb, nil
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) error {
	fs := newCommand("migrate", "servicebot migrate [--config FILE]",
		"Applies the database migrations and exits (serve also does at start). Needs only database_url.",
		"servicebot migrate --config data/demo.yaml", 0, stdout, stderr)
	cfg, verr := loadConfig(ctx, fs, args, lookup, databaseOnly()...)
	if errors.As(verr, new(usageError)) {
		return verr
	}
	logger := newLogger(stderr, cfg.LogFormat, cfg.LogLevel)
	// Migrating needs only the database: WeCom settings may still be missing.
	db, _, err := openMigrated(ctx, cfg, logger, verr, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintln(stdout, "migrations applied")
	return nil
}

func cmdOutbox(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) error {
	if len(args) > 0 && args[0] == "retry" {
		return cmdOutboxRetry(ctx, args[1:], stdout, stderr, lookup)
	}
	fs := newCommand("outbox", "servicebot outbox [--status pending,failed] [--limit 50] [--format text|json] [--config FILE]",
		"Lists outgoing messages that are waiting or failed, with their last error. Needs only the database.\n"+
			"`servicebot outbox retry --help` shows how to send failed ones again.",
		"servicebot outbox --config data/demo.yaml --status failed", 0, stdout, stderr)
	status := fs.String("status", "pending,sending,failed", "comma-separated statuses to list")
	limit := fs.Int("limit", 50, "at most this many rows, newest first")
	format := fs.String("format", "text", "text or json")
	cfg, verr := loadConfig(ctx, fs, args, lookup, databaseOnly()...)
	if errors.As(verr, new(usageError)) {
		return verr
	}
	db, _, err := openStore(ctx, cfg, verr, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.ListOutbox(ctx, strings.Split(*status, ","), *limit)
	if err != nil {
		return err
	}
	counts, err := db.OutboxCounts(ctx)
	if err != nil {
		return err
	}
	return printOutbox(stdout, *format, rows, counts, cfg.Location())
}

// cmdOutboxRetry sends failed rows again (--status failed, the default), or
// makes pending rows due now (--status pending: after fixing the
// configuration error they wait on); --id N picks one row.
func cmdOutboxRetry(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) error {
	fs := newCommand("outbox retry", "servicebot outbox retry [--status failed|pending] [--id N] [--config FILE]",
		"Sends failed messages again (--status failed, the default), or makes pending ones due now\n"+
			"(--status pending: after fixing the configuration error they wait on). Needs only the database.",
		"servicebot outbox retry --config data/demo.yaml\nservicebot outbox retry --config data/demo.yaml --status pending --id 17", 0, stdout, stderr)
	status := fs.String("status", servicebot.OutboxFailed, "failed (send again) or pending (due now)")
	id := fs.Int64("id", 0, "only this row")
	cfg, verr := loadConfig(ctx, fs, args, lookup, databaseOnly()...)
	if errors.As(verr, new(usageError)) {
		return verr
	}
	if *status != servicebot.OutboxFailed && *status != servicebot.OutboxPending {
		err := fmt.Errorf("outbox retry: --status must be failed or pending, not %q", *status)
		fmt.Fprintln(stderr, err)
		return usageError{err}
	}
	db, _, err := openStore(ctx, cfg, verr, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.RequeueOutbox(ctx, *status, *id, servicebot.SystemClock{}.Now())
	if err != nil {
		return err
	}
	if *id != 0 && n == 0 {
		return fmt.Errorf("outbox retry: no %s row %d", *status, *id)
	}
	fmt.Fprintf(stdout, "%d message(s) due now; a running bot sends them within its next pass\n", n)
	return nil
}

func printOutbox(w io.Writer, format string, rows []servicebot.OutboxMessage, counts map[string]int, loc *time.Location) error {
	// A group robot's webhook key is a credential: never print it.
	for i, r := range rows {
		if r.Kind == servicebot.OutWebhook {
			rows[i].ToChat = robotLabel(r.ToChat)
		}
	}
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Counts map[string]int             `json:"counts"`
			Rows   []servicebot.OutboxMessage `json:"rows"`
		}{counts, rows})
	}
	fmt.Fprintf(w, "pending %d  sending %d  sent %d  failed %d\n\n",
		counts[servicebot.OutboxPending], counts[servicebot.OutboxSending], counts[servicebot.OutboxSent], counts[servicebot.OutboxFailed])
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tKIND\tTO\tATTEMPTS\tCREATED\tNEXT TRY\tLAST ERROR")
	for _, r := range rows {
		to := r.ToUsers
		if to == "" {
			to = r.ToChat
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", r.ID, r.Status, r.Kind, to, r.Attempts,
			fmtTime(r.CreatedAt, loc), fmtTime(r.NextAttemptAt, loc), r.LastError)
	}
	return tw.Flush()
}

// fmtTime shows t in the department's zone (the server's may be UTC).
func fmtTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(loc).Format("01-02 15:04:05")
}

// robotLabel names a group robot without its key: "robot:" and the first
// bytes of the key's SHA-256, enough to tell robots apart.
func robotLabel(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "robot:" + hex.EncodeToString(sum[:4])
}
