package wecomsim_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot/bot/wecomsim"
)

func TestGetToken(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name     string
		query    string
		wantCode int64
	}{
		{"ok", "corpid=" + testCorpID + "&corpsecret=" + testSecret, 0},
		{"wrong secret", "corpid=" + testCorpID + "&corpsecret=nope", 40001},
		{"missing secret", "corpid=" + testCorpID, 41004},
		{"wrong corpid", "corpid=wwother&corpsecret=" + testSecret, 40013},
		{"missing corpid", "corpsecret=" + testSecret, 41002},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, a := f.call(t, "GET", "/cgi-bin/gettoken?"+tt.query, nil)
			if a.ErrCode != tt.wantCode {
				t.Fatalf("errcode = %d (%s), want %d", a.ErrCode, a.ErrMsg, tt.wantCode)
			}
			if tt.wantCode == 0 && (a.AccessToken == "" || a.ExpiresIn != 7200) {
				t.Fatalf("token %q expires_in %d, want a token for 7200 s", a.AccessToken, a.ExpiresIn)
			}
			if tt.wantCode != 0 && a.AccessToken != "" {
				t.Fatalf("a failed gettoken handed out a token")
			}
		})
	}
	if got := f.sim.TokenCalls(); got != len(tests) {
		t.Fatalf("TokenCalls = %d, want %d (failed calls count too)", got, len(tests))
	}
}

func TestTokenLifecycle(t *testing.T) {
	f := newFixture(t)
	first := f.token(t)
	if again := f.token(t); again != first {
		t.Fatalf("a valid token must be handed out again, got a new one")
	}
	if a := f.post(t, "message/send", first, textMsg("zhangwei", "你好")); a.ErrCode != 0 {
		t.Fatalf("send with a fresh token: %+v", a)
	}

	f.clock.Add(7200 * time.Second)
	if a := f.post(t, "message/send", first, textMsg("zhangwei", "你好")); a.ErrCode != 42001 {
		t.Fatalf("after 7200 s errcode = %d, want 42001", a.ErrCode)
	}
	second := f.token(t)
	if second == first {
		t.Fatal("an expired token was handed out again")
	}

	f.sim.ExpireTokens()
	if a := f.post(t, "message/send", second, textMsg("zhangwei", "你好")); a.ErrCode != 42001 {
		t.Fatalf("after ExpireTokens errcode = %d, want 42001", a.ErrCode)
	}
	third := f.token(t)
	if third == second {
		t.Fatal("ExpireTokens did not make gettoken issue a new token")
	}
	if a := f.post(t, "message/send", third, textMsg("zhangwei", "你好")); a.ErrCode != 0 {
		t.Fatalf("send with the new token: %+v", a)
	}
	if a := f.post(t, "message/send", "made-up", textMsg("zhangwei", "你好")); a.ErrCode != 40014 {
		t.Fatalf("unknown token errcode = %d, want 40014", a.ErrCode)
	}
	if _, a := f.call(t, "POST", "/cgi-bin/message/send", textMsg("zhangwei", "你好")); a.ErrCode != 41001 {
		t.Fatalf("missing token errcode = %d, want 41001", a.ErrCode)
	}
	if got := f.sim.TokenCalls(); got != 4 {
		t.Fatalf("TokenCalls = %d, want 4", got)
	}
}

