package reports_test

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/handlers"
	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/reports"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// cst is the department's zone in these tests (Asia/Shanghai has no DST).
var cst = time.FixedZone("CST", 8*3600)

// friday is 2026-11-27, a Friday; the week began on Monday 11-23.
func friday(hour, minute int) time.Time { return time.Date(2026, 11, 27, hour, minute, 0, 0, cst) }

// reportRig routes chat messages through the report handlers into a real store.
type reportRig struct {
	t      *testing.T
	db     *store.DB
	clock  *testclock.Clock
	router *handlers.Router[*store.Tx]
	msgs   int
}

func newReportRig(t *testing.T, db *store.DB) *reportRig {
	t.Helper()
	cal, err := servicebot.NewCalendar(nil, nil, cst)
	if err != nil {
		t.Fatal(err)
	}
	clock := testclock.At(friday(9, 0))
	// The address book as a sync leaves it: liqiang is in a sub-department
	// of after-sales; sunli manages it and sends no reports.
	deps := []servicebot.Department{{ID: 1, Name: "公司"}, {ID: 2, ParentID: 1, Name: "售后服务部"},
		{ID: 6, ParentID: 2, Name: "西南组"}, {ID: 3, ParentID: 1, Name: "销售部"}}
	members := []servicebot.Member{
		{UserID: "zhangwei", Name: "张伟", Departments: []int64{2}, Active: true},
		{UserID: "liqiang", Name: "李强", Departments: []int64{6}, Active: true},
		{UserID: "sunli", Name: "孙丽", Departments: []int64{2}, Active: true},
		{UserID: "yangfan", Name: "杨帆", Departments: []int64{3}, Active: true},
	}
	if _, _, err := db.ReplaceDirectory(t.Context(), deps, members, friday(6, 0)); err != nil {
		t.Fatal(err)
	}
	org := servicebot.Org{
		AfterSalesDepartments: []int64{2},
		Roles:                 map[servicebot.Role][]string{servicebot.RoleServiceManager: {"sunli"}},
	}
	router := handlers.NewRouter[*store.Tx](clock)
	h, err := reports.New(reports.Config{Org: org, Calendar: cal, Deadline: 22 * time.Hour, Help: router.HelpReply, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := router.Install(reports.Feature[*store.Tx](h)); err != nil {
		t.Fatal(err)
	}
	return &reportRig{t: t, db: db, clock: clock, router: router}
}

// deliver handles ev as sent at `at` and returns the bot's reply ("" for none).
func (r *reportRig) deliver(ev wecommsg.Event, at time.Time) string {
	r.t.Helper()
	r.msgs++
	ev.MsgID = strconv.Itoa(r.msgs)
	ev.CreateTime = at.Unix()
	r.clock.Set(at.Add(2 * time.Second)) // handled a moment after it was sent
	ctx := r.t.Context()
	if err := r.db.InTx(ctx, func(tx *store.Tx) error { return r.router.Route(ctx, tx, ev) }); err != nil {
		r.t.Fatalf("route %q: %v", ev.Content, err)
	}
	out, err := r.db.ListOutbox(ctx, nil, 1000)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, m := range out {
		if m.DedupKey == "reply:"+ev.DedupKey() {
			var body struct{ Content string }
			if err := json.Unmarshal(m.Body, &body); err != nil {
				r.t.Fatal(err)
			}
			if m.ToUsers != ev.FromUserName {
				r.t.Errorf("reply to %q, want %q", m.ToUsers, ev.FromUserName)
			}
			return body.Content
		}
	}
	return ""
}

func (r *reportRig) say(from, text string, at time.Time) string {
	r.t.Helper()
	return r.deliver(wecommsg.Event{MsgType: wecommsg.MsgText, FromUserName: from, Content: text}, at)
}

func (r *reportRig) history(user string, day servicebot.Date) []servicebot.DailyReport {
	r.t.Helper()
	h, err := r.db.ReportHistory(r.t.Context(), user, day)
	if err != nil {
		r.t.Fatal(err)
	}
	return h
}

// leaves are the leaves overlapping from..to, as "from..to" by user.
func (r *reportRig) leaves(from, to servicebot.Date) map[string]string {
	r.t.Helper()
	leaves, err := r.db.ListLeaves(r.t.Context(), from, to)
	if err != nil {
		r.t.Fatal(err)
	}
	out := map[string]string{}
	for _, l := range leaves {
		out[l.UserID] = l.From.String() + ".." + l.To.String()
	}
	return out
}

// revisions is user's history of day, which must hold n revisions.
func (r *reportRig) revisions(user string, day servicebot.Date, n int) []servicebot.DailyReport {
	r.t.Helper()
	h := r.history(user, day)
	if len(h) != n {
		r.t.Fatalf("%d revisions, want %d", len(h), n)
	}
	return h
}

func wantContains(t *testing.T, what, got string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(got, p) {
			t.Errorf("%s does not contain %q:\n%s", what, p, got)
		}
	}
}

var nov27 = servicebot.NewDate(2026, time.November, 27)

// R-DAY-1: a report is stored and confirmed with what was understood.
func TestReports_ReportIsStoredAndConfirmed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newReportRig(t, db)
		reply := r.say("zhangwei", "今天：成都某厂安装调试\n明天：去重庆回访\n客户：成都某厂\n配件销售：3000元", friday(19, 30))
		wantContains(t, "confirmation", reply, "已收到11月27日（周五）的日报", "今日工作：成都某厂安装调试", "明日计划：去重庆回访", "配件销售：3000元")
		if strings.Contains(reply, "迟交") || strings.Contains(reply, "还缺少") {
			t.Errorf("an on-time, complete report is confirmed as late or incomplete:\n%s", reply)
		}
		h := r.revisions("zhangwei", nov27, 1)
		got := h[0]
		if got.Status != servicebot.ReportOnTime || got.Source != servicebot.ReportSourceChat || got.Revision != 1 ||
			!slices.Equal(got.Done, []string{"成都某厂安装调试"}) || !slices.Equal(got.Plan, []string{"去重庆回访"}) ||
			got.Customer != "成都某厂" || got.PartsSales == nil || *got.PartsSales != 300000 || len(got.Missing) != 0 ||
			!got.SubmittedAt.Equal(friday(19, 30)) || !strings.HasPrefix(got.Raw, "今天：成都某厂安装调试") {
			t.Errorf("stored report = %+v", got)
		}
		status, err := db.ReportStatus(t.Context(), nov27)
		if err != nil {
			t.Fatal(err)
		}
		if s := status["zhangwei"]; s.Status != servicebot.ReportOnTime || !s.Complete {
			t.Errorf("ReportStatus = %+v, want on time and complete", s)
		}
	})
}

