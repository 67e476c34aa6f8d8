package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// jobsFixture stores two fault jobs on one machine: job a (eng2's, done,
// its return visit overdue) and job b (eng1's, dispatched from a request,
// with a form filed for it).
func jobsFixture(t *testing.T, db *store.DB) (f *fixture, a, b servicebot.Job, requestID int64) {
	t.Helper()
	f = newFixture(t, db)
	ctx := t.Context()
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.UpsertCustomers(ctx, []servicebot.Customer{{Name: "重庆重工", Tier: servicebot.TierGeneral,
			Region: servicebot.RegionSouthwest}}, now); err != nil {
			return err
		}
		c, err := tx.CustomerByName(ctx, "重庆重工")
		if err != nil {
			return err
		}
		if _, err := tx.UpsertEquipment(ctx, []servicebot.Equipment{{Customer: c.Name, Model: "XK-500",
			Serial: "XK500-2407", WarrantyEnd: servicebot.NewDate(2027, 3, 1)}}, now); err != nil {
			return err
		}
		a, _, err = tx.CreateJob(ctx, servicebot.Job{Type: servicebot.ServiceFault, CustomerID: c.ID, Customer: c.Name,
			Serial: "XK500-2407", Reason: "主轴异响", Engineer: "eng2", Status: servicebot.JobCompleted,
			CreatedAt: now.Add(-30 * 24 * time.Hour), CompletedAt: now.Add(-20 * 24 * time.Hour)})
		if err != nil {
			return err
		}
		if _, err := tx.EnsureObligations(ctx, []servicebot.Obligation{{Kind: servicebot.ObligationReturnVisit,
			UserID: "eng2", Key: servicebot.ReturnVisitKey(a.ID), Period: "2026-11-05", DueAt: now.Add(-24 * time.Hour),
			CreatedAt: now.Add(-20 * 24 * time.Hour)}}); err != nil {
			return err
		}
		apv, err := tx.CreateApproval(ctx, servicebot.ApprovalRequest{Kind: servicebot.RequestService,
			ServiceType: servicebot.ServiceFault, Customer: c.Name, Region: servicebot.RegionSouthwest,
			Reason: "再次停机", Requester: "sales1", RulesVersion: "test", CreatedAt: now.Add(-2 * time.Hour)}, nil)
		if err != nil {
			return err
		}
		requestID = apv.Request.ID
		b, _, err = tx.CreateJob(ctx, servicebot.Job{RequestID: requestID, Type: servicebot.ServiceFault, CustomerID: c.ID,
			Customer: c.Name, Serial: "XK500-2407", Reason: "再次停机", Remote: true, Engineer: "eng1",
			Status: servicebot.JobAssigned, CreatedAt: now.Add(-time.Hour), AssignedAt: now.Add(-time.Hour)})
		if err != nil {
			return err
		}
		_, err = tx.SaveFormSubmission(ctx, servicebot.FormSubmission{FormID: "service_memo", FormVersion: 1, UserID: "eng1",
			JobID: b.ID, Values: servicebot.FormValues{"customer": c.Name}, Status: servicebot.SubmissionSubmitted,
			CreatedAt: now, UpdatedAt: now, SubmittedAt: now})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f, a, b, requestID
}

