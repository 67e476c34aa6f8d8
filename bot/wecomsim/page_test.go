package wecomsim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

type pageItem struct {
	ID       string          `json:"id"`
	Seq      int             `json:"seq"`
	From     string          `json:"from"`
	Type     string          `json:"type"`
	Content  string          `json:"content"`
	Card     json.RawMessage `json:"card"`
	TaskID   string          `json:"task_id"`
	Replaced string          `json:"replaced"`
	Pending  bool            `json:"pending"`
	Status   int             `json:"status"`
	Error    string          `json:"error"`
}

type pageMessages struct {
	Cursor int        `json:"cursor"`
	Items  []pageItem `json:"items"`
}

type pageAnswer struct {
	Status   int    `json:"status"`
	Error    string `json:"error"`
	Replaced string `json:"replaced"`
}

func pageGet(t *testing.T, f *fixture, path string, v any) int {
	t.Helper()
	resp, err := http.Get(f.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode
}

func pagePost(t *testing.T, f *fixture, path string, body any) (int, pageAnswer) {
	t.Helper()
	raw, _ := json.Marshal(body)
	resp, err := http.Post(f.srv.URL+path, "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a pageAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	return resp.StatusCode, a
}

func TestPageAndAssets(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		path, wantType string
		want           []string
	}{
		{"/sim", "text/html", []string{"企业微信模拟器", `src="static/app.js"`, `href="static/app.css"`}},
		{"/sim/", "text/html", []string{`lang="zh-CN"`, "viewport", "选择一位成员"}},
		{"/sim/static/app.js", "javascript", []string{"api/messages", "api/click", "api/send"}},
		{"/sim/static/app.css", "text/css", []string{"@media"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := http.Get(f.srv.URL + tt.path) // follows /sim → /sim/
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), tt.wantType) {
				t.Fatalf("status %d type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			for _, w := range tt.want {
				if !strings.Contains(string(body), w) {
					t.Errorf("lacks %q", w)
				}
			}
			if strings.Contains(string(body), "http://") || strings.Contains(string(body), "https://") {
				t.Errorf("references an external resource")
			}
		})
	}
}

func TestPageMembersAndChats(t *testing.T) {
	f := newFixture(t)
	token := f.token(t)
	f.post(t, "appchat/create", token, map[string]any{"name": "售后服务群",
		"userlist": []string{"sunli", "zhangwei"}, "chatid": "aftersales"})
	f.sim.AddRobot("k1", "售后服务部群机器人")

	var got struct {
		Members []struct {
			UserID, Name, Position string
			Departments            []string
		}
		Chats []struct{ Kind, ID, Name string }
	}
	if status := pageGet(t, f, "/sim/api/members", &got); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	if len(got.Members) != 14 || got.Members[0].UserID != "zhangwei" || got.Members[0].Name != "张伟" ||
		!strings.Contains(got.Members[0].Position, "西南") || got.Members[0].Departments[0] != "售后服务部" {
		t.Fatalf("members = %+v", got.Members)
	}
	if len(got.Chats) != 2 || got.Chats[0].Kind != "chat" || got.Chats[0].Name != "售后服务群" ||
		got.Chats[1].Kind != "robot" || got.Chats[1].Name != "售后服务部群机器人" {
		t.Fatalf("chats = %+v", got.Chats)
	}
}

