package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/approvals"
)

// cmdApprovals lists requests with their whole chain and audit trail:
// `servicebot approvals [--id N] [--limit 20] [--format text|json]`.
func cmdApprovals(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) error {
	fs := newCommand("approvals", "servicebot approvals [--id N] [--limit 20] [--format text|json] [--config FILE]",
		"Lists approval requests: kind, amount, status, every step of the chain and the audit trail.\n"+
			"Needs only the database.",
		"servicebot approvals --config data/demo.yaml --limit 5\nservicebot approvals --config data/demo.yaml --id 3 --format json", 0, stdout, stderr)
	id := fs.Int64("id", 0, "show only this request")
	limit := fs.Int("limit", 20, "at most this many requests, newest first")
	format := fs.String("format", "text", "text or json")
	cfg, verr := loadConfig(ctx, fs, args, lookup, databaseOnly()...)
	if errors.As(verr, new(usageError)) {
		return verr
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "--format must be text or json, got %q\n", *format)
		return usageError{fmt.Errorf("bad --format %q", *format)}
	}
	db, _, err := openStore(ctx, cfg, verr, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	var list []servicebot.Approval
	if *id != 0 {
		a, err := db.GetApproval(ctx, *id)
		if err != nil {
			return err
		}
		list = []servicebot.Approval{a}
	} else if list, err = db.ListApprovals(ctx, *limit); err != nil {
		return err
	}
	return printApprovals(stdout, *format, list, cfg.Location())
}

func printApprovals(w io.Writer, format string, list []servicebot.Approval, loc *time.Location) error {
	if format == "json" {
		views := make([]approvals.View, len(list))
		for i, a := range list {
			views[i] = approvals.ViewOf(a)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(views)
	}
	at := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.In(loc).Format("2006-01-02 15:04")
	}
	for i, a := range list {
		r := a.Request
		if i > 0 {
			fmt.Fprintln(w)
		}
		urgency := "normal"
		if r.Urgent {
			urgency = "urgent"
		}
		fmt.Fprintf(w, "#%d %s (%s)  amount %s  %s  status %s  requester %s  filed %s  rules %s\n",
			r.ID, r.Kind, r.Kind.Name(), r.Amount, urgency, r.Status, r.Requester, at(r.CreatedAt), r.RulesVersion)
		if r.Customer != "" || r.Reason != "" {
			fmt.Fprintf(w, "   customer %s  reason %s\n", r.Customer, r.Reason)
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "   STEP\tROLE\tACTION\tSTATUS\tUSERID\tDECISION\tCOMMENT\tTIME")
		for _, s := range a.Steps {
			who := s.ApproverID
			if s.EscalatedFrom != "" {
				who += " (escalated from " + s.EscalatedFrom + ")"
			}
			if s.DelegatedFrom != "" {
				who += " (for " + s.DelegatedFrom + ")"
			}
			decision := s.Decision
			if s.Choice != "" && s.Choice != servicebot.ChoiceApprove && s.Choice != servicebot.ChoiceReject {
				decision += ": " + s.Choice
			}
			when := at(s.DecidedAt)
			if s.Status == servicebot.StepPending {
				when = "since " + at(s.AssignedAt)
			}
			fmt.Fprintf(tw, "   %d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Seq, s.Role, s.Action, s.Status,
				dash(who), dash(decision), dash(s.Comment), when)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, e := range a.Events {
			fmt.Fprintf(w, "   %s  %-9s %s %s\n", at(e.At), e.Action, dash(e.Actor), strings.TrimSpace(e.Note))
		}
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
