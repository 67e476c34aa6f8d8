package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer the demo writes to while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runDemo starts `servicebot demo` as a user would, on a free port with its
// data in a temporary folder, and returns the /sim address and the folder.
func runDemo(t *testing.T, extra ...string) (baseURL, dataDir string) {
	t.Helper()
	dataDir = t.TempDir()
	baseURL, _ = startDemoIn(t, dataDir, extra...)
	return baseURL, dataDir
}

// startDemoIn starts `servicebot demo --data dataDir` on a free port and
// returns the /sim address and a stop that ends it as Ctrl+C does and waits
// until it has stopped (also called when the test ends).
func startDemoIn(t *testing.T, dataDir string, extra ...string) (baseURL string, stop func()) {
	t.Helper()
	var stdout, stderr lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	args := append([]string{"demo", "--addr", "127.0.0.1:0", "--data", dataDir}, extra...)
	go func() { done <- run(ctx, args, &stdout, &stderr, lookupFrom(nil)) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil && !errors.Is(err, context.Canceled) {
					t.Errorf("demo: %v\n%s", err, stderr.String())
				}
			case <-time.After(30 * time.Second):
				t.Error("demo did not stop within 30 s")
			}
		})
	}
	t.Cleanup(stop)
	// Registered after stop, so it runs first: a failed test shows what
	// the demo logged up to the failure.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the demo's log:\n%s", stderr.String())
		}
	})
	addr := regexp.MustCompile(`打开模拟器: (http://\S+)/sim`)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := addr.FindStringSubmatch(stdout.String()); m != nil {
			return m[1], stop
		}
		select {
		case err := <-done:
			done <- err // for stop
			t.Fatalf("demo stopped: %v\n%s", err, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("demo did not start within 30 s:\n%s\n%s", stdout.String(), stderr.String())
	return "", nil
}

// Must show 3: right after `demo` has started, the command it prints,
// `servicebot --config data/demo.yaml job list`, works on the demo's
// database; so do job run and approvals.
func TestDemoConfigWorksForTheCLI(t *testing.T) {
	t.Parallel()
	_, dir := runDemo(t)
	cfgPath := filepath.Join(dir, "demo.yaml")
	// The CLI runs as a process of its own, as an operator runs it beside
	// the demo (see cliArgsEnv).
	cli := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		cmd := exec.CommandContext(t.Context(), os.Args[0])
		cmd.Dir = t.TempDir() // a stray database file would land here
		cmd.Env = append(os.Environ(), cliArgsEnv+"="+strings.Join(append([]string{"--config", cfgPath}, args...), "\x1f"))
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr.String())
		}
		return stdout.String()
	}
	// The demo runs its jobs once at start, just after it says it is
	// running; the listing reads the demo's database, so it shows them.
	ran := regexp.MustCompile(`daily-reminders\s+\* \* \* \* \*\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+ok`)
	var list string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if list = cli("job", "list"); ran.MatchString(list) {
			break
		}
	}
	for _, want := range []string{"daily-reminders", "morning-summary", "kpi-draft", "approval-reminders"} {
		if !strings.Contains(list, want) {
			t.Errorf("job list lacks %s:\n%s", want, list)
		}
	}
	if !ran.MatchString(list) {
		t.Errorf("job list does not show the demo's runs:\n%s", list)
	}
	if out := cli("job", "run", "daily-reminders"); !strings.Contains(out, "job daily-reminders ran as of") {
		t.Errorf("job run: %s", out)
	}
	cli("approvals")
}

// A new demo has a past: last month's reports, check-ins and closed days,
// and the manager's KPI entries; `demo --empty` starts bare.
func TestDemoStartsWithAPastUnlessEmpty(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args    []string
		reports bool
	}{{nil, true}, {[]string{"--empty"}, false}} {
		_, dir := runDemo(t, append([]string{"--at", "2026-11-27T19:55:00+08:00"}, tt.args...)...)
		var stdout, stderr bytes.Buffer
		err := run(t.Context(), []string{"--config", filepath.Join(dir, "demo.yaml"), "reports", "export",
			"--from", "2026-10-01", "--to", "2026-10-31", "--format", "csv"}, &stdout, &stderr, lookupFrom(nil))
		if err != nil {
			t.Fatalf("%v: reports export: %v\n%s", tt.args, err, stderr.String())
		}
		out := stdout.String()
		has := strings.Contains(out, "今天：到成都宏达机械厂现场") || strings.Contains(out, "成都宏达机械厂")
		if has != tt.reports {
			t.Errorf("%v: October's export has the seeded reports: %v, want %v\n%.2000s", tt.args, has, tt.reports, out)
		}
		if tt.reports && (!strings.Contains(out, "late") && !strings.Contains(out, "迟")) {
			t.Errorf("the seeded month has no late report:\n%.2000s", out)
		}
		stdout.Reset()
		if err := run(t.Context(), []string{"--config", filepath.Join(dir, "demo.yaml"), "approvals"}, &stdout, &stderr, lookupFrom(nil)); err != nil {
			t.Fatalf("approvals: %v\n%s", err, stderr.String())
		}
		decided := strings.Contains(stdout.String(), "status approved") && strings.Contains(stdout.String(), "status pending")
		if decided != tt.reports {
			t.Errorf("%v: approvals decided and pending: %v, want %v\n%s", tt.args, decided, tt.reports, stdout.String())
		}
	}
}

