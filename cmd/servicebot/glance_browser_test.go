package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/store/storetest"
)

// viewports are the two screens every page is tried on (issue 12, Must
// show 1): a phone inside WeCom and a desktop.
var viewports = []struct {
	name          string
	width, height int64
	mobile        bool
}{
	{"phone", 390, 844, true},
	{"desktop", 1280, 800, false},
}

// signIn opens path in a new tab of br (a browser context of its own, as a
// fresh browser) of the viewport's size, signed in as user through the
// simulator's WeCom OAuth.
func signIn(t *testing.T, br *browser, h *harness, vp struct {
	name          string
	width, height int64
	mobile        bool
}, user, path string) (*browserSteps, func() []string) {
	t.Helper()
	ctx := br.tab(t)
	// Listening first starts the browser on the tab's own context: the
	// first action must not start it on a step's shorter one.
	thrown := recordExceptions(t, ctx)
	b := &browserSteps{t: t, ctx: ctx}
	emulate := chromedp.EmulateViewport(vp.width, vp.height)
	if vp.mobile {
		emulate = chromedp.EmulateViewport(vp.width, vp.height, chromedp.EmulateScale(2), chromedp.EmulateMobile)
	}
	b.do("open "+path+" on the "+vp.name, emulate, chromedp.Navigate(h.baseURL+path))
	b.do("sign in as "+user, chromedp.Click(chromedp.CSS(`a[href*="as=`+user+`"]`)))
	b.do("signed in as "+user, chromedp.WaitReady(chromedp.CSS(`main`)))
	return b, thrown
}

