package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/util"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecomsim"
	"github.com/servicebot/servicebot/handlers"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

const engineer = "liqiang" // a member of wecomsim.DemoDirectory

func TestDemoDirectoryHasTheTestEngineer(t *testing.T) {
	t.Parallel()
	_, members := wecomsim.DemoDirectory()
	for _, m := range members {
		if m.UserID == engineer {
			return
		}
	}
	t.Fatalf("the demo department has no member %q", engineer)
}

// A member's text reaches the bot, which answers 帮助 with the help text
// through the outbox (a 你好 gets no answer: issue 9).
func TestE2E_TextIsAnsweredWithHelp(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := startHarness(t, db)
		d, err := h.sim.SendText(t.Context(), engineer, "帮助")
		if err != nil || d.Status != http.StatusOK || len(d.Body) != 0 {
			t.Fatalf("delivery: status %d body %q err %v", d.Status, d.Body, err)
		}
		got := h.waitDelivered(engineer, 1)
		if got[0].MsgType != "text" || got[0].Content != h.helpReply(engineer, "帮助") {
			t.Fatalf("reply = %s %q, want the help text", got[0].MsgType, got[0].Content)
		}
	})
}

// Must show 1: a delivery repeated three times, and a repeat that arrives
// while the first is still in flight, is stored once and answered once.
func TestE2E_RepeatedDeliveryStoredOnceAnsweredOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := startHarness(t, db)
		first, err := h.sim.SendText(t.Context(), engineer, "在吗？")
		if err != nil || first.Status != http.StatusOK {
			t.Fatalf("first delivery: %d %v", first.Status, err)
		}
		// WeCom's retries, one after another...
		for i := range 2 {
			d, err := h.sim.Replay(t.Context(), first)
			if err != nil || d.Status != http.StatusOK {
				t.Fatalf("repeat %d: status %d err %v", i+1, d.Status, err)
			}
		}
		// ...and a fresh message delivered twice at the same moment, as when a
		// retry overtakes a first attempt that is still being stored.
		second, err := h.sim.SendText(t.Context(), "wangjun", "在吗？") // a question: answered (收到 would get no answer)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		statuses := make([]int, 8)
		for i := range statuses {
			wg.Go(func() {
				d, err := h.sim.Replay(context.Background(), second)
				if err != nil {
					t.Error(err)
				}
				statuses[i] = d.Status
			})
		}
		wg.Wait()
		for i, s := range statuses {
			if s != http.StatusOK {
				t.Errorf("concurrent repeat %d answered %d, want 200", i, s)
			}
		}

		h.waitDelivered(engineer, 1)
		h.waitDelivered("wangjun", 1)
		h.settle()
		inbox, err := db.InboxCounts(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if inbox[servicebot.InboxDone] != 2 || inbox[servicebot.InboxFailed] != 0 {
			t.Errorf("inbox = %v, want exactly 2 rows done (one per message)", inbox)
		}
		for _, user := range []string{engineer, "wangjun"} {
			if n := len(h.sim.Delivered(user)); n != 1 {
				t.Errorf("%s got %d replies, want 1", user, n)
			}
		}
		if sends := h.sim.Calls("message/send"); sends != 2 {
			t.Errorf("message/send called %d times, want 2", sends)
		}
	})
}

