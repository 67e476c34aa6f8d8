package main

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/bot/wecomsim"
	"github.com/servicebot/servicebot/store/storetest"
)

// Must show 4: WeCom answers 42001 (token expired) → the bot fetches one new
// token, retries once, and the member gets the message once.
func TestE2E_TokenExpiredRefreshesOnceRetriesOnceDeliversOnce(t *testing.T) {
	t.Parallel()
	h := startHarness(t, storetest.SQLite(t))
	if _, err := h.sim.SendText(t.Context(), engineer, "第一条"); err != nil {
		t.Fatal(err)
	}
	h.waitDelivered(engineer, 1)
	tokensBefore, sendsBefore := h.sim.TokenCalls(), h.sim.Calls("message/send")

	h.sim.ExpireTokens()
	if _, err := h.sim.SendText(t.Context(), engineer, "第二条"); err != nil {
		t.Fatal(err)
	}
	got := h.waitDelivered(engineer, 2)
	h.settle()
	if n := h.sim.TokenCalls() - tokensBefore; n != 1 {
		t.Errorf("gettoken called %d more times, want 1", n)
	}
	if n := h.sim.Calls("message/send") - sendsBefore; n != 2 {
		t.Errorf("message/send called %d more times, want 2 (the refused one and one retry)", n)
	}
	if len(h.sim.Delivered(engineer)) != 2 || !strings.Contains(got[1].Content, "第二条") {
		t.Errorf("delivered %+v", h.sim.Delivered(engineer))
	}
}

// Must show 4: 45009 (API rate limit) → the sender backs off and the message
// is delivered, once.
func TestE2E_RateLimitedSendBacksOffThenDelivers(t *testing.T) {
	t.Parallel()
	h := startHarness(t, storetest.SQLite(t))
	h.sim.InjectFault("message/send", wecomsim.Fault{ErrCode: wecommsg.CodeAPIFreqLimit, ErrMsg: "api freq out of limit", Times: 2})
	if _, err := h.sim.SendText(t.Context(), engineer, "限流测试"); err != nil {
		t.Fatal(err)
	}
	h.waitDelivered(engineer, 1)
	h.settle()
	if n := h.sim.Calls("message/send"); n != 3 {
		t.Errorf("message/send called %d times, want 3 (two refused, one delivered)", n)
	}
	if n := len(h.sim.Delivered(engineer)); n != 1 {
		t.Errorf("delivered %d times, want 1", n)
	}
	rows, err := h.db.ListOutbox(t.Context(), []string{servicebot.OutboxSent}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Attempts != 3 {
		t.Errorf("outbox rows %+v, want one sent after 3 attempts", rows)
	}
}

// Must show 4: 50 concurrent sends from a cold start fetch one token.
func TestE2E_FiftyConcurrentSendsFetchOneToken(t *testing.T) {
	t.Parallel()
	h := startHarness(t, storetest.SQLite(t))
	client := h.demo.app.client
	var wg sync.WaitGroup
	errs := make([]error, 50)
	for i := range errs {
		wg.Go(func() {
			body, err := wecommsg.Text("并发消息 " + itoa(int64(i)))
			if err != nil {
				errs[i] = err
				return
			}
			_, errs[i] = client.Send(t.Context(), servicebot.OutboxMessage{
				Kind: servicebot.OutText, ToUsers: engineer, Body: body,
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("send %d: %v", i, err)
		}
	}
	if n := h.sim.TokenCalls(); n != 1 {
		t.Errorf("gettoken called %d times for 50 concurrent sends, want 1", n)
	}
}

// /metrics reports callbacks by outcome and the queues.
func TestE2E_MetricsReportCallbacksAndQueues(t *testing.T) {
	t.Parallel()
	h := startHarness(t, storetest.SQLite(t))
	d, err := h.sim.SendText(t.Context(), engineer, "指标")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.sim.Replay(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	h.waitDelivered(engineer, 1)
	h.settle()
	resp, err := http.Get(h.baseURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`servicebot_callbacks_total{outcome="stored"} 1`,
		`servicebot_callbacks_total{outcome="duplicate"} 1`,
		`servicebot_outbox_rows{status="sent"} 1`,
		`servicebot_inbox_pending 0`,
		`servicebot_wecom_api_seconds_count{api="message/send"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestE2E_HealthAndReadiness(t *testing.T) {
	t.Parallel()
	h := startHarness(t, storetest.SQLite(t))
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(h.baseURL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
	}
}

// The same answer asked for twice within WeCom's four-hour duplicate check
// still reaches the member twice: each outbox row's content is unique.
func TestE2E_SameReplyTwiceIsDeliveredTwice(t *testing.T) {
	t.Parallel()
	h := startHarness(t, storetest.SQLite(t))
	for range 2 {
		if _, err := h.sim.SendText(t.Context(), engineer, "日报模板"); err != nil {
			t.Fatal(err)
		}
	}
	got := h.waitDelivered(engineer, 2)
	if got[0].Content != got[1].Content {
		t.Errorf("the two answers differ: %q vs %q", got[0].Content, got[1].Content)
	}
	for _, m := range h.sim.Sent() {
		if m.Duplicate {
			t.Errorf("message %d was suppressed as a duplicate", m.Seq)
		}
	}
}
