package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/aftersales"
	"github.com/servicebot/servicebot/approvals"
	"github.com/servicebot/servicebot/bot/wecomsim"
	"github.com/servicebot/servicebot/config"
	"github.com/servicebot/servicebot/customers"
	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// launchAt starts a bot on clock with its scheduler off: the test runs the
// jobs itself, as of the times it chooses.
func launchAt(t *testing.T, db *store.DB, clock servicebot.Clock) *harness {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	d, err := startDemo(ln, db, clock, logger, fastTuning, nil)
	if err != nil {
		_ = ln.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, demo: d, db: db, sim: d.sim, baseURL: d.baseURL, stopped: make(chan error, 1), cancel: cancel}
	go func() { h.stopped <- d.app.serve(ctx, ln) }()
	t.Cleanup(h.stop)
	h.waitDirectory()
	return h
}

// said waits for a message to user containing marker and returns it.
func (h *harness) said(user, marker string) wecomsim.Sent {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	find := func() (wecomsim.Sent, bool) {
		for _, m := range h.sim.Delivered(user) {
			if strings.Contains(m.Content, marker) || strings.Contains(string(m.Card), marker) {
				return m, true
			}
		}
		return wecomsim.Sent{}, false
	}
	_ = h.sim.WaitFor(ctx, func([]wecomsim.Sent) bool { _, ok := find(); return ok })
	m, ok := find()
	if !ok {
		var got []string
		for _, m := range h.sim.Delivered(user) {
			got = append(got, m.Content+string(m.Card))
		}
		h.t.Fatalf("%s never got a message containing %q; got %q", user, marker, got)
	}
	return m
}

// ask sends text as user and waits for the reply containing marker.
func (h *harness) ask(user, text, marker string) string {
	h.t.Helper()
	before := len(h.sim.Delivered(user))
	if _, err := h.sim.SendText(context.Background(), user, text); err != nil {
		h.t.Fatal(err)
	}
	got := h.waitDelivered(user, before+1)[before]
	if !strings.Contains(got.Content, marker) {
		h.t.Fatalf("%s sent %q and got %q, want it to say %q", user, text, got.Content, marker)
	}
	return got.Content
}

// runJob sets clock to at, as if time had come to it, and runs job name.
func (h *harness) runJob(clock *testclock.Clock, name string, at time.Time) {
	h.t.Helper()
	clock.Set(at)
	if err := h.demo.app.scheduler.RunNow(context.Background(), name, at); err != nil {
		h.t.Fatal(err)
	}
}

