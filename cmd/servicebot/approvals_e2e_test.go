package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/approvals"
	"github.com/servicebot/servicebot/bot/wecomsim"
	"github.com/servicebot/servicebot/config"
	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

const apiToken = "test-token-0123456789abcdef"

// fileThroughAPI files req with POST /api/requests as another system would,
// against an engine over the harness's database routing by the demo's Org
// under the default rules, on the harness's clock.
func fileThroughAPI(t *testing.T, db *store.DB, clock servicebot.Clock, body string) approvals.View {
	t.Helper()
	return fileWith(t, db, clock, config.Default().ApprovalRules(), body)
}

var responseCodeRe = regexp.MustCompile(`<ResponseCode><!\[CDATA\[([^\]]*)\]\]>`)

// Must show 3 and 4 (R-APV-2, R-APV-5): a 5000.01 urgent request reaches the
// general manager's card only; the service manager's tap on it is refused
// and changes nothing; the general manager's tap, its callback delivered
// three times and the button tapped again, records one decision, updates
// the card once with the tap's response_code, tells the requester, and
// starts the quality VP's step.
func TestE2E_ApprovalCards_RAPV2_RAPV5(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		clock := testclock.At(shanghaiTime(t, "2026-11-27 10:00:00"))
		h := startHarnessAt(t, db, clock)
		v := fileThroughAPI(t, db, clock, `{"kind":"parts_compensation","urgent":true,"amount":"5000.01",
			"customer":"成都某机械厂","reason":"主轴轴承损坏","requester":"yangfan",
			"evidence":{"kind":"damage_report","url":"https://example.com/photos/1"}}`)
		if v.Steps[0].Approver != "huangzhiqiang" || v.Steps[1].Role != string(servicebot.RoleVPQuality) || v.Steps[1].Status != servicebot.StepWaiting {
			t.Fatalf("chain %+v", v.Steps)
		}

		card := h.waitDelivered("huangzhiqiang", 1)[0]
		h.settle()
		if card.MsgType != "template_card" || !strings.Contains(string(card.Card), "5000.01 元") {
			t.Fatalf("GM got %s %s", card.MsgType, card.Card)
		}
		for _, u := range []string{"sunli", "wuhaitao", "zhengmin", "yangfan"} {
			if got := h.sim.Delivered(u); len(got) != 0 {
				t.Fatalf("%s got %d message(s) before any decision", u, len(got))
			}
		}

		key := approvals.CardPrefix + strconv.FormatInt(v.Steps[0].ID, 10) + ":approve"
		if _, err := h.sim.ClickButton(ctx, "sunli", card.TaskID, key, "", "button_interaction"); err != nil {
			t.Fatal(err)
		}
		refusal := h.waitDelivered("sunli", 1)[0]
		h.settle()
		if refusal.Content != approvals.NotApproverText {
			t.Fatalf("refusal %q", refusal.Content)
		}
		if a := approval(t, db, v.ID); a.Steps[0].Status != servicebot.StepPending || len(events(a, servicebot.EventDecided)) != 0 ||
			h.sim.Calls("message/update_template_card") != 0 {
			t.Fatalf("the refused tap changed something: %+v", a.Steps[0])
		}

		d, err := h.sim.ClickButton(ctx, "huangzhiqiang", card.TaskID, key, "", "button_interaction")
		if err != nil || d.Status != http.StatusOK {
			t.Fatalf("click: %d %v", d.Status, err)
		}
		for range 2 {
			if r, err := h.sim.Replay(ctx, d); err != nil || r.Status != http.StatusOK {
				t.Fatalf("replay: %d %v", r.Status, err)
			}
		}
		h.waitDelivered("zhengmin", 1)
		// A second tap a moment later is a new callback (a new CreateTime)
		// with a new response_code: only the step's guard stands in its way.
		clock.Set(clock.Now().Add(time.Second))
		if _, err := h.sim.ClickButton(ctx, "huangzhiqiang", card.TaskID, key, "", "button_interaction"); err != nil {
			t.Fatal(err)
		}
		h.settle()

		a := approval(t, db, v.ID)
		if s := a.Steps[0]; s.Decision != servicebot.ApprovalApproved || s.ApproverID != "huangzhiqiang" || len(events(a, servicebot.EventDecided)) != 1 {
			t.Fatalf("GM step %+v, %d decisions", s, len(events(a, servicebot.EventDecided)))
		}
		var updates []wecomsim.Sent
		for _, m := range h.sim.Sent() {
			if m.API == "message/update_template_card" {
				updates = append(updates, m)
			}
		}
		wantCode := responseCodeRe.FindSubmatch(d.Plaintext)
		if len(updates) != 1 || wantCode == nil || updates[0].ResponseCode != string(wantCode[1]) ||
			updates[0].TaskID != card.TaskID || !bytes.Contains(updates[0].Card, []byte("已同意")) {
			t.Fatalf("card updates %+v", updates)
		}
		told := h.sim.Delivered("yangfan")
		if len(told) != 1 || !strings.Contains(told[0].Content, "总经理 黄志强 同意") {
			t.Fatalf("requester told %+v", told)
		}
		next := h.sim.Delivered("zhengmin")
		if len(next) != 1 || next[0].MsgType != "template_card" || a.Steps[1].Status != servicebot.StepPending || a.Steps[1].ApproverID != "zhengmin" {
			t.Fatalf("quality VP step %+v, messages %+v", a.Steps[1], next)
		}
		if n := len(h.sim.Delivered("huangzhiqiang")); n != 2 { // the card and its update
			t.Errorf("GM received %d messages, want the card and its update", n)
		}
	})
}

