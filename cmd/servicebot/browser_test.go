package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/servicebot/servicebot/bot/wecomsim"
	"github.com/servicebot/servicebot/reports"
	"github.com/servicebot/servicebot/store/storetest"
)

// Must show 8: a person opens /sim of a running demo in a real browser, picks
// an engineer, types a message, presses Enter and sees the bot's answer.
func TestBrowser_SimPageChatsWithTheBot(t *testing.T) {
	t.Parallel()
	br := startBrowser(t)
	h := startHarness(t, storetest.SQLite(t))
	name := memberName(t, engineer)
	const message = "你好，请问日报怎么交？" // a question, not a report: the bot answers with help

	ctx := br.tab(t)
	thrown := recordExceptions(t, ctx)
	b := &browserSteps{t: t, ctx: ctx}

	b.do("open the page", chromedp.Navigate(h.baseURL+"/sim"))
	member := chromedp.Search(`//ul[@id="members"]//button[.//div[@class="name"][.="` + name + `"]]`)
	b.do("pick "+name, chromedp.WaitVisible(member), chromedp.Click(member), chromedp.WaitVisible(chromedp.ID("input")))
	if got := b.text("chat title", chromedp.Text(chromedp.ID("chat-name"))); got != name {
		t.Fatalf("the chat is titled %q, want %q", got, name)
	}

	b.do("send the message", typeText(chromedp.CSS("#input"), message), chromedp.SendKeys(chromedp.ID("input"), kb.Enter))
	// The page marks the member's own bubble once the bot answered the
	// callback with 200, and draws the reply when its poll finds it.
	b.do("see the message delivered", chromedp.WaitVisible(chromedp.Search(
		`//div[@id="log"]/div[contains(@class,"me")][div[@class="bubble"][.="`+message+`"]]`+
			`/div[@class="state"][.="已送达（应用应答 200）"]`)))
	quote := "没看懂「" + message + "」"
	reply := chromedp.Search(`//div[@id="log"]/div[contains(@class,"bot")]/div[@class="bubble"][starts-with(., "` + quote + `")]`)
	b.do("see the bot's reply", chromedp.WaitVisible(reply))

	// issue 9: a one-line hint, never the whole help and never 收到
	if shown := b.text("reply text", chromedp.Text(reply)); shown != reports.Hint(message, true) {
		t.Errorf("the reply bubble shows:\n%s\nwant:\n%s", shown, reports.Hint(message, true))
	}
	if got := b.text("input after sending", chromedp.Value(chromedp.ID("input"))); got != "" {
		t.Errorf("the input still holds %q after sending", got)
	}
	b.screenshot("sim.png")

	h.settle()
	got := h.sim.Delivered(engineer)
	if len(got) != 1 || got[0].Content != reports.Hint(message, true) {
		t.Errorf("%s received %d message(s) %+v, want exactly the one reply", engineer, len(got), got)
	}
	if errs := thrown(); len(errs) > 0 {
		t.Errorf("the page's script threw:\n%s", strings.Join(errs, "\n"))
	}
}

// chromiumPath finds the browser: $CHROMIUM_PATH, else Debian's
// chromium-headless-shell, else chromium, on PATH. The headless shell is
// Chromium's own build for automation (the same Blink and V8, without the
// desktop browser around them; what Playwright and Puppeteer run headless by
// default): the same pages cost it less than half the CPU, and the browser
// tests were the largest share of the suite's. Without either the test is
// skipped on a developer's machine but fails in CI, where a silently skipped
// browser test would hide a broken page.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		return p
	}
	var err error
	for _, name := range []string{"chromium-headless-shell", "chromium"} {
		var p string
		if p, err = exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("CI needs a browser for this test: install chromium-headless-shell or chromium, or set CHROMIUM_PATH (%v)", err)
	}
	t.Skipf("no chromium to drive (%v); install chromium-headless-shell or chromium, or set CHROMIUM_PATH", err)
	return ""
}

// browser is one headless chromium shared by the tabs of a test and its
// subtests, and its tabs are used again. Opening a tab costs about a second
// of CPU (its renderer processes and its browser context), loading a page in
// an open one a tenth of that: the browser tests opened a browser per person
// signed in (two dozen in the pages' tests, fourteen in the forms' test)
// while the end-to-end tests waited for a core. Every tab has a browser
// context of its own (its own cookies and cache, as an incognito window),
// so people signed in side by side never share a session; a tab is wiped
// before it is used again.
type browser struct {
	ctx context.Context // the browser's first tab; cancelling it closes the browser

	mu     sync.Mutex
	idle   []context.Context    // wiped tabs waiting for their next test
	closes []context.CancelFunc // every tab's, called when the browser closes
}

// startBrowser starts a headless chromium for t and its subtests; it is
// closed when t ends, after every tab of the subtests.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	execPath := chromiumPath(t)
	// No UserDataDir: chromedp gives the browser a fresh temporary profile
	// and removes it once the browser and its helper processes are gone,
	// which a t.TempDir could not wait for.
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(t.Context(),
		chromedp.ExecPath(execPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox, // CI runs as root in a container
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-dev-shm-usage", true), // /dev/shm is tiny in containers
		chromedp.NoFirstRun,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 800), // the two-column desktop layout
	)
	ctx, cancel := chromedp.NewContext(allocCtx)
	b := &browser{ctx: ctx}
	t.Cleanup(func() {
		b.mu.Lock()
		for _, closeTab := range b.closes {
			closeTab()
		}
		b.mu.Unlock()
		cancel()
		cancelAlloc() // waits for the browser to exit
	})
	// Started on its own context, not a shorter one: the browser lives as
	// long as the context of the first action run on it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

