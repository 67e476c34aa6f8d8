package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Every subcommand answers -h and --help with exit status 0, its own flags
// and an example, on stdout.
func TestEverySubcommandHelp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args  []string
		flags []string // each flag the command takes
		also  []string // other text its help must carry
	}{
		{[]string{"serve"}, []string{"-config"}, nil},
		{[]string{"demo"}, []string{"-addr", "-data", "-at", "-empty"}, []string{"data/demo.yaml"}},
		{[]string{"migrate"}, []string{"-config"}, nil},
		{[]string{"sync"}, []string{"-config"}, nil},
		{[]string{"outbox"}, []string{"-status", "-limit", "-format", "-config"}, nil},
		{[]string{"outbox", "retry"}, []string{"-status", "-id", "-config"}, nil},
		{[]string{"approvals"}, []string{"-id", "-limit", "-format", "-config"}, nil},
		{[]string{"group", "create"}, []string{"-name", "-owner", "-members", "-chat-id", "-config"}, nil},
		{[]string{"job", "list"}, []string{"-config"}, []string{"Needs only the database"}},
		{[]string{"job", "run"}, []string{"-at", "-config"}, []string{"in the future is refused"}},
		{[]string{"reports", "export"}, []string{"-from", "-to", "-format", "-out", "-config"}, []string{"org:"}},
		{[]string{"import"}, []string{"-commit", "-config"},
			[]string{"客户名称", "客户类别", "区域", "联系电话", "设备型号", "出厂编号", "保修截止", "* required"}},
		{[]string{"kpi", "input"}, []string{"-month", "-by", "-config"}, []string{"账号, 项目, 日期"}},
		{[]string{"kpi", "export"}, []string{"-month", "-format", "-revision", "-out", "-config"}, nil},
		{[]string{"kpi", "draft"}, []string{"-month", "-by", "-reason", "-preview", "-config"}, nil},
	}
	for _, tt := range tests {
		for _, h := range []string{"-h", "--help"} {
			args := append(append([]string{}, tt.args...), h)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				var stdout, stderr bytes.Buffer
				if err := run(t.Context(), args, &stdout, &stderr, lookupFrom(nil)); err != nil {
					t.Fatalf("exit non-zero: %v\nstderr: %s", err, stderr.String())
				}
				out := stdout.String()
				if !strings.Contains(out, "Usage:\n  servicebot "+strings.Join(tt.args, " ")) {
					t.Errorf("no usage line for %v:\n%s", tt.args, out)
				}
				if !strings.Contains(out, "Example:\n  servicebot ") {
					t.Errorf("no example:\n%s", out)
				}
				for _, f := range append(tt.flags, tt.also...) {
					if !strings.Contains(out, f) {
						t.Errorf("help lacks %q:\n%s", f, out)
					}
				}
				// kpi's subcommands have flags of their own, not one shared list.
				if tt.args[0] == "kpi" {
					for _, other := range []string{"-revision", "-reason", "-by"} {
						if !strings.Contains(out, other) && strings.Contains(strings.Join(tt.flags, " "), other) {
							t.Errorf("missing %s", other)
						}
						if strings.Contains(out, "  "+other+" ") && !strings.Contains(strings.Join(tt.flags, " "), other) {
							t.Errorf("kpi %s shows another subcommand's flag %s:\n%s", tt.args[1], other, out)
						}
					}
				}
				if stderr.Len() > 0 {
					t.Errorf("help wrote to stderr: %s", stderr.String())
				}
			})
		}
	}
	// The commands with subcommands list them, also with exit status 0.
	for _, cmd := range []string{"job", "kpi", "reports", "group"} {
		var stdout, stderr bytes.Buffer
		if err := run(t.Context(), []string{cmd, "--help"}, &stdout, &stderr, lookupFrom(nil)); err != nil {
			t.Errorf("%s --help: %v", cmd, err)
		}
		if !strings.Contains(stdout.String(), "servicebot "+cmd+" ") {
			t.Errorf("%s --help: %s", cmd, stdout.String())
		}
	}
}