func TestMessageSendValidation(t *testing.T) {
	f := newFixture(t)
	token := f.token(t)
	card := func(mutate func(c map[string]any)) map[string]any {
		m := buttonCard("zhangwei", "task-"+strings.Repeat("x", 3))
		mutate(m["template_card"].(map[string]any))
		return m
	}
	tests := []struct {
		name        string
		body        any
		wantCode    int64
		wantInvalid string
	}{
		{"text", textMsg("zhangwei", "今日工作：调试设备"), 0, ""},
		{"agentid as string", map[string]any{"touser": "zhangwei", "msgtype": "text",
			"agentid": "1000002", "text": map[string]any{"content": "x"}}, 0, ""},
		{"text of exactly 2048 bytes", textMsg("zhangwei", strings.Repeat("a", 2048)), 0, ""},
		{"text over 2048 bytes", textMsg("zhangwei", strings.Repeat("好", 683)), 45002, ""},
		{"empty text", textMsg("zhangwei", ""), 44004, ""},
		{"markdown", map[string]any{"touser": "zhangwei", "msgtype": "markdown", "agentid": testAgentID,
			"markdown": map[string]any{"content": "**日报**已收到"}}, 0, ""},
		{"unknown msgtype", map[string]any{"touser": "zhangwei", "msgtype": "mpnews", "agentid": testAgentID}, 40008, ""},
		{"wrong agentid", map[string]any{"touser": "zhangwei", "msgtype": "text", "agentid": 1,
			"text": map[string]any{"content": "x"}}, 40056, ""},
		{"bad json", `{"touser":`, 47001, ""},
		{"some invalid users", textMsg("zhangwei|nobody|ghost", "x"), 0, "nobody|ghost"},
		{"all users invalid", textMsg("nobody|ghost", "x"), 81013, ""},
		{"no recipients", textMsg("", "x"), 82001, ""},
		{"card without card_type", card(func(c map[string]any) { delete(c, "card_type") }), 40058, ""},
		{"interactive card without task_id", card(func(c map[string]any) { delete(c, "task_id") }), 40058, ""},
		{"button card without buttons", card(func(c map[string]any) { delete(c, "button_list") }), 40058, ""},
		{"text_notice card without task_id", map[string]any{"touser": "zhangwei", "msgtype": "template_card",
			"agentid": testAgentID, "template_card": map[string]any{"card_type": "text_notice",
				"main_title":  map[string]any{"title": "通知"},
				"card_action": map[string]any{"type": 1, "url": "https://work.weixin.qq.com"}}}, 0, ""},
		{"text_notice card without card_action", map[string]any{"touser": "zhangwei", "msgtype": "template_card",
			"agentid": testAgentID, "template_card": map[string]any{"card_type": "text_notice",
				"main_title": map[string]any{"title": "通知"}}}, 40058, ""},
		{"jump_list on a button card", card(func(c map[string]any) {
			c["jump_list"] = []map[string]any{{"type": 1, "title": "查看", "url": "https://example.com"}}
		}), 40058, ""},
		{"replace_text on a sent card", card(func(c map[string]any) { c["replace_text"] = "已处理" }), 40058, ""},
		{"seven buttons", card(func(c map[string]any) {
			var bs []map[string]any
			for i := range 7 {
				bs = append(bs, map[string]any{"text": "b", "key": strconv.Itoa(i)})
			}
			c["button_list"] = bs
		}), 40058, ""},
		{"unknown top-level field", map[string]any{"touser": "zhangwei", "msgtype": "text", "agentid": testAgentID,
			"text": map[string]any{"content": "x"}, "priority": 1}, 40058, ""},
		{"markdown over 2048 bytes", map[string]any{"touser": "zhangwei", "msgtype": "markdown", "agentid": testAgentID,
			"markdown": map[string]any{"content": strings.Repeat("a", 2049)}}, 45002, ""},
		{"interval over 4 hours", map[string]any{"touser": "zhangwei", "msgtype": "text", "agentid": testAgentID,
			"text": map[string]any{"content": "x"}, "enable_duplicate_check": 1, "duplicate_check_interval": 14401}, 40058, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.sim.Sent())
			a := f.post(t, "message/send", token, tt.body)
			if a.ErrCode != tt.wantCode {
				t.Fatalf("errcode = %d (%s), want %d", a.ErrCode, a.ErrMsg, tt.wantCode)
			}
			recorded := len(f.sim.Sent()) - before
			if tt.wantCode == 0 && (a.MsgID == "" || recorded != 1) {
				t.Fatalf("accepted send: msgid %q, %d records, want a msgid and 1 record", a.MsgID, recorded)
			}
			if tt.wantCode != 0 && recorded != 0 {
				t.Fatalf("rejected send was recorded")
			}
			if got := a.invalidUsers(); got != tt.wantInvalid {
				t.Fatalf("invaliduser = %q, want %q", got, tt.wantInvalid)
			}
		})
	}
}

