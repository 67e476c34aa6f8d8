package main

import (
	"strings"
	"testing"

	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/store/storetest"
)

// Issue 12: a manager asks in chat who has not reported today and gets the
// counts, the names and the day's page; 待审批 brings their pending
// approvals again as cards; an engineer asking the same gets the help, not
// the department's list. R-DAY-1, R-APV-5.
func TestE2E_ManagersChatGlance_RDAY1(t *testing.T) {
	t.Parallel()
	clock := testclock.At(shanghaiTime(t, "2026-11-27 20:30:00")) // a Friday, before the deadline
	h := startHarnessAt(t, storetest.SQLite(t), clock)
	ctx := t.Context()
	if _, err := h.sim.SendText(ctx, "liqiang", "今天：成都客户现场安装调试\n明天：培训操作人员"); err != nil {
		t.Fatal(err)
	}
	h.waitDelivered("liqiang", 1)

	if _, err := h.sim.SendText(ctx, "sunli", "今天谁没交"); err != nil {
		t.Fatal(err)
	}
	got := h.waitDelivered("sunli", 1)[0].Content
	for _, want := range []string{"11月27日", "已交 1 人", "未交 5 人", "张伟", "王军", "/web/today?d=2026-11-27"} {
		if !strings.Contains(got, want) {
			t.Errorf("日报情况 lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "李强") || strings.Contains(got, "zhangwei") {
		t.Errorf("日报情况 names who reported, or shows a userid:\n%s", got)
	}

	n := len(h.sim.Delivered("zhangwei"))
	if _, err := h.sim.SendText(ctx, "zhangwei", "今天谁没交"); err != nil {
		t.Fatal(err)
	}
	if reply := h.waitDelivered("zhangwei", n+1)[n].Content; strings.Contains(reply, "未交") && strings.Contains(reply, "王军") {
		t.Errorf("an engineer got the department's list:\n%s", reply)
	}

	v := fileThroughAPI(t, h.db, h.clock, `{"kind":"parts_compensation","urgent":true,"amount":"800",
		"customer":"成都某机械厂","reason":"密封件损坏","requester":"yangfan",
		"evidence":{"kind":"fault_letter","url":"https://example.com/letter"}}`)
	first := h.waitDelivered("sunli", 2)[1]
	if _, err := h.sim.SendText(ctx, "sunli", "待审批"); err != nil {
		t.Fatal(err)
	}
	again := h.waitDelivered("sunli", 4)
	card, line := again[2], again[3]
	if card.MsgType != "template_card" || card.Content != first.Content || card.TaskID == first.TaskID {
		t.Errorf("待审批 sent %+v, want the card of request #%d again under a new task_id", card, v.ID)
	}
	if !strings.Contains(line.Content, "您有 1 条待审批") || !strings.Contains(line.Content, "/web/approvals/pending") {
		t.Errorf("待审批 says %q", line.Content)
	}
}