// A second full report the same day replaces the first; the first is kept.
func TestReports_SecondReportReplacesFirst(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newReportRig(t, db)
		r.say("zhangwei", "今天：成都某厂安装调试\n明天：去重庆回访", friday(18, 0))
		reply := r.say("zhangwei", "今天：成都某厂安装调试完成，培训操作工\n明天：去重庆处理故障", friday(21, 0))
		wantContains(t, "replacement confirmation", reply, "第2版", "已替换之前的版本", "去重庆处理故障")
		h := r.revisions("zhangwei", nov27, 2)
		if !slices.Equal(h[0].Plan, []string{"去重庆回访"}) || !slices.Equal(h[1].Plan, []string{"去重庆处理故障"}) ||
			h[1].Source != servicebot.ReportSourceChat || strings.Contains(h[1].Raw, "去重庆回访") {
			t.Errorf("history = %+v", h)
		}
	})
}

// The bot asks for a missing plan; the reply that supplies it completes the
// day's report, in whatever form it comes.
func TestReports_FollowUpCompletesTheReport(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, followUp string
		plan           []string
	}{
		{"unlabelled line", "去重庆调试设备", []string{"去重庆调试设备"}},
		{"labelled", "明天：去重庆调试设备", []string{"去重庆调试设备"}},
		{"numbered lines", "1. 去重庆调试设备\n2. 回访某厂", []string{"去重庆调试设备", "回访某厂"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				r := newReportRig(t, db)
				first := r.say("zhangwei", "今天：成都某厂安装调试\n客户：成都某厂", friday(19, 0))
				wantContains(t, "first confirmation", first, "还缺少明日计划")

				// Chit-chat in between is not taken for the plan, and an
				// acknowledgement gets no answer (issue 9).
				if reply := r.say("zhangwei", "好的", friday(19, 1)); reply != "" {
					t.Errorf("reply to 好的: %q, want none", reply)
				}

				reply := r.say("zhangwei", c.followUp, friday(22, 30)) // after the deadline
				wantContains(t, "follow-up confirmation", reply, "已补充到今天的日报", "成都某厂安装调试")
				if strings.Contains(reply, "还缺少") || strings.Contains(reply, "迟交") {
					t.Errorf("completed report still asks, or is late:\n%s", reply)
				}
				h := r.revisions("zhangwei", nov27, 2)
				cur := h[1]
				if !slices.Equal(cur.Done, []string{"成都某厂安装调试"}) || !slices.Equal(cur.Plan, c.plan) ||
					cur.Customer != "成都某厂" || len(cur.Missing) != 0 || cur.Source != servicebot.ReportSourceFollowUp ||
					cur.Status != servicebot.ReportOnTime || !strings.Contains(cur.Raw, c.followUp) || !strings.Contains(cur.Raw, "客户：成都某厂") {
					t.Errorf("completed report = %+v", cur)
				}
			})
		})
	}
}