func TestMessageSendRecordsCardsAndRecipients(t *testing.T) {
	f := newFixture(t)
	token := f.token(t)
	a := f.post(t, "message/send", token, buttonCard("zhangwei|sunli", "apv-1"))
	if a.ErrCode != 0 || a.ResponseCode == "" {
		t.Fatalf("card send: %+v, want a response_code", a)
	}
	if again := f.post(t, "message/send", token, buttonCard("zhangwei", "apv-1")); again.ErrCode != 40058 {
		t.Fatalf("reusing task_id: errcode %d, want 40058", again.ErrCode)
	}
	party := f.post(t, "message/send", token, map[string]any{"toparty": "2", "msgtype": "text",
		"agentid": testAgentID, "text": map[string]any{"content": "全体售后：明早例会"}})
	if party.ErrCode != 0 {
		t.Fatalf("toparty send: %+v", party)
	}
	sent := f.sim.Sent()
	if len(sent) != 2 {
		t.Fatalf("%d records, want 2", len(sent))
	}
	c := sent[0]
	if c.API != "message/send" || c.MsgType != "template_card" || c.TaskID != "apv-1" ||
		c.ResponseCode != a.ResponseCode || c.MsgID != a.MsgID || c.Content != "费用报销审批" ||
		len(c.Card) == 0 || len(c.Body) == 0 || !c.At.Equal(f.clock.Now()) {
		t.Fatalf("card record = %+v", c)
	}
	if strings.Join(c.ToUsers, ",") != "zhangwei,sunli" {
		t.Fatalf("ToUsers = %v", c.ToUsers)
	}
	if len(sent[1].ToUsers) != 8 { // the after-sales department of the demo directory
		t.Fatalf("toparty=2 reached %v, want the 8 members of 售后服务部", sent[1].ToUsers)
	}
	if sent[1].Seq <= c.Seq {
		t.Fatalf("Seq not increasing: %d then %d", c.Seq, sent[1].Seq)
	}
}

func TestDuplicateCheck(t *testing.T) {
	f := newFixture(t)
	token := f.token(t)
	body := `{"touser":"zhangwei","msgtype":"text","agentid":1000002,"text":{"content":"请提交日报"},` +
		`"enable_duplicate_check":1,"duplicate_check_interval":600}`
	// The same request with other key order and spacing is the same request.
	reordered := `{ "agentid": 1000002, "duplicate_check_interval": 600, "enable_duplicate_check": 1,
		"msgtype": "text", "text": {"content": "请提交日报"}, "touser": "zhangwei" }`

	first := f.post(t, "message/send", token, body)
	second := f.post(t, "message/send", token, reordered)
	if first.ErrCode != 0 || second.ErrCode != 0 {
		t.Fatalf("errcodes %d, %d: a duplicate is accepted", first.ErrCode, second.ErrCode)
	}
	if second.MsgID != first.MsgID {
		t.Fatalf("duplicate answered msgid %q, want the original %q", second.MsgID, first.MsgID)
	}
	sent := f.sim.Sent()
	if len(sent) != 2 || sent[0].Duplicate || !sent[1].Duplicate {
		t.Fatalf("records = %+v, want the second marked Duplicate", sent)
	}
	if n := len(f.sim.Delivered("zhangwei")); n != 1 {
		t.Fatalf("delivered %d, want 1", n)
	}

	f.clock.Add(601 * time.Second)
	third := f.post(t, "message/send", token, body)
	if third.ErrCode != 0 || third.MsgID == first.MsgID {
		t.Fatalf("after the interval: %+v, want a new message", third)
	}
	if n := len(f.sim.Delivered("zhangwei")); n != 2 {
		t.Fatalf("delivered %d after the interval, want 2", n)
	}

	// Without enable_duplicate_check the same body is delivered every time.
	plain := textMsg("liqiang", "同一句话")
	f.post(t, "message/send", token, plain)
	f.post(t, "message/send", token, plain)
	if n := len(f.sim.Delivered("liqiang")); n != 2 {
		t.Fatalf("without duplicate check delivered %d, want 2", n)
	}

	// A retried card keeps its response_code and does not trip over its own task_id.
	card := buttonCard("sunli", "apv-dup")
	card["enable_duplicate_check"] = 1
	c1 := f.post(t, "message/send", token, card)
	c2 := f.post(t, "message/send", token, card)
	if c1.ErrCode != 0 || c2.ErrCode != 0 || c2.ResponseCode != c1.ResponseCode {
		t.Fatalf("card retry: %+v then %+v", c1, c2)
	}
}