// Must show 3: a forged signature and a wrong corp id are refused with 401,
// garbage with 400, an oversized body with 413 — and nothing is stored.
func TestE2E_ForgedAndMalformedCallbacksAreRefusedAndNothingStored(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := startHarness(t, db)
		good := []byte(`<xml><ToUserName><![CDATA[` + demoCorpID + `]]></ToUserName><FromUserName><![CDATA[` + engineer +
			`]]></FromUserName><CreateTime>1795000000</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
			`<Content><![CDATA[hi]]></Content><MsgId>7001</MsgId><AgentID>1000002</AgentID></xml>`)
		q, body, err := h.sim.BuildCallback(good)
		if err != nil {
			t.Fatal(err)
		}
		forged := cloneQuery(q)
		forged.Set("msg_signature", strings.Repeat("0", 40))

		// A callback correctly signed with our token and key but for another corp.
		otherCorp := wecomsim.New(wecomsim.Options{
			CorpID: "wwsomeoneelse", Secret: "x", AgentID: demoAgentID, Token: demoToken,
			EncodingAESKey: h.demo.aesKey, Clock: servicebot.SystemClock{},
		})
		wq, wbody, err := otherCorp.BuildCallback(bytes.ReplaceAll(good, []byte(demoCorpID), []byte("wwsomeoneelse")))
		if err != nil {
			t.Fatal(err)
		}

		cases := []struct {
			name  string
			query url.Values
			body  []byte
			want  int
		}{
			{"forged signature", forged, body, http.StatusUnauthorized},
			{"no signature", url.Values{}, body, http.StatusUnauthorized},
			{"wrong corp id", wq, wbody, http.StatusUnauthorized},
			{"not xml", q, []byte("hello"), http.StatusBadRequest},
			{"encrypt not base64", signedFor(h, q, "%%%not-base64%%%"), []byte(`<xml><Encrypt><![CDATA[%%%not-base64%%%]]></Encrypt></xml>`), http.StatusBadRequest},
			{"too large", q, bytes.Repeat([]byte("x"), handlers.MaxCallbackBody+1), http.StatusRequestEntityTooLarge},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if got := h.on(t).post(c.query, c.body); got != c.want {
					t.Errorf("status %d, want %d", got, c.want)
				}
			})
		}
		inbox, err := db.InboxCounts(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for status, n := range inbox {
			if n != 0 {
				t.Errorf("inbox has %d %s row(s) after refused callbacks, want none", n, status)
			}
		}
		// The genuine one is still accepted.
		if got := h.post(q, body); got != http.StatusOK {
			t.Errorf("genuine callback: status %d", got)
		}
	})
}

// The URL check WeCom makes when the callback URL is saved is answered with
// the decrypted echostr, with no newline.
func TestE2E_URLVerification(t *testing.T) {
	t.Parallel()
	h := startHarness(t, storetest.SQLite(t))
	d, err := h.sim.VerifyURL(t.Context())
	if err != nil {
		t.Fatalf("URL check failed: %v (status %d, body %q)", err, d.Status, d.Body)
	}
	if bytes.HasSuffix(d.Body, []byte("\n")) {
		t.Errorf("answer ends with a newline: %q", d.Body)
	}
}

// Must show 2: while the database is down a delivery gets 503, so WeCom
// retries it; once the database is back the same delivery is stored and
// answered once.
func TestE2E_DatabaseDownAnswers503ThenRetryIsStoredOnce(t *testing.T) {
	t.Parallel()
	db, proxy := storetest.PostgresBehindProxy(t)
	h := startHarness(t, db)

	proxy.Down()
	q, body, err := h.sim.BuildCallback(textXML(engineer, "数据库宕机时发的消息", 9001))
	if err != nil {
		t.Fatal(err)
	}
	if got := h.post(q, body); got != http.StatusServiceUnavailable {
		t.Fatalf("with the database down: status %d, want 503", got)
	}

	proxy.Pass()
	if got := h.post(q, body); got != http.StatusOK {
		t.Fatalf("WeCom's retry after the database is back: status %d, want 200", got)
	}
	if got := h.post(q, body); got != http.StatusOK {
		t.Fatalf("a further retry: status %d, want 200", got)
	}
	h.waitDelivered(engineer, 1)
	h.settle()
	inbox, err := db.InboxCounts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if inbox[servicebot.InboxDone] != 1 {
		t.Errorf("inbox = %v, want one row done", inbox)
	}
	if n := len(h.sim.Delivered(engineer)); n != 1 {
		t.Errorf("%d replies, want 1", n)
	}
}

// Must show 5: outbox rows still pending when the bot shuts down are sent
// after it restarts, and none is sent twice.
func TestE2E_PendingOutboxIsSentAfterRestartAndNoneTwice(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := startHarness(t, db)
		// Slow WeCom down so that most replies are still waiting at shutdown.
		h.sim.InjectFault("message/send", wecomsim.Fault{Latency: 150 * time.Millisecond, Times: 1000})
		users := []string{"zhangwei", "liqiang", "wangjun", "zhaolei", "liuyang", "chenhao"}
		for _, u := range users {
			for i := range 3 {
				if _, err := h.sim.SendText(t.Context(), u, "消息"+string(rune('A'+i))); err != nil {
					t.Fatal(err)
				}
			}
		}
		h.waitDelivered(users[0], 1) // at least one went out before the stop
		h.stop()

		counts, err := db.OutboxCounts(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if counts[servicebot.OutboxSending] != 0 {
			t.Errorf("after a graceful stop %d rows are still claimed", counts[servicebot.OutboxSending])
		}
		leftover := counts[servicebot.OutboxPending]
		inbox, _ := db.InboxCounts(t.Context())
		leftover += inbox[servicebot.InboxPending]
		if leftover == 0 {
			t.Fatalf("nothing was left pending at shutdown (outbox %v, inbox %v): the test proves nothing", counts, inbox)
		}
		t.Logf("left at shutdown: outbox %v inbox %v", counts, inbox)

		// The same simulator, a new bot process on the same database.
		before := h.sim
		h2 := restartHarness(t, h)
		for _, u := range users {
			h2.waitDelivered(u, 3)
		}
		h2.settle()
		for _, u := range users {
			if n := len(before.Delivered(u)); n != 3 {
				t.Errorf("%s received %d replies, want 3 (one per message)", u, n)
			}
		}
		final, _ := db.OutboxCounts(t.Context())
		if final[servicebot.OutboxSent] != 18 || final[servicebot.OutboxFailed] != 0 {
			t.Errorf("outbox = %v, want 18 sent", final)
		}
	})
}

func (h *harness) post(q url.Values, body []byte) int {
	h.t.Helper()
	resp, err := http.Post(h.baseURL+"/wecom/callback?"+q.Encode(), "text/xml", bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func cloneQuery(q url.Values) url.Values {
	c := url.Values{}
	for k, v := range q {
		c[k] = append([]string(nil), v...)
	}
	return c
}

func textXML(from, content string, msgID int) []byte {
	return []byte(`<xml><ToUserName><![CDATA[` + demoCorpID + `]]></ToUserName><FromUserName><![CDATA[` + from +
		`]]></FromUserName><CreateTime>` + itoa(time.Now().Unix()) + `</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
		`<Content><![CDATA[` + content + `]]></Content><MsgId>` + itoa(int64(msgID)) + `</MsgId><AgentID>1000002</AgentID></xml>`)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// signedFor signs a body whose Encrypt field is encrypt with the demo token,
// so that the signature is right and only the payload is bad.
func signedFor(h *harness, q url.Values, encrypt string) url.Values {
	c := cloneQuery(q)
	c.Set("msg_signature", util.Signature(demoToken, q.Get("timestamp"), q.Get("nonce"), encrypt))
	return c
}
