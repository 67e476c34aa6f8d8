package wecomsim_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"testing"
)

// memHistory is a History in memory, as the demo's database keeps it:
// records in the order first put, replaced in place.
type memHistory struct {
	mu    sync.Mutex
	order []string
	rec   map[string][3]string
}

func (h *memHistory) PutSimRecord(_ context.Context, kind, name string, body []byte) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rec == nil {
		h.rec = map[string][3]string{}
	}
	k := kind + "\x00" + name
	if _, seen := h.rec[k]; !seen {
		h.order = append(h.order, k)
	}
	h.rec[k] = [3]string{kind, name, string(body)}
	return nil
}

func (h *memHistory) EachSimRecord(_ context.Context, fn func(kind, name string, body []byte) error) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, k := range h.order {
		r := h.rec[k]
		if err := fn(r[0], r[1], []byte(r[2])); err != nil {
			return err
		}
	}
	return nil
}

// A simulator that keeps its history shows, after a restart, the earlier
// conversation as it was: the member's messages, the bot's answers, the
// card with its greyed-out button, the group chat; its buttons still work
// and new messages follow the old ones.
func TestHistorySurvivesARestart(t *testing.T) {
	hist := &memHistory{}
	f := newFixture(t)
	stop, err := f.sim.KeepHistory(t.Context(), hist)
	if err != nil {
		t.Fatal(err)
	}
	rc := withReceiver(t, f)
	token := f.token(t)
	if status, a := pagePost(t, f, "/sim/api/send", map[string]string{"user": "sunli", "content": "查看待审批"}); status != http.StatusOK {
		t.Fatalf("send: %d %+v", status, a)
	}
	f.post(t, "message/send", token, textMsg("sunli", "您有 1 项待审批"))
	f.post(t, "message/send", token, buttonCard("sunli", "apv-9"))
	// A card whose response_code the bot keeps to update it later.
	later := f.post(t, "message/send", token, buttonCard("zhangwei", "apv-10"))
	f.post(t, "appchat/create", token, map[string]any{"name": "售后服务群",
		"userlist": []string{"sunli", "zhangwei"}, "chatid": "aftersales"})
	f.post(t, "appchat/send", token, map[string]any{"chatid": "aftersales", "msgtype": "text",
		"text": map[string]any{"content": "群消息"}})
	var before pageMessages
	pageGet(t, f, "/sim/api/messages?user=sunli&after=0", &before)
	if len(before.Items) != 3 {
		t.Fatalf("before the restart: %+v", before.Items)
	}
	pagePost(t, f, "/sim/api/click", map[string]any{"user": "sunli", "seq": before.Items[2].Seq, "key": "approve"})
	used := rc.last(t).msg.ResponseCode
	f.post(t, "message/update_template_card", token, map[string]any{"agentid": testAgentID,
		"response_code": used, "button": map[string]any{"replace_name": "已同意"}})
	pageGet(t, f, "/sim/api/messages?user=sunli&after=0", &before)
	var chatBefore pageMessages
	pageGet(t, f, "/sim/api/messages?chat=aftersales", &chatBefore)
	stop()

	// The restarted demo: a new simulator over the same database.
	g := newFixture(t)
	if _, err := g.sim.KeepHistory(t.Context(), hist); err != nil {
		t.Fatal(err)
	}
	withReceiver(t, g)
	var after, chatAfter pageMessages
	pageGet(t, g, "/sim/api/messages?user=sunli&after=0", &after)
	pageGet(t, g, "/sim/api/messages?chat=aftersales", &chatAfter)
	if !reflect.DeepEqual(normalize(after.Items), normalize(before.Items)) {
		t.Fatalf("after the restart the conversation is\n%+v\nwant\n%+v", after.Items, before.Items)
	}
	if len(after.Items) != 5 || after.Items[2].Replaced != "已同意" {
		t.Errorf("the card's greyed-out button was not kept: %+v", after.Items)
	}
	if !reflect.DeepEqual(normalize(chatAfter.Items), normalize(chatBefore.Items)) || len(chatAfter.Items) != 1 {
		t.Errorf("group chat after the restart %+v, want %+v", chatAfter.Items, chatBefore.Items)
	}
	if after.Cursor < before.Cursor {
		t.Errorf("the cursor went back from %d to %d: an open page would miss new messages", before.Cursor, after.Cursor)
	}
	// The group chat is still known to the API, and new messages come after the old.
	if a := g.post(t, "appchat/send", g.token(t), map[string]any{"chatid": "aftersales", "msgtype": "text",
		"text": map[string]any{"content": "重启后"}}); a.ErrCode != 0 {
		t.Fatalf("appchat/send after the restart: %+v", a)
	}
	// The kept response_codes: one still valid updates its card, a used one stays used.
	token2 := g.token(t)
	if a := g.post(t, "message/update_template_card", token2, map[string]any{"agentid": testAgentID,
		"response_code": later.ResponseCode, "button": map[string]any{"replace_name": "已处理"}}); a.ErrCode != 0 {
		t.Errorf("the card's response_code after the restart: %+v", a)
	}
	if a := g.post(t, "message/update_template_card", token2, map[string]any{"agentid": testAgentID,
		"response_code": used, "button": map[string]any{"replace_name": "再次"}}); a.ErrCode == 0 {
		t.Errorf("a response_code used before the restart was accepted again")
	}
	pagePost(t, g, "/sim/api/send", map[string]string{"user": "sunli", "content": "还在吗"})
	var newer pageMessages
	pageGet(t, g, "/sim/api/messages?user=sunli&after="+strconv.Itoa(before.Cursor), &newer)
	if len(newer.Items) != 1 || newer.Items[0].Content != "还在吗" || newer.Items[0].Seq <= before.Items[len(before.Items)-1].Seq {
		t.Errorf("a new message after the restart: %+v", newer.Items)
	}
}

// normalize drops what a page may see differently on two loads of one
// conversation: nothing but JSON spacing of the cards.
func normalize(items []pageItem) []pageItem {
	out := make([]pageItem, len(items))
	for i, it := range items {
		if len(it.Card) > 0 {
			var v any
			_ = json.Unmarshal(it.Card, &v)
			it.Card, _ = json.Marshal(v)
		}
		out[i] = it
	}
	return out
}
