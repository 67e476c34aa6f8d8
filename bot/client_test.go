package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/cache"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/metrics"
)

const (
	clientCorpID  = "wwclientcorp"
	clientAgentID = 1000002
	clientSecret  = "app-secret-do-not-log"
	// tokenCacheKey is where silenceper's credential.WorkAccessToken keeps
	// the token of an app with an agent id (WECOM.md).
	tokenCacheKey = "gowechat_work__access_token_wwclientcorp_1000002"
)

// apiCall is one request the fake WeCom received (gettoken excluded).
type apiCall struct {
	path  string
	query url.Values
	body  json.RawMessage
}

// fakeWeCom plays the few WeCom APIs the client tests need. The full
// simulator lives in bot/wecomsim; this one is small enough to read beside
// the tests and lets them inject exactly one fault at a time.
type fakeWeCom struct {
	mu          sync.Mutex
	tokenDelay  time.Duration // gettoken is slow, so concurrent callers pile up
	tokenStatus int           // non-200 HTTP status for gettoken
	gettokens   int
	valid       map[string]bool // tokens WeCom accepts
	expired     map[string]bool // tokens answered with 42001 (others unknown: 40014)
	rejectAll   int64           // when set, every token is answered with this errcode
	errcodes    []int64         // errcodes for the next API calls, one each
	apiStatus   int             // non-200 HTTP status for API calls
	calls       []apiCall
	delivered   int // message/send calls that succeeded
}

func newFakeWeCom() *fakeWeCom {
	return &fakeWeCom{valid: map[string]bool{}, expired: map[string]bool{}}
}

func (f *fakeWeCom) expire(token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.valid, token)
	f.expired[token] = true
}

func (f *fakeWeCom) counts() (gettokens int, calls []apiCall, delivered int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gettokens, append([]apiCall(nil), f.calls...), f.delivered
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeWeCom) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/cgi-bin/")
	q := r.URL.Query()
	if path == "gettoken" {
		f.gettoken(w, q)
		return
	}
	body, _ := io.ReadAll(r.Body)

	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, apiCall{path: path, query: q, body: body})
	if f.apiStatus != 0 {
		w.WriteHeader(f.apiStatus)
		return
	}
	if path == "webhook/send" {
		if q.Get("key") == "" {
			writeJSON(w, map[string]any{"errcode": 93000, "errmsg": "invalid webhook url"})
			return
		}
	} else {
		tok := q.Get("access_token")
		switch {
		case f.rejectAll != 0:
			writeJSON(w, map[string]any{"errcode": f.rejectAll, "errmsg": "token rejected"})
			return
		case f.expired[tok]:
			writeJSON(w, map[string]any{"errcode": 42001, "errmsg": "access_token expired"})
			return
		case !f.valid[tok]:
			writeJSON(w, map[string]any{"errcode": 40014, "errmsg": "invalid access_token"})
			return
		}
	}
	if len(f.errcodes) > 0 {
		code := f.errcodes[0]
		f.errcodes = f.errcodes[1:]
		writeJSON(w, map[string]any{"errcode": code, "errmsg": "injected"})
		return
	}

	var req map[string]any
	_ = json.Unmarshal(body, &req)
	switch path {
	case "message/send":
		f.delivered++
		resp := map[string]any{"errcode": 0, "errmsg": "ok", "msgid": fmt.Sprintf("msg-%d", f.delivered)}
		if req["msgtype"] == "template_card" {
			resp["response_code"] = fmt.Sprintf("rc-%d", f.delivered)
		}
		var invalid []string
		for _, u := range strings.Split(fmt.Sprint(req["touser"]), "|") {
			if strings.HasPrefix(u, "ghost") {
				invalid = append(invalid, u)
			}
		}
		resp["invaliduser"] = strings.Join(invalid, "|")
		writeJSON(w, resp)
	case "message/update_template_card":
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "invaliduser": []string{}})
	case "appchat/send", "webhook/send":
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
	case "appchat/create":
		chatID, _ := req["chatid"].(string)
		if chatID == "" {
			chatID = "wrk-auto-chat"
		}
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "chatid": chatID})
	case "department/list":
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "department": []map[string]any{
			{"id": 1, "name": "总部", "parentid": 0, "order": 100000000, "department_leader": []string{"gm"}},
			{"id": 2, "name": "售后服务部", "parentid": 1, "order": 99999000, "department_leader": []string{"manager1"}},
		}})
	case "user/list":
		if q.Get("department_id") != "2" {
			writeJSON(w, map[string]any{"errcode": 60003, "errmsg": "department not found"})
			return
		}
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "userlist": []map[string]any{{
			"userid": "zhangsan", "name": "张三", "department": []int{2}, "main_department": 2,
			"position": "售后工程师", "is_leader_in_dept": []int{0}, "direct_leader": []string{"manager1"}, "status": 1,
		}}})
	case "auth/getuserinfo":
		switch q.Get("code") {
		case "code-zhangsan":
			writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "userid": "zhangsan", "user_ticket": "t"})
		case "code-outsider":
			writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "openid": "o-outsider"})
		default:
			writeJSON(w, map[string]any{"errcode": 40029, "errmsg": "invalid code"})
		}
	default:
		http.NotFound(w, nil)
	}
}