// R-DAY-2: a report after the deadline is late; 补报 files a past day, late.
func TestReports_LateAndBackfill(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newReportRig(t, db)
		reply := r.say("liqiang", "今天：巡检\n明天：巡检", friday(22, 15))
		wantContains(t, "late confirmation", reply, "迟交", "22:00")
		if h := r.history("liqiang", nov27); len(h) != 1 || h[0].Status != servicebot.ReportLate {
			t.Errorf("late report = %+v", h)
		}

		cases := []struct {
			text string
			day  servicebot.Date
		}{
			{"补报 11月25日\n今天：在绵阳维修液压站\n明天：回成都", servicebot.NewDate(2026, 11, 25)},
			{"补报 11-24 今天：绵阳巡检；明天：绵阳维修", servicebot.NewDate(2026, 11, 24)},
			{"补报 2026-11-23：在德阳安装调试", servicebot.NewDate(2026, 11, 23)},
			{"补报 昨天的日报：今天：回访德阳某厂 明天：去绵阳", servicebot.NewDate(2026, 11, 26)},
			{"补报 20号 今天：培训", servicebot.NewDate(2026, 11, 20)},
		}
		for _, c := range cases {
			reply := r.say("zhangwei", c.text, friday(10, 0))
			wantContains(t, "backfill confirmation of "+c.text, reply, "已收到"+strconv.Itoa(int(c.day.Month))+"月"+strconv.Itoa(c.day.Day)+"日", "补报，记为迟交")
			if strings.Contains(reply, "还缺少") && !strings.Contains(reply, "可以再发「补报 "+strconv.Itoa(int(c.day.Month))+"月") {
				t.Errorf("an incomplete 补报 does not say how to complete it:\n%s", reply)
			}
			h := r.history("zhangwei", c.day)
			if len(h) != 1 || h[0].Status != servicebot.ReportLate || h[0].Source != servicebot.ReportSourceBackfill || len(h[0].Done) == 0 {
				t.Errorf("%q: stored %+v", c.text, h)
			}
		}
		// A 补报 that lacks the plan says how to complete it; doing so
		// completes that day's report.
		nov20 := servicebot.NewDate(2026, 11, 20)
		reply = r.say("zhangwei", "补报 20号 明天：回访德阳某厂", friday(10, 5))
		wantContains(t, "completed backfill", reply, "已补充到11月20日的日报（第2版）", "今日工作：培训", "明日计划：回访德阳某厂")
		if h := r.history("zhangwei", nov20); len(h) != 2 || len(h[1].Missing) != 0 || h[1].Source != servicebot.ReportSourceBackfill {
			t.Errorf("completed backfill = %+v", h)
		}

		// 补报 answers malformed commands with an example, and stores nothing.
		for _, text := range []string{"补报", "补报 11月26日", "补报 下周一 今天：安装", "补报 2025-01-05 今天：安装"} {
			reply := r.say("zhangwei", text, friday(10, 0))
			if !strings.Contains(reply, "补报") || strings.Contains(reply, "已收到") {
				t.Errorf("reply to %q:\n%s", text, reply)
			}
		}
		if h := r.history("zhangwei", servicebot.NewDate(2026, 11, 26)); len(h) != 1 {
			t.Errorf("a malformed 补报 changed 11-26: %d revisions", len(h))
		}
	})
}

// R-DAY-4: 请假 records leave through the store; 取消请假 ends it.
func TestReports_Leave(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newReportRig(t, db)
		reply := r.say("zhangwei", "请假 12月1日-12月3日 家中有事", friday(9, 0))
		wantContains(t, "leave reply", reply, "已登记请假：12月1日至12月3日，共3天")
		r.say("liqiang", "请假 明天", friday(9, 0))

		got := r.leaves(servicebot.NewDate(2026, 11, 28), servicebot.NewDate(2026, 12, 31))
		want := map[string]string{"zhangwei": "2026-12-01..2026-12-03", "liqiang": "2026-11-28..2026-11-28"}
		if !maps.Equal(got, want) {
			t.Errorf("leaves = %v, want %v", got, want)
		}

		for _, text := range []string{"请假", "请假 一周", "请假 12月3日-12月1日", "请假 12月1日-2月3日"} {
			reply := r.say("zhangwei", text, friday(9, 0))
			wantContains(t, "reply to "+text, reply, "请假 12月1日-12月3日")
		}

		reply = r.say("zhangwei", "取消请假", friday(9, 5))
		wantContains(t, "cancel reply", reply, "已取消今天起的请假（1条）")
		reply = r.say("zhangwei", "取消请假", friday(9, 6))
		wantContains(t, "second cancel reply", reply, "没有找到")
		if leaves := r.leaves(servicebot.NewDate(2026, 12, 1), servicebot.NewDate(2026, 12, 3)); len(leaves) != 0 {
			t.Errorf("leave still active after 取消请假: %+v", leaves)
		}
	})
}

