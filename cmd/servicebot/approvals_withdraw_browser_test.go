package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/store/storetest"
)

// Issue 12: 我的申请 → 撤回 on the web, on a phone and on a desktop: the
// approver (not the requester) is offered no 撤回 and a forged post is
// refused; a post without the CSRF token is refused; two posts at once
// withdraw once; the approver's card and the copy 待审批 sent again are
// both updated (seen by the strict simulator) and the approver is told.
// R-APV-5 (the decision's guarantees hold for a withdrawal too).
func TestBrowser_ApprovalWithdrawnOnTheWeb_RAPV5(t *testing.T) {
	t.Parallel()
	br := startBrowser(t)
	h := startHarness(t, storetest.SQLite(t))
	ctx := t.Context()
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			n := len(h.sim.Delivered("sunli"))
			v := fileThroughAPI(t, h.db, h.clock, `{"kind":"parts_compensation","urgent":true,"amount":"800",
				"customer":"成都某机械厂","reason":"密封件损坏","requester":"yangfan",
				"evidence":{"kind":"fault_letter","url":"https://example.com/letter"}}`)
			card := h.on(t).waitDelivered("sunli", n+1)[n]
			if _, err := h.sim.SendText(ctx, "sunli", "待审批"); err != nil {
				t.Fatal(err)
			}
			again := h.on(t).waitDelivered("sunli", n+3)[n+1]
			if again.MsgType != "template_card" || again.TaskID == card.TaskID {
				t.Fatalf("待审批 sent %+v, want the card again", again)
			}
			h.on(t).settle() // both cards sent: their response_codes are kept

			page := "/web/approvals/" + itoa(v.ID)
			s, _ := signIn(t, br, h, vp, "sunli", page)
			s.do("the approver's page", chromedp.WaitVisible(chromedp.CSS(`#decide`)))
			if got := s.text("withdraw forms", chromedp.Evaluate[string](`String(document.querySelectorAll('#withdraw').length)`)); got != "0" {
				t.Errorf("the approver is offered 撤回")
			}
			forged := s.text("forge a withdrawal", chromedp.Evaluate[string](`(async () => {
				const d = new URLSearchParams({_csrf: document.querySelector('#decide input[name=_csrf]').value});
				return String((await fetch(location.pathname + '/withdraw', {method: 'POST', body: d, credentials: 'same-origin'})).status);
			})()`, chromedp.EvalAwaitPromise))
			if forged != "403" {
				t.Errorf("the approver's withdrawal answered %s, want 403", forged)
			}

			y, thrown := signIn(t, br, h, vp, "yangfan", "/web/approvals/mine")
			link := `a[data-approval="` + itoa(v.ID) + `"]`
			y.do("open my request", chromedp.WaitVisible(chromedp.CSS(link)), chromedp.Click(chromedp.CSS(link)),
				chromedp.WaitVisible(chromedp.CSS(`#withdraw`)))
			y.screenshot("approval-withdraw-" + vp.name + ".png")
			noToken := y.text("post without the token", chromedp.Evaluate[string](`(async () => {
				const f = document.getElementById('withdraw');
				return String((await fetch(f.action, {method: 'POST', body: new URLSearchParams({_csrf: 'x'}), credentials: 'same-origin'})).status);
			})()`, chromedp.EvalAwaitPromise))
			if noToken != "403" {
				t.Errorf("a withdrawal without the CSRF token answered %s, want 403", noToken)
			}
			if a := approval(t, h.db, v.ID); a.Request.Status != servicebot.ApprovalPending {
				t.Fatalf("refused withdrawals changed the request: %+v", a.Request)
			}
			// A double submit: the form posted twice at once.
			statuses := y.text("post twice", chromedp.Evaluate[string](`(async () => {
				const f = document.getElementById('withdraw');
				const post = () => fetch(f.action, {method: 'POST', body: new URLSearchParams(new FormData(f)), credentials: 'same-origin'}).then(r => r.url);
				return (await Promise.all([post(), post()])).map(u => new URL(u).search).sort().join(' ');
			})()`, chromedp.EvalAwaitPromise))
			if statuses != "?done=withdrawn ?done=withdrawn-already" {
				t.Errorf("two posts at once answered %q, want one withdrawn and one already", statuses)
			}
			y.do("reload", chromedp.Navigate(h.baseURL+page), chromedp.WaitVisible(chromedp.CSS(`h1`)))
			shown := y.text("the page", chromedp.Text(chromedp.CSS(`main`)))
			if !strings.Contains(shown, "已撤回") || strings.Contains(shown, "撤回申请") {
				t.Errorf("after 撤回 the page shows:\n%s", shown)
			}
			y.screenshot("approval-withdrawn-" + vp.name + ".png")
			if errs := thrown(); len(errs) > 0 {
				t.Errorf("the page's script threw:\n%s", strings.Join(errs, "\n"))
			}

			a := approval(t, h.db, v.ID)
			if a.Request.Status != servicebot.ApprovalWithdrawn || a.Steps[0].Status != servicebot.StepCancelled ||
				len(events(a, servicebot.EventWithdrawn)) != 1 {
				t.Errorf("after 撤回: %+v %+v %+v", a.Request, a.Steps, a.Events)
			}
			h.on(t).settle()
			updated := map[string]string{}
			var told bool
			for _, m := range h.sim.Delivered("sunli")[n:] {
				if m.API == "message/update_template_card" {
					var c struct {
						MainTitle struct{ Desc string } `json:"main_title"`
					}
					if err := json.Unmarshal(m.Card, &c); err != nil {
						t.Fatal(err)
					}
					updated[m.TaskID] = c.MainTitle.Desc
				}
				told = told || strings.Contains(m.Content, "撤回了")
			}
			if updated[card.TaskID] != "申请人已撤回" || updated[again.TaskID] != "申请人已撤回" || len(updated) != 2 {
				t.Errorf("cards updated %v, want %s and %s showing 申请人已撤回", updated, card.TaskID, again.TaskID)
			}
			if !told {
				t.Errorf("the approver was not told of the withdrawal")
			}
		})
	}
}
