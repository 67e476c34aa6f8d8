package wecomsim

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

type contentField struct {
	Content string `json:"content"`
}

// card is the part of a template_card the simulator checks and draws.
type card struct {
	CardType  string `json:"card_type"`
	TaskID    string `json:"task_id"`
	MainTitle struct {
		Title string `json:"title"`
		Desc  string `json:"desc"`
	} `json:"main_title"`
	ButtonList []struct {
		Text string `json:"text"`
		Key  string `json:"key"`
	} `json:"button_list"`
	SubmitButton *struct {
		Text string `json:"text"`
		Key  string `json:"key"`
	} `json:"submit_button"`
	ReplaceText string `json:"replace_text"`
}

// interactive reports whether clicks on the card come back as callbacks;
// such cards need a task_id and get a response_code.
func (c card) interactive() bool {
	switch c.CardType {
	case "button_interaction", "vote_interaction", "multiple_interaction":
		return true
	}
	return false
}

// button returns the text of the button with key, if the card has one.
func (c card) button(key string) (string, bool) {
	for _, b := range c.ButtonList {
		if b.Key == key {
			return b.Text, true
		}
	}
	if c.SubmitButton != nil && c.SubmitButton.Key == key {
		return c.SubmitButton.Text, true
	}
	return "", false
}

func parseCard(raw json.RawMessage) (card, status) {
	var c card
	if len(raw) == 0 || string(raw) == "null" {
		return c, fail(codeInvalidParam, "template_card missing")
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fail(codeBadJSON, "template_card: "+err.Error())
	}
	if c.CardType == "" {
		return c, fail(codeInvalidParam, "template_card.card_type missing")
	}
	if c.interactive() && c.TaskID == "" {
		return c, fail(codeInvalidParam, "template_card.task_id missing")
	}
	if c.CardType == "button_interaction" && len(c.ButtonList) == 0 {
		return c, fail(codeInvalidParam, "template_card.button_list missing")
	}
	return c, success
}

// invalidRequest is the answer to a request the documentation does not
// allow (an unknown field, a wrong type, a broken rule of a card type).
func invalidRequest(err error) status {
	if errors.Is(err, errNotJSON) {
		return fail(codeBadJSON, "invalid json: "+err.Error())
	}
	return fail(codeInvalidParam, invalidPrefix+err.Error())
}

const invalidPrefix = "invalid request: "

// Rejection is a request the simulator refused as the documentation would:
// its schema, byte limits or rules. Tests assert there are none.
type Rejection struct {
	API     string
	ErrCode int64
	ErrMsg  string
	Body    string
}

// invalidCodes are the errcodes of requests malformed by the documentation,
// as opposed to ones refused for the state of things (a used response_code,
// an unknown chat).
func invalidAnswer(st status) bool {
	switch st.ErrCode {
	case codeEmptyContent, codeContentTooLong, codeBadJSON, codeInvalidMsgType, codeTooManyUsers:
		return true
	case codeInvalidParam:
		return strings.HasPrefix(st.ErrMsg, invalidPrefix) || strings.Contains(st.ErrMsg, "template_card") ||
			strings.Contains(st.ErrMsg, "task_id") || strings.Contains(st.ErrMsg, "duplicate_check_interval")
	}
	return false
}

type sendRequest struct {
	ToUser                 string          `json:"touser"`
	ToParty                string          `json:"toparty"`
	ToTag                  string          `json:"totag"`
	MsgType                string          `json:"msgtype"`
	AgentID                flexInt         `json:"agentid"`
	Text                   *contentField   `json:"text"`
	Markdown               *contentField   `json:"markdown"`
	TemplateCard           json.RawMessage `json:"template_card"`
	EnableDuplicateCheck   flexInt         `json:"enable_duplicate_check"`
	DuplicateCheckInterval flexInt         `json:"duplicate_check_interval"`
}

// message is what a send request carries, after validation.
type message struct {
	msgType string
	content string
	card    json.RawMessage
	parsed  card
}

