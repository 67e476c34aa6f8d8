package main

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/servicebot/servicebot/aftersales"
	"github.com/servicebot/servicebot/bot/wecomsim"
	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/kpi"
	"github.com/servicebot/servicebot/reminders"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// Issue 10 must show 1: every kind of message the bot sends — replies (to
// text, a photo and a voice message), each reminder, the engineer's
// morning digest card and the answer to its button, the manager's morning
// card and its update, an approval card and the card replacing it after the
// decision, the KPI manager card, each engineer's KPI preview and final
// result, the ranking posted to the department group (by a group robot,
// and after a restart by an app group chat), the monthly diary card with
// its link and its update — goes through the strict simulator (documented
// schema per endpoint and card type, byte limits, one-use response codes)
// without a refusal, on both databases. Each is sent by the job or the tap
// that sends it in production, not built by the test.
func TestE2E_EveryKindOfMessagePassesTheStrictSimulator(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		clock := testclock.At(shanghaiTime(t, "2026-11-27 18:00:00")) // Friday
		h := launchWithGroup(t, db, clock)
		run := func(job, at string) {
			t.Helper()
			clock.Set(shanghaiTime(t, at))
			if err := h.demo.app.scheduler.RunNow(ctx, job, clock.Now()); err != nil {
				t.Fatalf("%s: %v", job, err)
			}
			h.settle()
		}

		// Replies: a report's confirmation, the help, a customer's question
		// logged, a photo and a voice message kept.
		h.say("zhangwei", "今天：成都客户现场调试\n明天：回公司写报告")
		h.say("sunli", "你好")
		h.say("zhangwei", "客户咨询 成都精工机械 主轴异响如何处理")
		photo := h.sim.UploadMedia(append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 500)...), "image/png")
		if _, err := h.sim.SendImage(ctx, "zhangwei", "https://wework.qpic.cn/wwpic/sim/0", photo); err != nil {
			t.Fatal(err)
		}
		voice := h.sim.UploadMedia(append([]byte("#!AMR\n"), bytes.Repeat([]byte{3}, 300)...), "audio/amr")
		if _, err := h.sim.SendVoice(ctx, "zhangwei", voice); err != nil {
			t.Fatal(err)
		}
		h.settle()
		// The evening reminder to those who owe the day's report.
		run(reminders.JobDailyReminders, "2026-11-27 20:00:20")
		// Monday 08:30: the engineer's digest (the question is overdue),
		// and its button's answer.
		run(aftersales.JobDigest, "2026-11-30 08:30:20")
		h.tap("zhangwei", h.said("zhangwei", "今日待办"), "查看最新待办")
		// 09:00: the manager's card and the group post.
		run(reminders.JobMorningSummary, "2026-11-30 09:00:20")
		h.tap("sunli", h.said("sunli", "再次提醒"), "再次提醒") // a relabel and reminders again

		// An approval card; the decision replaces it (replace_text).
		v := fileThroughAPI(t, db, clock, `{"kind":"parts_compensation","amount":"800",
			"customer":"成都某机械厂","reason":"主轴轴承损坏","requester":"yangfan",
			"evidence":{"kind":"damage_report","url":"https://example.com/photos/1"}}`)
		approver := v.Steps[0].Approver
		h.tap(approver, h.said(approver, "主轴轴承损坏"), "同意")

		// December 1st: November's KPI draft — each engineer's preview and
		// the manager's card; 发布 posts the ranking to the group, sends each
		// engineer the result and updates the card.
		run(kpi.JobDraft, "2026-12-01 09:10:20")
		h.tap("sunli", h.said("sunli", "kpi:publish:2026-11:1"), "发布")

		// The monthly diary card, its link, and its relabel when confirmed.
		run(reminders.JobMonthly, "2026-12-18 09:00:20")
		diary := h.said("zhangwei", "确认无误")
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

		// The department moves its posts from the robot to an app group chat
		// (`servicebot group create`, then group.chat_id): the bot restarts
		// with it, on the same simulator and database.
		h.settle()
		h.stop()
		tune := fastTuning
		tune.groupChat = "aftersales1"
		h = launchTuned(t, db, h.demo, clock, "", tune)
		if _, err := h.demo.app.client.CreateAppChat(ctx, "售后服务部", "sunli",
			[]string{"sunli", "zhangwei", "liqiang", "wangjun"}, tune.groupChat); err != nil {
			t.Fatalf("appchat/create: %v", err)
		}
		run(reminders.JobDailyReminders, "2026-12-18 20:00:20")
		run(reminders.JobMorningSummary, "2026-12-21 09:00:20") // Monday: Friday's count to the chat

		h.settle()
		sent := h.sim.Sent()
		kinds := map[string]int{}
		for _, m := range sent {
			kinds[m.API+" "+m.MsgType]++
		}
		text := func(user, marker string) func(wecomsim.Sent) bool {
			return func(m wecomsim.Sent) bool {
				return m.API == "message/send" && m.MsgType == "text" && strings.Contains(m.Content, marker) && slices.Contains(m.ToUsers, user)
			}
		}
		card := func(user, marker string) func(wecomsim.Sent) bool {
			return func(m wecomsim.Sent) bool {
				return m.API == "message/send" && m.MsgType == "template_card" && strings.Contains(string(m.Card), marker) && slices.Contains(m.ToUsers, user)
			}
		}
		for _, want := range []struct {
			kind string
			is   func(wecomsim.Sent) bool
		}{
			{"report confirmation", text("zhangwei", "日报")},
			{"photo kept", text("zhangwei", "照片已保存")},
			{"voice answered", text("zhangwei", "语音已保存")},
			{"daily reminder", text("liqiang", "日报")},
			{"digest card", card("zhangwei", "今日待办")},
			{"digest button's answer", text("zhangwei", "（截至 ")},
			{"manager's morning card", card("sunli", "再次提醒")},
			{"approval card", card(approver, "主轴轴承损坏")},
			{"KPI manager card", card("sunli", "kpi:publish:2026-11:1")},
			{"KPI preview", text("zhangwei", "考核预览】")},
			{"KPI result", text("zhangwei", "考核结果】")},
			{"diary card", card("zhangwei", "确认无误")},
			{"card relabel", func(m wecomsim.Sent) bool {
				return m.API == "message/update_template_card" && m.MsgType == "update_button"
			}},
			{"card replaced", func(m wecomsim.Sent) bool {
				return m.API == "message/update_template_card" && m.MsgType == "template_card"
			}},
			{"robot: morning count", func(m wecomsim.Sent) bool {
				return m.API == "webhook/send" && m.MsgType == "markdown" && !strings.Contains(m.Content, "KPI")
			}},
			{"robot: KPI ranking", func(m wecomsim.Sent) bool {
				return m.API == "webhook/send" && m.MsgType == "markdown" && strings.Contains(m.Content, "KPI 考核结果")
			}},
			{"app group chat post", func(m wecomsim.Sent) bool {
				return m.API == "appchat/send" && m.MsgType == "markdown" && m.ChatID == tune.groupChat
			}},
		} {
			n := 0
			for _, m := range sent {
				if want.is(m) {
					n++
				}
			}
			if n == 0 {
				t.Errorf("no %s was sent; sent: %v", want.kind, kinds)
			}
		}
		if r := h.sim.Rejections(); len(r) != 0 {
			t.Errorf("the strict simulator refused %d request(s): %+v", len(r), r)
		}
		t.Logf("sent through the strict simulator, none refused: %v", kinds)
	})
}