// Must show 1 (issue 12): the managers' 今日 page shows every engineer's
// state by region with the report readable (sections, customer, place,
// parts, photo, check-in), and updates without a reload when a report
// comes in; the month's grid opens a day's report from its cell; an
// engineer sees only their own; a salesman is refused. R-DAY-1, R-DAY-2.
func TestBrowser_TodayAndMonthPages_R_DAY_1(t *testing.T) {
	t.Parallel()
	br := startBrowser(t)
	clock := testclock.At(shanghaiTime(t, "2026-11-27 20:30:00")) // a Friday, before the 22:00 deadline
	h := startHarnessAt(t, storetest.SQLite(t), clock)
	ctx := t.Context()
	// WeCom's PicUrl is an https address of its image server; here a
	// server of the test's own plays that part.
	pngBytes := samplePNG(t)
	images := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(pngBytes)
	}))
	t.Cleanup(images.Close)
	png := images.URL + "/mmbiz/photo.png"
	steps := []struct {
		user string
		send func() error
	}{
		{"liqiang", func() error {
			_, err := h.sim.SendText(ctx, "liqiang", "今天：成都某机械厂更换主轴轴承\n明天：回访客户\n客户：成都某机械厂\n地点：成都市郫都区\n配件销售：3200元")
			return err
		}},
		{"liqiang", func() error {
			_, err := h.sim.SendLocation(ctx, "liqiang", 30.81, 103.9, "成都市郫都区现代工业港")
			return err
		}},
		{"liqiang", func() error { _, err := h.sim.SendImage(ctx, "liqiang", png, "media-1"); return err }},
		{"wangjun", func() error { _, err := h.sim.SendText(ctx, "wangjun", "请假 11月27日 家中有事"); return err }},
	}
	for _, s := range steps {
		n := len(h.sim.Delivered(s.user))
		if err := s.send(); err != nil {
			t.Fatal(err)
		}
		h.waitDelivered(s.user, n+1)
	}
	h.settle()

	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			b, thrown := signIn(t, br, h, vp, "sunli", "/web/today")
			li := `details.rep[data-user="李强"]`
			b.do("see 李强's report", chromedp.WaitVisible(chromedp.CSS(li)))
			shown := b.text("李强's report", chromedp.Text(chromedp.CSS(li)))
			for _, want := range []string{"已交", "成都某机械厂更换主轴轴承", "回访客户", "成都市郫都区", "3200.00 元", "成都市郫都区现代工业港"} {
				if !strings.Contains(shown, want) {
					t.Errorf("李强's report on the page lacks %q:\n%s", want, shown)
				}
			}
			if n := b.text("photos", chromedp.Evaluate[string](`String(Array.from(document.querySelectorAll('`+li+` .thumbs img')).filter(i=>i.complete&&i.naturalWidth>0).length)`)); n != "1" {
				t.Errorf("李强's report shows %s loaded photo(s), want 1", n)
			}
			for user, state := range map[string]string{"王军": "请假", "赵磊": "未交"} {
				got := b.text(user, chromedp.Text(chromedp.CSS(`details.rep[data-user="`+user+`"] summary .st`)))
				if got != state {
					t.Errorf("%s is shown %q, want %q", user, got, state)
				}
			}
			regions := b.text("regions", chromedp.Evaluate[string](`Array.from(document.querySelectorAll('#live h2')).map(e=>e.firstChild.textContent.trim()).join(',')`))
			if regions != "西南,华北东北,其他" {
				t.Errorf("regions shown: %s", regions)
			}
			b.screenshot("today-manager-" + vp.name + ".png")

			// A report arrives while the page is open: the page shows it
			// without being reloaded (the marker set on the window survives).
			b.text("mark the page", chromedp.Evaluate[string](`String(window.notReloaded = true)`))
			user := map[string]string{"phone": "zhangwei", "desktop": "liuyang"}[vp.name]
			name := map[string]string{"zhangwei": "张伟", "liuyang": "刘洋"}[user]
			n := len(h.sim.Delivered(user))
			if _, err := h.sim.SendText(ctx, user, "今天：德阳客户设备巡检\n明天：整理巡检记录"); err != nil {
				t.Fatal(err)
			}
			h.on(t).waitDelivered(user, n+1)
			h.on(t).settle()
			// The page polls every 20 s and on becoming visible; the test
			// does not wait 20 s: it fires the visibility event.
			b.text("let the page poll", chromedp.Evaluate[string](`String(document.dispatchEvent(new Event('visibilitychange')))`))
			b.do("see the new report", chromedp.WaitVisible(chromedp.Search(`//details[@data-user="`+name+`"]//span[contains(@class,"st")][.="已交"]`)))
			if got := b.text("reload marker", chromedp.Evaluate[string](`String(window.notReloaded)`)); got != "true" {
				t.Errorf("the page was reloaded to show the new report")
			}
			b.screenshot("today-manager-updated-" + vp.name + ".png")

			b.do("open the month", chromedp.Navigate(h.baseURL+"/web/month"), chromedp.WaitVisible(chromedp.CSS(`#grid`)))
			if got := b.text("svg", chromedp.Evaluate[string](`String(document.querySelectorAll('svg.chart rect').length > 0)`)); got != "true" {
				t.Errorf("the month page draws no chart")
			}
			b.screenshot("month-manager-" + vp.name + ".png")
			b.do("open 李强's 27th", chromedp.Click(chromedp.CSS(`tr[data-u="liqiang"] td:nth-child(28)`)),
				chromedp.WaitVisible(chromedp.CSS(`details.rep[data-user="李强"]`)))
			if got := b.text("the day", chromedp.Text(chromedp.CSS(`h1`))); !strings.Contains(got, "11月27日") {
				t.Errorf("the cell opened %q", got)
			}
			b.screenshot("day-manager-" + vp.name + ".png")
			b.do("open 李强's month", chromedp.Click(chromedp.CSS(`.intro a`)), chromedp.WaitVisible(chromedp.CSS(`#grid`)))
			b.screenshot("engineer-manager-" + vp.name + ".png")
			if errs := thrown(); len(errs) > 0 {
				t.Errorf("the page's script threw:\n%s", strings.Join(errs, "\n"))
			}

			e, _ := signIn(t, br, h, vp, "liqiang", "/web/today")
			e.do("see my day", chromedp.WaitVisible(chromedp.CSS(li)))
			if n := e.text("rows", chromedp.Evaluate[string](`String(document.querySelectorAll('details.rep').length)`)); n != "1" {
				t.Errorf("an engineer sees %s engineers' days, want only their own", n)
			}
			e.screenshot("today-engineer-" + vp.name + ".png")
			e.do("my month", chromedp.Navigate(h.baseURL+"/web/month"), chromedp.WaitVisible(chromedp.CSS(`#grid`)))
			if got := e.text("title", chromedp.Text(chromedp.CSS(`h1`))); !strings.HasPrefix(got, "李强") {
				t.Errorf("an engineer's month page is %q, want their own", got)
			}
			e.screenshot("month-engineer-" + vp.name + ".png")
			e.do("another's month", chromedp.Navigate(h.baseURL+"/web/engineer?u=zhangwei"), chromedp.WaitVisible(chromedp.CSS(`h1`)))
			if got := e.text("refusal", chromedp.Text(chromedp.CSS(`h1`))); got != "无权访问" {
				t.Errorf("an engineer opening another's month sees %q", got)
			}

			s, _ := signIn(t, br, h, vp, "yangfan", "/web/today")
			if got := s.text("refusal", chromedp.Text(chromedp.CSS(`h1`))); got != "无权访问" {
				t.Errorf("a salesman opening 今日日报 sees %q", got)
			}
			s.screenshot("today-sales-" + vp.name + ".png")
		})
	}
}