// displayed is content as a member's WeCom client shows it: zero-width
// characters (which the bot uses to make each row's content unique for the
// duplicate check) do not show. The request itself is kept whole in Sent.Body.
func displayed(content string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '\u200b', '\u200c', '\u200d', '\u2060':
			return -1
		}
		return r
	}, content)
}

// validateContent checks the text or markdown of a request against WeCom's
// limits: 2048 bytes of text; markdownMax bytes of markdown (2048 for an
// app, 4096 for a group robot).
func validateContent(msgType string, text, markdown *contentField, markdownMax int) (message, status) {
	switch msgType {
	case "text":
		if text == nil || text.Content == "" {
			return message{}, fail(codeEmptyContent, "text.content empty")
		}
		if len(text.Content) > textLimit {
			return message{}, fail(codeContentTooLong, "text.content exceeds 2048 bytes")
		}
		return message{msgType: msgType, content: displayed(text.Content)}, success
	case "markdown":
		if markdown == nil || markdown.Content == "" {
			return message{}, fail(codeEmptyContent, "markdown.content empty")
		}
		if len(markdown.Content) > markdownMax {
			return message{}, fail(codeContentTooLong, fmt.Sprintf("markdown.content exceeds %d bytes", markdownMax))
		}
		return message{msgType: msgType, content: displayed(markdown.Content)}, success
	}
	return message{}, fail(codeInvalidMsgType, "invalid msgtype")
}

// decode checks body against sch, as WeCom does before reading it, decodes
// it into req and, for an app's API, checks the agentid read into agentID.
// It reports false with the error WeCom would answer.
func (s *Sim) decode(body []byte, sch schema, req any, agentID *flexInt) (status, bool) {
	if err := checkSchema(body, sch); err != nil {
		return invalidRequest(err), false
	}
	if err := json.Unmarshal(body, req); err != nil {
		return fail(codeBadJSON, "invalid json: "+err.Error()), false
	}
	if agentID != nil && int64(*agentID) != s.agentID {
		return fail(codeInvalidAgentID, "invalid agentid"), false
	}
	return success, true
}