// tab gives t a tab of its own, with a browser context of its own, and
// returns its context: a wiped tab an earlier test left, else a new one.
// Everything t does in it must end within a minute; when t ends the tab is
// wiped for the next test.
func (b *browser) tab(t *testing.T) context.Context {
	t.Helper()
	b.mu.Lock()
	var tabCtx context.Context
	if n := len(b.idle); n > 0 {
		tabCtx, b.idle = b.idle[n-1], b.idle[:n-1]
	}
	b.mu.Unlock()
	if tabCtx == nil {
		var closeTab context.CancelFunc
		tabCtx, closeTab = chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
		b.mu.Lock()
		b.closes = append(b.closes, closeTab)
		b.mu.Unlock()
		// Opened on its own context, as the browser is: a tab lives as
		// long as the context of the first action run on it, and this one
		// outlives the test.
		if err := chromedp.Do(tabCtx); err != nil {
			t.Fatalf("open a tab: %v", err)
		}
	}
	// The test's listeners (recordExceptions) end with its context.
	ctx, cancel := context.WithTimeout(tabCtx, 60*time.Second)
	t.Cleanup(func() {
		cancel()
		if err := wipe(tabCtx); err != nil {
			t.Logf("a tab could not be wiped, so it is not used again: %v", err)
			return
		}
		b.mu.Lock()
		b.idle = append(b.idle, tabCtx)
		b.mu.Unlock()
	})
	return ctx
}

// wipe makes a used tab as a new one: no cookies (so no session), no cached
// pages, the window's own size, and a blank page.
func wipe(tabCtx context.Context) error {
	ctx, cancel := context.WithTimeout(tabCtx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		return err
	}
	if _, err := chromedp.Call(ctx, network.ClearBrowserCache, cdp.Empty{}); err != nil {
		return err
	}
	if _, err := chromedp.Call(ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{}); err != nil {
		return err
	}
	if _, err := chromedp.Call(ctx, emulation.SetTouchEmulationEnabled, emulation.SetTouchEmulationEnabledParams{}); err != nil {
		return err
	}
	return chromedp.Do(ctx, chromedp.Navigate("about:blank"))
}

// recordExceptions collects the uncaught exceptions of the page's script; the
// returned func lists those seen so far.
func recordExceptions(t *testing.T, ctx context.Context) func() []string {
	t.Helper()
	var (
		mu     sync.Mutex
		thrown []string
	)
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok {
			mu.Lock()
			thrown = append(thrown, (&chromedp.ExceptionError{ExceptionDetails: e.ExceptionDetails}).Error())
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("start the browser: %v", err)
	}
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), thrown...)
	}
}

// typeText enters text into the field sel finds as a phone's input method
// does: the field is focused, then the text is committed into it at once
// (CDP's Input.insertText, "as from an IME"), which fires the page's input
// events. Chinese is not typed key by key on a phone; and key by key
// (chromedp.SendKeys, three events per character) was a quarter of the
// browser's CPU in the forms test. Keys that do something (Enter) are still
// pressed as keys.
func typeText(sel chromedp.CSS, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Focus(sel),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: text})
			return err
		}),
	)
}

// browserSteps runs the steps of a browser test; a step that fails leaves a
// screenshot and the chat's HTML behind, to see what the page showed.
type browserSteps struct {
	t   *testing.T
	ctx context.Context
}

// stepTimeout bounds one step, well inside the browser's minute, so that a
// step that waits in vain leaves the browser alive to show what it waited on.
const stepTimeout = 20 * time.Second

func (b *browserSteps) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail(step, err)
	}
}

func (b *browserSteps) text(step string, action chromedp.Action[string]) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, action)
	if err != nil {
		b.fail(step, err)
	}
	return s
}

// screenshot saves the page as name in the test's artifact directory, when
// it is kept (`go test -artifacts`). Without the flag the directory is
// removed with the test, and a full-page capture of a phone's screen at twice
// its density is among the costliest things a browser test does: the forms
// test's 28 took a third of its browser's CPU.
func (b *browserSteps) screenshot(name string) {
	b.t.Helper()
	if !keepingArtifacts() {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		b.t.Fatalf("screenshot is not a PNG (%d bytes)", len(png))
	}
	path := filepath.Join(b.t.ArtifactDir(), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", path)
}

// keepingArtifacts reports whether the tests run with -artifacts, so that
// what they put in their artifact directory outlives them.
func keepingArtifacts() bool {
	f := flag.Lookup("test.artifacts")
	if f == nil {
		return false
	}
	keep, _ := f.Value.(flag.Getter).Get().(bool)
	return keep
}

func (b *browserSteps) fail(step string, err error) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	if html, herr := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.ID("chat"))); herr == nil {
		b.t.Logf("the chat at the failure:\n%s", html)
	}
	if png, serr := chromedp.Run(ctx, chromedp.FullScreenshot(100)); serr == nil {
		path := filepath.Join(b.t.ArtifactDir(), "failure.png")
		if os.WriteFile(path, png, 0o644) == nil {
			b.t.Logf("screenshot of the failure: %s", path)
		}
	}
	b.t.Fatalf("%s: %v", step, err)
}

func memberName(t *testing.T, userID string) string {
	t.Helper()
	_, members := wecomsim.DemoDirectory()
	for _, m := range members {
		if m.UserID == userID {
			return m.Name
		}
	}
	t.Fatalf("the demo department has no member %q", userID)
	return ""
}