// simItem is a bubble of the /sim page's conversation.
type simItem struct {
	Seq     int    `json:"seq"`
	From    string `json:"from"`
	Type    string `json:"type"`
	Content string `json:"content"`
	Time    string `json:"time"`
}

func simConversation(t *testing.T, base, user string) []simItem {
	t.Helper()
	resp, err := http.Get(base + "/sim/api/messages?after=0&user=" + user)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Items []simItem `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	return got.Items
}

// The /sim page's history is kept in the demo's database: after a restart
// of `servicebot demo` on the same folder the page shows the earlier
// conversation, what the member wrote and what the bot answered.
func TestDemoRestartKeepsTheSimulatorHistory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base, stop := startDemoIn(t, dir, "--empty")
	resp, err := http.Post(base+"/sim/api/send", "application/json", strings.NewReader(`{"user":"zhangwei","content":"帮助"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var before []simItem
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		before = simConversation(t, base, "zhangwei")
		if slices.ContainsFunc(before, func(it simItem) bool { return it.From == "bot" }) {
			break
		}
	}
	if len(before) < 2 || before[0].From != "me" || before[0].Content != "帮助" || before[len(before)-1].From != "bot" {
		t.Fatalf("before the restart the conversation is %+v, want the member's 帮助 and the bot's answer", before)
	}
	stop()

	base, _ = startDemoIn(t, dir, "--empty")
	after := simConversation(t, base, "zhangwei")
	if !slices.Equal(after[:min(len(after), len(before))], before) {
		t.Errorf("after the restart the conversation is\n%+v\nwant it to begin with\n%+v", after, before)
	}
}

// simClock is the /sim page's clock line after a GET, or after moving it
// to preset when one is given.
func simClock(t *testing.T, base, preset string) string {
	t.Helper()
	var resp *http.Response
	var err error
	if preset == "" {
		resp, err = http.Get(base + "/sim/api/clock")
	} else {
		resp, err = http.Post(base+"/sim/api/clock", "application/json", strings.NewReader(`{"preset":"`+preset+`"}`))
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct {
		Now string `json:"now"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("clock %q: %d %v", preset, resp.StatusCode, err)
	}
	return v.Now
}

// Where the clock control moved the demo's time is kept in its database:
// a restarted demo goes on from there (its records are never dated after
// its now), unless --at sets the time anew.
func TestDemoRestartKeepsTheClock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base, stop := startDemoIn(t, dir, "--empty", "--at", "2026-11-27T19:55:00+08:00")
	if got := simClock(t, base, "first"); got != "2026-12-01 周二 09:00" {
		t.Fatalf("moved to the 1st, the clock shows %s", got)
	}
	stop()

	base, stop = startDemoIn(t, dir, "--empty")
	if got := simClock(t, base, ""); got != "2026-12-01 周二 09:00" {
		t.Errorf("after the restart the clock shows %s, want the time it had reached", got)
	}
	if got := simClock(t, base, "next-09:00"); got != "2026-12-02 周三 09:00" {
		t.Errorf("moved on after the restart, the clock shows %s", got)
	}
	stop()

	base, stop = startDemoIn(t, dir, "--empty")
	if got := simClock(t, base, ""); got != "2026-12-02 周三 09:00" {
		t.Errorf("after a second restart the clock shows %s", got)
	}
	stop()

	base, _ = startDemoIn(t, dir, "--empty", "--at", "2026-12-10T08:00:00+08:00")
	if got := simClock(t, base, ""); got != "2026-12-10 周四 08:00" {
		t.Errorf("--at after a restart: the clock shows %s", got)
	}
}

// A demo whose clock control moved it months past its seeded past is not
// seeded again when it restarts: the past is given once.
func TestDemoRestartedMonthsLaterIsNotSeededAgain(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base, stop := startDemoIn(t, dir, "--at", "2026-11-27T19:55:00+08:00")
	for _, want := range []string{"2026-12-01 周二 09:00", "2027-01-01 周五 09:00", "2027-02-01 周一 09:00"} {
		if got := simClock(t, base, "first"); got != want {
			t.Fatalf("the clock shows %s, want %s", got, want)
		}
	}
	stop()

	startDemoIn(t, dir)
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"--config", filepath.Join(dir, "demo.yaml"), "reports", "export",
		"--from", "2027-01-01", "--to", "2027-01-31", "--format", "csv"}, &stdout, &stderr, lookupFrom(nil)); err != nil {
		t.Fatalf("reports export: %v\n%s", err, stderr.String())
	}
	if strings.Contains(stdout.String(), "成都宏达机械厂") || strings.Contains(stdout.String(), "重庆渝北重工") {
		t.Errorf("January, which the demo only jumped over, got a seeded past:\n%.1500s", stdout.String())
	}
}