func TestPageConversation(t *testing.T) {
	f := newFixture(t)
	rc := withReceiver(t, f)
	token := f.token(t)

	// The member writes; the bot answers with text and a card.
	status, a := pagePost(t, f, "/sim/api/send", map[string]string{"user": "sunli", "content": " 查看待审批 "})
	if status != http.StatusOK || a.Status != http.StatusOK {
		t.Fatalf("send: %d %+v", status, a)
	}
	if m := rc.last(t).msg; m.FromUserName != "sunli" || m.Content != "查看待审批" {
		t.Fatalf("the bot got %+v", m)
	}
	f.post(t, "message/send", token, textMsg("sunli", "您有 1 项待审批"))
	card := f.post(t, "message/send", token, buttonCard("sunli", "apv-9"))
	f.post(t, "message/send", token, textMsg("zhangwei", "别人的消息"))

	var conv pageMessages
	pageGet(t, f, "/sim/api/messages?user=sunli&after=0", &conv)
	if len(conv.Items) != 3 {
		t.Fatalf("items = %+v, want the member's message, the text and the card", conv.Items)
	}
	mine, text, cardItem := conv.Items[0], conv.Items[1], conv.Items[2]
	if mine.From != "me" || mine.Content != "查看待审批" || mine.Status != http.StatusOK || mine.Pending {
		t.Fatalf("own message = %+v", mine)
	}
	if text.From != "bot" || text.Type != "text" || text.Content != "您有 1 项待审批" {
		t.Fatalf("text = %+v", text)
	}
	if cardItem.Type != "template_card" || cardItem.TaskID != "apv-9" || !strings.Contains(string(cardItem.Card), "同意") {
		t.Fatalf("card = %+v", cardItem)
	}

	var none pageMessages
	pageGet(t, f, "/sim/api/messages?user=sunli&after="+strconv.Itoa(conv.Cursor), &none)
	if len(none.Items) != 0 || none.Cursor != conv.Cursor {
		t.Fatalf("nothing new, yet got %+v", none)
	}

	// Clicking a button posts the event with a usable response_code.
	status, a = pagePost(t, f, "/sim/api/click", map[string]any{"user": "sunli", "seq": cardItem.Seq, "key": "approve"})
	// As in WeCom, a click alone changes nothing on the card: only the
	// app's update does.
	if status != http.StatusOK || a.Status != http.StatusOK || a.Replaced != "" {
		t.Fatalf("click: %d %+v, want 200 and the card unchanged", status, a)
	}
	ev := rc.last(t).msg
	if ev.Event != "template_card_event" || ev.TaskId != "apv-9" || ev.EventKey != "approve" ||
		ev.CardType != "button_interaction" || ev.ResponseCode == "" || ev.ResponseCode == card.ResponseCode {
		t.Fatalf("click event = %+v, want a fresh response_code", ev)
	}
	update := f.post(t, "message/update_template_card", token, map[string]any{"agentid": testAgentID,
		"response_code": ev.ResponseCode, "button": map[string]any{"replace_name": "已同意"}})
	if update.ErrCode != 0 {
		t.Fatalf("the click's response_code does not update the card: %+v", update)
	}

	// A second click on a greyed-out card is refused; so are foreign cards and keys.
	for _, tt := range []struct {
		name string
		body map[string]any
		want int
	}{
		{"greyed out", map[string]any{"user": "sunli", "seq": cardItem.Seq, "key": "approve"}, http.StatusConflict},
		{"unknown key", map[string]any{"user": "sunli", "seq": cardItem.Seq, "key": "delete"}, http.StatusNotFound},
		{"someone else's card", map[string]any{"user": "zhangwei", "seq": cardItem.Seq, "key": "approve"}, http.StatusNotFound},
		{"not a card", map[string]any{"user": "sunli", "seq": text.Seq, "key": "approve"}, http.StatusNotFound},
	} {
		if status, a := pagePost(t, f, "/sim/api/click", tt.body); status != tt.want || a.Error == "" {
			t.Errorf("%s: %d %+v, want %d with a reason", tt.name, status, a, tt.want)
		}
	}

	// A reloaded page sees the click and the update.
	var again pageMessages
	pageGet(t, f, "/sim/api/messages?user=sunli&after=0", &again)
	var sawUpdate, sawClick bool
	for _, it := range again.Items {
		switch {
		case it.Type == "update_button" && it.Content == "已同意":
			sawUpdate = true
		case it.From == "me" && strings.Contains(it.Content, "同意"):
			sawClick = true
		}
	}
	if !sawUpdate || !sawClick || again.Items[2].Replaced != "已同意" {
		t.Fatalf("reloaded conversation = %+v", again.Items)
	}
}

