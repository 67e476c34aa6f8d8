package main

import (
	"bytes"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/store"
)

func lookupFrom(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// Start-up names every problem at once — bad settings and an unreachable
// database alike — and fails.
func TestServe_ReportsEveryProblemAtOnceAndFails(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"serve"}, &stdout, &stderr, lookupFrom(map[string]string{
		"SERVICEBOT_DATABASE_URL":  "postgres://bot:secretpw@127.0.0.1:1/servicebot?sslmode=disable&connect_timeout=2",
		"SERVICEBOT_WECOM_AES_KEY": "too-short",
		"SERVICEBOT_TIMEZONE":      "Nowhere/City",
	}))
	if err == nil {
		t.Fatal("serve started with a broken configuration")
	}
	out := stderr.String()
	for _, want := range []string{
		"wecom.corp_id", "wecom.agent_id", "wecom.secret", "wecom.token",
		"43-character EncodingAESKey, got 9 characters", "Nowhere/City",
		"database postgres://bot:xxxxx@127.0.0.1:1/servicebot", "not reachable",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "secretpw") {
		t.Errorf("the database password was printed:\n%s", out)
	}
}

func TestMigrateAndOutboxNeedOnlyTheDatabase(t *testing.T) {
	t.Parallel()
	_, env := migratedSQLite(t)
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"outbox", "--format", "text"}, &stdout, &stderr, env); err != nil {
		t.Fatalf("outbox: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "pending 0  sending 0  sent 0  failed 0") {
		t.Errorf("outbox printed %q", stdout.String())
	}
}

// migratedSQLite makes a new SQLite database and migrates it with
// `servicebot migrate`, returning its URL and an environment naming it.
func migratedSQLite(t *testing.T) (string, func(string) (string, bool)) {
	t.Helper()
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "sb.db")
	env := lookupFrom(map[string]string{"SERVICEBOT_DATABASE_URL": dbURL, "SERVICEBOT_LOG_FORMAT": "text"})
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"migrate"}, &stdout, &stderr, env); err != nil {
		t.Fatalf("migrate: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "migrations applied") {
		t.Errorf("migrate said %q", stdout.String())
	}
	return dbURL, env
}

func TestUnknownCommandShowsUsage(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"frobnicate"}, &stdout, &stderr, lookupFrom(nil)); err == nil {
		t.Fatal("want an error")
	}
	if !strings.Contains(stderr.String(), "servicebot demo") {
		t.Errorf("usage not shown: %q", stderr.String())
	}
}

// `servicebot outbox` never prints a group robot's webhook key, and shows
// times in the department's zone.
func TestOutboxListingHidesRobotKeys(t *testing.T) {
	t.Parallel()
	rows := []servicebot.OutboxMessage{{
		ID: 7, Kind: servicebot.OutWebhook, ToChat: "0a1b2c3d-secret-robot-key", Status: servicebot.OutboxFailed,
		CreatedAt: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC), LastError: "x",
	}}
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"text", "json"} {
		var out bytes.Buffer
		if err := printOutbox(&out, format, slices.Clone(rows), map[string]int{}, shanghai); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out.String(), "secret-robot-key") || !strings.Contains(out.String(), "robot:") {
			t.Errorf("%s listing: %s", format, out.String())
		}
		if format == "text" && !strings.Contains(out.String(), "11-27 20:00:00") {
			t.Errorf("text listing not in the department's zone: %s", out.String())
		}
	}
}

func TestOutboxRetryCommand(t *testing.T) {
	t.Parallel()
	dbURL, env := migratedSQLite(t)
	var stdout, stderr bytes.Buffer
	db, err := store.Open(t.Context(), dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	body, _ := wecommsg.Text("提醒")
	for range 2 {
		if _, _, err := db.EnqueueOutbox(t.Context(), servicebot.OutboxMessage{Kind: servicebot.OutText, ToUsers: "u",
			Body: body, CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := db.ClaimOutbox(t.Context(), now, time.Minute, 10)
	if err != nil || len(rows) != 2 {
		t.Fatalf("claim: %d, %v", len(rows), err)
	}
	for _, r := range rows {
		if err := db.FailOutbox(t.Context(), r.ID, "wecom message/send: errcode 60020", now); err != nil {
			t.Fatal(err)
		}
	}
	stdout.Reset()
	if err := run(t.Context(), []string{"outbox", "retry", "--id", strconv.FormatInt(rows[0].ID, 10)}, &stdout, &stderr, env); err != nil {
		t.Fatalf("outbox retry --id: %v\n%s", err, stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), "1 message(s)") {
		t.Errorf("retry --id said %q", stdout.String())
	}
	stdout.Reset()
	if err := run(t.Context(), []string{"outbox", "retry", "--status", "failed"}, &stdout, &stderr, env); err != nil {
		t.Fatalf("outbox retry: %v\n%s", err, stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), "1 message(s)") {
		t.Errorf("retry said %q, want the one row still failed", stdout.String())
	}
	counts, err := db.OutboxCounts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if counts[servicebot.OutboxPending] != 2 || counts[servicebot.OutboxFailed] != 0 {
		t.Errorf("after retry: %v, want both pending", counts)
	}
	if err := run(t.Context(), []string{"outbox", "retry", "--status", "sent"}, &stdout, &stderr, env); err == nil {
		t.Error("retry --status sent was accepted")
	}
}