// Through the simulator, as people use it: an approved installation request
// becomes a job for the dispatched engineer; 我的工单, 开始 and 完成 move it; a
// 客户咨询 logged at 09:00 reminds at 15:00 and escalates at 17:00 (R-VIS-3);
// the 08:30 digest of 11-12 lists exactly the overdue question and the return
// visit due (R-VIS-2), once, and 我的待办 and its button show the same list;
// 已答复 closes the question.
func TestE2E_ServiceJobsFollowUpsAndDigest_RVIS2_RVIS3(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		clock := testclock.At(shanghaiTime(t, "2026-11-02 08:00:00")) // a Monday
		h := launchAt(t, db, clock)
		im := customers.NewImporter(db.InTx, customers.ImportConfig{Clock: clock})
		rep, err := im.Import(ctx, customers.KindCustomers, "客户.csv",
			[]byte("客户名称,客户类别,区域\n成都精工机械,一般客户,西南\n"), true)
		if err != nil || !rep.Committed {
			t.Fatalf("import %+v %v", rep, err)
		}

		// R-SVC-1: VP approves, the service manager dispatches zhangwei.
		// Filed as of the test's clock, so its messages are due on that clock.
		engine := approvals.New(db, db.InTx, approvals.Config{
			Rules: config.Default().ApprovalRules(), Org: demoOrg(), Location: shanghaiTime(t, "2026-11-02 08:00:00").Location(), Clock: clock,
		})
		v, err := engine.FileRequest(ctx, servicebot.ApprovalRequest{Kind: servicebot.RequestService,
			ServiceType: servicebot.ServiceInstall, Customer: "成都精工机械", Region: servicebot.RegionSouthwest,
			Reason: "新购XK-500安装调试", Requester: "yangfan"})
		if err != nil {
			t.Fatal(err)
		}
		card := h.waitCards("sunli", 1)[0] // R-SVC-1: the service department reviews first
		if _, err := h.sim.ClickButton(ctx, "sunli", card.TaskID,
			approvals.CardPrefix+strconv.FormatInt(v.Steps[0].ID, 10)+":approve", "", "button_interaction"); err != nil {
			t.Fatal(err)
		}
		card = h.waitCards("zhoujianguo", 1)[0]
		if _, err := h.sim.ClickButton(ctx, "zhoujianguo", card.TaskID,
			approvals.CardPrefix+strconv.FormatInt(v.Steps[1].ID, 10)+":approve", "", "button_interaction"); err != nil {
			t.Fatal(err)
		}
		card = h.waitCards("sunli", 2)[1]
		if _, err := h.sim.ClickButton(ctx, "sunli", card.TaskID,
			approvals.CardPrefix+strconv.FormatInt(v.Steps[2].ID, 10)+":zhangwei", "", "button_interaction"); err != nil {
			t.Fatal(err)
		}
		h.said("zhangwei", "已生成工单")
		var job servicebot.Job
		err = db.InTx(ctx, func(tx *store.Tx) error {
			job, err = tx.JobOfRequest(ctx, v.Request.ID)
			return err
		})
		if err != nil || job.Status != servicebot.JobAssigned || job.Engineer != "zhangwei" || job.CustomerID == 0 {
			t.Fatalf("job of request %d: %+v %v", v.Request.ID, job, err)
		}
		no := job.No()

		clock.Set(shanghaiTime(t, "2026-11-02 09:00:00"))
		h.ask("zhangwei", "我的工单", "工单"+no+" 设备安装调试 成都精工机械【已派工】")
		h.ask("liqiang", "开始 "+no, "不是派给您的")
		h.ask("zhangwei", "开始 "+no, "工单"+no+"已开始")
		done := h.ask("zhangwei", "完成 "+no, "工单"+no+"已完成")
		if !strings.Contains(done, "11月16日 前完成电话回访") {
			t.Errorf("完成 reply %q: want the R-VIS-2 deadline", done)
		}
		h.ask("zhangwei", "客户咨询 成都精工机械", "客户咨询 客户名称 问题")
		h.ask("zhangwei", "客户咨询 成都精工机械 主轴异响如何处理", "17:00 前")

		// R-VIS-3: 15:00 reminds the engineer, 17:00 tells the manager; once each.
		for _, at := range []string{"2026-11-02 14:59:00", "2026-11-02 15:00:00", "2026-11-02 16:59:00", "2026-11-02 17:00:00", "2026-11-02 18:00:00"} {
			h.runJob(clock, aftersales.JobFollowUps, shanghaiTime(t, at))
		}
		h.said("zhangwei", "【咨询提醒】")
		h.said("sunli", "【咨询超时】")
		h.settle()
		if got := sentWith(h.sim, "【咨询提醒】"); !equalCounts(got, onceEach([]string{"zhangwei"})) {
			t.Errorf("reminders %v, want zhangwei once", got)
		}
		if got := sentWith(h.sim, "【咨询超时】"); !equalCounts(got, onceEach([]string{"sunli"})) {
			t.Errorf("escalations %v, want the manager once", got)
		}

		// Must show 5: the digest of 11-12 08:30, once, exactly what is due.
		clock.Set(shanghaiTime(t, "2026-11-12 08:30:00"))
		for _, at := range []string{"2026-11-12 08:29:00", "2026-11-12 08:30:00", "2026-11-12 09:00:00"} {
			h.runJob(clock, aftersales.JobFollowUps, shanghaiTime(t, at))
			h.runJob(clock, aftersales.JobDigest, shanghaiTime(t, at))
		}
		digest := h.said("zhangwei", "今日待办 2 项")
		h.settle()
		var body struct {
			Sub     string `json:"sub_title_text"`
			Buttons []struct {
				Key string `json:"key"`
			} `json:"button_list"`
		}
		if err := json.Unmarshal(digest.Card, &body); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"已逾期 1 项", "答复 成都精工机械 的技术咨询（编号1）", "今日待办 1 项", "电话回访 成都精工机械（工单" + no + "）（11月16日前）"} {
			if !strings.Contains(body.Sub, want) {
				t.Errorf("digest lacks %q:\n%s", want, body.Sub)
			}
		}
		cards := 0
		for _, m := range h.sim.Sent() {
			if m.MsgType == "template_card" && strings.Contains(string(m.Card), "今日待办") {
				cards++
				if len(m.ToUsers) != 1 || m.ToUsers[0] != "zhangwei" {
					t.Errorf("a digest went to %v", m.ToUsers)
				}
			}
		}
		if cards != 1 {
			t.Errorf("%d digest cards, want 1 (zhangwei's)", cards)
		}

		todo := h.ask("zhangwei", "我的待办", "待办 2 项")
		if todo != "（截至 09:00）"+body.Sub {
			t.Errorf("我的待办 %q differs from the digest %q", todo, body.Sub)
		}
		clock.Set(shanghaiTime(t, "2026-11-12 09:05:00"))
		before := len(h.sim.Delivered("zhangwei"))
		if _, err := h.sim.ClickButton(ctx, "zhangwei", digest.TaskID, body.Buttons[0].Key, "", "button_interaction"); err != nil {
			t.Fatal(err)
		}
		if got := h.waitDelivered("zhangwei", before+1)[before].Content; got != "（截至 09:05）"+body.Sub {
			t.Errorf("the digest's button answered %q", got)
		}
		h.ask("liqiang", "已答复 1", "只有登记人或经理")
		h.ask("zhangwei", "已答复 1 已电话说明调整方法", "已答复（已超过8小时时限）")
		h.ask("zhangwei", "待办", "待办 1 项")
	})
}
