package approvals_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/approvals"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// The synced address book of the tests: the company, its after-sales
// department and a sub-department of it.
const (
	deptCompany    = 1
	deptAfterSales = 2
	deptSouthwest  = 3
)

// directory is the address book as synced. zhengmin is missing from it
// (say, not synced yet): texts name her by userid.
func directory() ([]servicebot.Department, []servicebot.Member) {
	deps := []servicebot.Department{{ID: deptCompany, Name: "公司"},
		{ID: deptAfterSales, ParentID: deptCompany, Name: "售后服务部"},
		{ID: deptSouthwest, ParentID: deptAfterSales, Name: "西南服务站"}}
	var members []servicebot.Member
	add := func(dept int64, pairs ...string) {
		for i := 0; i < len(pairs); i += 2 {
			members = append(members, servicebot.Member{UserID: pairs[i], Name: pairs[i+1], Departments: []int64{dept}, Active: true})
		}
	}
	add(deptCompany, "zhoujianguo", "周建国", "wuhaitao", "吴海涛", "huangzhiqiang", "黄志强", "yangfan", "杨帆")
	add(deptAfterSales, "sunli", "孙丽", "zhangwei", "张伟", "wangjun", "王军", "zhaolei", "赵磊", "liuyang", "刘洋", "chenhao", "陈浩")
	add(deptSouthwest, "liqiang", "李强")
	return deps, members
}