func (f *fakeWeCom) gettoken(w http.ResponseWriter, q url.Values) {
	f.mu.Lock()
	delay, status := f.tokenDelay, f.tokenStatus
	f.mu.Unlock()
	time.Sleep(delay)
	if status != 0 {
		w.WriteHeader(status)
		return
	}
	if q.Get("corpid") != clientCorpID || q.Get("corpsecret") != clientSecret {
		writeJSON(w, map[string]any{"errcode": 40001, "errmsg": "invalid credential"})
		return
	}
	f.mu.Lock()
	f.gettokens++
	tok := fmt.Sprintf("tok-%d", f.gettokens)
	f.valid[tok] = true
	f.mu.Unlock()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "access_token": tok, "expires_in": 7200})
}

// testClient is a Client wired to a fake WeCom, with what the tests inspect.
type testClient struct {
	*bot.Client
	fake    *fakeWeCom
	tokens  cache.Cache
	metrics *metrics.Metrics
	logs    *syncBuffer
}

func newTestClient(t *testing.T, fake *fakeWeCom) testClient {
	t.Helper()
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)

	tokens := cache.NewMemory()
	m := metrics.New()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := bot.NewClient(bot.ClientConfig{CorpID: clientCorpID, AgentID: clientAgentID, Secret: clientSecret,
		APIBase: srv.URL, Timeout: 5 * time.Second}, tokens, m, logger)
	return testClient{Client: c, fake: fake, tokens: tokens, metrics: m, logs: logs}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// apiErrors reads servicebot_wecom_api_errors_total{api, code}.
