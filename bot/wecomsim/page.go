package wecomsim

import (
	"embed"
	"encoding/json"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

//go:embed web
var webFiles embed.FS

// pages are parsed once; they are never modified afterwards.
var pages = template.Must(template.ParseFS(webFiles, "web/*.html"))

func (s *Sim) pageRoutes(mux *http.ServeMux) {
	static, err := fs.Sub(webFiles, "web/static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	mux.HandleFunc("GET /sim", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/sim/", http.StatusFound)
	})
	mux.HandleFunc("GET /sim/{$}", s.page)
	mux.Handle("GET /sim/static/", http.StripPrefix("/sim/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /sim/api/members", s.apiMembers)
	mux.HandleFunc("GET /sim/api/messages", s.apiMessages)
	mux.HandleFunc("POST /sim/api/send", s.apiSend)
	mux.HandleFunc("POST /sim/api/click", s.apiClick)
	mux.HandleFunc("POST /sim/api/enter", s.apiEnter)
	mux.HandleFunc("GET /sim/api/clock", s.apiClock)
	s.mediaRoutes(mux)
	mux.HandleFunc("POST /sim/api/clock", s.apiMoveClock)
}

func (s *Sim) page(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	data := struct {
		CorpID  string
		AgentID int64
	}{s.corpID, s.agentID}
	if err := pages.ExecuteTemplate(w, "index.html", data); err != nil {
		s.log.Error("wecomsim: render page", "err", err)
	}
}

type memberView struct {
	UserID      string   `json:"userid"`
	Name        string   `json:"name"`
	Position    string   `json:"position"`
	Departments []string `json:"departments"`
}

type chatView struct {
	Kind string `json:"kind"` // "chat" (app group chat) or "robot"
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (s *Sim) apiMembers(w http.ResponseWriter, _ *http.Request) {
	names := make(map[int64]string, len(s.departments))
	for _, d := range s.departments {
		names[d.ID] = d.Name
	}
	members := make([]memberView, 0, len(s.memberOrder))
	for _, uid := range s.memberOrder {
		m := s.members[uid]
		v := memberView{UserID: uid, Name: m.Name, Position: m.Position, Departments: []string{}}
		for _, d := range m.Departments {
			if n, found := names[d]; found {
				v.Departments = append(v.Departments, n)
			}
		}
		members = append(members, v)
	}
	chats := []chatView{}
	s.mu.Lock()
	for _, id := range s.chatOrder {
		chats = append(chats, chatView{Kind: "chat", ID: id, Name: s.chats[id].Name})
	}
	robots := make([]string, 0, len(s.robots))
	for _, name := range s.robots {
		robots = append(robots, name)
	}
	s.mu.Unlock()
	slices.Sort(robots)
	for _, name := range slices.Compact(robots) {
		chats = append(chats, chatView{Kind: "robot", ID: name, Name: name})
	}
	writeJSON(w, http.StatusOK, struct {
		Members []memberView `json:"members"`
		Chats   []chatView   `json:"chats"`
	}{members, chats})
}

// pageItem is one bubble of a conversation on the page.
type pageItem struct {
	ID       string          `json:"id"`   // "s<seq>" for what the bot sent, "u<seq>" for what the member sent
	Seq      int             `json:"seq"`  // order of the conversation
	From     string          `json:"from"` // "bot" or "me"
	Time     string          `json:"time"`
	Type     string          `json:"type"` // text, markdown, template_card, card_update, update_button, event, ...
	Content  string          `json:"content,omitempty"`
	Card     json.RawMessage `json:"card,omitempty"`
	TaskID   string          `json:"task_id,omitempty"`
	Replaced string          `json:"replaced,omitempty"` // grey text that replaces the card's buttons
	Pending  bool            `json:"pending,omitempty"`
	Status   int             `json:"status,omitempty"` // the bot's HTTP answer to a callback
	Error    string          `json:"error,omitempty"`
}

// apiMessages returns the conversation with a member (?user=), an app group
// chat (?chat=) or a robot (?robot=): the items that appeared or changed after
// the cursor ?after=, and the new cursor.
func (s *Sim) apiMessages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	after, _ := strconv.Atoi(q.Get("after"))
	user, chat, robot := q.Get("user"), q.Get("chat"), q.Get("robot")
	if user == "" && chat == "" && robot == "" {
		writeJSON(w, http.StatusBadRequest, struct {
			Error string `json:"error"`
		}{"需要 user、chat 或 robot 参数"})
		return
	}
	items := []pageItem{}
	s.mu.Lock()
	for _, m := range s.sent {
		if m.Seq <= after {
			continue
		}
		switch {
		case user != "" && m.API != "appchat/send" && m.deliveredTo(user):
		case chat != "" && m.API == "appchat/send" && m.ChatID == chat:
		case robot != "" && m.API == "webhook/send" && m.Robot == robot:
		default:
			continue
		}
		items = append(items, s.botItemLocked(m, user))
	}
	if user != "" {
		for _, e := range s.inbound {
			if e.rev > after && e.from == user {
				items = append(items, pageItem{ID: "u" + strconv.Itoa(e.seq), Seq: e.seq, From: "me",
					Time: e.at.In(beijing).Format("01-02 15:04"), Type: e.kind, Content: e.text,
					Pending: !e.done, Status: e.status, Error: e.err})
			}
		}
	}
	cursor := s.rev
	s.mu.Unlock()
	slices.SortFunc(items, func(a, b pageItem) int { return a.Seq - b.Seq })
	writeJSON(w, http.StatusOK, struct {
		Cursor int        `json:"cursor"`
		Items  []pageItem `json:"items"`
	}{cursor, items})
}