// syncDirectory stores the address book, as the daily sync does.
func syncDirectory(t *testing.T, db *store.DB, deps []servicebot.Department, members []servicebot.Member) {
	t.Helper()
	if _, _, err := db.ReplaceDirectory(context.Background(), deps, members, time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
}

// demoOrg is the department of the demo directory.
func demoOrg() servicebot.Org {
	return servicebot.Org{
		AfterSalesDepartments: []int64{deptAfterSales},
		Roles: map[servicebot.Role][]string{
			servicebot.RoleServiceManager: {"sunli"},
			servicebot.RoleVPAfterSales:   {"zhoujianguo"},
			servicebot.RoleVPSales:        {"wuhaitao"},
			servicebot.RoleVPQuality:      {"zhengmin"},
			servicebot.RoleGeneralManager: {"huangzhiqiang"},
			servicebot.RoleSales:          {"yangfan"},
			servicebot.RoleEngineer:       {"zhangwei", "liqiang", "wangjun", "zhaolei", "liuyang", "chenhao"},
		},
		Regions: map[string]string{"zhangwei": servicebot.RegionSouthwest, "liqiang": servicebot.RegionSouthwest,
			"wangjun": servicebot.RegionNorth, "zhaolei": servicebot.RegionNorth},
	}
}

type fixture struct {
	t      *testing.T
	db     *store.DB
	clock  *testclock.Clock
	engine *approvals.Engine[*store.Tx]
}

func newFixture(t *testing.T, db *store.DB, rules servicebot.ApprovalRules) *fixture {
	c := testclock.At(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	deps, members := directory()
	syncDirectory(t, db, deps, members)
	e := approvals.New(db, db.InTx, approvals.Config{
		Rules: rules, Org: demoOrg(), Location: time.UTC, Clock: c})
	return &fixture{t: t, db: db, clock: c, engine: e}
}

func (f *fixture) file(req servicebot.ApprovalRequest) servicebot.Approval {
	f.t.Helper()
	a, err := f.engine.FileRequest(context.Background(), req)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// click taps a button; each tap is a distinct delivery (its own time and response_code).
func (f *fixture) click(user, key string) {
	f.t.Helper()
	f.clock.Add(time.Second)
	ev := wecommsg.Event{FromUserName: user, CreateTime: f.clock.Now().Unix(), MsgType: wecommsg.MsgEvent,
		Event: wecommsg.EventTemplateCard, EventKey: key, ResponseCode: "rc-" + user + f.clock.Now().Format("150405")}
	err := f.db.InTx(context.Background(), func(tx *store.Tx) error { return f.engine.Click(context.Background(), tx, ev) })
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) text(user, content string) bool {
	f.t.Helper()
	f.clock.Add(time.Second)
	ev := wecommsg.Event{FromUserName: user, MsgType: wecommsg.MsgText, Content: content, MsgID: f.clock.Now().String()}
	var took bool
	err := f.db.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		took, err = f.engine.TakeReason(context.Background(), tx, ev)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return took
}

func (f *fixture) approval(id int64) servicebot.Approval {
	f.t.Helper()
	a, err := f.db.GetApproval(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// outbox returns every row, oldest first.
func (f *fixture) outbox() []servicebot.OutboxMessage {
	f.t.Helper()
	rows, err := f.db.ListOutbox(context.Background(), []string{servicebot.OutboxPending}, 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	slices.Reverse(rows)
	return rows
}

func (f *fixture) to(user, kind string) []servicebot.OutboxMessage {
	var out []servicebot.OutboxMessage
	for _, m := range f.outbox() {
		if m.Kind == kind && slices.Contains(strings.Split(m.ToUsers, "|"), user) {
			out = append(out, m)
		}
	}
	return out
}

func textOf(m servicebot.OutboxMessage) string {
	var b struct{ Content string }
	_ = json.Unmarshal(m.Body, &b)
	return b.Content
}

func urgentParts(amount servicebot.Fen) servicebot.ApprovalRequest {
	return servicebot.ApprovalRequest{Kind: servicebot.RequestParts, Urgent: true, Amount: amount,
		Customer: "成都某机械厂", Reason: "主轴轴承损坏", Requester: "yangfan",
		Evidence: servicebot.Evidence{Kind: servicebot.EvidenceDamageReport, URL: "https://example.com/photos"}}
}

// R-APV-2, R-APV-4, R-APV-5: a 5000.01 urgent request goes to the general
// manager only; another's tap is refused and changes nothing; the GM's tap,
// even three times, decides once, updates the card once, tells the requester
// and starts the quality VP's step.
func TestUrgentChain_RAPV2_RAPV5(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, servicebot.ApprovalRules{})
		a := f.file(urgentParts(5000_01))
		step := a.Steps[0]
		if step.Role != servicebot.RoleGeneralManager || step.ApproverID != "huangzhiqiang" || step.Status != servicebot.StepPending {
			t.Fatalf("first step %+v", step)
		}
		cards := slices.DeleteFunc(f.outbox(), func(m servicebot.OutboxMessage) bool { return m.Kind != servicebot.OutTemplateCard })
		if len(cards) != 1 || cards[0].ToUsers != "huangzhiqiang" {
			t.Fatalf("cards %+v, want one to huangzhiqiang", cards)
		}
		for _, want := range []string{"5000.01 元", "成都某机械厂", "主轴轴承损坏", "https://example.com/photos", `"apv:` + itoa(step.ID) + `:approve"`, "驳回", "详情"} {
			if !strings.Contains(string(cards[0].Body), want) {
				t.Errorf("card lacks %q: %s", want, cards[0].Body)
			}
		}
		// Issue 10: WeCom documents button styles 1 to 4 and turns any other
		// into 1 (不填或错填默认1, 90236/101032 Button结构体): 驳回 must carry a
		// documented style of its own, the negative one, not the primary's.
		var card struct {
			Buttons []struct {
				Text  string `json:"text"`
				Style int    `json:"style"`
			} `json:"button_list"`
		}
		if err := json.Unmarshal(cards[0].Body, &card); err != nil {
			t.Fatal(err)
		}
		styles := map[string]int{}
		for _, b := range card.Buttons {
			if b.Style < 1 || b.Style > 4 {
				t.Errorf("button %s has style %d, not one of WeCom's 1 to 4", b.Text, b.Style)
			}
			styles[b.Text] = b.Style
		}
		if styles["驳回"] != int(wecommsg.StyleNegative) || styles["同意"] != int(wecommsg.StylePrimary) {
			t.Errorf("驳回 style %d, 同意 style %d: want %d and %d", styles["驳回"], styles["同意"], wecommsg.StyleNegative, wecommsg.StylePrimary)
		}

		approve := approvals.CardPrefix + itoa(step.ID) + ":approve"
		before := len(f.outbox())
		f.click("sunli", approve)
		if got := f.approval(a.Request.ID).Steps[0]; got.Status != servicebot.StepPending {
			t.Fatalf("the service manager's tap changed the step: %+v", got)
		}
		refusals := f.to("sunli", servicebot.OutText)
		if len(f.outbox()) != before+1 || len(refusals) != 1 || textOf(refusals[0]) != approvals.NotApproverText {
			t.Fatalf("refusal %+v", refusals)
		}

		for range 3 {
			f.click("huangzhiqiang", approve)
		}
		got := f.approval(a.Request.ID)
		if s := got.Steps[0]; s.Status != servicebot.StepDecided || s.Decision != servicebot.ApprovalApproved || s.ApproverID != "huangzhiqiang" {
			t.Fatalf("GM step %+v", s)
		}
		decided := slices.DeleteFunc(slices.Clone(got.Events), func(e servicebot.ApprovalEvent) bool { return e.Action != servicebot.EventDecided })
		if len(decided) != 1 {
			t.Errorf("%d decisions recorded, want 1", len(decided))
		}
		updates := f.to("huangzhiqiang", servicebot.OutUpdateCard)
		if len(updates) != 1 {
			t.Fatalf("%d card updates, want 1", len(updates))
		}
		var update struct {
			ResponseCode string `json:"response_code"`
			TemplateCard struct {
				TaskID    string                `json:"task_id"`
				MainTitle struct{ Desc string } `json:"main_title"`
			} `json:"template_card"`
		}
		if err := json.Unmarshal(updates[0].Body, &update); err != nil || !strings.HasPrefix(update.ResponseCode, "rc-huangzhiqiang") ||
			update.TemplateCard.TaskID != step.TaskID || update.TemplateCard.MainTitle.Desc != "已同意" {
			t.Fatalf("update %s: %v", updates[0].Body, err)
		}
		told := f.to("yangfan", servicebot.OutText)
		if len(told) != 1 || !strings.Contains(textOf(told[0]), "总经理 黄志强 同意") || !strings.Contains(textOf(told[0]), "质量副总责任认定") {
			t.Fatalf("requester told %+v", told)
		}
		if copies := f.to("wuhaitao", servicebot.OutText); len(copies) != 1 || !strings.Contains(textOf(copies[0]), "抄送") ||
			!strings.Contains(textOf(copies[0]), "总经理 黄志强 批准") {
			t.Errorf("sales VP copy %+v", copies)
		}
		if s := got.Steps[1]; s.Status != servicebot.StepPending || s.ApproverID != "zhengmin" || len(f.to("zhengmin", servicebot.OutTemplateCard)) != 1 {
			t.Fatalf("quality VP step %+v", s)
		}

		// R-APV-4: the quality VP records liability; the request is approved.
		f.click("zhengmin", approvals.CardPrefix+itoa(got.Steps[1].ID)+":lia_supplier")
		got = f.approval(a.Request.ID)
		if got.Request.Status != servicebot.ApprovalApproved || got.Steps[1].Choice != "lia_supplier" {
			t.Fatalf("after liability: %+v %+v", got.Request, got.Steps[1])
		}
		if told := f.to("yangfan", servicebot.OutText); len(told) != 2 || !strings.Contains(textOf(told[1]), "排产") {
			t.Errorf("requester final %+v", told)
		}
	})
}

// R-APV-5: 驳回 asks for a reason; the approver's next text is it, told to the requester.
func TestRejectAsksReason_RAPV5(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, servicebot.ApprovalRules{})
		a := f.file(urgentParts(800_00)) // R-APV-2: the service manager
		if f.text("sunli", "不相干的消息") {
			t.Fatal("a text taken as a reason before any rejection")
		}
		// Issue 12: 驳回 turns the card into its second state and decides nothing.
		f.click("sunli", approvals.CardPrefix+itoa(a.Steps[0].ID)+":reject")
		if got := f.approval(a.Request.ID); got.Request.Status != servicebot.ApprovalPending || got.Steps[0].Status != servicebot.StepPending {
			t.Fatalf("one tap on 驳回 decided: %+v", got.Steps[0])
		}
		if upd := f.to("sunli", servicebot.OutUpdateCard); len(upd) != 1 || !strings.Contains(string(upd[0].Body), "确认驳回") ||
			!strings.Contains(string(upd[0].Body), ":"+approvals.ChoiceBack) {
			t.Fatalf("the card's second state: %+v", upd)
		}
		f.click("sunli", approvals.CardPrefix+itoa(a.Steps[0].ID)+":"+approvals.ChoiceConfirmReject)
		got := f.approval(a.Request.ID)
		if got.Request.Status != servicebot.ApprovalRejected || got.Steps[1].Status != servicebot.StepCancelled || !got.Steps[0].AwaitingReason {
			t.Fatalf("after reject %+v", got)
		}
		if ask := f.to("sunli", servicebot.OutText); len(ask) != 1 || !strings.Contains(textOf(ask[0]), "驳回理由") ||
			!strings.Contains(textOf(ask[0]), "申请人 杨帆") {
			t.Fatalf("ask %+v", ask)
		}
		if !f.text("sunli", "照片看不清，请补充") {
			t.Fatal("reason not taken")
		}
		if f.text("sunli", "第二条消息") {
			t.Fatal("a second text taken as the reason again")
		}
		got = f.approval(a.Request.ID)
		if got.Steps[0].Comment != "照片看不清，请补充" || got.Steps[0].AwaitingReason {
			t.Errorf("step %+v", got.Steps[0])
		}
		told := f.to("yangfan", servicebot.OutText)
		if len(told) != 2 || !strings.Contains(textOf(told[1]), "被售后服务部经理 孙丽 驳回，理由：照片看不清") {
			t.Errorf("requester %+v", told)
		}
	})
}