func TestSilentDrop(t *testing.T) {
	f := newFixture(t)
	token := f.token(t)
	for i := range 31 {
		if a := f.post(t, "message/send", token, textMsg("zhangwei", "提醒 "+string(rune('A'+i)))); a.ErrCode != 0 {
			t.Fatalf("message %d: errcode %d; WeCom drops silently, it never errors", i, a.ErrCode)
		}
		f.clock.Add(time.Second)
	}
	sent := f.sim.Sent()
	if sent[29].Dropped || !sent[30].Dropped {
		t.Fatalf("30th dropped=%v, 31st dropped=%v; want only the 31st dropped", sent[29].Dropped, sent[30].Dropped)
	}
	if n := len(f.sim.Delivered("zhangwei")); n != 30 {
		t.Fatalf("delivered %d, want 30", n)
	}

	// A message to several members is dropped only for the saturated one.
	f.post(t, "message/send", token, textMsg("zhangwei|liqiang", "两人都收"))
	last := f.sim.Sent()[31]
	if last.Dropped || strings.Join(last.DroppedUsers, ",") != "zhangwei" {
		t.Fatalf("Dropped=%v DroppedUsers=%v, want dropped for zhangwei only", last.Dropped, last.DroppedUsers)
	}
	if n := len(f.sim.Delivered("liqiang")); n != 1 {
		t.Fatalf("liqiang got %d, want 1", n)
	}

	// A minute after the first, room again.
	f.clock.Add(30 * time.Second)
	f.post(t, "message/send", token, textMsg("zhangwei", "一分钟后"))
	if n := len(f.sim.Delivered("zhangwei")); n != 31 {
		t.Fatalf("after the minute delivered %d, want 31", n)
	}
}