func (s *Sim) messageSend(_ *http.Request, body []byte) any {
	var req sendRequest
	if st, ok := s.decode(body, sendSchema, &req, &req.AgentID); !ok {
		return st
	}
	var msg message
	var st status
	if req.MsgType == "template_card" {
		msg.parsed, st = parseCard(req.TemplateCard)
		msg.msgType, msg.card, msg.content = req.MsgType, req.TemplateCard, msg.parsed.MainTitle.Title
	} else {
		msg, st = validateContent(req.MsgType, req.Text, req.Markdown, appMarkdownLimit)
	}
	if st.ErrCode != codeOK {
		return st
	}
	interval := defaultDuplicateInterval
	if req.DuplicateCheckInterval != 0 {
		interval = time.Duration(req.DuplicateCheckInterval) * time.Second
	}
	if req.EnableDuplicateCheck == 1 && (interval <= 0 || interval > maxDuplicateInterval) {
		return fail(codeInvalidParam, "duplicate_check_interval must be 1..14400")
	}
	to, invalid := s.resolveRecipients(req.ToUser, req.ToParty, req.ToTag)
	switch {
	case len(to) == 0 && len(invalid.users)+len(invalid.parties)+len(invalid.tags) == 0:
		return fail(codeNoRecipients, "touser, toparty and totag are all empty")
	case len(to) == 0:
		return fail(codeAllInvalid, "all recipients are invalid")
	case len(to) > maxRecipients:
		return fail(codeTooManyUsers, "more than 1000 recipients")
	}
	dupKey, err := canonicalJSON(body)
	if err != nil {
		return fail(codeBadJSON, "invalid json: "+err.Error())
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	record := Sent{API: "message/send", ToUsers: to, MsgType: msg.msgType, Content: msg.content,
		Card: msg.card, Body: slices.Clone(body), TaskID: msg.parsed.TaskID, At: now}
	if d, seen := s.dupes[dupKey]; seen && req.EnableDuplicateCheck == 1 && now.Before(d.at.Add(d.interval)) {
		// Accepted and answered like the original, but nobody sees it twice.
		record.Duplicate, record.MsgID, record.ResponseCode = true, d.msgID, d.responseCode
		s.recordLocked(record)
		return sendAnswer(record, invalid)
	}
	if msg.parsed.TaskID != "" {
		if _, used := s.tasks[msg.parsed.TaskID]; used {
			return fail(codeInvalidParam, "task_id already used by this app")
		}
	}
	record.MsgID = randomID()
	if msg.msgType == "template_card" {
		record.ResponseCode = s.issueResponseCodeLocked(msg.parsed.TaskID, to, now)
		if msg.parsed.TaskID != "" {
			s.tasks[msg.parsed.TaskID] = &cardState{cardType: msg.parsed.CardType, card: msg.card,
				replaced: make(map[string]string)}
		}
	}
	for _, u := range to {
		if !s.admitLocked(u, now) {
			record.DroppedUsers = append(record.DroppedUsers, u)
		}
	}
	record.Dropped = len(record.DroppedUsers) == len(to)
	if record.Dropped {
		s.log.Info("wecomsim: message silently dropped (per-member limit)", "to", to)
	}
	s.recordLocked(record)
	if req.EnableDuplicateCheck == 1 {
		s.dupes[dupKey] = dupEntry{at: now, interval: interval, msgID: record.MsgID,
			responseCode: record.ResponseCode}
	}
	return sendAnswer(record, invalid)
}

type invalidRecipients struct{ users, parties, tags []string }

func sendAnswer(m Sent, invalid invalidRecipients) any {
	return struct {
		status
		InvalidUser  string `json:"invaliduser"`
		InvalidParty string `json:"invalidparty"`
		InvalidTag   string `json:"invalidtag"`
		MsgID        string `json:"msgid"`
		ResponseCode string `json:"response_code,omitempty"`
	}{success, strings.Join(invalid.users, "|"), strings.Join(invalid.parties, "|"),
		strings.Join(invalid.tags, "|"), m.MsgID, m.ResponseCode}
}

// resolveRecipients expands touser ("@all" included) and toparty into
// members, in directory order for parties; the simulator has no tags, so
// every tag is invalid.
func (s *Sim) resolveRecipients(toUser, toParty, toTag string) ([]string, invalidRecipients) {
	var to []string
	var invalid invalidRecipients
	add := func(uid string) {
		if !slices.Contains(to, uid) {
			to = append(to, uid)
		}
	}
	for _, uid := range splitIDs(toUser) {
		switch _, found := s.member(uid); {
		case uid == "@all":
			for _, id := range s.memberOrder {
				add(id)
			}
		case found:
			add(uid)
		default:
			invalid.users = append(invalid.users, uid)
		}
	}
	for _, raw := range splitIDs(toParty) {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || !s.departmentExists(id) {
			invalid.parties = append(invalid.parties, raw)
			continue
		}
		in := make(map[int64]bool)
		for _, d := range s.subtree(id) {
			in[d.ID] = true
		}
		for _, uid := range s.memberOrder {
			if slices.ContainsFunc(s.members[uid].Departments, func(d int64) bool { return in[d] }) {
				add(uid)
			}
		}
	}
	invalid.tags = splitIDs(toTag)
	return to, invalid
}

func splitIDs(s string) []string {
	var out []string
	for _, part := range strings.Split(s, "|") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// admitLocked applies WeCom's per-member limit (30 a minute, 1000 an hour):
// it reports whether a message to user gets through now, and counts it if so.
func (s *Sim) admitLocked(user string, now time.Time) bool {
	var lastHour []time.Time
	perMinute := 0
	for _, t := range s.recent[user] {
		if t.After(now.Add(-time.Hour)) {
			lastHour = append(lastHour, t)
			if t.After(now.Add(-time.Minute)) {
				perMinute++
			}
		}
	}
	if perMinute >= perMemberPerMinute || len(lastHour) >= perMemberPerHour {
		s.recent[user] = lastHour
		return false
	}
	s.recent[user] = append(lastHour, now)
	return true
}

func (s *Sim) issueResponseCodeLocked(taskID string, users []string, now time.Time) string {
	code := rand.Text() + rand.Text()
	s.codes[code] = &cardCode{taskID: taskID, users: slices.Clone(users), issued: now}
	s.keepCodeLocked(code)
	return code
}

// canonicalJSON is the body with keys sorted and insignificant space removed:
// what the duplicate check compares.
func canonicalJSON(body []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	out, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(out), nil
}

type updateRequest struct {
	UserIDs      []string `json:"userids"`
	AgentID      flexInt  `json:"agentid"`
	ResponseCode string   `json:"response_code"`
	Button       *struct {
		ReplaceName string `json:"replace_name"`
	} `json:"button"`
	TemplateCard json.RawMessage `json:"template_card"`
}

// updateTemplateCard consumes a response_code (one use, within 72 hours) to
// replace a card or relabel its buttons for its recipients.
func (s *Sim) updateTemplateCard(_ *http.Request, body []byte) any {
	var req updateRequest
	if st, ok := s.decode(body, updateSchema, &req, &req.AgentID); !ok {
		return st
	}
	if req.ResponseCode == "" {
		return fail(codeInvalidParam, "response_code missing")
	}
	var newCard card
	switch {
	case req.Button != nil && req.Button.ReplaceName != "":
	case len(req.TemplateCard) > 0:
		var st status
		if newCard, st = parseCard(req.TemplateCard); st.ErrCode != codeOK {
			return st
		}
	default:
		return fail(codeInvalidParam, "button.replace_name or template_card required")
	}
	for _, uid := range req.UserIDs {
		if _, found := s.member(uid); !found {
			return fail(codeInvalidUserID, "invalid userid "+uid)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	code, found := s.codes[req.ResponseCode]
	switch {
	case !found:
		return fail(codeInvalidParam, "invalid response_code")
	case code.used:
		return fail(codeCodeUsed, "response_code already used")
	case !now.Before(code.issued.Add(responseCodeTTL)):
		return fail(codeInvalidParam, "response_code expired")
	}
	code.used = true
	s.keepCodeLocked(req.ResponseCode)
	to := req.UserIDs
	if len(to) == 0 {
		to = code.users
	}
	record := Sent{API: "message/update_template_card", ToUsers: slices.Clone(to), Body: slices.Clone(body),
		ResponseCode: req.ResponseCode, TaskID: code.taskID, At: now}
	state := s.tasks[code.taskID]
	if req.Button != nil && req.Button.ReplaceName != "" {
		record.MsgType, record.Content = "update_button", req.Button.ReplaceName
		if state != nil {
			for _, u := range to {
				state.replaced[u] = req.Button.ReplaceName
			}
		}
	} else {
		record.MsgType, record.Content, record.Card = "template_card", newCard.MainTitle.Title, req.TemplateCard
		if state != nil {
			state.card, state.cardType = req.TemplateCard, newCard.CardType
			for _, u := range to {
				delete(state.replaced, u)
			}
		}
	}
	s.recordLocked(record)
	return struct {
		status
		InvalidUser []string `json:"invaliduser"`
	}{success, []string{}}
}

var chatIDPattern = regexp.MustCompile(`^[0-9A-Za-z]{1,32}$`)

func (s *Sim) appchatCreate(_ *http.Request, body []byte) any {
	var req struct {
		Name     string   `json:"name"`
		Owner    string   `json:"owner"`
		UserList []string `json:"userlist"`
		ChatID   string   `json:"chatid"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return fail(codeBadJSON, "invalid json: "+err.Error())
	}
	if len(req.UserList) < 2 || len(req.UserList) > 2000 {
		return fail(codeChatSize, "a chat needs 2 to 2000 members")
	}
	for _, uid := range req.UserList {
		if _, found := s.member(uid); !found {
			return fail(codeChatMember, "invalid chat member "+uid)
		}
	}
	if req.Owner == "" {
		req.Owner = req.UserList[0]
	}
	if !slices.Contains(req.UserList, req.Owner) {
		return fail(codeOwnerNotMember, "owner is not a member of the chat")
	}
	if req.ChatID != "" && !chatIDPattern.MatchString(req.ChatID) {
		return fail(codeChatIDInvalid, "invalid chatid")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.ChatID == "" {
		req.ChatID = strings.ToLower(rand.Text())
	}
	if _, exists := s.chats[req.ChatID]; exists {
		return fail(codeChatExists, "chatid exists")
	}
	s.chats[req.ChatID] = &appChat{ID: req.ChatID, Name: req.Name, Owner: req.Owner, Members: slices.Clone(req.UserList)}
	s.chatOrder = append(s.chatOrder, req.ChatID)
	s.keepLocked(histChat, req.ChatID, s.chats[req.ChatID])
	s.notifyLocked()
	return struct {
		status
		ChatID string `json:"chatid"`
	}{success, req.ChatID}
}

func (s *Sim) appchatSend(_ *http.Request, body []byte) any {
	var req struct {
		ChatID   string        `json:"chatid"`
		MsgType  string        `json:"msgtype"`
		Text     *contentField `json:"text"`
		Markdown *contentField `json:"markdown"`
	}
	if st, ok := s.decode(body, appchatSchema, &req, nil); !ok {
		return st
	}
	if req.ChatID == "" {
		return fail(codeChatIDMissing, "chatid missing")
	}
	msg, st := validateContent(req.MsgType, req.Text, req.Markdown, appMarkdownLimit)
	if st.ErrCode != codeOK {
		return st
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	chat, found := s.chats[req.ChatID]
	if !found {
		return fail(codeChatNotFound, "chatid not found")
	}
	s.recordLocked(Sent{API: "appchat/send", ToUsers: slices.Clone(chat.Members), ChatID: chat.ID,
		MsgType: msg.msgType, Content: msg.content, Body: slices.Clone(body), MsgID: randomID(), At: s.now()})
	return success
}

// webhookSend is a group robot: no access token, a key in the URL, and at
// most 20 messages a minute (45009 beyond).
func (s *Sim) webhookSend(r *http.Request, body []byte) any {
	var req struct {
		MsgType  string        `json:"msgtype"`
		Text     *contentField `json:"text"`
		Markdown *contentField `json:"markdown"`
	}
	key := r.URL.Query().Get("key")
	s.mu.Lock()
	name, known := s.robots[key]
	s.mu.Unlock()
	if !known {
		return fail(codeInvalidWebhook, "invalid webhook url")
	}
	if st, ok := s.decode(body, webhookSchema, &req, nil); !ok {
		return st
	}
	msg, st := validateContent(req.MsgType, req.Text, req.Markdown, robotMarkdownLimit)
	if st.ErrCode != codeOK {
		return st
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var lastMinute []time.Time
	for _, t := range s.robotRecent[key] {
		if t.After(now.Add(-time.Minute)) {
			lastMinute = append(lastMinute, t)
		}
	}
	if len(lastMinute) >= robotPerMinute {
		s.robotRecent[key] = lastMinute
		return fail(codeFreqLimit, "api freq out of limit")
	}
	s.robotRecent[key] = append(lastMinute, now)
	s.recordLocked(Sent{API: "webhook/send", Robot: name, MsgType: msg.msgType, Content: msg.content,
		Body: slices.Clone(body), At: now})
	return success
}

// randomID is an opaque message id like WeCom's msgid.
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x", b)
}
