package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/approvals"
	"github.com/servicebot/servicebot/bot/wecomsim"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

const approvalsConfig = `
log_format: text
wecom:
  corp_id: wwtest
  agent_id: 1000002
  secret: test-secret
  token: test-token
  aes_key: abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG
org:
  after_sales_departments: [2]
  roles:
    service_manager: [sunli]
    vp_after_sales: [zhoujianguo]
    vp_sales: [wuhaitao]
    vp_quality: [zhengmin]
    general_manager: [huangzhiqiang]
approvals:
  rules_version: test-2026
`

// Must show 5 (R-APV-5): a request pending 48 h is escalated once by the
// approval-reminders job, run by hand as of a given time, and
// `servicebot approvals` shows the escalation and the steps still to come.
func TestApprovalsJobEscalatesOnceAndAuditShowsIt_RAPV5(t *testing.T) {
	t.Parallel()
	for _, dialect := range []string{store.DialectSQLite, store.DialectPostgres} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			dbURL := "sqlite:" + filepath.Join(t.TempDir(), "sb.db")
			if dialect == store.DialectPostgres {
				dbURL = storetest.PostgresURL(t)
			}
			cfgPath := filepath.Join(t.TempDir(), "servicebot.yaml")
			if err := os.WriteFile(cfgPath, []byte(approvalsConfig), 0o600); err != nil {
				t.Fatal(err)
			}
			env := lookupFrom(map[string]string{"SERVICEBOT_DATABASE_URL": dbURL})
			cli := func(args ...string) string {
				t.Helper()
				var stdout, stderr bytes.Buffer
				if err := run(ctx, append(args, "--config", cfgPath), &stdout, &stderr, env); err != nil {
					t.Fatalf("%v: %v\n%s", args, err, stderr.String())
				}
				return stdout.String()
			}
			cli("migrate")

			db, err := store.Open(ctx, dbURL, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			seedDemoDirectory(t, db)
			filed := time.Date(2026, 11, 23, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
			engine := approvals.New(db, db.InTx, approvals.Config{
				Rules: servicebot.ApprovalRules{Version: "test-2026"}, Org: demoOrg(),
				Clock: servicebot.ClockFunc(func() time.Time { return filed })})
			a, err := engine.FileRequest(ctx, servicebot.ApprovalRequest{Kind: servicebot.RequestParts, Urgent: true,
				Amount: 800_00, Customer: "成都某机械厂", Reason: "密封件损坏", Requester: "yangfan",
				Evidence: servicebot.Evidence{Kind: servicebot.EvidenceFaultLetter, URL: "https://example.com/letter"}})
			if err != nil {
				t.Fatal(err)
			}

			for _, at := range []string{"2026-11-25T08:59:00+08:00", "2026-11-25T09:00:00+08:00", "2026-11-25T09:10:00+08:00", "2026-11-26T09:00:00+08:00"} {
				cli("job", "run", approvals.JobName, "--at", at)
			}

			var views []approvals.View
			out := cli("approvals", "--id", strconv.FormatInt(a.Request.ID, 10), "--format", "json")
			if err := json.Unmarshal([]byte(out), &views); err != nil || len(views) != 1 {
				t.Fatalf("json %q: %v", out, err)
			}
			v := views[0]
			if v.Amount != "800.00" || !v.Urgent || v.Status != servicebot.ApprovalPending || v.RulesVersion != "test-2026" {
				t.Errorf("request %+v", v)
			}
			first, second := v.Steps[0], v.Steps[1]
			// R-APV-5 by kind: a parts compensation climbs to the sales VP,
			// and the step names the role that now decides.
			if first.Role != "vp_sales" || first.Approver != "wuhaitao" || first.EscalatedFrom != "sunli" ||
				first.EscalatedAt == nil || !first.EscalatedAt.Equal(time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)) {
				t.Errorf("escalated step %+v", first)
			}
			if second.Role != "vp_quality" || second.Status != servicebot.StepWaiting || second.Approver != "" {
				t.Errorf("step still to come %+v", second)
			}
			var escalations int
			for _, e := range v.Events {
				if e.Action == servicebot.EventEscalated {
					escalations++
				}
			}
			if escalations != 1 {
				t.Errorf("%d escalations in the audit, want 1: %+v", escalations, v.Events)
			}

			text := cli("approvals")
			for _, want := range []string{"parts_compensation", "amount 800.00", "urgent", "status pending",
				"wuhaitao (escalated from sunli)", "vp_quality", "waiting", "escalated"} {
				if !strings.Contains(text, want) {
					t.Errorf("text audit lacks %q:\n%s", want, text)
				}
			}
		})
	}
}

// seedDemoDirectory stores the demo address book, as the sync would: requests
// are checked against it (issue 11 item 8).
func seedDemoDirectory(t *testing.T, db *store.DB) {
	t.Helper()
	deps, members := wecomsim.DemoDirectory()
	var ds []servicebot.Department
	for _, d := range deps {
		ds = append(ds, servicebot.Department{ID: d.ID, ParentID: d.ParentID, Name: d.Name})
	}
	var ms []servicebot.Member
	for _, m := range members {
		ms = append(ms, servicebot.Member{UserID: m.UserID, Name: m.Name, Departments: m.Departments, Active: true})
	}
	if _, _, err := db.ReplaceDirectory(t.Context(), ds, ms, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
}