func TestUpdateTemplateCard(t *testing.T) {
	f := newFixture(t)
	token := f.token(t)
	sendCard := func(taskID string) string {
		a := f.post(t, "message/send", token, buttonCard("sunli", taskID))
		if a.ErrCode != 0 || a.ResponseCode == "" {
			t.Fatalf("card send: %+v", a)
		}
		return a.ResponseCode
	}
	relabel := func(code string) map[string]any {
		return map[string]any{"userids": []string{"sunli"}, "agentid": testAgentID,
			"response_code": code, "button": map[string]any{"replace_name": "已同意"}}
	}

	code := sendCard("apv-1")
	if a := f.post(t, "message/update_template_card", token, relabel(code)); a.ErrCode != 0 {
		t.Fatalf("first use: %+v", a)
	}
	if a := f.post(t, "message/update_template_card", token, relabel(code)); a.ErrCode != 42022 {
		t.Fatalf("second use: errcode %d, want 42022", a.ErrCode)
	}
	if a := f.post(t, "message/update_template_card", token, relabel("never-issued")); a.ErrCode != 40058 {
		t.Fatalf("unknown code: errcode %d, want 40058", a.ErrCode)
	}

	fresh := sendCard("apv-2")
	stale := sendCard("apv-3")
	f.clock.Add(72*time.Hour - time.Second)
	token = f.token(t) // the old one expired long ago
	newCard := map[string]any{"agentid": testAgentID, "response_code": fresh, "template_card": map[string]any{
		"card_type": "text_notice", "main_title": map[string]any{"title": "审批已通过"},
		"card_action": map[string]any{"type": 1, "url": "https://work.weixin.qq.com"}}}
	if a := f.post(t, "message/update_template_card", token, newCard); a.ErrCode != 0 {
		t.Fatalf("just under 72 h: %+v", a)
	}
	f.clock.Add(time.Second)
	if a := f.post(t, "message/update_template_card", token, relabel(stale)); a.ErrCode != 40058 {
		t.Fatalf("at 72 h: errcode %d, want 40058 (expired)", a.ErrCode)
	}
	if a := f.post(t, "message/update_template_card", token, map[string]any{"agentid": testAgentID,
		"response_code": sendCard("apv-4")}); a.ErrCode != 40058 {
		t.Fatalf("neither button nor card: errcode %d, want 40058", a.ErrCode)
	}

	var updates []wecomsim.Sent
	for _, m := range f.sim.Sent() {
		if m.API == "message/update_template_card" {
			updates = append(updates, m)
		}
	}
	if len(updates) != 2 {
		t.Fatalf("%d updates recorded, want 2", len(updates))
	}
	if u := updates[0]; u.MsgType != "update_button" || u.Content != "已同意" || u.TaskID != "apv-1" ||
		strings.Join(u.ToUsers, ",") != "sunli" {
		t.Fatalf("button update = %+v", u)
	}
	if u := updates[1]; u.MsgType != "template_card" || u.Content != "审批已通过" || u.TaskID != "apv-2" ||
		strings.Join(u.ToUsers, ",") != "sunli" {
		t.Fatalf("card update = %+v (recipients default to the card's)", u)
	}
}

func TestAppChat(t *testing.T) {
	f := newFixture(t)
	token := f.token(t)
	create := func(body map[string]any) answer { return f.post(t, "appchat/create", token, body) }

	a := create(map[string]any{"name": "售后服务群", "owner": "sunli",
		"userlist": []string{"sunli", "zhangwei", "liqiang"}, "chatid": "aftersales"})
	if a.ErrCode != 0 || a.ChatID != "aftersales" {
		t.Fatalf("create: %+v", a)
	}
	generated := create(map[string]any{"name": "临时群", "userlist": []string{"sunli", "wangjun"}})
	if generated.ErrCode != 0 || generated.ChatID == "" {
		t.Fatalf("create without chatid: %+v", generated)
	}
	for _, tt := range []struct {
		name string
		body map[string]any
		want int64
	}{
		{"chatid exists", map[string]any{"name": "x", "userlist": []string{"sunli", "zhangwei"}, "chatid": "aftersales"}, 86215},
		{"one member", map[string]any{"name": "x", "userlist": []string{"sunli"}}, 86006},
		{"unknown member", map[string]any{"name": "x", "userlist": []string{"sunli", "ghost"}}, 86007},
		{"owner outside", map[string]any{"name": "x", "owner": "xuli", "userlist": []string{"sunli", "zhangwei"}}, 86207},
		{"bad chatid", map[string]any{"name": "x", "userlist": []string{"sunli", "zhangwei"}, "chatid": "has space"}, 86001},
	} {
		if got := create(tt.body); got.ErrCode != tt.want {
			t.Errorf("%s: errcode %d, want %d", tt.name, got.ErrCode, tt.want)
		}
	}

	send := func(chatID string) answer {
		return f.post(t, "appchat/send", token, map[string]any{"chatid": chatID, "msgtype": "markdown",
			"markdown": map[string]any{"content": "本月 KPI 已发布"}})
	}
	if a := send("aftersales"); a.ErrCode != 0 {
		t.Fatalf("send: %+v", a)
	}
	if a := send("nosuchchat"); a.ErrCode != 86003 {
		t.Fatalf("unknown chat: errcode %d, want 86003", a.ErrCode)
	}
	got := f.sim.Delivered("liqiang")
	if len(got) != 1 || got[0].API != "appchat/send" || got[0].ChatID != "aftersales" || got[0].Content != "本月 KPI 已发布" {
		t.Fatalf("liqiang's messages = %+v", got)
	}
	if n := len(f.sim.Delivered("wangjun")); n != 0 {
		t.Fatalf("wangjun is not in the chat but got %d", n)
	}
}