// R-SVC-2, R-ORG-2: the VP in charge chooses remote support, then the
// service manager dispatches an engineer of the customer's region.
func TestFaultDispatch_RSVC2_RORG2(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, servicebot.ApprovalRules{})
		a := f.file(servicebot.ApprovalRequest{Kind: servicebot.RequestService, ServiceType: servicebot.ServiceFault,
			Customer: "重庆某厂", Region: servicebot.RegionSouthwest, Reason: "液压站异响", Requester: "yangfan"})
		// R-SVC-2: the service department reviews before the VP decides.
		if a.Steps[0].ApproverID != "sunli" || a.Steps[1].Role != servicebot.RoleVPAfterSales {
			t.Fatalf("first %+v", a.Steps)
		}
		f.click("sunli", approvals.CardPrefix+itoa(a.Steps[0].ID)+":approve")
		f.click("zhoujianguo", approvals.CardPrefix+itoa(a.Steps[1].ID)+":remote")
		dispatch := f.to("sunli", servicebot.OutTemplateCard)
		if len(dispatch) != 2 {
			t.Fatalf("review and dispatch cards %d", len(dispatch))
		}
		body := string(dispatch[1].Body)
		if !strings.Contains(body, ":zhangwei\"") || !strings.Contains(body, ":liqiang\"") || strings.Contains(body, "wangjun") ||
			!strings.Contains(body, "派 张伟") || !strings.Contains(body, "派 李强") || !strings.Contains(body, "杨帆") {
			t.Errorf("dispatch offers other than the 西南 engineers: %s", body)
		}
		step := f.approval(a.Request.ID).Steps[2]
		f.click("sunli", approvals.CardPrefix+itoa(step.ID)+":wangjun") // not offered: ignored
		if f.approval(a.Request.ID).Steps[2].Status != servicebot.StepPending {
			t.Fatal("an engineer of another region was dispatched")
		}
		f.click("sunli", approvals.CardPrefix+itoa(step.ID)+":liqiang")
		got := f.approval(a.Request.ID)
		if got.Request.Status != servicebot.ApprovalApproved || got.Steps[2].Choice != "liqiang" {
			t.Fatalf("after dispatch %+v", got)
		}
		told := f.to("liqiang", servicebot.OutText)
		if len(told) != 1 || !strings.Contains(textOf(told[0]), "远程支持") || !strings.Contains(textOf(told[0]), "重庆某厂") ||
			!strings.Contains(textOf(told[0]), "申请人：杨帆") {
			t.Errorf("engineer told %+v", told)
		}
	})
}

