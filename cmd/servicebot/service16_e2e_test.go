package main

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/aftersales"
	"github.com/servicebot/servicebot/approvals"
	"github.com/servicebot/servicebot/config"
	"github.com/servicebot/servicebot/customers"
	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/kpi"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

var returnVisitLinkRe = regexp.MustCompile(`https?://\S+/web/forms/phone_return_visit\?job=\d+`)

// tapThrough taps each pending step of request id through the simulator,
// as its approver would on the card they were sent: choice at the VP's
// fault step, 同意 at a review or approval, engineer at the dispatch. seen,
// when set, gets each card's JSON before its tap.
func (h *harness) tapThrough(id int64, choice, engineer string, seen func(servicebot.ApprovalStep, string)) {
	h.t.Helper()
	ctx := context.Background()
	for range 6 {
		a, err := h.db.GetApproval(ctx, id)
		if err != nil {
			h.t.Fatal(err)
		}
		step, ok := a.Current()
		if !ok {
			return
		}
		card := h.said(step.ApproverID, step.TaskID)
		key := servicebot.ChoiceApprove
		switch step.Action {
		case servicebot.ActionFaultPlan:
			key = choice
		case servicebot.ActionDispatch:
			key = engineer
		}
		if seen != nil {
			seen(step, string(card.Card))
		}
		if _, err := h.sim.ClickButton(ctx, step.ApproverID, card.TaskID, approvals.CardPrefix+itoa(step.ID)+":"+key, "",
			"button_interaction"); err != nil {
			h.t.Fatal(err)
		}
		h.waitStep(id, step.ID)
	}
	h.t.Fatalf("request %d: chain not done after 6 taps", id)
}