func approval(t *testing.T, db *store.DB, id int64) servicebot.Approval {
	t.Helper()
	a, err := db.GetApproval(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func events(a servicebot.Approval, action string) []servicebot.ApprovalEvent {
	var out []servicebot.ApprovalEvent
	for _, e := range a.Events {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// R-APV-5: 驳回 asks for a reason, and the approver's next chat message is
// taken as it (before the daily-report handler sees it) and told to the requester.
func TestE2E_RejectReasonFromChat_RAPV5(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		h := startHarness(t, db)
		v := fileThroughAPI(t, db, h.clock, `{"kind":"parts_compensation","urgent":true,"amount":"800",
			"customer":"成都某机械厂","reason":"密封件损坏","requester":"yangfan",
			"evidence":{"kind":"fault_letter","url":"https://example.com/letter"}}`)
		card := h.waitDelivered("sunli", 1)[0]
		// 驳回 asks to confirm on the card (its second state), then decides.
		key := approvals.CardPrefix + strconv.FormatInt(v.Steps[0].ID, 10) + ":reject"
		if _, err := h.sim.ClickButton(ctx, "sunli", card.TaskID, key, "", "button_interaction"); err != nil {
			t.Fatal(err)
		}
		h.waitDelivered("sunli", 2)
		h.settle()
		if a := approval(t, db, v.ID); a.Request.Status != servicebot.ApprovalPending {
			t.Fatalf("one tap on 驳回 decided: %+v", a.Request)
		}
		key = approvals.CardPrefix + strconv.FormatInt(v.Steps[0].ID, 10) + ":" + approvals.ChoiceConfirmReject
		if _, err := h.sim.ClickButton(ctx, "sunli", card.TaskID, key, "", "button_interaction"); err != nil {
			t.Fatal(err)
		}
		ask := h.waitDelivered("sunli", 4) // the card, its confirm state, its decided state, the question
		if !strings.Contains(ask[3].Content, "驳回理由") {
			t.Fatalf("sunli got %q", ask[3].Content)
		}
		if _, err := h.sim.SendText(ctx, "sunli", "来函未写明故障时间"); err != nil {
			t.Fatal(err)
		}
		ack := h.waitDelivered("sunli", 5)[4]
		told := h.waitDelivered("yangfan", 2)
		h.settle()
		if !strings.Contains(ack.Content, "已记录驳回理由") || !strings.Contains(told[1].Content, "理由：来函未写明故障时间") {
			t.Fatalf("ack %q, requester %q", ack.Content, told[1].Content)
		}
		if a := approval(t, db, v.ID); a.Request.Status != servicebot.ApprovalRejected || a.Steps[0].Comment != "来函未写明故障时间" {
			t.Fatalf("request %+v step %+v", a.Request, a.Steps[0])
		}
	})
}