// The job page (issue 16 item 7): the managers see every job, an engineer
// only theirs, anyone else is refused (R-ORG-1); the page shows the job's
// way of service, customer, machine with warranty and fault history,
// engineer by name, request number, forms and follow-ups.
func TestJobPageAccessAndContent(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, a, b, requestID := jobsFixture(t, db)
		pageB, pageA := fmt.Sprintf("/web/jobs/%d", b.ID), fmt.Sprintf("/web/jobs/%d", a.ID)
		const ok, no = http.StatusOK, http.StatusForbidden
		for _, tt := range []struct {
			user        string
			jobB, jobA  int
			listed, not []string // jobs the list shows and does not show
		}{
			{"mgr", ok, ok, []string{pageB}, nil},
			{"vp", ok, ok, []string{pageB}, nil},
			{"gm", ok, ok, []string{pageB}, nil},
			{"eng1", ok, no, []string{pageB}, nil},
			{"eng2", no, ok, nil, []string{pageB}},
			{"sales1", no, no, nil, nil}, {"vps", no, no, nil, nil}, {"arch", no, no, nil, nil},
			{"outsider", no, no, nil, nil},
		} {
			t.Run(tt.user, func(t *testing.T) {
				m := f.as(tt.user)
				for path, want := range map[string]int{pageB: tt.jobB, pageA: tt.jobA} {
					p := m.get(path)
					if p.status != want {
						t.Errorf("GET %s: %d, want %d", path, p.status, want)
					}
					if want == no && !strings.Contains(p.body, "无权访问") {
						t.Errorf("GET %s: the refusal does not say so:\n%s", path, p.body)
					}
				}
				list := m.get("/web/jobs")
				wantList := ok
				if tt.listed == nil && tt.not == nil {
					wantList = no
				}
				if list.status != wantList {
					t.Fatalf("GET /web/jobs: %d, want %d", list.status, wantList)
				}
				for _, l := range tt.listed {
					if !strings.Contains(list.body, `href="`+l+`"`) {
						t.Errorf("the list does not link %s:\n%s", l, list.body)
					}
				}
				for _, l := range tt.not {
					if strings.Contains(list.body, `href="`+l+`"`) {
						t.Errorf("the list links %s, not the viewer's", l)
					}
				}
			})
		}

		// Job a is visited-pending (completed): still open, so the managers'
		// list shows it with its engineer's name, not the userid.
		if list := f.as("mgr").get("/web/jobs").body; !strings.Contains(list, `href="`+pageA+`"`) ||
			!strings.Contains(list, "成员eng2") || !strings.Contains(list, "成员eng1") || strings.Contains(list, "· eng1") {
			t.Errorf("the managers' list lacks a job or a name:\n%s", list)
		}

		body := f.as("mgr").get(pageB).body
		for _, want := range []string{
			fmt.Sprintf("工单%d", b.ID), "故障", "远程支持", "重庆重工", "已派工", "成员eng1",
			fmt.Sprintf("申请 #%d", requestID), fmt.Sprintf(`href="/web/approvals/%d"`, requestID),
			"XK-500", "XK500-2407", "保修期内（至2027-03-01）", "⚠重复故障",
			`href="` + pageA + `"`, "主轴异响", // the earlier fault on the same machine
			`data-submission=`, // the form filed for the job
		} {
			if !strings.Contains(body, want) {
				t.Errorf("job page lacks %q:\n%s", want, body)
			}
		}
		if strings.Contains(body, ">eng1<") || strings.Contains(body, " eng1 ") {
			t.Errorf("job page shows a userid:\n%s", body)
		}
		// The engineer reads the request number but gets no link they could
		// not open.
		if e := f.as("eng1").get(pageB).body; !strings.Contains(e, fmt.Sprintf("申请 #%d", requestID)) ||
			strings.Contains(e, "/web/approvals/") {
			t.Errorf("the engineer's job page: request number or a link they cannot open:\n%s", e)
		}

		// Job a: no earlier fault, its overdue return visit (R-VIS-2) shown.
		bodyA := f.as("eng2").get(pageA).body
		for _, want := range []string{"电话回访", "已逾期", "成员eng2", "现场服务", "已完成"} {
			if !strings.Contains(bodyA, want) {
				t.Errorf("job page a lacks %q:\n%s", want, bodyA)
			}
		}
		if strings.Contains(bodyA, "⚠重复故障") || strings.Contains(bodyA, `href="`+pageB+`"`) {
			t.Errorf("the first fault is flagged as repeated or lists a later one:\n%s", bodyA)
		}
		if home := f.as("mgr").get("/web/").body; !strings.Contains(home, `href="/web/jobs"`) {
			t.Error("the managers' home page does not link the job list")
		}
		if p := f.as("mgr").get("/web/jobs/99999"); p.status != http.StatusNotFound {
			t.Errorf("a missing job: %d", p.status)
		}
	})
}

// Issue 12: an engineer's page shows their open jobs and the follow-ups
// they owe (R-VIS-1/2/3), soonest due first, each engineer's own only.
func TestEngineerPageShowsJobsAndFollowUps_RVIS2(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, a, b, _ := jobsFixture(t, db)
		ctx := t.Context()
		c, err := db.CustomerByName(ctx, "重庆重工")
		if err != nil {
			t.Fatal(err)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.EnsureObligations(ctx, []servicebot.Obligation{
				{Kind: servicebot.ObligationCustomerCall, UserID: "eng1", Period: "2026-12-20", DueAt: now.Add(10 * 24 * time.Hour),
					Key: fmt.Sprintf("%s%s", servicebot.RegularVisitPrefix(servicebot.ObligationCustomerCall, c.ID), "2026-12-20"), CreatedAt: now},
				{Kind: servicebot.ObligationTechQuestion, UserID: "eng2", Key: servicebot.TechQuestionKey(7), Period: "2026-11-27",
					DueAt: now.Add(4 * time.Hour), CreatedAt: now},
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		p := f.as("mgr").get("/web/engineer?u=eng2")
		if p.status != http.StatusOK {
			t.Fatalf("GET eng2's page: %d\n%s", p.status, p.body)
		}
		visit, question := fmt.Sprintf("工单%d 完工后电话回访", a.ID), "技术问题 #7 待答复"
		for _, want := range []string{fmt.Sprintf(`data-job="%d"`, a.ID), visit, "已逾期", question} {
			if !strings.Contains(p.body, want) {
				t.Errorf("eng2's page lacks %q:\n%s", want, p.body)
			}
		}
		if strings.Index(p.body, visit) > strings.Index(p.body, question) {
			t.Errorf("the overdue return visit is not listed first")
		}
		if strings.Contains(p.body, fmt.Sprintf(`data-job="%d"`, b.ID)) || strings.Contains(p.body, "定期电话回访") {
			t.Errorf("eng2's page shows eng1's job or follow-up")
		}
		own := f.as("eng1").get("/web/engineer?u=eng1")
		for _, want := range []string{fmt.Sprintf(`data-job="%d"`, b.ID), "重庆重工 定期电话回访"} {
			if !strings.Contains(own.body, want) {
				t.Errorf("eng1's own page lacks %q:\n%s", want, own.body)
			}
		}
		if strings.Contains(own.body, question) || strings.Contains(own.body, visit) {
			t.Errorf("eng1's page shows eng2's follow-ups")
		}
	})
}