// R-ORG-1: engineers are the address book's, as the daily report counts
// them. A new hire synced into a sub-department of after-sales, given no
// role or region yet, is offered for dispatch and can be dispatched; an
// engineer who left the address book is no longer offered.
func TestDispatchOffersNewHireFromDirectory_RORG1(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, servicebot.ApprovalRules{})
		deps, members := directory()
		members = slices.DeleteFunc(members, func(m servicebot.Member) bool { return m.UserID == "chenhao" })
		members = append(members, servicebot.Member{UserID: "xiaoxin", Name: "肖鑫", Departments: []int64{deptSouthwest}, Active: true})
		syncDirectory(t, db, deps, members)

		a := f.file(servicebot.ApprovalRequest{Kind: servicebot.RequestService, ServiceType: servicebot.ServiceInstall,
			Customer: "贵阳某厂", Region: servicebot.RegionOther, Reason: "新购设备安装", Requester: "yangfan"})
		f.click("sunli", approvals.CardPrefix+itoa(a.Steps[0].ID)+":approve") // R-SVC-1 review
		f.click("zhoujianguo", approvals.CardPrefix+itoa(a.Steps[1].ID)+":approve")
		dispatch := f.to("sunli", servicebot.OutTemplateCard)
		if len(dispatch) != 2 {
			t.Fatalf("review and dispatch cards %d", len(dispatch))
		}
		body := string(dispatch[1].Body)
		for _, want := range []string{"派 肖鑫", ":xiaoxin\"", "派 刘洋"} {
			if !strings.Contains(body, want) {
				t.Errorf("dispatch card lacks %q: %s", want, body)
			}
		}
		if strings.Contains(body, "chenhao") || strings.Contains(body, "zhangwei") {
			t.Errorf("dispatch card offers someone who left or of another region: %s", body)
		}
		step := f.approval(a.Request.ID).Steps[2]
		f.click("sunli", approvals.CardPrefix+itoa(step.ID)+":chenhao") // left: ignored
		if f.approval(a.Request.ID).Steps[2].Status != servicebot.StepPending {
			t.Fatal("an engineer who left was dispatched")
		}
		f.click("sunli", approvals.CardPrefix+itoa(step.ID)+":xiaoxin")
		if got := f.approval(a.Request.ID); got.Request.Status != servicebot.ApprovalApproved || got.Steps[2].Choice != "xiaoxin" {
			t.Fatalf("after dispatching the new hire %+v", got)
		}
		if told := f.to("xiaoxin", servicebot.OutText); len(told) != 1 || !strings.Contains(textOf(told[0]), "派工通知") {
			t.Errorf("new hire told %+v", told)
		}
		if told := f.to("yangfan", servicebot.OutText); len(told) != 3 || !strings.Contains(textOf(told[2]), "售后服务部经理 孙丽 派工给 肖鑫") {
			t.Errorf("requester told %+v", told)
		}
	})
}

