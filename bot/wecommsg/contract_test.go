package wecommsg

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecomsim"
)

// What the builders make passes the strict simulator's documented schema, in
// the request the client wraps it in.
func TestBuildersPassTheDocumentedSchema(t *testing.T) {
	wrap := func(fields map[string]any) []byte {
		b, err := json.Marshal(fields)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	card, err := validCard().JSON()
	if err != nil {
		t.Fatal(err)
	}
	text, _ := Text("您目前没有工单。")
	update, err := UpdateCard([]string{"li"}, "code", validCard(), "已确认")
	if err != nil {
		t.Fatal(err)
	}
	relabel, _ := UpdateButton([]string{"li"}, "code", "已再次提醒 3 人")
	withAgent := func(body json.RawMessage) []byte {
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		m["agentid"] = 1
		return wrap(m)
	}
	send := func(msgType string, body json.RawMessage) []byte {
		return wrap(map[string]any{"touser": "li", "msgtype": msgType, "agentid": 1, msgType: body,
			"enable_duplicate_check": 1, "duplicate_check_interval": 14400})
	}
	checks := map[string]struct {
		api  string
		body []byte
	}{
		"text":        {"message/send", send("text", text)},
		"markdown":    {"message/send", send("markdown", text)},
		"card":        {"message/send", send("template_card", card)},
		"update card": {"message/update_template_card", withAgent(update)},
		"relabel":     {"message/update_template_card", withAgent(relabel)},
	}
	long := strings.Repeat("第一行\n", 1000)
	for _, g := range []struct {
		name  string
		group Group
		api   string
	}{{"app chat", Group{ChatID: "c1"}, "appchat/send"}, {"robot", Group{RobotKey: "k"}, "webhook/send"}} {
		rows, err := g.group.Posts(servicebot.OutboxMessage{DedupKey: "p"}, long)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			body := r.Body
			if g.api == "appchat/send" {
				var m map[string]any
				_ = json.Unmarshal(body, &m)
				m["chatid"] = r.ToChat
				body = wrap(m)
			}
			checks[g.name+" part "+string(rune('1'+i))] = struct {
				api  string
				body []byte
			}{g.api, body}
		}
	}
	for name, c := range checks {
		if err := wecomsim.CheckRequest(c.api, c.body); err != nil {
			t.Errorf("%s: %v\n%s", name, err, c.body)
		}
	}
}
