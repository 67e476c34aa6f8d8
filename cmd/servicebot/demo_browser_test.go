package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Must show 1: `servicebot demo` starts with a past (October and November
// up to yesterday); in a real browser the /sim page's clock control moves
// it to 20:00 and the engineer's chat shows the reminder at once; jumping to
// the 1st shows the drafted November KPI with the seeded records in it.
func TestBrowser_DemoClockShowsTheReminderAndTheKPIDraft(t *testing.T) {
	t.Parallel()
	br := startBrowser(t)
	// A Friday: a working day, so 20:00 has a reminder to send.
	base, _ := runDemo(t, "--at", "2026-11-27T19:55:00+08:00")

	ctx := br.tab(t)
	thrown := recordExceptions(t, ctx)
	b := &browserSteps{t: t, ctx: ctx}
	clockShows := func(text string) chromedp.Action[chromedp.Void] {
		return chromedp.WaitVisible(chromedp.Search(`//b[@id="clock-now"][.="` + text + `"]`))
	}
	preset := func(p string) chromedp.Action[chromedp.Void] {
		return chromedp.Click(chromedp.Search(`//div[@id="clock-presets"]/button[@data-preset="` + p + `"]`))
	}
	botBubble := func(prefix string) chromedp.Search {
		return chromedp.Search(`//div[@id="log"]/div[contains(@class,"bot")]/div[contains(@class,"bubble")][starts-with(., "` + prefix + `")]`)
	}

	b.do("open the page", chromedp.Navigate(base+"/sim"), clockShows("2026-11-27 周五 19:55"))
	member := chromedp.Search(`//ul[@id="members"]//button[.//div[@class="name"][.="张伟"]]`)
	b.do("pick 张伟", chromedp.WaitVisible(member), chromedp.Click(member), chromedp.WaitVisible(chromedp.ID("input")))

	b.do("jump to 20:00", preset("20:00"), clockShows("2026-11-27 周五 20:00"))
	reminder := botBubble("【日报提醒】11月27日（周五）的工作日报还没有收到")
	b.do("see the 20:00 reminder", chromedp.WaitVisible(reminder))
	b.do("see it at 20:00 Beijing time", chromedp.WaitVisible(chromedp.Search(
		`//div[@id="log"]/div[contains(@class,"bot")][div[@class="meta"][.="11-27 20:00"]]`)))

	b.do("jump to the 1st", preset("first"), clockShows("2026-12-01 周二 09:00"))
	draft := botBubble("【2026年11月考核预览】张伟：总分")
	b.do("see the drafted KPI", chromedp.WaitVisible(draft))
	shown := b.text("the KPI preview", chromedp.Text(draft))
	b.screenshot("demo-kpi.png")

	// With data: the missing reports of the days the bot closed (服务管理),
	// the parts sales the seeded reports mention (6400.00 yuan: 8 of 10
	// points, where a month without records scores 4, −6.00).
	for _, want := range []string{"扣分：服务管理 −", "市场维护与开发 −2.00", "/web/kpi/2026-11/card?u=zhangwei"} {
		if !strings.Contains(shown, want) {
			t.Errorf("the preview lacks %q, which the seeded month gives:\n%s", want, shown)
		}
	}
	if strings.Contains(shown, "市场维护与开发 −6.00") {
		t.Errorf("the preview scores parts sales as for a month without records:\n%s", shown)
	}
	if errs := thrown(); len(errs) > 0 {
		t.Errorf("the page's script threw:\n%s", strings.Join(errs, "\n"))
	}
}