// R-TOOL-2: the engineer sees the amount and why once the service manager approves.
func TestToolCompensation_RTOOL2(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, servicebot.ApprovalRules{})
		a := f.file(servicebot.ApprovalRequest{Kind: servicebot.RequestTool, Subject: "zhangwei", Requester: "zhangwei",
			Reason: "笔记本电脑遗失", Tool: &servicebot.ToolLoss{Class: servicebot.ToolClass1, Name: "笔记本电脑", Price: 6000_00, Months: 13}})
		if a.Request.Amount != 4800_00 || a.Steps[0].ApproverID != "sunli" {
			t.Fatalf("%+v %+v", a.Request, a.Steps[0])
		}
		f.click("sunli", approvals.CardPrefix+itoa(a.Steps[0].ID)+":approve")
		told := f.to("zhangwei", servicebot.OutText)
		if len(told) != 1 || !strings.Contains(textOf(told[0]), "4800.00 元") || !strings.Contains(textOf(told[0]), "满 2 个半年") {
			t.Fatalf("engineer told %+v", told)
		}
	})
}

// R-APV-5: pending 24 h reminds once; pending 48 h escalates once to the
// next level of the request's kind — for a parts compensation the sales
// VP, not the VP in charge (零部件赔偿管理办法) — who gets a card and
// decides; the audit and texts name the sales VP.
func TestRemindAndEscalateByKind_RAPV5(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, servicebot.ApprovalRules{})
		a := f.file(urgentParts(800_00))
		start := f.clock.Now()
		run := func(after time.Duration) {
			t.Helper()
			if err := f.engine.RemindDue(ctx, start.Add(after)); err != nil {
				t.Fatal(err)
			}
		}
		run(23*time.Hour + 59*time.Minute)
		if n := len(f.to("sunli", servicebot.OutText)); n != 0 {
			t.Fatalf("reminded before 24 h: %d", n)
		}
		run(24 * time.Hour)
		run(30 * time.Hour)
		if r := f.to("sunli", servicebot.OutText); len(r) != 1 || !strings.Contains(textOf(r[0]), "提醒") {
			t.Fatalf("reminders %+v", r)
		}
		run(47 * time.Hour)
		if f.approval(a.Request.ID).Steps[0].ApproverID != "sunli" {
			t.Fatal("escalated before 48 h")
		}
		run(48 * time.Hour)
		run(49 * time.Hour)
		run(96 * time.Hour) // the next level is reminded in its turn, never escalated again
		got := f.approval(a.Request.ID)
		s := got.Steps[0]
		if s.ApproverID != "wuhaitao" || s.EscalatedFrom != "sunli" || s.Status != servicebot.StepPending {
			t.Fatalf("after 48 h %+v", s)
		}
		names := map[string]string{"wuhaitao": "吴海涛", "sunli": "孙丽"}
		if txt := approvals.StepText(s, names); txt != "待 吴海涛 处理（由 孙丽 超时转交）" {
			t.Errorf("step text %q", txt)
		}
		if txt := approvals.StepText(s, nil); txt != "待 wuhaitao 处理（由 sunli 超时转交）" {
			t.Errorf("step text without names %q", txt)
		}
		if told := f.to("yangfan", servicebot.OutText); len(told) != 1 || textOf(told[0]) != "您的售后赔偿申请 #"+itoa(a.Request.ID)+"等待超时，已转交分管销售副总 吴海涛 处理。" {
			t.Errorf("requester told of the escalation %+v", told)
		}
		var escalations int
		for _, e := range got.Events {
			if e.Action == servicebot.EventEscalated {
				escalations++
			}
		}
		if escalations != 1 {
			t.Errorf("%d escalations in the audit, want 1: %+v", escalations, got.Events)
		}
		if cards := f.to("wuhaitao", servicebot.OutTemplateCard); len(cards) != 1 || !strings.Contains(string(cards[0].Body), "超时未处理转来") {
			t.Fatalf("escalation cards %+v", cards)
		}
		if r := f.to("wuhaitao", servicebot.OutText); len(r) != 1 || !strings.Contains(textOf(r[0]), "提醒") {
			t.Errorf("escalated approver's reminders %+v", r)
		}
		// The old approver's card no longer decides; the new one's does.
		f.click("sunli", approvals.CardPrefix+itoa(s.ID)+":approve")
		if f.approval(a.Request.ID).Steps[0].Status != servicebot.StepPending {
			t.Fatal("the former approver decided after escalation")
		}
		f.click("wuhaitao", approvals.CardPrefix+itoa(s.ID)+":approve")
		if st := f.approval(a.Request.ID).Steps[0]; st.Decision != servicebot.ApprovalApproved || st.ApproverID != "wuhaitao" {
			t.Fatalf("after the new approver's tap %+v", st)
		}
		if d := approvals.Describe(f.approval(a.Request.ID), names, ""); !strings.Contains(d, "1. 分管销售副总审批：吴海涛 同意") ||
			!strings.Contains(d, "2. 质量副总责任认定：待 zhengmin 处理") {
			t.Errorf("describe:\n%s", d)
		}
	})
}