func (s *Sim) botItemLocked(m Sent, user string) pageItem {
	it := pageItem{ID: "s" + strconv.Itoa(m.Seq), Seq: m.Seq, From: "bot", Time: m.At.In(beijing).Format("01-02 15:04"),
		Type: m.MsgType, Content: m.Content, Card: m.Card, TaskID: m.TaskID}
	state := s.tasks[m.TaskID]
	switch {
	case m.API == "message/update_template_card" && m.MsgType == "template_card":
		it.Type = "card_update"
		if state != nil {
			it.Replaced = state.replaced[user]
		}
	case m.API == "message/send" && m.MsgType == "template_card" && state != nil:
		// The original bubble shows the card as it is now, so a reloaded page
		// draws updates and greyed-out buttons too.
		it.Card, it.Replaced = state.card, state.replaced[user]
	}
	return it
}

type pageAnswer struct {
	Status   int    `json:"status,omitempty"`
	Error    string `json:"error,omitempty"`
	Replaced string `json:"replaced,omitempty"`
}

func (s *Sim) decodePageRequest(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, pageAnswer{Error: "请求格式错误"})
		return false
	}
	return true
}

// answerDelivery reports the bot's answer to a callback the page caused.
func answerDelivery(w http.ResponseWriter, d Delivery, err error, replaced string) {
	if err != nil {
		writeJSON(w, http.StatusBadGateway, pageAnswer{Status: d.Status, Error: "投递失败：" + err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, pageAnswer{Status: d.Status, Replaced: replaced})
}

func (s *Sim) apiSend(w http.ResponseWriter, r *http.Request) {
	var req struct {
		User    string `json:"user"`
		Content string `json:"content"`
	}
	if !s.decodePageRequest(w, r, &req) {
		return
	}
	if _, found := s.member(req.User); !found {
		writeJSON(w, http.StatusNotFound, pageAnswer{Error: "没有这个成员"})
		return
	}
	content := strings.TrimSpace(req.Content)
	if content == "" || !utf8.ValidString(content) {
		writeJSON(w, http.StatusBadRequest, pageAnswer{Error: "消息不能为空"})
		return
	}
	d, err := s.SendText(r.Context(), req.User, content)
	answerDelivery(w, d, err, "")
}

func (s *Sim) apiEnter(w http.ResponseWriter, r *http.Request) {
	var req struct {
		User string `json:"user"`
	}
	if !s.decodePageRequest(w, r, &req) {
		return
	}
	if _, found := s.member(req.User); !found {
		writeJSON(w, http.StatusNotFound, pageAnswer{Error: "没有这个成员"})
		return
	}
	d, err := s.EnterAgent(r.Context(), req.User)
	answerDelivery(w, d, err, "")
}

// apiClick posts the template_card_event for a button of a card the member
// received, with a fresh response_code, as the WeCom client does.
func (s *Sim) apiClick(w http.ResponseWriter, r *http.Request) {
	var req struct {
		User string `json:"user"`
		Seq  int    `json:"seq"`
		Key  string `json:"key"`
	}
	if !s.decodePageRequest(w, r, &req) {
		return
	}
	s.mu.Lock()
	var taskID, cardType, problem string
	code := http.StatusNotFound
	i := slices.IndexFunc(s.sent, func(m Sent) bool { return m.Seq == req.Seq })
	switch {
	case i < 0 || s.sent[i].MsgType != "template_card" || !s.sent[i].deliveredTo(req.User):
		problem = "没有这张卡片"
	case s.tasks[s.sent[i].TaskID] == nil:
		problem = "这张卡片不能点击"
	default:
		taskID = s.sent[i].TaskID
		state := s.tasks[taskID]
		c, _ := parseCard(state.card)
		cardType = state.cardType
		if _, found := c.button(req.Key); !found {
			problem = "卡片上没有这个按钮"
		} else if replaced := state.replaced[req.User]; replaced != "" {
			problem, code = "按钮已失效："+replaced, http.StatusConflict
		}
	}
	s.mu.Unlock()
	if problem != "" {
		writeJSON(w, code, pageAnswer{Error: problem})
		return
	}
	d, err := s.ClickButton(r.Context(), req.User, taskID, req.Key, "", cardType)
	s.mu.Lock()
	replaced := s.tasks[taskID].replaced[req.User]
	s.mu.Unlock()
	answerDelivery(w, d, err, replaced)
}