// Issue 11 item 2, R-APV-5: leave is for every member — the service
// manager's own 请假 is recorded (so her approvals go to her delegate) —
// and a manager records leave for others, who are told; an engineer may
// not record it for someone else.
func TestReports_LeaveForEveryMemberAndByManager_RAPV5(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newReportRig(t, db)
		ctx := t.Context()
		reply := r.say("sunli", "请假 明天 出差", friday(9, 0))
		wantContains(t, "manager's own leave", reply, "已登记请假：11月28日，共1天", "审批由代理人处理")
		reply = r.say("sunli", "请假 张伟 12月1日-12月2日 培训", friday(9, 1))
		wantContains(t, "leave for another", reply, "已为 张伟 登记请假：12月1日至12月2日，共2天")
		reply = r.say("zhangwei", "请假 李强 12月1日", friday(9, 2))
		wantContains(t, "an engineer's leave for another", reply, "只有售后服务部经理")
		reply = r.say("yangfan", "请假 明天", friday(9, 3)) // sales: a member, not an engineer
		wantContains(t, "a salesman's leave", reply, "已登记请假：11月28日")

		got := r.leaves(servicebot.NewDate(2026, 11, 27), servicebot.NewDate(2026, 12, 31))
		want := map[string]string{"sunli": "2026-11-28..2026-11-28", "zhangwei": "2026-12-01..2026-12-02", "yangfan": "2026-11-28..2026-11-28"}
		if !maps.Equal(got, want) {
			t.Errorf("leaves = %v, want %v", got, want)
		}
		out, err := db.ListOutbox(ctx, nil, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var told bool
		for _, m := range out {
			if m.ToUsers == "zhangwei" && strings.Contains(string(m.Body), "孙丽 已为您登记请假") {
				told = true
			}
		}
		if !told {
			t.Error("the engineer was not told of the leave recorded for him")
		}
		// Somebody the address book does not know gets help, nothing recorded.
		if reply := r.say("stranger", "请假 明天", friday(9, 4)); strings.Contains(reply, "已登记") {
			t.Errorf("a stranger's leave: %q", reply)
		}
	})
}

// Text that is no report is not stored: an acknowledgement gets no answer,
// anything else a one-line hint for the member's role, never the whole
// help and never 收到 (issue 9); 帮助 gets the help. Someone who sends no
// reports is told their report-like text was not stored.
func TestReports_HelpAndCommands(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newReportRig(t, db)
		for _, c := range []struct{ from, text, want string }{
			{"zhangwei", "你好", ""},
			{"zhangwei", "👍", ""},
			{"zhangwei", "收到", ""},
			{"zhangwei", "今天有空吗", "没看懂「今天有空吗」。日报直接发给我"},
			{"zhangwei", "帮助", r.router.HelpText()},
			{"sunli", "今天：检查工作\n明天：开会", "没有保存：您不在需要交日报的名单里"},   // the manager sends no report
			{"yangfan", "今天：拜访客户\n明天：报价", "没有保存：您不在需要交日报的名单里"}, // nor does sales
			{"nobody", "今天：安装\n明天：调试", "没有保存：您不在需要交日报的名单里"},    // nor a stranger to the address book
			{"sunli", "报销怎么弄", "没看懂「报销怎么弄」。发「帮助」看全部命令。"},
			{"sunli", "日报模板", reports.ReportTemplate},
			{"zhangwei", "日报模板", reports.ReportTemplate},
		} {
			reply := r.say(c.from, c.text, friday(10, 0))
			if c.want == "" {
				if reply != "" {
					t.Errorf("reply to %s: %q, want none", c.text, reply)
				}
				continue
			}
			wantContains(t, "reply to "+c.text, reply, c.want)
			if strings.HasPrefix(reply, "收到") || (c.want != r.router.HelpText() && strings.Contains(reply, r.router.HelpText())) {
				t.Errorf("reply to %s starts with 收到 or is the whole help:\n%s", c.text, reply)
			}
		}
		all, err := db.ListReports(t.Context(), nov27, nov27)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 0 {
			t.Errorf("chit-chat was stored as a report: %+v", all)
		}
		// Every command the daily report declares is listed by 帮助.
		for _, cmd := range []string{"日报模板", "我的日报", "补报", "请假", "取消请假", "帮助"} {
			if !strings.Contains(r.router.HelpText(), cmd) {
				t.Errorf("HelpText does not list %s", cmd)
			}
		}
	})
}