// waitStep waits until step of request id is decided.
func (h *harness) waitStep(id, stepID int64) {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		a, err := h.db.GetApproval(context.Background(), id)
		if err != nil {
			h.t.Fatal(err)
		}
		if s, _ := a.Step(stepID); s.Status == servicebot.StepDecided {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.t.Fatalf("step %d of request %d was never decided", stepID, id)
}

// Must show 1, 3 (issue 16) through the simulator, on both databases: a
// customer imported, served and called on one day (item 1) keeps its next
// call and on-site visit; the VP's 远程支持 (R-SVC-2, item 2) reaches the
// job and the engineer, makes the customer key at once, and the KPI counts
// no on-site visit; the fault request's machine (item 3) is on the VP's
// card, the dispatch notice and the job; the 完成 reply links the
// questionnaire with the job (item 5), and filing it through that link
// closes the return visit. Then `job run` across months: the customer is
// in the digest when its monthly call is due, and in the half-year visit's.
func TestE2E_Issue16_RemoteFaultMachineSameDayContactsAndReturnVisit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		clock := testclock.At(shanghaiTime(t, "2026-11-02 08:00:00")) // a Monday
		h := launchAt(t, db, clock)
		im := customers.NewImporter(db.InTx, customers.ImportConfig{Clock: clock})
		for _, f := range []struct{ kind, name, data string }{
			{customers.KindCustomers, "客户.csv", "客户名称,客户类别,区域,负责工程师\n重庆重工,一般客户,西南,zhangwei\n"},
			{customers.KindEquipment, "设备.csv", "客户名称,设备型号,出厂编号,出厂日期,保修截止\n重庆重工,XK-500,XK500-2407,2025-03-01,2027-03-01\n"},
		} {
			if rep, err := im.Import(ctx, f.kind, f.name, []byte(f.data), true); err != nil || !rep.Committed {
				t.Fatalf("import %s: %+v %v", f.name, rep, err)
			}
		}

		// A fault request with its machine, filed as sales files it.
		engine := approvals.New(db, db.InTx, approvals.Config{
			Rules: config.Default().ApprovalRules(), Org: demoOrg(), Location: clock.Now().Location(), Clock: clock,
		})
		v, err := engine.FileRequest(ctx, servicebot.ApprovalRequest{Kind: servicebot.RequestService,
			ServiceType: servicebot.ServiceFault, Customer: "重庆重工", Region: servicebot.RegionSouthwest,
			Reason: "尽快恢复生产", Requester: "yangfan", Site: &servicebot.ServiceSite{Contact: "王经理", Phone: "13800001111",
				Model: "XK-500", Serial: "XK500-2407", FaultCause: "主轴轴承磨损", FaultExtent: "停机"}})
		if err != nil {
			t.Fatal(err)
		}
		var vpCard string
		h.tapThrough(v.Request.ID, servicebot.ChoiceRemote, "zhangwei", func(step servicebot.ApprovalStep, card string) {
			if step.Action == servicebot.ActionFaultPlan {
				vpCard = card
			}
		})
		for _, want := range []string{"XK500-2407", "保修期内（至2027-03-01）", "主轴轴承磨损", "停机"} {
			if !strings.Contains(vpCard, want) {
				t.Errorf("the VP's card lacks %q: %s", want, vpCard)
			}
		}
		notice := h.said("zhangwei", "派工通知").Content
		for _, want := range []string{"远程支持", "无需到现场", "联系人：王经理 13800001111", "设备：XK-500 出厂编号 XK500-2407"} {
			if !strings.Contains(notice, want) {
				t.Errorf("the dispatch notice lacks %q:\n%s", want, notice)
			}
		}
		if strings.Contains(notice, "到现场后") {
			t.Errorf("a remote job's notice tells the engineer to go on site:\n%s", notice)
		}
		var job servicebot.Job
		var cust servicebot.Customer
		err = db.InTx(ctx, func(tx *store.Tx) error {
			if job, err = tx.JobOfRequest(ctx, v.Request.ID); err != nil {
				return err
			}
			cust, err = tx.CustomerByName(ctx, "重庆重工")
			return err
		})
		if err != nil || !job.Remote || job.Serial != "XK500-2407" || job.Engineer != "zhangwei" {
			t.Fatalf("job %+v %v: want remote, with the request's machine, for zhangwei", job, err)
		}
		if cust.Tier != servicebot.TierKey {
			t.Errorf("after 远程支持 the customer is %s, want key (R-SVC-2)", cust.Tier)
		}

		// 开始, 完成 on the same day; the reply links the questionnaire.
		clock.Set(shanghaiTime(t, "2026-11-02 14:00:00"))
		no := job.No()
		h.ask("zhangwei", "开始 "+no, "远程支持")
		done := h.ask("zhangwei", "完成 "+no, "不计现场走访")
		link := returnVisitLinkRe.FindString(done)
		if link == "" || !strings.HasSuffix(link, "?job="+no) {
			t.Fatalf("完成 reply %q: want the questionnaire linked to 工单%s", done, no)
		}

		// The call, the same day, filed through that link.
		clock.Set(shanghaiTime(t, "2026-11-02 16:00:00"))
		phone := h.phone("zhangwei")
		status, page := h.open(phone, http.MethodGet, link, nil)
		if status != http.StatusOK || !strings.Contains(page, `value="重庆重工"`) {
			t.Fatalf("the linked questionnaire (%d) is not filled with the job's customer:\n%s", status, page)
		}
		csrf := formCSRFRe.FindStringSubmatch(page)
		if csrf == nil {
			t.Fatalf("no CSRF token:\n%s", page)
		}
		status, page = h.open(phone, http.MethodPost, link, url.Values{"_csrf": {csrf[1]}, "action": {"submit"},
			"job_id": {no}, "customer": {"重庆重工"}, "contact": {"王经理"}, "phone": {"13800001111"},
			"called_at": {"2026-11-02T16:00"}, "running_state": {"良好"}, "timeliness": {"满意"}, "attitude": {"满意"},
			"satisfaction": {"满意"}})
		if status != http.StatusOK || !strings.Contains(page, "已提交") {
			t.Fatalf("submitting the questionnaire: %d\n%s", status, page)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			job, err = tx.JobOfRequest(ctx, v.Request.ID)
			return err
		})
		if err != nil || job.Status != servicebot.JobVisited {
			t.Errorf("job after the questionnaire: %+v %v, want 已回访", job, err)
		}

		// Item 1: imported, served and called on one day, the customer
		// still owes its next call (by the end of 12-02) and its next
		// on-site visit (by the end of 2027-05-02).
		for kind, due := range map[string]string{servicebot.ObligationCustomerCall: "2026-12-03 00:00:00",
			servicebot.ObligationSiteVisit: "2027-05-03 00:00:00"} {
			open, err := db.OpenObligationsOf(ctx, kind, servicebot.RegularVisitPrefix(kind, cust.ID))
			if err != nil {
				t.Fatal(err)
			}
			if len(open) != 1 || !open[0].DueAt.Equal(shanghaiTime(t, due)) || open[0].UserID != "zhangwei" {
				t.Errorf("open %s: %+v, want one of zhangwei's due %s", kind, open, due)
			}
		}

		// R-KPI-7: November counts the call and no on-site visit.
		facts, err := kpi.Visits{Store: db, Location: clock.Now().Location()}.Facts(ctx, "",
			servicebot.NewDate(2026, 11, 1), servicebot.NewDate(2026, 11, 30))
		if err != nil {
			t.Fatal(err)
		}
		counts := map[servicebot.KPIFactKind]int{}
		for _, f := range facts {
			if f.UserID == "zhangwei" {
				counts[f.Kind]++
			}
		}
		if counts[servicebot.FactOnSiteVisit] != 0 || counts[servicebot.FactPhoneVisit] != 1 {
			t.Errorf("zhangwei's November visits %v: want 1 phone, 0 on-site", counts)
		}

		// `job run` across months: the monthly call is in 12-02's digest.
		for _, at := range []string{"2026-11-03 08:30:00", "2026-12-01 08:30:00", "2026-12-02 08:30:00"} {
			h.runJob(clock, aftersales.JobFollowUps, shanghaiTime(t, at))
			h.runJob(clock, aftersales.JobDigest, shanghaiTime(t, at))
		}
		h.said("zhangwei", "电话回访 重庆重工（重点客户，每月至少1次）")
		// ... and the half-year visit before or on its day off due date,
		// whatever holidays fall around it.
		found := false
		for day := shanghaiTime(t, "2027-04-26 08:30:00"); !found && day.Before(shanghaiTime(t, "2027-05-08 00:00:00")); day = day.AddDate(0, 0, 1) {
			h.runJob(clock, aftersales.JobFollowUps, day)
			h.runJob(clock, aftersales.JobDigest, day)
			h.settle()
			for _, m := range h.sim.Delivered("zhangwei") {
				if strings.Contains(string(m.Card), "现场走访 重庆重工") {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("the half-year on-site visit due 2027-05-02 was in no digest around it")
		}
	})
}
