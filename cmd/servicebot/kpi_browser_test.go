package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/store/storetest"
)

// Must show 1 and 3 (issue 12): the month's KPI on the web — the table with
// every indicator, total and rank, and its charts, for the manager; each
// engineer's breakdown with reasons and sources; the engineer's chat text
// short (total, rank, what moved, the link) and the link opening their own
// page only. R-KPI-13.
func TestBrowser_KPIPages_RKPI13(t *testing.T) {
	t.Parallel()
	br := startBrowser(t)
	clock := testclock.At(shanghaiTime(t, "2026-12-01 10:00:00"))
	h := startHarnessAt(t, storetest.SQLite(t), clock)
	if _, err := h.demo.app.kpiMonth.Redraft(t.Context(), "2026-11", "sunli", "测试起草"); err != nil {
		t.Fatal(err)
	}
	preview := h.waitDelivered("liqiang", 1)[0].Content
	lines := strings.Count(preview, "\n") + 1
	if len(preview) > 2048 || lines >= 8 || !strings.Contains(preview, "总分") || !strings.Contains(preview, "/web/kpi/2026-11/card?u=liqiang") {
		t.Errorf("李强's preview (%d bytes, %d lines):\n%s", len(preview), lines, preview)
	}
	h.settle()

	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			b, thrown := signIn(t, br, h, vp, "sunli", "/web/kpi/2026-11/table")
			b.do("see the table", chromedp.WaitVisible(chromedp.CSS(`table.kpi`)))
			rows := b.text("rows", chromedp.Evaluate[string](`String(document.querySelectorAll('table.kpi tbody tr').length)`))
			if rows != "6" {
				t.Errorf("the table has %s engineers, want the demo's 6", rows)
			}
			if n := b.text("charts", chromedp.Evaluate[string](`String(document.querySelectorAll('svg.chart').length)`)); n != "2" {
				t.Errorf("the table page draws %s charts, want ranking and parts sales", n)
			}
			if page := b.text("page", chromedp.Text(chromedp.CSS(`main`))); strings.Contains(page, "liqiang") || strings.Contains(page, "R-KPI-4") {
				t.Errorf("the page shows a userid or a rule id")
			}
			b.screenshot("kpi-table-manager-" + vp.name + ".png")
			b.do("open 李强", chromedp.Click(chromedp.Search(`//table//a[.="李强"]`)), chromedp.WaitVisible(chromedp.CSS(`.ind`)))
			b.screenshot("kpi-card-manager-" + vp.name + ".png")
			if errs := thrown(); len(errs) > 0 {
				t.Errorf("the page's script threw:\n%s", strings.Join(errs, "\n"))
			}

			e, _ := signIn(t, br, h, vp, "liqiang", "/web/kpi/2026-11/card?u=liqiang")
			e.do("see my breakdown", chromedp.WaitVisible(chromedp.CSS(`.ind`)))
			if n := e.text("indicators", chromedp.Evaluate[string](`String(document.querySelectorAll('.ind').length)`)); n != strconv.Itoa(len(servicebot.KPIIndicators)) {
				t.Errorf("the breakdown shows %s indicators", n)
			}
			e.screenshot("kpi-card-engineer-" + vp.name + ".png")
			// The engineer's own page keeps their KPI history.
			e.do("my month", chromedp.Navigate(h.baseURL+"/web/engineer?u=liqiang"), chromedp.WaitVisible(chromedp.CSS(`#grid`)))
			if got := e.text("history", chromedp.Text(chromedp.CSS(`main`))); !strings.Contains(got, "2026年11月") || !strings.Contains(got, "总分") {
				t.Errorf("the engineer's page lacks last month's KPI:\n%s", got)
			}
			e.screenshot("engineer-kpi-history-" + vp.name + ".png")
			for _, path := range []string{"/web/kpi/2026-11/table", "/web/kpi/2026-11/card?u=zhangwei"} {
				e.do("open "+path, chromedp.Navigate(h.baseURL+path), chromedp.WaitVisible(chromedp.CSS(`h1`)))
				if got := e.text("refusal", chromedp.Text(chromedp.CSS(`h1`))); got != "无权访问" {
					t.Errorf("an engineer opening %s sees %q", path, got)
				}
			}
		})
	}
}