// 我的日报 shows the week at a glance.
func TestReports_MyReports(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newReportRig(t, db)
		r.say("zhangwei", "今天：安装调试\n明天：回访", time.Date(2026, 11, 23, 19, 0, 0, 0, cst))
		r.say("zhangwei", "今天：维修液压站", time.Date(2026, 11, 24, 22, 30, 0, 0, cst))
		r.say("zhangwei", "请假 11月25日", time.Date(2026, 11, 24, 23, 0, 0, 0, cst))
		reply := r.say("zhangwei", "我的日报", friday(10, 0))
		wantContains(t, "我的日报", reply,
			"本周日报（11月23日至11月27日）",
			"11月23日 周一 已交：安装调试",
			"11月24日 周二 已交（迟交），缺明日计划：维修液压站",
			"11月25日 周三 请假",
			"11月26日 周四 未交",
			"11月27日 周五 还没交（22:00截止）",
			"有1天未交")
	})
}

// Photos and locations attach to the day's report; a location is a check-in.
func TestReports_Attachments(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newReportRig(t, db)
		reply := r.deliver(wecommsg.Event{MsgType: wecommsg.MsgLocation, FromUserName: "zhangwei",
			Latitude: 30.657, Longitude: 104.066, Label: "成都市武侯区某厂"}, friday(8, 45))
		wantContains(t, "check-in reply", reply, "签到成功：成都市武侯区某厂，08:45", "11月27日")
		for i := 1; i <= 2; i++ {
			reply = r.deliver(wecommsg.Event{MsgType: wecommsg.MsgImage, FromUserName: "zhangwei",
				MediaID: "media" + strconv.Itoa(i), PicURL: "http://pic/" + strconv.Itoa(i)}, friday(11, i))
			// No report yet today: the reply says the report is still due.
			wantContains(t, "photo reply", reply, "照片已保存", "当天第"+strconv.Itoa(i)+"张", "今天的日报还没交")
		}
		r.say("zhangwei", "今天：安装调试\n明天：回访", friday(12, 0))
		reply = r.deliver(wecommsg.Event{MsgType: wecommsg.MsgImage, FromUserName: "zhangwei",
			MediaID: "media3", PicURL: "http://pic/3"}, friday(12, 5))
		wantContains(t, "photo reply after the report", reply, "附到11月27日的日报（当天第3张）")
		if strings.Contains(reply, "还没交") {
			t.Errorf("photo after the report says the report is due: %s", reply)
		}
		// Someone who sends no reports: kept in the inbox only.
		if reply := r.deliver(wecommsg.Event{MsgType: wecommsg.MsgImage, FromUserName: "sunli", MediaID: "m"}, friday(11, 5)); reply != "" {
			t.Errorf("reply to the manager's photo: %q", reply)
		}
		got, err := db.ListReportAttachments(t.Context(), nov27, nov27)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 4 || got[0].Kind != servicebot.AttachLocation || got[0].Label != "成都市武侯区某厂" ||
			!got[0].At.Equal(friday(8, 45)) || got[1].MediaID != "media1" || got[2].PicURL != "http://pic/2" {
			t.Errorf("attachments = %+v", got)
		}
	})
}

// A voice message comes as audio only (MediaId, Format amr; no
// Recognition for a self-built app): it is kept with the day and answered,
// asking for text, and never taken for a report.
func TestReports_VoiceIsKeptAndAnswered(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newReportRig(t, db)
		reply := r.deliver(wecommsg.Event{MsgType: wecommsg.MsgVoice, FromUserName: "liqiang", MediaID: "v1",
			Format: "amr"}, friday(20, 0))
		wantContains(t, "voice answer", reply, "语音已保存", "转文字", "打字")
		if h := r.history("liqiang", nov27); len(h) != 0 {
			t.Errorf("a voice message became a report: %+v", h)
		}
		got, err := db.ListReportAttachments(t.Context(), nov27, nov27)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Kind != servicebot.AttachVoice || got[0].MediaID != "v1" || got[0].Format != "amr" {
			t.Errorf("attachments = %+v, want the voice", got)
		}
	})
}