// R-APV-5: an approver on leave gets their configured delegate.
func TestDelegateOnLeave_RAPV5(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, servicebot.ApprovalRules{Delegates: map[string]string{"huangzhiqiang": "zhoujianguo"}})
		day := servicebot.DateOf(f.clock.Now())
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.AddLeave(ctx, "huangzhiqiang", day, day.AddDays(2), "出差", f.clock.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		a := f.file(urgentParts(9000_00))
		if s := a.Steps[0]; s.ApproverID != "zhoujianguo" || s.DelegatedFrom != "huangzhiqiang" {
			t.Fatalf("step %+v", s)
		}
		if n := len(f.to("huangzhiqiang", servicebot.OutTemplateCard)); n != 0 {
			t.Errorf("the GM on leave got %d cards", n)
		}
	})
}

func TestFileRejectsInvalid_RAPV1(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, servicebot.ApprovalRules{})
		req := urgentParts(100_00)
		req.Evidence = servicebot.Evidence{}
		if _, err := f.engine.FileRequest(context.Background(), req); !errors.Is(err, servicebot.ErrInvalidRequest) {
			t.Fatalf("err = %v", err)
		}
		if n := len(f.outbox()); n != 0 {
			t.Errorf("%d messages for an invalid request", n)
		}
	})
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// R-APV-5 on the web page (issue 12): only the current approver decides,
// 驳回 needs its reason there, and a second decision changes nothing.
func TestDecideOnWeb_RAPV5(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, servicebot.ApprovalRules{})
		a := f.file(urgentParts(800_00)) // R-APV-2: the service manager
		step := a.Steps[0].ID
		ctx := t.Context()
		if err := f.engine.Decide(ctx, step, "wuhaitao", servicebot.ChoiceApprove, ""); !errors.Is(err, approvals.ErrNotApprover) {
			t.Fatalf("another member deciding: %v", err)
		}
		if err := f.engine.Decide(ctx, step, "sunli", servicebot.ChoiceReject, "  "); !errors.Is(err, approvals.ErrReasonRequired) {
			t.Fatalf("驳回 without a reason: %v", err)
		}
		if err := f.engine.Decide(ctx, step, "sunli", "dispatch-someone", ""); !errors.Is(err, approvals.ErrChoiceNotOffered) {
			t.Fatalf("a choice not offered: %v", err)
		}
		if got := f.approval(a.Request.ID); got.Steps[0].Status != servicebot.StepPending {
			t.Fatalf("refused decisions changed the step: %+v", got.Steps[0])
		}
		if err := f.engine.Decide(ctx, step, "sunli", servicebot.ChoiceReject, "照片看不清"); err != nil {
			t.Fatal(err)
		}
		if err := f.engine.Decide(ctx, step, "sunli", servicebot.ChoiceApprove, ""); !errors.Is(err, approvals.ErrDecided) {
			t.Fatalf("a second decision: %v", err)
		}
		got := f.approval(a.Request.ID)
		if got.Request.Status != servicebot.ApprovalRejected || got.Steps[0].Comment != "照片看不清" || got.Steps[0].AwaitingReason {
			t.Fatalf("after 驳回 on the web: %+v %+v", got.Request, got.Steps[0])
		}
		told := f.to("yangfan", servicebot.OutText)
		if len(told) != 1 || !strings.Contains(textOf(told[0]), "驳回，理由：照片看不清") {
			t.Errorf("requester %+v", told)
		}
		if ask := f.to("sunli", servicebot.OutText); len(ask) != 0 {
			t.Errorf("the approver was asked for the reason they gave: %+v", ask)
		}
	})
}

