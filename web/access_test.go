package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// Who sees what, one row per role: an engineer their own records,
// the department's managers everything, the archivist the archive, those
// deciding approvals the audit, anyone else a clear refusal.
func TestAccessPerRole(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		// eng1 files a memo with a photo; its page, its photo and eng1's
		// draft are what the others try to open.
		eng1 := f.as("eng1")
		p := eng1.post("/web/forms/service_memo", memoValues("submit"), map[string][]byte{"photos": png})
		if p.status != http.StatusOK || !strings.Contains(p.body, "已提交") {
			t.Fatalf("eng1 submits: %d %s", p.status, p.body)
		}
		subs := f.submissions(servicebot.FormFilter{UserIDs: []string{"eng1"}})
		if len(subs) != 1 || len(subs[0].Values.List("photos")) != 1 {
			t.Fatalf("stored %+v", subs)
		}
		sub := fmt.Sprintf("/web/submissions/%d", subs[0].ID)
		photo := "/web/photos/" + subs[0].Values.List("photos")[0]
		d := eng1.post("/web/forms/project_summary", url.Values{"action": {"draft"}, "customer": {"草稿客户"}}, nil)
		if d.status != http.StatusOK || !strings.Contains(d.body, "草稿已保存") {
			t.Fatalf("eng1 saves a draft: %d", d.status)
		}
		drafts := f.submissions(servicebot.FormFilter{Status: servicebot.SubmissionDraft})
		if len(drafts) != 1 {
			t.Fatalf("drafts %+v", drafts)
		}
		draft := fmt.Sprintf("/web/submissions/%d", drafts[0].ID)

		// nf: allowed, but the month has no KPI draft yet.
		const ok, no, nf = http.StatusOK, http.StatusForbidden, http.StatusNotFound
		pages := []string{"/web/", "/web/forms/service_memo", "/web/forms/service_request_install",
			sub, photo, draft, "/web/submissions", "/web/approvals", "/web/reports",
			// Issue 12: today's reports (an engineer sees their own day),
			// 待我审批 and 我的申请 (everyone's own), the KPI table.
			"/web/today", "/web/approvals/pending", "/web/approvals/mine", "/web/kpi/2026-10/table"}
		tests := []struct {
			user string
			want []int // per page above
		}{
			{"eng1", []int{ok, ok, ok, ok, ok, ok, ok, no, no, ok, ok, ok, no}},
			{"eng2", []int{ok, ok, ok, no, no, no, ok, no, no, ok, ok, ok, no}},
			{"sales1", []int{ok, no, ok, no, no, no, ok, no, no, no, ok, ok, no}},
			{"mgr", []int{ok, no, ok, ok, ok, no, ok, ok, ok, ok, ok, ok, nf}},
			{"vp", []int{ok, no, no, ok, ok, no, ok, ok, ok, ok, ok, ok, nf}},
			{"gm", []int{ok, no, no, ok, ok, no, ok, ok, ok, ok, ok, ok, nf}},
			{"vps", []int{ok, no, no, no, no, no, ok, ok, no, no, ok, ok, no}},
			{"arch", []int{ok, no, no, ok, ok, no, ok, no, no, no, ok, ok, no}},
			{"outsider", []int{no, no, no, no, no, no, no, no, no, no, no, no, no}},
		}
		for _, tt := range tests {
			t.Run(tt.user, func(t *testing.T) {
				m := f.as(tt.user)
				for i, path := range pages {
					p := m.get(path)
					if p.status != tt.want[i] {
						t.Errorf("%s GET %s: %d, want %d", tt.user, path, p.status, tt.want[i])
					}
					if p.status == no && !strings.Contains(p.body, "无权访问") {
						t.Errorf("%s GET %s: the refusal does not say so:\n%s", tt.user, path, p.body)
					}
				}
			})
		}

		// The lists show each only what is theirs to see.
		list := func(user string) string { return f.as(user).get("/web/submissions").body }
		if !strings.Contains(list("mgr"), sub) || !strings.Contains(list("arch"), sub) {
			t.Error("the manager or the archivist does not see eng1's record in the list")
		}
		if strings.Contains(list("eng2"), sub) || strings.Contains(list("sales1"), sub) {
			t.Error("another engineer or sales sees eng1's record in the list")
		}
		if strings.Contains(list("mgr"), draft) || strings.Contains(list("arch"), draft) {
			t.Error("eng1's draft is listed to others")
		}
	})
}

func memoValues(action string) url.Values {
	return url.Values{"action": {action}, "customer": {"成都某机械厂"}, "work_date": {"2026-11-20"},
		"arrived_at": {"2026-11-20T09:00"}, "work_content": {"安装调试第一天：现场清点、验货交接"},
		"customer_signature": {"李四"}, "job_id": {"42"}}
}
