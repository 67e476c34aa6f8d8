package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/config"
)

// startSyncTimeout bounds the directory sync at start: a WeCom that does not
// answer must not keep the bot from taking its inbox for long.
const startSyncTimeout = 30 * time.Second

// syncDirectoryAtStart pulls the address book once before the workers
// start, so that a fresh install (or the demo) knows its people at once. A
// failure is logged, not fatal: the stored directory, the daily job and
// `servicebot sync` remain.
func (a *app) syncDirectoryAtStart(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, startSyncTimeout)
	defer cancel()
	if _, err := a.directory.Sync(ctx); err != nil {
		a.logger.Warn("directory sync at start failed; the stored directory stays in use", "err", err)
	}
}

// cmdSync pulls the WeCom address book into the database now and prints
// who joined and who left, and who owes today's report.
func cmdSync(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) error {
	fs := newCommand("sync", "servicebot sync [--config FILE]",
		"Pulls departments and members from the WeCom address book now (serve also does at 06:00),\n"+
			"and prints who joined, who left and who owes today's report.",
		"servicebot sync --config /etc/servicebot.yaml", 0, stdout, stderr)
	cfg, verr := loadConfig(ctx, fs, args, lookup, allBut(config.SectionListen)...)
	if errors.As(verr, new(usageError)) {
		return verr
	}
	db, rdb, logger, err := openServices(ctx, cfg, verr, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	clock := servicebot.SystemClock{}
	a, err := newApp(cfg, db, rdb, clock, logger, tuning{})
	if err != nil {
		return err
	}
	defer a.close(context.WithoutCancel(ctx))
	res, err := a.directory.Sync(ctx)
	if err != nil {
		return err
	}
	today := servicebot.DateOf(clock.Now().In(cfg.Location()))
	reporters, err := a.directory.Reporters(ctx, today)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "synced %d departments, %d active members\n", res.Departments, res.Members)
	fmt.Fprintf(stdout, "joined: %s\nleft:   %s\n", listOrNone(res.Joined), listOrNone(res.Left))
	fmt.Fprintf(stdout, "owe a daily report today (%s): %d\n", today, len(reporters))
	return nil
}

func listOrNone(ids []string) string {
	if len(ids) == 0 {
		return "-"
	}
	return strings.Join(ids, ", ")
}