// sendAll delivers every pending outbox row, as the sender would: WeCom
// returns each card a response_code ("sent:" and the row's key).
func (f *fixture) sendAll() {
	f.t.Helper()
	ctx := context.Background()
	rows, err := f.db.ClaimOutbox(ctx, f.clock.Now(), time.Minute, 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, m := range rows {
		if err := f.db.MarkOutboxSent(ctx, m.ID, servicebot.SendResult{MsgID: "m" + itoa(m.ID), ResponseCode: "sent:" + m.DedupKey}, f.clock.Now()); err != nil {
			f.t.Fatal(err)
		}
	}
}

// sendPending is the approver asking 待审批 in chat.
func (f *fixture) sendPending(user string) {
	f.t.Helper()
	f.clock.Add(time.Second)
	ev := wecommsg.Event{FromUserName: user, CreateTime: f.clock.Now().Unix(), MsgType: wecommsg.MsgText, Content: "待审批",
		MsgID: f.clock.Now().String()}
	err := f.db.InTx(context.Background(), func(tx *store.Tx) error {
		_, err := f.engine.SendPending(context.Background(), tx, ev)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

// updatedCodes are the response_codes of the card updates queued for user,
// each with the card's new description.
func (f *fixture) updatedCodes(user string) map[string]string {
	f.t.Helper()
	out := map[string]string{}
	for _, m := range f.to(user, servicebot.OutUpdateCard) {
		var u struct {
			ResponseCode string `json:"response_code"`
			TemplateCard struct {
				MainTitle struct{ Desc string } `json:"main_title"`
			} `json:"template_card"`
		}
		if err := json.Unmarshal(m.Body, &u); err != nil {
			f.t.Fatal(err)
		}
		out[u.ResponseCode] = u.TemplateCard.MainTitle.Desc
	}
	return out
}

// withCopies files a request whose first card and two copies 待审批 sent
// again for sunli are all sent, and returns it with the copies' task_ids,
// oldest first.
func (f *fixture) withCopies() (servicebot.Approval, []string) {
	f.t.Helper()
	a := f.file(urgentParts(800_00))
	f.sendAll()
	f.sendPending("sunli")
	f.sendPending("sunli")
	f.sendAll()
	if cards := f.to("sunli", servicebot.OutTemplateCard); len(cards) != 0 {
		f.t.Fatalf("cards left unsent: %+v", cards)
	}
	rows, err := f.db.ListOutbox(context.Background(), []string{servicebot.OutboxSent}, 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	var copies []string
	for _, m := range rows {
		if task, ok := strings.CutPrefix(m.DedupKey, fmt.Sprintf("apv-again:%d:", a.Steps[0].ID)); ok {
			copies = append(copies, task)
		}
	}
	slices.Sort(copies) // "<task>-again<unix time>": oldest first
	if len(copies) != 2 {
		f.t.Fatalf("copies sent: %v", copies)
	}
	return a, copies
}

// Issue 12: a step decided on the web updates the card the approver was
// sent and every copy 待审批 sent again, each with its own response_code.
func TestDecideOnWebUpdatesCardsSentAgain_RAPV5(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, servicebot.ApprovalRules{})
		a, copies := f.withCopies()
		if err := f.engine.Decide(t.Context(), a.Steps[0].ID, "sunli", servicebot.ChoiceApprove, ""); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"sent:apv-card:" + a.Steps[0].TaskID: "已同意"}
		for _, task := range copies {
			want[fmt.Sprintf("sent:apv-again:%d:%s", a.Steps[0].ID, task)] = "已同意"
		}
		if got := f.updatedCodes("sunli"); !reflect.DeepEqual(got, want) {
			t.Errorf("card updates %v, want %v", got, want)
		}
	})
}

// Issue 12: a tap on a copy 待审批 sent again decides the step and updates
// that copy with the tap's code, the first card and the other copy with
// the codes of their sending; the tapped copy is not updated twice.
func TestTapOnACopyUpdatesEveryCard_RAPV5(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, servicebot.ApprovalRules{})
		a, copies := f.withCopies()
		f.clock.Add(time.Second)
		ev := wecommsg.Event{FromUserName: "sunli", CreateTime: f.clock.Now().Unix(), MsgType: wecommsg.MsgEvent,
			Event: wecommsg.EventTemplateCard, EventKey: "apv:" + itoa(a.Steps[0].ID) + ":" + servicebot.ChoiceApprove,
			TaskID: copies[0], ResponseCode: "rc-tap"}
		if err := db.InTx(t.Context(), func(tx *store.Tx) error { return f.engine.Click(t.Context(), tx, ev) }); err != nil {
			t.Fatal(err)
		}
		if got := f.approval(a.Request.ID); got.Steps[0].Status != servicebot.StepDecided {
			t.Fatalf("the tap on the copy decided nothing: %+v", got.Steps[0])
		}
		got := f.updatedCodes("sunli")
		want := map[string]string{"rc-tap": "已同意", "sent:apv-card:" + a.Steps[0].TaskID: "已同意",
			fmt.Sprintf("sent:apv-again:%d:%s", a.Steps[0].ID, copies[1]): "已同意"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("card updates %v, want %v", got, want)
		}
	})
}

