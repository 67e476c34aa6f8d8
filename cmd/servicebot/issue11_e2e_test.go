package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/approvals"
	"github.com/servicebot/servicebot/bot/wecomsim"
	"github.com/servicebot/servicebot/config"
	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/kpi"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// End-to-end tests of issue 11, items 1–9, through the simulator on both
// databases: the bot as `servicebot demo` wires it, chat and card taps
// through WeCom's protocol, requests through POST /api/requests.

// postRequest files body through POST /api/requests with rules, returning
// the status and body as the caller sees them.
func postRequest(t *testing.T, db *store.DB, clock servicebot.Clock, rules servicebot.ApprovalRules, body string) (int, string) {
	t.Helper()
	cfg := config.Default()
	cfg.Org, cfg.API.Token = demoOrg(), apiToken
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	engine := approvals.New(db, db.InTx, approvals.Config{
		Rules: rules, Org: cfg.Org, Location: cfg.Location(), Clock: clock, Logger: logger,
	})
	mux := http.NewServeMux()
	for _, r := range approvals.Feature[*store.Tx](engine, cfg.API.Token).Routes {
		mux.Handle(r.Pattern, r.Handler)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/requests", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+apiToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// fileWith files body and returns the created request's view.
func fileWith(t *testing.T, db *store.DB, clock servicebot.Clock, rules servicebot.ApprovalRules, body string) approvals.View {
	t.Helper()
	status, out := postRequest(t, db, clock, rules, body)
	var v approvals.View
	if err := json.Unmarshal([]byte(out), &v); err != nil || status != http.StatusCreated {
		t.Fatalf("POST /api/requests: %d %s", status, out)
	}
	return v
}

// cards are the template cards user received, in order (not their updates).
func (h *harness) cards(user string) []wecomsim.Sent {
	var out []wecomsim.Sent
	for _, m := range h.sim.Delivered(user) {
		if m.MsgType == "template_card" && m.API == "message/send" {
			out = append(out, m)
		}
	}
	return out
}

// waitCards waits until user has n cards and returns them.
func (h *harness) waitCards(user string, n int) []wecomsim.Sent {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := h.sim.WaitFor(ctx, func([]wecomsim.Sent) bool { return len(h.cards(user)) >= n }); err != nil {
		h.t.Fatalf("%s has %d card(s), want %d", user, len(h.cards(user)), n)
	}
	return h.cards(user)
}

// tap clicks the button of card whose text is label.
func (h *harness) tap(user string, card wecomsim.Sent, label string) {
	h.t.Helper()
	var c struct {
		Buttons []struct{ Text, Key string } `json:"button_list"`
	}
	if err := json.Unmarshal(card.Card, &c); err != nil {
		h.t.Fatal(err)
	}
	for _, b := range c.Buttons {
		if b.Text == label {
			if _, err := h.sim.ClickButton(h.t.Context(), user, card.TaskID, b.Key, "", "button_interaction"); err != nil {
				h.t.Fatal(err)
			}
			h.settle()
			return
		}
	}
	h.t.Fatalf("card %s has no button %q: %s", card.TaskID, label, card.Card)
}

// say sends text from user and waits until it is handled.
func (h *harness) say(user, text string) {
	h.t.Helper()
	if _, err := h.sim.SendText(h.t.Context(), user, text); err != nil {
		h.t.Fatal(err)
	}
	h.settle()
}

// lastText is the last text user received.
func (h *harness) lastText(user string) string {
	var last string
	for _, m := range h.sim.Delivered(user) {
		if m.MsgType == "text" {
			last = m.Content
		}
	}
	return last
}

func wantIn(t *testing.T, what, got string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(got, p) {
			t.Errorf("%s lacks %q:\n%s", what, p, got)
		}
	}
}

// Items 2, 3, 6, 8 and 9 of issue 11: who decides, by the request's kind
// and its parties.
func TestE2E_Issue11_WhoDecides_RLIA0_RAPV5_RSVC1_RSVC3(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		clock := testclock.At(shanghaiTime(t, "2026-11-23 10:00:00"))
		h := startHarnessAt(t, db, clock)
		rules := config.Default().ApprovalRules()

		// Item 3, R-LIA-0: a fine goes to the quality VP, then the general manager.
		fine := fileWith(t, db, clock, rules, `{"kind":"liability_fine","fine":{"month":"2026-11","complaints":1},
			"subject":"zhangwei","reason":"客户投诉响应慢","requester":"sunli"}`)
		h.tap("zhengmin", h.waitCards("zhengmin", 1)[0], "同意")
		h.tap("huangzhiqiang", h.waitCards("huangzhiqiang", 1)[0], "同意")
		a := approval(t, db, fine.ID)
		if a.Request.Status != servicebot.ApprovalApproved || a.Steps[0].ApproverID != "zhengmin" || a.Steps[1].ApproverID != "huangzhiqiang" {
			t.Fatalf("R-LIA-0 fine %+v %+v", a.Request, a.Steps)
		}

		// Item 6: a parts compensation of the service manager escalates to
		// the sales VP (零部件赔偿管理办法), who decides; the texts name him.
		parts := fileWith(t, db, clock, rules, `{"kind":"parts_compensation","urgent":true,"amount":"800",
			"customer":"成都某机械厂","reason":"密封件损坏","requester":"yangfan",
			"evidence":{"kind":"fault_letter","url":"https://example.com/letter"}}`)
		h.waitCards("sunli", 1)
		clock.Set(clock.Now().Add(48 * time.Hour))
		if err := h.demo.app.scheduler.RunNow(ctx, approvals.JobName, clock.Now()); err != nil {
			t.Fatal(err)
		}
		h.tap("wuhaitao", h.waitCards("wuhaitao", 1)[0], "同意")
		if n := len(h.cards("zhoujianguo")); n != 0 {
			t.Errorf("the VP in charge got %d parts-compensation cards", n)
		}
		a = approval(t, db, parts.ID)
		if s := a.Steps[0]; s.Role != servicebot.RoleVPSales || s.ApproverID != "wuhaitao" || s.Decision != servicebot.ApprovalApproved {
			t.Fatalf("escalated step %+v", s)
		}
		wantIn(t, "requester", h.said("yangfan", "吴海涛 同意").Content, "分管销售副总 吴海涛 同意")

		// Item 2, R-APV-5: the general manager records his leave in chat;
		// his delegate gets the card and decides.
		h.say("huangzhiqiang", "请假 今天 出差")
		wantIn(t, "GM's leave reply", h.lastText("huangzhiqiang"), "已登记请假", "代理人")
		delegated := rules
		delegated.Delegates = map[string]string{"huangzhiqiang": "zhoujianguo"}
		big := fileWith(t, db, clock, delegated, `{"kind":"parts_compensation","urgent":true,"amount":"9000",
			"customer":"成都某机械厂","reason":"主轴损坏","requester":"yangfan",
			"evidence":{"kind":"fault_letter","url":"https://example.com/letter2"}}`)
		h.tap("zhoujianguo", h.waitCards("zhoujianguo", 1)[0], "同意")
		a = approval(t, db, big.ID)
		if s := a.Steps[0]; s.ApproverID != "zhoujianguo" || s.DelegatedFrom != "huangzhiqiang" || s.Decision != servicebot.ApprovalApproved {
			t.Fatalf("delegated step %+v", s)
		}
		if n := len(h.cards("huangzhiqiang")); n != 1 { // the fine's card only
			t.Errorf("the GM on leave got %d cards", n)
		}

		// Item 8: checked against the directory and the roles.
		for _, tt := range []struct{ body, want string }{
			{`{"kind":"service","service_type":"install","customer":"某厂","region":"西南","reason":"安装","requester":"nobody"}`, "申请人 nobody 不在通讯录中"},
			{`{"kind":"service","service_type":"install","customer":"某厂","region":"火星","reason":"安装","requester":"yangfan"}`, "区域「火星」不存在"},
			{`{"kind":"tool_compensation","tool":{"class":"class1","price":"6000","months":13},"subject":"ghost","reason":"丢失","requester":"sunli"}`, "责任人 ghost 不在通讯录中"},
			{`{"kind":"liability_fine","fine":{"month":"2026-11","complaints":1},"subject":"huangzhiqiang","reason":"投诉","requester":"zhangwei"}`, "董事长"},
		} {
			status, out := postRequest(t, db, clock, rules, tt.body)
			if status != http.StatusUnprocessableEntity || !strings.Contains(out, tt.want) {
				t.Errorf("%s: %d %s, want 422 saying %q", tt.body, status, out, tt.want)
			}
		}

		// Item 9: R-SVC-1's review by the service department comes before
		// the VP; R-SVC-3: parts leave the warehouse only once approved.
		svc := fileWith(t, db, clock, rules, `{"kind":"service","service_type":"install","customer":"成都精工机械",
			"region":"西南","reason":"新购设备安装","requester":"yangfan"}`)
		if svc.Steps[0].Role != string(servicebot.RoleServiceManager) || svc.Steps[1].Role != string(servicebot.RoleVPAfterSales) {
			t.Fatalf("R-SVC-1 chain %+v", svc.Steps)
		}
		h.say("xuli", "出库 #"+strconv.FormatInt(svc.ID, 10)+" 密封圈×4")
		wantIn(t, "issue before approval", h.lastText("xuli"), "不能出库", "尚未审批通过")
		h.say("zhangwei", "出库 #"+strconv.FormatInt(parts.ID, 10)+" 密封圈×4")
		wantIn(t, "an engineer's issue", h.lastText("zhangwei"), "只有仓库管理员")
		review := h.waitCards("sunli", 2)[1]
		if n := len(h.cards("zhoujianguo")); n != 1 {
			t.Fatalf("the VP got the service card before the review (%d cards)", n)
		}
		h.tap("sunli", review, "同意")
		h.tap("zhoujianguo", h.waitCards("zhoujianguo", 2)[1], "同意")
		h.tap("sunli", h.waitCards("sunli", 3)[2], "派 张伟")
		if a := approval(t, db, svc.ID); a.Request.Status != servicebot.ApprovalApproved {
			t.Fatalf("service request %+v", a.Request)
		}
		h.say("xuli", "出库 #"+strconv.FormatInt(svc.ID, 10)+" 密封圈×4 轴承×2")
		wantIn(t, "issue after approval", h.lastText("xuli"), "已登记出库单", "密封圈×4、轴承×2")
		issued, err := db.PartsIssues(ctx, svc.ID)
		if err != nil || len(issued) != 1 || issued[0].IssuedBy != "xuli" || len(issued[0].Parts) != 2 {
			t.Fatalf("parts issues %+v %v", issued, err)
		}
		if ev := events(approval(t, db, svc.ID), servicebot.EventPartsIssued); len(ev) != 1 || !strings.Contains(ev[0].Note, "密封圈×4") {
			t.Errorf("audit %+v", ev)
		}
		if ev := events(approval(t, db, parts.ID), servicebot.EventPartsIssued); len(ev) != 0 {
			t.Errorf("a refused issue is in the audit: %+v", ev)
		}
	})
}