func TestWebhookRobot(t *testing.T) {
	f := newFixture(t)
	f.sim.AddRobot("robot-key", "售后服务部群机器人")
	send := func(key string) answer {
		_, a := f.call(t, "POST", "/cgi-bin/webhook/send?key="+key,
			map[string]any{"msgtype": "text", "text": map[string]any{"content": "昨日 2 人未交日报"}})
		return a
	}
	if a := send("unknown"); a.ErrCode != 93000 {
		t.Fatalf("unknown key: errcode %d, want 93000", a.ErrCode)
	}
	for i := range 20 {
		if a := send("robot-key"); a.ErrCode != 0 {
			t.Fatalf("message %d: %+v", i, a)
		}
	}
	if a := send("robot-key"); a.ErrCode != 45009 {
		t.Fatalf("21st message in a minute: errcode %d, want 45009", a.ErrCode)
	}
	f.clock.Add(time.Minute)
	if a := send("robot-key"); a.ErrCode != 0 {
		t.Fatalf("a minute later: %+v", a)
	}
	sent := f.sim.Sent()
	if len(sent) != 21 || sent[0].API != "webhook/send" || sent[0].Robot != "售后服务部群机器人" ||
		sent[0].Content != "昨日 2 人未交日报" {
		t.Fatalf("%d records, first %+v", len(sent), sent[0])
	}
	if got := f.sim.Calls("webhook/send"); got != 23 {
		t.Fatalf("Calls = %d, want 23", got)
	}
}

func TestDirectory(t *testing.T) {
	f := newFixture(t)
	token := f.token(t)
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}

	list := f.get(t, "user/list", token, q("department_id", "2"))
	if list.ErrCode != 0 || len(list.UserList) != 8 || list.UserList[0].UserID != "zhangwei" ||
		list.UserList[0].Position == "" || list.UserList[0].Department[0] != 2 {
		t.Fatalf("user/list department 2: %+v", list)
	}
	if all := f.get(t, "user/list", token, q("department_id", "1", "fetch_child", "1")); len(all.UserList) != 14 {
		t.Fatalf("fetch_child from the root: %d members, want 14", len(all.UserList))
	}
	if root := f.get(t, "user/list", token, q("department_id", "1")); len(root.UserList) != 0 {
		t.Fatalf("root without fetch_child: %d members, want 0", len(root.UserList))
	}
	simple := f.get(t, "user/simplelist", token, q("department_id", "5"))
	if simple.ErrCode != 0 || len(simple.UserList) != 4 || simple.UserList[0].Position != "" {
		t.Fatalf("user/simplelist: %+v", simple)
	}
	if a := f.get(t, "user/list", token, q("department_id", "99")); a.ErrCode != 60003 {
		t.Fatalf("unknown department: errcode %d, want 60003", a.ErrCode)
	}
	user := f.get(t, "user/get", token, q("userid", "sunli"))
	if user.ErrCode != 0 || user.UserID != "sunli" || user.Name != "孙丽" || user.Position != "售后服务部经理" {
		t.Fatalf("user/get: %+v", user)
	}
	if a := f.get(t, "user/get", token, q("userid", "ghost")); a.ErrCode != 60111 {
		t.Fatalf("unknown user: errcode %d, want 60111", a.ErrCode)
	}
	depts := f.get(t, "department/list", token, nil)
	if all := depts.departments(t); depts.ErrCode != 0 || len(all) != 5 || all[1].ParentID != 1 {
		t.Fatalf("department/list: %+v", all)
	}
	if one := f.get(t, "department/list", token, q("id", "2")).departments(t); len(one) != 1 || one[0].Name != "售后服务部" {
		t.Fatalf("department/list?id=2: %+v", one)
	}
	if a := f.get(t, "department/list", token, q("id", "42")); a.ErrCode != 60003 {
		t.Fatalf("unknown department id: errcode %d, want 60003", a.ErrCode)
	}
	if a := f.get(t, "user/get", "bad-token", q("userid", "sunli")); a.ErrCode != 40014 {
		t.Fatalf("directory with a bad token: errcode %d, want 40014", a.ErrCode)
	}
}