// A flag after a positional argument is read, not dropped: `kpi input FILE
// --config X` uses X's database. And no stray database file is made in the
// working directory.
func TestFlagsAfterPositionalArguments(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	db := filepath.Join(dir, "elsewhere.db")
	cfgPath := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(cfgPath, []byte("log_format: text\ndatabase_url: sqlite:"+db+"\n"+
		"org:\n  roles: {service_manager: [sunli]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := lookupFrom(nil)
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"migrate", "--config", cfgPath}, &stdout, &stderr, env); err != nil {
		t.Fatalf("migrate: %v\n%s", err, stderr.String())
	}
	csv := filepath.Join(dir, "k.csv")
	if err := os.WriteFile(csv, []byte("账号,项目,日期,数量,数值,目标,说明\nzhangwei,complaint,2026-10-07,,,,客户投诉\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	stderr.Reset()
	err := run(t.Context(), []string{"kpi", "input", csv, "--month", "2026-10", "--by", "sunli", "--config", cfgPath}, &stdout, &stderr, env)
	if err != nil {
		t.Fatalf("kpi input FILE --config X: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "1 entries recorded for 2026-10 by sunli") {
		t.Errorf("kpi input said %q", stdout.String())
	}
	// --config before the command, as the demo prints it.
	stdout.Reset()
	if err := run(t.Context(), []string{"--config", cfgPath, "outbox"}, &stdout, &stderr, env); err != nil {
		t.Fatalf("--config X outbox: %v\n%s", err, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
		t.Errorf("a data folder appeared in the working directory: %v", err)
	}
}

// An argument a command does not take is refused, never ignored.
func TestStrayArgumentsAreRefused(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"outbox", "pending"},
		{"job", "list", "extra"},
		{"kpi", "export", "--month", "2026-10", "oops.xlsx"},
		{"approvals", "--limit", "5", "7"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(t.Context(), args, &stdout, &stderr, lookupFrom(nil))
		if err == nil || !strings.Contains(stderr.String(), "unexpected argument") {
			t.Errorf("%v: err %v, stderr %q", args, err, stderr.String())
		}
	}
}

// Without --config a command that reads the database does not create
// data/servicebot.db: it says where it looked and what to give instead.
func TestNoDatabaseIsCreatedByACommandThatReads(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, args := range [][]string{
		{"approvals"}, {"outbox"}, {"job", "list"}, {"kpi", "export", "--month", "2026-10"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(t.Context(), args, &stdout, &stderr, lookupFrom(map[string]string{"SERVICEBOT_LOG_FORMAT": "text"}))
		if err == nil || !strings.Contains(stderr.String(), "database sqlite:data/servicebot.db does not exist: give --config FILE") {
			t.Errorf("%v: err %v, stderr %q", args, err, stderr.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
		t.Errorf("a database was created: %v", err)
	}
}

// job list and job run need the database, not the WeCom credentials.
func TestJobCommandsNeedOnlyTheDatabase(t *testing.T) {
	t.Parallel()
	_, env := migratedSQLite(t)
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"job", "list"}, &stdout, &stderr, env); err != nil {
		t.Fatalf("job list: %v\n%s", err, stderr.String())
	}
	for _, job := range []string{"daily-reminders", "morning-summary", "kpi-draft", "approval-reminders"} {
		if !strings.Contains(stdout.String(), job) {
			t.Errorf("job list lacks %s:\n%s", job, stdout.String())
		}
	}
	// job run needs the department as well (who owes a report), nothing of WeCom.
	cfgPath := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(cfgPath, []byte("org:\n  after_sales_departments: [2]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	if err := run(t.Context(), []string{"job", "run", "daily-reminders", "--at", "2026-11-27T20:00:30+08:00", "--config", cfgPath}, &stdout, &stderr, env); err != nil {
		t.Fatalf("job run: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "job daily-reminders ran as of 2026-11-27T20:00:30+08:00") {
		t.Errorf("job run said %q", stdout.String())
	}
}

// job run --at a time ahead is refused: its messages would wait in the
// outbox until then and its records be dated in the future.
func TestJobRunInTheFutureIsRefused(t *testing.T) {
	t.Parallel()
	_, env := migratedSQLite(t)
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"job", "run", "daily-reminders", "--at", "2099-01-05T20:00:00+08:00"}, &stdout, &stderr, env)
	if err == nil || !strings.Contains(stderr.String(), "is in the future") {
		t.Fatalf("err %v, stderr %s", err, stderr.String())
	}
}

// `reports export` without the department's settings says what it cannot
// know, rather than writing only the days that have reports.
func TestReportsExportNeedsTheDepartment(t *testing.T) {
	t.Parallel()
	_, env := migratedSQLite(t)
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"reports", "export", "--from", "2026-11-01", "--to", "2026-11-30"}, &stdout, &stderr, env)
	if err == nil || !strings.Contains(stderr.String(), "org.after_sales_departments is empty") {
		t.Fatalf("err %v, stderr %s", err, stderr.String())
	}
}

// An unreachable Redis is one problem in the list, in our words; go-redis's
// own pool lines ("pool.go: … failed to dial") are not printed before it.
// It runs the real main in a child process, since go-redis writes them to
// the process's stderr.
func TestUnreachableRedisWithoutPoolLines(t *testing.T) {
	t.Parallel()
	if os.Getenv("SERVICEBOT_TEST_RUN_MAIN") == "1" {
		os.Args = []string{"servicebot", "serve"}
		main()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestUnreachableRedisWithoutPoolLines$")
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "SERVICEBOT_TEST_RUN_MAIN=1",
		"SERVICEBOT_REDIS_URL=redis://127.0.0.1:1/0", "SERVICEBOT_DATABASE_URL=sqlite:"+filepath.Join(cmd.Dir, "x.db"))
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("serve started:\n%s", out)
	}
	if !strings.Contains(string(out), "redis 127.0.0.1:1 is not reachable") {
		t.Errorf("no redis problem:\n%s", out)
	}
	if strings.Contains(string(out), "pool.go") || strings.Contains(string(out), "connection pool") {
		t.Errorf("go-redis's pool lines were printed:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(cmd.Dir, "x.db")); !os.IsNotExist(err) {
		t.Errorf("serve stopped on problems but left a new database file behind")
	}
}
