package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/reports"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// Daily reports end to end through the simulator (R-DAY-1, R-DAY-2,
// R-DAY-4): WeCom callback → inbox → report handler → store and outbox →
// sender → the engineer's chat. The bot and the simulator run on a clock
// pinned to a Friday morning: after 22:00 a report is late, and at midnight
// "today" and 昨天 move, so the wall clock would make the test depend on
// when it runs.
func TestE2E_DailyReportsInChat(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := startHarnessAt(t, db, testclock.At(shanghaiTime(t, "2026-11-27 10:00:00")))
		ctx := t.Context()
		today := servicebot.NewDate(2026, time.November, 27)
		say := func(user, text string, n int) string {
			t.Helper()
			if _, err := h.sim.SendText(ctx, user, text); err != nil {
				t.Fatal(err)
			}
			return h.waitDelivered(user, n)[n-1].Content
		}
		history := func(user string, day servicebot.Date) []servicebot.DailyReport {
			t.Helper()
			hist, err := db.ReportHistory(ctx, user, day)
			if err != nil {
				t.Fatal(err)
			}
			return hist
		}

		// A report is confirmed with what the bot understood.
		reply := say("zhangwei", "今天：成都客户现场安装调试\n明天：去重庆回访", 1)
		mustContain(t, reply, "已收到11月27日（周五）的日报", "今日工作：成都客户现场安装调试", "明日计划：去重庆回访")
		if strings.Contains(reply, "迟交") {
			t.Errorf("a report at 10:00 was confirmed as late:\n%s", reply)
		}

		// A second report the same day replaces the first; the first is kept.
		reply = say("zhangwei", "今天：成都客户安装调试完成，培训操作工\n明天：去重庆处理故障", 2)
		mustContain(t, reply, "第2版", "去重庆处理故障")
		if hist := history("zhangwei", today); len(hist) != 2 ||
			!slices.Equal(hist[0].Plan, []string{"去重庆回访"}) || !slices.Equal(hist[1].Plan, []string{"去重庆处理故障"}) {
			t.Errorf("zhangwei's history = %+v", hist)
		}

		// A report without a plan gets a question; the answer completes it.
		reply = say("liqiang", "今天：昆明巡检", 1)
		mustContain(t, reply, "还缺少明日计划")
		reply = say("liqiang", "返程回成都", 2)
		mustContain(t, reply, "已补充到今天的日报", "明日计划：返程回成都")
		if hist := history("liqiang", today); len(hist) != 2 || len(hist[1].Missing) != 0 ||
			!slices.Equal(hist[1].Done, []string{"昆明巡检"}) || hist[1].Source != servicebot.ReportSourceFollowUp {
			t.Errorf("liqiang's history = %+v", hist)
		}

		// 补报 files a past day, late.
		yesterday := today.AddDays(-1)
		reply = say("wangjun", "补报 昨天\n今天：沈阳客户设备维修\n明天：回公司", 1)
		mustContain(t, reply, "已收到11月26日", "补报，记为迟交")

		// A report that merely begins with 补交 is today's report, not a 补报.
		reply = say("chenhao", "补交了验收单给客户，今天：成都客户设备验收\n明天：去德阳回访", 1)
		mustContain(t, reply, "已收到11月27日（周五）的日报", "今日工作：成都客户设备验收")
		if hist := history("wangjun", yesterday); len(hist) != 1 || hist[0].Status != servicebot.ReportLate ||
			hist[0].Source != servicebot.ReportSourceBackfill {
			t.Errorf("wangjun's 补报 = %+v", hist)
		}

		// 请假 is recorded.
		reply = say("zhaolei", "请假 明天-后天 家里有事", 1)
		mustContain(t, reply, "已登记请假", "共2天")
		leaves, err := db.ListLeaves(ctx, today.AddDays(1), today.AddDays(2))
		if err != nil {
			t.Fatal(err)
		}
		if len(leaves) != 1 || leaves[0].UserID != "zhaolei" {
			t.Errorf("leaves = %+v, want zhaolei's", leaves)
		}

		// Chit-chat gets a one-line hint, not the help wall, and is no
		// report (issue 9).
		if reply = say("liuyang", "你好呀", 1); reply != reports.Hint("你好呀", true) {
			t.Errorf("reply to chit-chat = %q, want the engineer's hint", reply)
		}
		// A report-like text from the manager, who sends none, is not
		// stored, and the reply says so.
		text := "今天：检查工作\n明天：开会"
		if reply = say("sunli", text, 1); reply != reports.Hint(text, false) || !strings.Contains(reply, "没有保存") {
			t.Errorf("reply to the manager = %q, want the hint that it was not stored", reply)
		}

		// A location is a check-in on today's report.
		if _, err := h.sim.SendLocation(ctx, "chenhao", 30.657, 104.066, "成都市武侯区"); err != nil {
			t.Fatal(err)
		}
		mustContain(t, h.waitDelivered("chenhao", 2)[1].Content, "签到成功：成都市武侯区", "10:00")

		h.settle()
		status, err := db.ReportStatus(ctx, today)
		if err != nil {
			t.Fatal(err)
		}
		var reporters []string
		for u := range status {
			reporters = append(reporters, u)
		}
		slices.Sort(reporters)
		if !slices.Equal(reporters, []string{"chenhao", "liqiang", "zhangwei"}) {
			t.Errorf("reports today from %v, want chenhao, liqiang and zhangwei only", reporters)
		}
		att, err := db.ListReportAttachments(ctx, today, today)
		if err != nil {
			t.Fatal(err)
		}
		if len(att) != 1 || att[0].UserID != "chenhao" || att[0].Kind != servicebot.AttachLocation {
			t.Errorf("attachments = %+v", att)
		}
	})
}

func mustContain(t *testing.T, got string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(got, p) {
			t.Errorf("reply does not contain %q:\n%s", p, got)
		}
	}
}