func TestPageFailures(t *testing.T) {
	f := newFixture(t)
	rc := withReceiver(t, f)
	for _, tt := range []struct {
		name, path string
		body       any
		want       int
	}{
		{"unknown member", "/sim/api/send", map[string]string{"user": "ghost", "content": "x"}, http.StatusNotFound},
		{"empty text", "/sim/api/send", map[string]string{"user": "sunli", "content": "  "}, http.StatusBadRequest},
		{"not json", "/sim/api/send", "x", http.StatusBadRequest},
		{"enter as unknown", "/sim/api/enter", map[string]string{"user": "ghost"}, http.StatusNotFound},
	} {
		if status, a := pagePost(t, f, tt.path, tt.body); status != tt.want || a.Error == "" {
			t.Errorf("%s: %d %+v, want %d with a reason", tt.name, status, a, tt.want)
		}
	}
	var bad struct{ Error string }
	if status := pageGet(t, f, "/sim/api/messages", &bad); status != http.StatusBadRequest || bad.Error == "" {
		t.Errorf("messages without a conversation: %d %+v", status, bad)
	}

	// The bot failing is shown, not hidden.
	rc.status = http.StatusServiceUnavailable
	if status, a := pagePost(t, f, "/sim/api/send", map[string]string{"user": "sunli", "content": "在吗"}); status != http.StatusOK || a.Status != 503 {
		t.Fatalf("send to a failing bot: %d %+v", status, a)
	}
	var conv pageMessages
	pageGet(t, f, "/sim/api/messages?user=sunli", &conv)
	if len(conv.Items) != 1 || conv.Items[0].Status != 503 {
		t.Fatalf("conversation = %+v", conv.Items)
	}

	// Entering the app posts enter_agent.
	rc.status = 0
	if status, _ := pagePost(t, f, "/sim/api/enter", map[string]string{"user": "sunli"}); status != http.StatusOK {
		t.Fatalf("enter: %d", status)
	}
	if ev := rc.last(t).msg; ev.Event != "enter_agent" || ev.FromUserName != "sunli" {
		t.Fatalf("enter event = %+v", ev)
	}

	// Without a callback URL the page says so.
	f.sim.SetCallbackURL("")
	if status, a := pagePost(t, f, "/sim/api/send", map[string]string{"user": "sunli", "content": "x"}); status != http.StatusBadGateway || a.Error == "" {
		t.Fatalf("no callback URL: %d %+v", status, a)
	}
}

func TestPageGroupConversations(t *testing.T) {
	f := newFixture(t)
	token := f.token(t)
	f.sim.AddRobot("k1", "售后服务部群机器人")
	f.post(t, "appchat/create", token, map[string]any{"name": "售后服务群",
		"userlist": []string{"sunli", "zhangwei"}, "chatid": "aftersales"})
	f.post(t, "appchat/send", token, map[string]any{"chatid": "aftersales", "msgtype": "text",
		"text": map[string]any{"content": "群消息"}})
	f.call(t, "POST", "/cgi-bin/webhook/send?key=k1", map[string]any{"msgtype": "markdown",
		"markdown": map[string]any{"content": "**机器人**"}})

	var chat, robot, member pageMessages
	pageGet(t, f, "/sim/api/messages?chat=aftersales", &chat)
	pageGet(t, f, "/sim/api/messages?robot="+url.QueryEscape("售后服务部群机器人"), &robot)
	pageGet(t, f, "/sim/api/messages?user=zhangwei", &member)
	if len(chat.Items) != 1 || chat.Items[0].Content != "群消息" {
		t.Fatalf("chat = %+v", chat.Items)
	}
	if len(robot.Items) != 1 || robot.Items[0].Type != "markdown" {
		t.Fatalf("robot = %+v", robot.Items)
	}
	if len(member.Items) != 0 {
		t.Fatalf("group messages belong to the group view, not the member's: %+v", member.Items)
	}
}