// launchWithGroup starts the demo with a department group robot, on clock.
func launchWithGroup(t *testing.T, db *store.DB, clock servicebot.Clock) *harness {
	t.Helper()
	tune := fastTuning
	tune.groupRobot = "kpi-robot"
	return launchTuned(t, db, nil, clock, "", tune)
}

// groupPosts are the rankings posted to the department group.
func (h *harness) groupPosts() []wecomsim.Sent {
	var out []wecomsim.Sent
	for _, m := range h.sim.Sent() {
		if m.API == "webhook/send" {
			out = append(out, m)
		}
	}
	return out
}

// Items 1, 4, 5, 7 and 11 of issue 11 and Must show 2 and 3: November's
// KPI through its stages.
func TestE2E_Issue11_KPIMonth_R_KPI_13_R_LIA_0(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		// The bot was down on December 1st: it comes back on the 3rd.
		clock := testclock.At(shanghaiTime(t, "2026-12-03 10:00:00"))
		h := launchWithGroup(t, db, clock)
		course := h.demo.app.kpiMonth

		// Item 1: December is not over: no draft, nothing claimed, nobody told.
		_, err := course.Redraft(ctx, "2026-12", "sunli", "")
		var refused *servicebot.KPIMonthError
		if !errors.As(err, &refused) || !errors.Is(err, servicebot.ErrKPIMonthNotEnded) {
			t.Fatalf("early draft: %v", err)
		}
		if _, err := db.LatestKPIRevision(ctx, "2026-12"); !errors.Is(err, servicebot.ErrNotFound) {
			t.Fatalf("an early draft recorded a revision: %v", err)
		}

		// November's records: three failed services and a complaint for
		// zhangwei, entered by the manager.
		inputs := kpi.NewInputs(db.InTx, kpi.InputsConfig{Rules: servicebot.DefaultKPIRules(), Clock: clock})
		entry := func(kind servicebot.KPIFactKind, day int, note string) servicebot.KPIInput {
			return servicebot.KPIInput{Month: "2026-11", KPIFact: servicebot.KPIFact{UserID: "zhangwei", Kind: kind,
				Date: servicebot.NewDate(2026, 11, day), Note: note}}
		}
		res, err := inputs.Add(ctx, []servicebot.KPIInput{
			entry(servicebot.FactFailedService, 3, "验收未通过"), entry(servicebot.FactFailedService, 8, "客户拒签"),
			entry(servicebot.FactFailedService, 21, "返工"), entry(servicebot.FactComplaint, 9, "响应慢"),
		}, "sunli", "e2e", nil)
		if err != nil || len(res.Added) != 4 {
			t.Fatalf("inputs %+v %v", res, err)
		}
		complaint := res.Added[3].ID

		// Item 5: the fine for that complaint names the entry; both are
		// approved, and the complaint still counts once (Must show 3).
		fine := fileWith(t, db, clock, config.Default().ApprovalRules(), `{"kind":"liability_fine","fine":{"month":"2026-11","complaints":1,
			"complaint_entries":[`+strconv.FormatInt(complaint, 10)+`]},"subject":"zhangwei","reason":"客户投诉响应慢","requester":"sunli"}`)
		h.tap("zhengmin", h.waitCards("zhengmin", 1)[0], "同意")
		h.tap("huangzhiqiang", h.waitCards("huangzhiqiang", 1)[0], "同意")
		if a := approval(t, db, fine.ID); a.Request.Status != servicebot.ApprovalApproved {
			t.Fatalf("fine %+v", a.Request)
		}
		linked, err := db.KPIInputs(ctx, "2026-11")
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range linked {
			if in.ID == complaint && in.ApprovalID != fine.ID {
				t.Errorf("the complaint entry does not name its fine: %+v", in)
			}
		}

		// The bot ran in November: a report of that month is on record
		// (a month the bot has no records of is not drafted by itself).
		h.say("liqiang", "补报 11月20日 今天：在成都精工机械安装调试\n明天：回访")
		// The draft catches up on the 3rd; the manager's card names revision 1.
		if err := course.DraftDue(ctx, clock.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := db.LatestKPIRevision(ctx, "2026-11"); err != nil {
			t.Fatalf("no draft after DraftDue at %s: %v", clock.Now(), err)
		}
		card1 := h.waitCards("sunli", 1)[0]
		// Item 11: 查看 answers with the ranking and leaves 发布 on the card.
		h.tap("sunli", card1, "查看")
		wantIn(t, "查看", h.lastText("sunli"), "第 1 版")
		if latest, _ := db.LatestKPIRevision(ctx, "2026-11"); latest.Published() {
			t.Fatal("查看 published")
		}

		// Item 4: an appeal names one deduction; 申诉 配件销售 is understood (item 11).
		h.say("zhangwei", "申诉 外勤率 客户原因")
		wantIn(t, "an appeal naming no deduction", h.lastText("zhangwei"), "有 4 项扣分", "1. 外勤 0 天", "2. 11月3日")
		h.say("zhangwei", "申诉 外勤率 11月8日 客户原因拒签，已补签验收单")
		wantIn(t, "appeal", h.lastText("zhangwei"), "申诉 #1")
		h.say("zhangwei", "申诉 配件销售 有一笔销售漏报")
		wantIn(t, "parts appeal", h.lastText("zhangwei"), "申诉 #2")
		appealCard := h.waitCards("sunli", 3)[1]
		wantIn(t, "appeal card", string(appealCard.Card), "申诉扣分项：11月8日 服务不合格：客户拒签")
		h.tap("sunli", appealCard, "采纳")
		card2 := h.waitCards("sunli", 4)[3] // item 11: the new revision's card
		wantIn(t, "new card", string(card2.Card), "第 2 版", "kpi:publish:2026-11:2")

		// Item 11: 发布 on the card of revision 1 is refused.
		h.tap("sunli", card1, "发布")
		wantIn(t, "stale 发布", h.lastText("sunli"), "已有第 2 版")
		if latest, _ := db.LatestKPIRevision(ctx, "2026-11"); latest.Published() {
			t.Fatal("a stale card published")
		}
		h.tap("sunli", card2, "发布")
		if latest, _ := db.LatestKPIRevision(ctx, "2026-11"); !latest.Published() || latest.Revision != 2 {
			t.Fatalf("published %+v", latest)
		}
		if n := len(h.groupPosts()); n != 1 {
			t.Fatalf("%d rankings posted, want 1", n)
		}

		// Must show 2 and 3: `kpi export --format json`.
		var out bytes.Buffer
		if err := kpiExport(ctx, db, "2026-11", kpi.FormatJSON, 0, "", &out); err != nil {
			t.Fatal(err)
		}
		var m kpi.MonthRecord
		if err := json.Unmarshal(out.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		var zw servicebot.KPIScorecard
		for _, sc := range m.Engineers {
			if sc.UserID == "zhangwei" {
				zw = sc
			}
		}
		field, _ := zw.Indicator(servicebot.KPIField)
		var kept []string
		for _, r := range field.Reasons {
			if r.Points < 0 {
				kept = append(kept, r.Text+" "+r.Points.String())
			}
		}
		// The failure of the 8th is withdrawn; the other two stay (now 1
		// each, below the threshold) and so does the field-days deduction.
		if strings.Join(kept, ", ") != "外勤 0 天，少于 20 天 -1.00, 服务不合格：验收未通过 -1.00, 服务不合格：返工 -1.00" ||
			len(field.Withdrawn) != 1 || field.Withdrawn[0].Date != servicebot.NewDate(2026, 11, 8) || field.Score != 500 {
			t.Errorf("Must show 2: R-KPI-5 kept %v, withdrawn %+v, score %s", kept, field.Withdrawn, field.Score)
		}
		sq, _ := zw.Indicator(servicebot.KPIServiceQuality)
		var complaints []servicebot.KPIReason
		for _, r := range sq.Reasons {
			if r.Points < 0 {
				complaints = append(complaints, r)
			}
		}
		if len(complaints) != 1 || sq.Score != 700 || !strings.Contains(complaints[0].Source, "经理录入 #") ||
			!strings.Contains(complaints[0].Source, "责任处罚审批 #"+strconv.FormatInt(fine.ID, 10)) {
			t.Errorf("Must show 3: R-KPI-6 %s, deductions %+v", sq.Score, complaints)
		}

		// Item 7: a correction after publishing posts the ranking again and
		// tells everyone whose rank changed.
		if _, err := inputs.Add(ctx, []servicebot.KPIInput{{Month: "2026-11", KPIFact: servicebot.KPIFact{UserID: "liqiang",
			Kind: servicebot.FactBonus, Value: 5_00, Note: "抢修表彰"}}}, "sunli", "e2e", nil); err != nil {
			t.Fatal(err)
		}
		before := len(h.sim.Delivered("wangjun"))
		rev3, err := course.Redraft(ctx, "2026-11", "sunli", "补录附加分")
		if err != nil || !rev3.Published() {
			t.Fatalf("correction %+v %v", rev3, err)
		}
		h.settle()
		if n := len(h.groupPosts()); n != 2 {
			t.Errorf("%d rankings posted after the correction, want 2", n)
		}
		moved := h.sim.Delivered("wangjun")[before:]
		if len(moved) != 1 || !strings.Contains(moved[0].Content, "排名由第 1 名变为第 2 名") {
			t.Errorf("wangjun, whose rank moved, was told %+v", moved)
		}
		var corrected bool
		for _, m := range h.sim.Delivered("liqiang") {
			corrected = corrected || strings.Contains(m.Content, "更正")
		}
		if !corrected {
			t.Error("liqiang, whose result changed, got no corrected breakdown")
		}
	})
}