func TestFaults(t *testing.T) {
	f := newFixture(t)
	token := f.token(t)

	f.sim.InjectFault("message/send", wecomsim.Fault{ErrCode: -1, ErrMsg: "system busy", Times: 2})
	for i := range 2 {
		if a := f.post(t, "message/send", token, textMsg("zhangwei", "x")); a.ErrCode != -1 || a.ErrMsg != "system busy" {
			t.Fatalf("faulted call %d: %+v", i, a)
		}
	}
	if a := f.post(t, "message/send", token, textMsg("zhangwei", "x")); a.ErrCode != 0 {
		t.Fatalf("after the fault ran out: %+v", a)
	}
	if got, sent := f.sim.Calls("message/send"), len(f.sim.Sent()); got != 3 || sent != 1 {
		t.Fatalf("Calls = %d, recorded = %d; want 3 calls and only the successful one recorded", got, sent)
	}

	// A plain HTTP failure: a gateway error with no JSON.
	f.sim.InjectFault("/cgi-bin/gettoken", wecomsim.Fault{HTTPStatus: http.StatusBadGateway})
	resp, err := http.Get(f.srv.URL + "/cgi-bin/gettoken?corpid=" + testCorpID + "&corpsecret=" + testSecret)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway || strings.Contains(string(body), "access_token") {
		t.Fatalf("status %d body %q, want a bare 502", resp.StatusCode, body)
	}

	// An errcode with an HTTP status.
	f.sim.InjectFault("message/send", wecomsim.Fault{ErrCode: 45009, HTTPStatus: http.StatusServiceUnavailable})
	status, a := f.call(t, "POST", "/cgi-bin/message/send?access_token="+token, textMsg("zhangwei", "x"))
	if status != http.StatusServiceUnavailable || a.ErrCode != 45009 {
		t.Fatalf("status %d errcode %d, want 503 and 45009", status, a.ErrCode)
	}

	// Latency alone delays the call, which then succeeds.
	f.sim.InjectFault("message/send", wecomsim.Fault{Latency: 50 * time.Millisecond})
	start := time.Now()
	if a := f.post(t, "message/send", token, textMsg("zhangwei", "慢")); a.ErrCode != 0 {
		t.Fatalf("latency-only fault: %+v", a)
	}
	if elapsed := time.Since(start); elapsed < 50*time.Millisecond {
		t.Fatalf("answered after %v, want at least 50ms", elapsed)
	}

	// Faults queue in order; Reset drops what is left.
	f.sim.InjectFault("message/send", wecomsim.Fault{ErrCode: 45033})
	f.sim.Reset()
	if a := f.post(t, "message/send", token, textMsg("zhangwei", "x")); a.ErrCode != 0 {
		t.Fatalf("after Reset: %+v", a)
	}
	if got := f.sim.Calls("message/send"); got != 1 {
		t.Fatalf("Calls after Reset = %d, want 1", got)
	}
}

func TestWaitFor(t *testing.T) {
	f := newFixture(t)
	token := f.token(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	done := make(chan error, 1)
	go func() {
		done <- f.sim.WaitFor(ctx, func(sent []wecomsim.Sent) bool {
			return len(sent) == 2
		})
	}()
	f.post(t, "message/send", token, textMsg("zhangwei", "一"))
	f.post(t, "message/send", token, textMsg("zhangwei", "二"))
	if err := <-done; err != nil {
		t.Fatalf("WaitFor: %v", err)
	}

	short, cancelShort := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancelShort()
	err := f.sim.WaitFor(short, func(sent []wecomsim.Sent) bool { return len(sent) > 10 })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitFor on an unmet condition = %v, want DeadlineExceeded", err)
	}
}
