package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/store/storetest"
)

// Must show 1 (issue 12): an approval decided from the web page 待我审批, on
// a phone (同意) and on a desktop (驳回 with its required reason, the form
// posted twice at once): the same engine as the card (R-APV-5: only the
// current approver, once), the card in chat updated — seen on the
// simulator's /sim page — and the requester told.
func TestBrowser_ApprovalDecidedOnTheWeb_RAPV5(t *testing.T) {
	t.Parallel()
	br := startBrowser(t)
	h := startHarness(t, storetest.SQLite(t))
	for i, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			v := fileThroughAPI(t, h.db, h.clock, `{"kind":"parts_compensation","urgent":true,"amount":"800",
				"customer":"成都某机械厂","reason":"密封件损坏","requester":"yangfan",
				"evidence":{"kind":"fault_letter","url":"https://example.com/letter"}}`)
			card := h.on(t).waitDelivered("sunli", 2*i+1)[2*i]
			h.on(t).settle() // the card is sent: its response_code is kept

			// The card on the simulator's chat page, as 孙丽 sees it.
			simCtx := br.tab(t)
			recordExceptions(t, simCtx)
			sim := &browserSteps{t: t, ctx: simCtx}
			sim.do("open the sim as 孙丽", chromedp.EmulateViewport(vp.width, vp.height), chromedp.Navigate(h.baseURL+"/sim"))
			member := chromedp.Search(`//ul[@id="members"]//button[.//div[@class="name"][.="孙丽"]]`)
			sim.do("pick 孙丽", chromedp.WaitVisible(member), chromedp.Click(member))
			simCard := `//div[@id="log"]//div[contains(@class,"card")][div[@class="title"][.="` + card.Content + `"]]`
			sim.do("see the card", chromedp.WaitVisible(chromedp.Search(simCard+`//button`)))

			b, thrown := signIn(t, br, h, vp, "sunli", "/web/approvals/pending")
			link := `a[data-approval="` + itoa(v.ID) + `"]`
			b.do("see it waiting", chromedp.WaitVisible(chromedp.CSS(link)))
			b.screenshot("approvals-pending-" + vp.name + ".png")
			b.do("open it", chromedp.Click(chromedp.CSS(link)), chromedp.WaitVisible(chromedp.CSS(`#decide`)))
			b.screenshot("approval-decide-" + vp.name + ".png")

			want := "已同意"
			if vp.name == "phone" {
				b.do("同意", chromedp.Click(chromedp.Search(`//form//button[.="同意"]`)), chromedp.WaitVisible(chromedp.CSS(`.notice`)))
			} else {
				want = "已驳回"
				// The server insists on the reason too, not only the browser.
				b.text("drop the browser's check", chromedp.Evaluate[string](`String(document.getElementById('reason').required = false)`))
				b.do("驳回 without a reason", chromedp.Click(chromedp.CSS(`#reject button`)), chromedp.WaitVisible(chromedp.CSS(`#decide .summary`)))
				if got := b.text("problem", chromedp.Text(chromedp.CSS(`#decide .summary`))); !strings.Contains(got, "驳回需要填写理由") {
					t.Errorf("驳回 without a reason says %q", got)
				}
				if a := approval(t, h.db, v.ID); a.Request.Status != servicebot.ApprovalPending {
					t.Fatalf("驳回 without a reason decided: %+v", a.Request)
				}
				b.do("type the reason", typeText(chromedp.CSS("#reason"), "来函未写明故障时间"))
				// A double submit: the form posted twice at once, then the
				// button pressed. One decision, the others are told so.
				statuses := b.text("post twice", chromedp.Evaluate[string](`(async () => {
					const f = document.getElementById('reject');
					const post = () => { const d = new FormData(f); d.set('choice', 'reject');
						return fetch(f.action, {method: 'POST', body: new URLSearchParams(d), credentials: 'same-origin'}).then(r => r.url); };
					return (await Promise.all([post(), post()])).map(u => new URL(u).search).sort().join(' ');
				})()`, chromedp.EvalAwaitPromise))
				if statuses != "?done=already ?done=decided" {
					t.Errorf("two posts at once answered %q, want one decided and one already", statuses)
				}
				b.do("reload", chromedp.Navigate(h.baseURL+"/web/approvals/"+itoa(v.ID)), chromedp.WaitVisible(chromedp.CSS(`h1`)))
			}
			b.screenshot("approval-decided-" + vp.name + ".png")

			// The card in chat shows the decision, without a tap on it.
			sim.do("see the card updated", chromedp.WaitVisible(chromedp.Search(simCard+`/div[@class="desc"][.="`+want+`"]`)))
			sim.screenshot("sim-card-" + vp.name + ".png")
			h.on(t).settle()
			a := approval(t, h.db, v.ID)
			decided := 0
			for _, e := range a.Events {
				if e.Action == servicebot.EventDecided {
					decided++
				}
			}
			if decided != 1 || a.Steps[0].ApproverID != "sunli" || a.Steps[0].Status != servicebot.StepDecided {
				t.Errorf("decisions recorded %d, step %+v", decided, a.Steps[0])
			}
			var updates int
			for _, s := range h.sim.Delivered("sunli") {
				if s.API == "message/update_template_card" && s.TaskID == card.TaskID {
					updates++
					var c struct {
						MainTitle struct{ Desc string } `json:"main_title"`
					}
					if err := json.Unmarshal(s.Card, &c); err != nil || c.MainTitle.Desc != want {
						t.Errorf("the card was updated to %+v (%v), want %q", c, err, want)
					}
				}
			}
			if updates != 1 {
				t.Errorf("the card was updated %d times, want once", updates)
			}
			told := h.sim.Delivered("yangfan")
			last := told[len(told)-1].Content
			if vp.name == "desktop" && !strings.Contains(last, "理由：来函未写明故障时间") {
				t.Errorf("the requester was told %q", last)
			}
			if errs := thrown(); len(errs) > 0 {
				t.Errorf("the page's script threw:\n%s", strings.Join(errs, "\n"))
			}

			// The requester sees it under 我的申请; someone else cannot decide.
			y, _ := signIn(t, br, h, vp, "yangfan", "/web/approvals/mine")
			y.do("see my request", chromedp.WaitVisible(chromedp.CSS(link)))
			y.screenshot("approvals-mine-" + vp.name + ".png")
			y.do("open it", chromedp.Click(chromedp.CSS(link)), chromedp.WaitVisible(chromedp.CSS(`h1`)))
			if n := y.text("forms", chromedp.Evaluate[string](`String(document.querySelectorAll('#decide').length)`)); n != "0" {
				t.Errorf("the requester is offered the decision")
			}
		})
	}
}
