package wecomsim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot/bot/wecomsim"
	"github.com/servicebot/servicebot/internal/testclock"
)

const (
	testCorpID  = "ww1234567890abcdef"
	testSecret  = "app-secret"
	testAgentID = 1000002
	testToken   = "callback-token"
	// 43 characters: base64 of a 32-byte AES key without the trailing "=".
	testAESKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
)

type fixture struct {
	sim   *wecomsim.Sim
	srv   *httptest.Server
	clock *testclock.Clock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clock := testclock.At(time.Date(2025, 3, 10, 9, 15, 0, 0, time.FixedZone("CST", 8*3600)))
	departments, members := wecomsim.DemoDirectory()
	sim := wecomsim.New(wecomsim.Options{
		CorpID: testCorpID, Secret: testSecret, AgentID: testAgentID,
		Token: testToken, EncodingAESKey: testAESKey,
		Members: members, Departments: departments, Clock: clock,
	})
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	return &fixture{sim: sim, srv: srv, clock: clock}
}

// answer holds the fields of any WeCom API answer the tests look at.
type answer struct {
	ErrCode      int64           `json:"errcode"`
	ErrMsg       string          `json:"errmsg"`
	AccessToken  string          `json:"access_token"`
	ExpiresIn    int64           `json:"expires_in"`
	MsgID        string          `json:"msgid"`
	ResponseCode string          `json:"response_code"`
	InvalidUser  json.RawMessage `json:"invaliduser"` // a "|" string from message/send, a list from update_template_card
	ChatID       string          `json:"chatid"`
	UserID       string          `json:"userid"`
	OldUserID    string          `json:"UserId"`
	Name         string          `json:"name"`
	Position     string          `json:"position"`
	UserList     []struct {
		UserID     string  `json:"userid"`
		Name       string  `json:"name"`
		Department []int64 `json:"department"`
		Position   string  `json:"position"`
	} `json:"userlist"`
	// Department is a list of ids from user/get, a list of departments from department/list.
	Department json.RawMessage `json:"department"`
}

type departmentAnswer struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	ParentID int64  `json:"parentid"`
}

func (a answer) departments(t *testing.T) []departmentAnswer {
	t.Helper()
	var out []departmentAnswer
	if err := json.Unmarshal(a.Department, &out); err != nil {
		t.Fatalf("department: %v: %s", err, a.Department)
	}
	return out
}

func (a answer) invalidUsers() string {
	var s string
	_ = json.Unmarshal(a.InvalidUser, &s)
	return s
}

// call performs one API request; body is marshalled to JSON unless it is
// already a string. It fails the test on transport errors and non-JSON answers.
func (f *fixture) call(t *testing.T, method, path string, body any) (int, answer) {
	t.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, reader)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var a answer
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("%s %s: answer is not JSON (%d): %s", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, a
}

func (f *fixture) token(t *testing.T) string {
	t.Helper()
	_, a := f.call(t, "GET", "/cgi-bin/gettoken?corpid="+testCorpID+"&corpsecret="+testSecret, nil)
	if a.ErrCode != 0 || a.AccessToken == "" {
		t.Fatalf("gettoken: %+v", a)
	}
	return a.AccessToken
}

func (f *fixture) post(t *testing.T, api, token string, body any) answer {
	t.Helper()
	_, a := f.call(t, "POST", "/cgi-bin/"+api+"?access_token="+url.QueryEscape(token), body)
	return a
}

func (f *fixture) get(t *testing.T, api, token string, query url.Values) answer {
	t.Helper()
	if query == nil {
		query = url.Values{}
	}
	query.Set("access_token", token)
	_, a := f.call(t, "GET", "/cgi-bin/"+api+"?"+query.Encode(), nil)
	return a
}

func textMsg(to, content string) map[string]any {
	return map[string]any{"touser": to, "msgtype": "text", "agentid": testAgentID,
		"text": map[string]any{"content": content}}
}

func buttonCard(to, taskID string) map[string]any {
	return map[string]any{"touser": to, "msgtype": "template_card", "agentid": testAgentID,
		"template_card": map[string]any{
			"card_type":  "button_interaction",
			"task_id":    taskID,
			"main_title": map[string]any{"title": "费用报销审批", "desc": "张伟 提交"},
			"horizontal_content_list": []map[string]any{
				{"keyname": "金额", "value": "1200 元"},
			},
			"button_list": []map[string]any{
				{"text": "同意", "style": 1, "key": "approve"},
				{"text": "驳回", "style": 3, "key": "reject"},
			},
		}}
}
