package main

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecomsim"
	"github.com/servicebot/servicebot/scheduler"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// The demo knows its people as soon as it runs: it syncs from the simulator
// at start, and its org makes the six engineers the reporters.
func TestDemo_SyncsTheDirectoryAtStart(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := startHarness(t, db)
		deadline := time.Now().Add(20 * time.Second)
		var members []servicebot.Member
		for len(members) == 0 && time.Now().Before(deadline) {
			var err error
			if members, err = db.ListMembers(t.Context(), true); err != nil {
				t.Fatal(err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		_, want := wecomsim.DemoDirectory()
		if len(members) != len(want) {
			t.Fatalf("%d members synced at start, want %d", len(members), len(want))
		}

		// 2026-10-10 is a 调休 working Saturday: every engineer reports,
		// the manager, the archivist and the executives do not.
		reporters, err := h.demo.app.directory.Reporters(t.Context(), servicebot.NewDate(2026, 10, 10))
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range reporters {
			ids = append(ids, m.UserID)
		}
		engineers := []string{"chenhao", "liqiang", "liuyang", "wangjun", "zhangwei", "zhaolei"}
		if !reflect.DeepEqual(ids, engineers) {
			t.Errorf("demo reporters on 2026-10-10 = %v, want %v", ids, engineers)
		}

		jobs := h.demo.app.scheduler.Jobs()
		i := slices.IndexFunc(jobs, func(j scheduler.Job) bool { return j.Name == "directory-sync" })
		if i < 0 || jobs[i].Cron != "0 6 * * *" {
			t.Errorf("jobs %+v: want directory-sync daily at 06:00", jobs)
		}
	})
}

// `servicebot sync` pulls the address book into the database and says who
// joined and who left; a second run finds nothing new.
func TestSyncCommand(t *testing.T) {
	t.Parallel()
	deps, members := wecomsim.DemoDirectory()
	sim := wecomsim.New(wecomsim.Options{CorpID: demoCorpID, Secret: demoSecret, AgentID: demoAgentID,
		Token: demoToken, EncodingAESKey: strings.Repeat("k", 43), Members: members, Departments: deps})
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)

	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "servicebot.yaml")
	cfg := `
database_url: "sqlite:` + filepath.Join(dir, "sb.db") + `"
log_format: text
log_level: warn
wecom:
  corp_id: ` + demoCorpID + `
  agent_id: 1000002
  secret: ` + demoSecret + `
  token: ` + demoToken + `
  aes_key: ` + strings.Repeat("k", 43) + `
  api_base: ` + srv.URL + `
org:
  after_sales_departments: [2]
  roles:
    service_manager: [sunli]
    archivist: [hejing]
  exempt: [chenhao]
`
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := lookupFrom(nil)
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"sync", "--config", cfgPath}, &stdout, &stderr, env); err == nil {
		t.Fatal("sync on an unmigrated database succeeded")
	}
	if err := run(t.Context(), []string{"migrate", "--config", cfgPath}, &stdout, &stderr, env); err != nil {
		t.Fatalf("migrate: %v\n%s", err, stderr.String())
	}

	stdout.Reset()
	if err := run(t.Context(), []string{"sync", "--config", cfgPath}, &stdout, &stderr, env); err != nil {
		t.Fatalf("sync: %v\n%s", err, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"synced 5 departments, 14 active members", "joined: chenhao, hejing, huangzhiqiang", "left:   -"} {
		if !strings.Contains(out, want) {
			t.Errorf("first sync printed %q, want it to contain %q", out, want)
		}
	}

	stdout.Reset()
	if err := run(t.Context(), []string{"sync", "--config", cfgPath}, &stdout, &stderr, env); err != nil {
		t.Fatalf("second sync: %v\n%s", err, stderr.String())
	}
	if out := stdout.String(); !strings.Contains(out, "joined: -\nleft:   -") {
		t.Errorf("second sync printed %q, want nobody joined or left", out)
	}

	// With the directory synced, the department's group chat is created from it.
	stdout.Reset()
	if err := run(t.Context(), []string{"group", "create", "--config", cfgPath, "--owner", "sunli"}, &stdout, &stderr, env); err != nil {
		t.Fatalf("group create: %v\n%s", err, stderr.String())
	}
	out = stdout.String()
	for _, want := range []string{"with 8 members", "chenhao, hejing, liqiang, liuyang, sunli, wangjun, zhangwei, zhaolei", "chat_id: "} {
		if !strings.Contains(out, want) {
			t.Errorf("group create printed %q, want it to contain %q", out, want)
		}
	}
	if n := sim.Calls("appchat/create"); n != 1 {
		t.Errorf("appchat/create called %d times, want 1", n)
	}
	if err := run(t.Context(), []string{"group", "create", "--config", cfgPath}, &stdout, &stderr, env); err == nil {
		t.Error("group create without --owner succeeded")
	}
}
