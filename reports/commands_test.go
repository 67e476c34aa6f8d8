package reports_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// A report that happens to begin with 补交, 补报 or 请假 is filed as today's
// report, not taken for a command and lost; the words typed as commands,
// alone or with a date, stay commands.
func TestReports_CommandWordsStartingAReport(t *testing.T) {
	t.Parallel()
	reports := []struct {
		text     string
		wantDone []string
		wantPlan []string
	}{
		{"补交了验收单给客户，今天：成都某厂设备调试\n明天：回访德阳某厂",
			[]string{"成都某厂设备调试"}, []string{"回访德阳某厂"}},
		{"请假半天去医院，今天：整理维修记录\n明天：去重庆", []string{"整理维修记录"}, []string{"去重庆"}},
		{"补报了上周的费用，今天：绵阳巡检\n明天：绵阳维修", []string{"绵阳巡检"}, []string{"绵阳维修"}},
	}
	for _, c := range reports {
		t.Run(c.text, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				r := newReportRig(t, db)
				reply := r.say("zhangwei", c.text, friday(19, 0))
				wantContains(t, "confirmation", reply, "已收到11月27日（周五）的日报")
				h := r.history("zhangwei", nov27)
				if len(h) != 1 || h[0].Source != servicebot.ReportSourceChat || h[0].Status != servicebot.ReportOnTime ||
					!slices.Equal(h[0].Done, c.wantDone) || !slices.Equal(h[0].Plan, c.wantPlan) || h[0].Raw != c.text {
					t.Errorf("stored %+v, want today's report done %v plan %v", h, c.wantDone, c.wantPlan)
				}
				leaves, err := db.ListLeaves(t.Context(), nov27.AddDays(-31), nov27.AddDays(31))
				if err != nil {
					t.Fatal(err)
				}
				if len(leaves) != 0 {
					t.Errorf("a report was taken for leave: %+v", leaves)
				}
			})
		})
	}

	// 请假半天… with only the plan labelled is still a report, not lost: the
	// bot keeps it and asks for today's work.
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newReportRig(t, db)
		text := "请假半天去医院\n明天：去重庆调试"
		reply := r.say("liqiang", text, friday(19, 0))
		if strings.Contains(reply, "请在「请假」后面写上日期") {
			t.Fatalf("a report was taken for 请假:\n%s", reply)
		}
		h := r.history("liqiang", nov27)
		if len(h) != 1 || !slices.Equal(h[0].Plan, []string{"去重庆调试"}) || !strings.Contains(h[0].Raw, "请假半天去医院") {
			t.Errorf("stored %+v, want today's report with the plan and the text as typed", h)
		}
	})

	commands := []struct {
		text      string
		wantReply string
	}{
		{"补交 11月25日 今天：在绵阳维修液压站 明天：回成都", "这是11月25日的补报，记为迟交"},
		{"补交11-24\n今天：绵阳巡检\n明天：绵阳维修", "这是11月24日的补报，记为迟交"},
		{"请假12月1日-12月3日 家中有事", "已登记请假：12月1日至12月3日，共3天"},
		{"请假", "请在「请假」后面写上日期"},
		{"补交", "请在「补报」后面写上日期"},
		{"请假 半天", "请在「请假」后面写上日期"},
	}
	for _, c := range commands {
		t.Run(c.text, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				r := newReportRig(t, db)
				reply := r.say("zhangwei", c.text, friday(10, 0))
				wantContains(t, "reply to "+c.text, reply, c.wantReply)
				if h := r.history("zhangwei", nov27); len(h) != 0 {
					t.Errorf("a command was filed as today's report: %+v", h)
				}
			})
		})
	}
}