func apiErrors(t *testing.T, m *metrics.Metrics, api, code string) float64 {
	t.Helper()
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, fam := range families {
		if fam.GetName() != "servicebot_wecom_api_errors_total" {
			continue
		}
		for _, metric := range fam.GetMetric() {
			labels := map[string]string{}
			for _, l := range metric.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["api"] == api && labels["code"] == code {
				return metric.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func textTo(users, content string) servicebot.OutboxMessage {
	body, err := wecommsg.Text(content)
	if err != nil {
		panic(err) // the tests' texts are short
	}
	return servicebot.OutboxMessage{ID: 1, Kind: servicebot.OutText, ToUsers: users, Body: body}
}

func TestTokenIsCachedUnderTheSDKKey(t *testing.T) {
	tc := newTestClient(t, newFakeWeCom())
	ctx := context.Background()
	first, err := tc.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	second, err := tc.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gettokens, _, _ := tc.fake.counts()
	if first != "tok-1" || second != first || gettokens != 1 {
		t.Errorf("tokens %q, %q after %d gettoken calls; want tok-1 twice from one call", first, second, gettokens)
	}
	if got, _ := tc.tokens.Get(tokenCacheKey).(string); got != first {
		t.Errorf("cache[%s] = %q, want %q: other replicas would not find the token", tokenCacheKey, got, first)
	}
}

func TestSendRefreshesRejectedTokenOnce(t *testing.T) {
	tests := []struct {
		name          string
		reject        func(t *testing.T, tc testClient)
		wantErrCode   int64 // 0: delivered
		wantGettokens int
		wantAttempts  int
	}{
		{
			name: "42001 expired token",
			reject: func(t *testing.T, tc testClient) {
				if _, err := tc.Token(context.Background()); err != nil {
					t.Fatal(err)
				}
				tc.fake.expire("tok-1")
			},
			wantGettokens: 2, wantAttempts: 2,
		},
		{
			name: "40014 invalid token",
			reject: func(_ *testing.T, tc testClient) {
				_ = tc.tokens.Set(tokenCacheKey, "revoked-elsewhere", time.Hour)
			},
			wantGettokens: 1, wantAttempts: 2,
		},
		{
			name: "rejected again after the refresh",
			reject: func(_ *testing.T, tc testClient) {
				tc.fake.rejectAll = wecommsg.CodeTokenExpired
			},
			wantErrCode: wecommsg.CodeTokenExpired, wantGettokens: 2, wantAttempts: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc := newTestClient(t, newFakeWeCom())
			tt.reject(t, tc)
			res, err := tc.Send(context.Background(), textTo("zhangsan", "今天的日报收到了"))
			gettokens, calls, delivered := tc.fake.counts()
			if gettokens != tt.wantGettokens || len(calls) != tt.wantAttempts {
				t.Errorf("%d gettoken and %d message/send calls, want %d and %d", gettokens, len(calls), tt.wantGettokens, tt.wantAttempts)
			}
			if tt.wantErrCode != 0 {
				apiErr, ok := errors.AsType[*wecommsg.APIError](err)
				if !ok || apiErr.Code != tt.wantErrCode || !apiErr.TokenProblem() {
					t.Fatalf("err = %v, want APIError %d", err, tt.wantErrCode)
				}
				if delivered != 0 {
					t.Errorf("delivered %d, want 0", delivered)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if delivered != 1 || res.MsgID != "msg-1" {
				t.Errorf("delivered %d times with msgid %q, want once with msg-1", delivered, res.MsgID)
			}
			if got, _ := tc.tokens.Get(tokenCacheKey).(string); got != fmt.Sprintf("tok-%d", gettokens) {
				t.Errorf("cached token %q, want the fresh tok-%d", got, gettokens)
			}
		})
	}
}

func TestConcurrentSendsFetchOneToken(t *testing.T) {
	fake := newFakeWeCom()
	fake.tokenDelay = 50 * time.Millisecond
	tc := newTestClient(t, fake)

	const senders = 50
	var wg sync.WaitGroup
	errs := make(chan error, senders)
	for i := range senders {
		wg.Go(func() {
			_, err := tc.Send(context.Background(), textTo(fmt.Sprintf("user%d", i), "提醒：今天 22:00 前提交日报"))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	gettokens, _, delivered := fake.counts()
	if gettokens != 1 || delivered != senders {
		t.Errorf("%d gettoken calls and %d deliveries, want 1 and %d", gettokens, delivered, senders)
	}
}

func TestSendReturnsAPIError(t *testing.T) {
	tests := []struct {
		code      int64
		temporary bool
	}{
		{wecommsg.CodeAPIFreqLimit, true},
		{wecommsg.CodeTooManyCalls, true},
		{wecommsg.CodeSystemBusy, true},
		{wecommsg.CodeAllInvalidUsers, false},
		{60020, false}, // IP not allowed
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			fake := newFakeWeCom()
			fake.errcodes = []int64{tt.code}
			tc := newTestClient(t, fake)
			res, err := tc.Send(context.Background(), textTo("zhangsan", "hi"))
			apiErr, ok := errors.AsType[*wecommsg.APIError](err)
			if !ok {
				t.Fatalf("err = %v, want a *wecommsg.APIError", err)
			}
			if apiErr.API != "message/send" || apiErr.Code != tt.code || apiErr.Temporary() != tt.temporary {
				t.Errorf("APIError = %+v (temporary %v), want message/send %d temporary %v", apiErr, apiErr.Temporary(), tt.code, tt.temporary)
			}
			if !reflect.DeepEqual(res, servicebot.SendResult{}) {
				t.Errorf("result = %+v on error, want zero", res)
			}
			_, calls, _ := fake.counts()
			if len(calls) != 1 {
				t.Errorf("%d calls, want 1: only token problems are retried here, the sender backs off", len(calls))
			}
			if n := apiErrors(t, tc.metrics, "message/send", fmt.Sprint(tt.code)); n != 1 {
				t.Errorf("api errors metric = %v, want 1", n)
			}
		})
	}
}

func TestSendRequestBodies(t *testing.T) {
	card := `{"card_type":"button_interaction","main_title":{"title":"请假审批"},"task_id":"apv-42-1","button_list":[{"text":"同意","key":"approve"},{"text":"驳回","key":"reject","style":2}]}`
	tests := []struct {
		name      string
		msg       servicebot.OutboxMessage
		wantPath  string
		wantQuery url.Values // checked besides access_token
		wantBody  string
		want      servicebot.SendResult
	}{
		{
			name:     "text",
			msg:      servicebot.OutboxMessage{Kind: servicebot.OutText, ToUsers: "zhangsan|ghost9", Body: json.RawMessage(`{"content":"日报已收到"}`)},
			wantPath: "message/send",
			wantBody: `{"touser":"zhangsan|ghost9","msgtype":"text","agentid":1000002,"text":{"content":"日报已收到"},"enable_duplicate_check":1,"duplicate_check_interval":14400}`,
			want:     servicebot.SendResult{MsgID: "msg-1", InvalidUsers: []string{"ghost9"}},
		},
		{
			name:     "markdown",
			msg:      servicebot.OutboxMessage{Kind: servicebot.OutMarkdown, ToUsers: "manager1", Body: json.RawMessage(`{"content":"**昨日未交日报**：<font color=\"warning\">2</font> 人"}`)},
			wantPath: "message/send",
			wantBody: `{"touser":"manager1","msgtype":"markdown","agentid":1000002,"markdown":{"content":"**昨日未交日报**：<font color=\"warning\">2</font> 人"},"enable_duplicate_check":1,"duplicate_check_interval":14400}`,
			want:     servicebot.SendResult{MsgID: "msg-1"},
		},
		{
			name:     "template_card",
			msg:      servicebot.OutboxMessage{Kind: servicebot.OutTemplateCard, ToUsers: "manager1", Body: json.RawMessage(card)},
			wantPath: "message/send",
			wantBody: `{"touser":"manager1","msgtype":"template_card","agentid":1000002,"template_card":` + card + `,"enable_duplicate_check":1,"duplicate_check_interval":14400}`,
			want:     servicebot.SendResult{MsgID: "msg-1", ResponseCode: "rc-1"},
		},
		{
			name:     "update_card",
			msg:      servicebot.OutboxMessage{Kind: servicebot.OutUpdateCard, Body: json.RawMessage(`{"userids":["manager1"],"response_code":"rc-1","button":{"replace_name":"已同意"}}`)},
			wantPath: "message/update_template_card",
			wantBody: `{"userids":["manager1"],"response_code":"rc-1","button":{"replace_name":"已同意"},"agentid":1000002}`,
		},
		{
			name:     "appchat",
			msg:      servicebot.OutboxMessage{Kind: servicebot.OutAppChat, ToChat: "chat-service", Body: json.RawMessage(`{"msgtype":"markdown","markdown":{"content":"昨日 **2** 人未交日报"}}`)},
			wantPath: "appchat/send",
			wantBody: `{"chatid":"chat-service","msgtype":"markdown","markdown":{"content":"昨日 **2** 人未交日报"}}`,
		},
		{
			name:      "webhook",
			msg:       servicebot.OutboxMessage{Kind: servicebot.OutWebhook, ToChat: "robot-key-1", Body: json.RawMessage(`{"msgtype":"text","text":{"content":"本月 KPI 已发布"}}`)},
			wantPath:  "webhook/send",
			wantQuery: url.Values{"key": {"robot-key-1"}},
			wantBody:  `{"msgtype":"text","text":{"content":"本月 KPI 已发布"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc := newTestClient(t, newFakeWeCom())
			res, err := tc.Send(context.Background(), tt.msg)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(res, tt.want) {
				t.Errorf("result = %+v, want %+v", res, tt.want)
			}
			_, calls, _ := tc.fake.counts()
			if len(calls) != 1 {
				t.Fatalf("%d calls, want 1", len(calls))
			}
			got := calls[0]
			if got.path != tt.wantPath {
				t.Errorf("path = %s, want %s", got.path, tt.wantPath)
			}
			for k, v := range tt.wantQuery {
				if !reflect.DeepEqual(got.query[k], v) {
					t.Errorf("query %s = %v, want %v", k, got.query[k], v)
				}
			}
			if hasToken := got.query.Has("access_token"); hasToken == (tt.msg.Kind == servicebot.OutWebhook) {
				t.Errorf("access_token in query = %v; the webhook alone goes without", hasToken)
			}
			assertSameJSON(t, got.body, tt.wantBody)
		})
	}
}

func assertSameJSON(t *testing.T, got json.RawMessage, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("request body %q: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want %q: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("request body =\n%s\nwant\n%s", got, want)
	}
}

func TestSendRejectsMalformedRows(t *testing.T) {
	tests := []struct {
		name string
		msg  servicebot.OutboxMessage
	}{
		{"unknown kind", servicebot.OutboxMessage{Kind: "fax", ToUsers: "zhangsan", Body: json.RawMessage(`{"content":"x"}`)}},
		{"text without recipient", servicebot.OutboxMessage{Kind: servicebot.OutText, Body: json.RawMessage(`{"content":"x"}`)}},
		{"text body not JSON", servicebot.OutboxMessage{Kind: servicebot.OutText, ToUsers: "zhangsan", Body: json.RawMessage(`content`)}},
		{"card body an array", servicebot.OutboxMessage{Kind: servicebot.OutTemplateCard, ToUsers: "zhangsan", Body: json.RawMessage(`[1]`)}},
		{"card body null", servicebot.OutboxMessage{Kind: servicebot.OutTemplateCard, ToUsers: "zhangsan", Body: json.RawMessage(`null`)}},
		{"update without response_code", servicebot.OutboxMessage{Kind: servicebot.OutUpdateCard, Body: json.RawMessage(`{"userids":["a"],"button":{"replace_name":"x"}}`)}},
		{"appchat without chat", servicebot.OutboxMessage{Kind: servicebot.OutAppChat, Body: json.RawMessage(`{"msgtype":"text","text":{"content":"x"}}`)}},
		{"appchat without msgtype", servicebot.OutboxMessage{Kind: servicebot.OutAppChat, ToChat: "c", Body: json.RawMessage(`{"content":"x"}`)}},
		{"webhook without key", servicebot.OutboxMessage{Kind: servicebot.OutWebhook, Body: json.RawMessage(`{"msgtype":"text","text":{"content":"x"}}`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc := newTestClient(t, newFakeWeCom())
			_, err := tc.Send(context.Background(), tt.msg)
			if !errors.Is(err, servicebot.ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
			if gettokens, calls, _ := tc.fake.counts(); gettokens != 0 || len(calls) != 0 {
				t.Errorf("%d gettoken and %d API calls for a row that can never be sent, want none", gettokens, len(calls))
			}
		})
	}
}

// RobotBroadcast in the SDK returns a nil error with a non-zero errcode;
// the client must not report such a send as delivered.
func TestWebhookErrcodeIsAnError(t *testing.T) {
	fake := newFakeWeCom()
	fake.errcodes = []int64{wecommsg.CodeAPIFreqLimit}
	tc := newTestClient(t, fake)
	_, err := tc.Send(context.Background(), servicebot.OutboxMessage{Kind: servicebot.OutWebhook, ToChat: "robot-key-1",
		Body: json.RawMessage(`{"msgtype":"text","text":{"content":"x"}}`)})
	apiErr, ok := errors.AsType[*wecommsg.APIError](err)
	if !ok || apiErr.API != "webhook/send" || apiErr.Code != wecommsg.CodeAPIFreqLimit || !apiErr.Temporary() {
		t.Fatalf("err = %v, want a temporary webhook/send APIError 45009", err)
	}
	if strings.Contains(err.Error(), "robot-key-1") {
		t.Errorf("error %q shows the robot key", err)
	}
}

func TestTransportErrorsAreRedacted(t *testing.T) {
	tests := []struct {
		name    string
		fault   func(f *fakeWeCom)
		msg     servicebot.OutboxMessage
		api     string
		secrets []string
	}{
		{
			name:    "message/send answers 502",
			fault:   func(f *fakeWeCom) { f.apiStatus = http.StatusBadGateway },
			msg:     textTo("zhangsan", "hi"),
			api:     "message/send",
			secrets: []string{"tok-1"},
		},
		{
			name:    "gettoken answers 500",
			fault:   func(f *fakeWeCom) { f.tokenStatus = http.StatusInternalServerError },
			msg:     textTo("zhangsan", "hi"),
			api:     "gettoken",
			secrets: []string{clientSecret},
		},
		{
			name:    "webhook answers 502",
			fault:   func(f *fakeWeCom) { f.apiStatus = http.StatusBadGateway },
			msg:     servicebot.OutboxMessage{Kind: servicebot.OutWebhook, ToChat: "robot-key-1", Body: json.RawMessage(`{"msgtype":"text","text":{"content":"x"}}`)},
			api:     "webhook/send",
			secrets: []string{"robot-key-1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeWeCom()
			tt.fault(fake)
			tc := newTestClient(t, fake)
			_, err := tc.Send(context.Background(), tt.msg)
			if err == nil {
				t.Fatal("Send succeeded against a failing server")
			}
			if _, ok := errors.AsType[*wecommsg.APIError](err); ok {
				t.Errorf("err = %v is an APIError; a transport failure carries no errcode", err)
			}
			if !strings.Contains(err.Error(), "REDACTED") {
				t.Errorf("error %q: expected the SDK's URL with its credential redacted", err)
			}
			for _, s := range append(tt.secrets, clientSecret) {
				if strings.Contains(err.Error(), s) || strings.Contains(tc.logs.String(), s) {
					t.Errorf("secret %q leaked: error %q, logs %q", s, err, tc.logs.String())
				}
			}
			if n := apiErrors(t, tc.metrics, tt.api, "http"); n != 1 {
				t.Errorf("transport failures of %s = %v, want 1", tt.api, n)
			}
		})
	}
}

func TestCanceledContextSendsNothing(t *testing.T) {
	tc := newTestClient(t, newFakeWeCom())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := tc.Send(ctx, textTo("zhangsan", "hi"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if gettokens, calls, _ := tc.fake.counts(); gettokens != 0 || len(calls) != 0 {
		t.Errorf("%d gettoken and %d API calls after cancel, want none", gettokens, len(calls))
	}
}

func TestAddressBookAndOAuth(t *testing.T) {
	tc := newTestClient(t, newFakeWeCom())
	ctx := context.Background()

	deps, err := tc.ListDepartments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantDeps := []bot.Department{
		{ID: 1, Name: "总部", ParentID: 0, Order: 100000000, Leaders: []string{"gm"}},
		{ID: 2, Name: "售后服务部", ParentID: 1, Order: 99999000, Leaders: []string{"manager1"}},
	}
	if !reflect.DeepEqual(deps, wantDeps) {
		t.Errorf("departments = %+v, want %+v", deps, wantDeps)
	}

	users, err := tc.ListUsers(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	wantUsers := []bot.User{{UserID: "zhangsan", Name: "张三", Departments: []int64{2}, MainDepartment: 2, Position: "售后工程师",
		IsLeaderInDept: []int{0}, DirectLeader: []string{"manager1"}, Status: 1}}
	if !reflect.DeepEqual(users, wantUsers) {
		t.Errorf("users = %+v, want %+v", users, wantUsers)
	}
	if _, err := tc.ListUsers(ctx, 99); !isAPIError(err, 60003) {
		t.Errorf("ListUsers(99) err = %v, want APIError 60003", err)
	}

	oauth := []struct {
		code     string
		want     string
		wantErr  error
		wantCode int64
	}{
		{code: "code-zhangsan", want: "zhangsan"},
		{code: "code-outsider", wantErr: servicebot.ErrNotFound},
		{code: "expired&code=code-zhangsan", wantCode: 40029}, // escaped, not a second parameter
	}
	for _, o := range oauth {
		got, err := tc.UserIDFromOAuthCode(ctx, o.code)
		switch {
		case o.wantErr != nil && !errors.Is(err, o.wantErr),
			o.wantCode != 0 && !isAPIError(err, o.wantCode),
			o.wantErr == nil && o.wantCode == 0 && (err != nil || got != o.want):
			t.Errorf("UserIDFromOAuthCode(%q) = %q, %v; want %q, %v, errcode %d", o.code, got, err, o.want, o.wantErr, o.wantCode)
		}
	}

	for _, chatID := range []string{"chat-service", ""} {
		got, err := tc.CreateAppChat(ctx, "售后服务部", "manager1", []string{"manager1", "zhangsan"}, chatID)
		want := chatID
		if want == "" {
			want = "wrk-auto-chat"
		}
		if err != nil || got != want {
			t.Errorf("CreateAppChat(chatid %q) = %q, %v; want %q", chatID, got, err, want)
		}
	}
	_, calls, _ := tc.fake.counts()
	last := calls[len(calls)-1]
	assertSameJSON(t, last.body, `{"name":"售后服务部","owner":"manager1","userlist":["manager1","zhangsan"]}`)
}

func isAPIError(err error, code int64) bool {
	apiErr, ok := errors.AsType[*wecommsg.APIError](err)
	return ok && apiErr.Code == code
}
