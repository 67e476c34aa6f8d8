package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/servicebot/servicebot/reminders"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// Issue 10 must show 1: every kind of message the bot sends — replies,
// each reminder, the manager's card and its update, the group post, an
// approval card and the card replacing it after the decision, the monthly
// diary card with its link and its update — goes through the strict
// simulator (documented schema per endpoint and card type, byte limits,
// one-use response codes) without a refusal, on both databases.
func TestE2E_EveryKindOfMessagePassesTheStrictSimulator(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		clock := &setClock{t: shanghaiTime(t, "2026-11-27 18:00:00")} // Friday
		h := launchWithGroup(t, db, clock)
		run := func(job, at string) {
			t.Helper()
			clock.Set(shanghaiTime(t, at))
			if err := h.demo.app.scheduler.RunNow(ctx, job, clock.Now()); err != nil {
				t.Fatalf("%s: %v", job, err)
			}
			h.settle()
		}

		// Replies: a report's confirmation, the help.
		h.say("zhangwei", "今天：成都客户现场调试\n明天：回公司写报告")
		h.say("sunli", "你好")
		// The evening reminder to those who owe the day's report.
		run(reminders.JobDailyReminders, "2026-11-27 20:00:20")
		// Monday morning: the manager's card and the group post.
		run(reminders.JobMorningSummary, "2026-11-30 09:00:20")
		h.tap("sunli", h.waitCards("sunli", 1)[0], "再次提醒") // a relabel and reminders again

		// An approval card; the decision replaces it (replace_text).
		v := fileThroughAPI(t, db, clock, `{"kind":"parts_compensation","amount":"800",
			"customer":"成都某机械厂","reason":"主轴轴承损坏","requester":"yangfan",
			"evidence":{"kind":"damage_report","url":"https://example.com/photos/1"}}`)
		approver := v.Steps[0].Approver
		h.tap(approver, h.waitCards(approver, 1)[0], "同意")

		// The monthly diary card, its link, and its relabel when confirmed.
		run(reminders.JobMonthly, "2026-12-18 09:00:20")
		diary := h.waitCards("zhangwei", 1)[0]
		var c struct {
			Rows []struct {
				Type int    `json:"type"`
				URL  string `json:"url"`
			} `json:"horizontal_content_list"`
			Action *struct {
				URL string `json:"url"`
			} `json:"card_action"`
		}
		if err := json.Unmarshal(diary.Card, &c); err != nil {
			t.Fatal(err)
		}
		if len(c.Rows) == 0 || c.Rows[0].Type != 1 || !strings.Contains(c.Rows[0].URL, "/files/") || c.Action == nil {
			t.Errorf("the diary card shows no link where WeCom does: %s", diary.Card)
		}
		h.tap("zhangwei", diary, "确认无误")

		h.settle()
		kinds := map[string]int{}
		for _, m := range h.sim.Sent() {
			kinds[m.API+" "+m.MsgType]++
		}
		for _, want := range []string{
			"message/send text",
			"message/send template_card",
			"message/update_template_card update_button",
			"message/update_template_card template_card",
			"webhook/send markdown",
		} {
			if kinds[want] == 0 {
				t.Errorf("no %s was sent; sent: %v", want, kinds)
			}
		}
		if r := h.sim.Rejections(); len(r) != 0 {
			t.Errorf("the strict simulator refused %d request(s): %+v", len(r), r)
		}
		t.Logf("sent through the strict simulator: %v", kinds)
	})
}