// Issue 12: 我的申请 → 撤回: only the requester, only while nothing is
// decided, once; the approver's cards (the first and the copies sent
// again) show it, the approver is told, and the step can no longer be
// decided.
func TestWithdraw_RAPV5(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, servicebot.ApprovalRules{})
		ctx := t.Context()
		a := f.file(urgentParts(800_00)) // yangfan's; sunli decides first
		f.sendAll()
		f.sendPending("sunli")
		f.sendAll()
		id := a.Request.ID
		if err := f.engine.Withdraw(ctx, id, "sunli"); !errors.Is(err, approvals.ErrNotRequester) {
			t.Fatalf("the approver withdrawing: %v", err)
		}
		if err := f.engine.Withdraw(ctx, id, "yangfan"); err != nil {
			t.Fatal(err)
		}
		if err := f.engine.Withdraw(ctx, id, "yangfan"); !errors.Is(err, approvals.ErrNotWithdrawable) {
			t.Fatalf("a second withdrawal: %v", err)
		}
		if err := f.engine.Decide(ctx, a.Steps[0].ID, "sunli", servicebot.ChoiceApprove, ""); !errors.Is(err, approvals.ErrNotApprover) {
			t.Fatalf("deciding a withdrawn request: %v", err)
		}
		got := f.approval(id)
		if got.Request.Status != servicebot.ApprovalWithdrawn || got.Request.ClosedAt.IsZero() ||
			got.Steps[0].Status != servicebot.StepCancelled || got.Steps[1].Status != servicebot.StepCancelled {
			t.Fatalf("after 撤回: %+v %+v", got.Request, got.Steps)
		}
		events := 0
		for _, e := range got.Events {
			if e.Action == servicebot.EventWithdrawn && e.Actor == "yangfan" {
				events++
			}
		}
		if events != 1 {
			t.Errorf("withdrawal events %d, want 1: %+v", events, got.Events)
		}
		codes := f.updatedCodes("sunli")
		if len(codes) != 2 || codes["sent:apv-card:"+a.Steps[0].TaskID] != "申请人已撤回" {
			t.Errorf("card updates %v, want the card and its copy showing 申请人已撤回", codes)
		}
		told := f.to("sunli", servicebot.OutText)
		if len(told) == 0 || !strings.Contains(textOf(told[len(told)-1]), "撤回了") {
			t.Errorf("the approver was told %+v", told)
		}

		// Once a step is decided, the request can no longer be withdrawn.
		b := f.file(urgentParts(900_00))
		if err := f.engine.Decide(ctx, b.Steps[0].ID, "sunli", servicebot.ChoiceApprove, ""); err != nil {
			t.Fatal(err)
		}
		if err := f.engine.Withdraw(ctx, b.Request.ID, "yangfan"); !errors.Is(err, approvals.ErrNotWithdrawable) {
			t.Fatalf("withdrawing after a decision: %v", err)
		}
		if got := f.approval(b.Request.ID); got.Request.Status != servicebot.ApprovalPending {
			t.Errorf("a refused withdrawal changed the request: %+v", got.Request)
		}
	})
}
