package wecomsim

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/silenceper/wechat/v2/util"
)

// ErrURLCheck: the bot's answer to the URL check was not the decrypted echostr.
var ErrURLCheck = errors.New("wecomsim: url check failed")

// Delivery is one callback request as posted and the bot's answer.
type Delivery struct {
	Status    int        // the bot's HTTP status
	Body      []byte     // the bot's answer
	Request   []byte     // the posted body: <xml><ToUserName/><AgentID/><Encrypt/></xml>
	Query     url.Values // msg_signature, timestamp, nonce (and echostr for the URL check)
	Plaintext []byte     // the XML before encryption
}

// inboundEntry is one callback in the page's log of what members sent.
type inboundEntry struct {
	seq, rev int
	at       time.Time
	from     string
	text     string // what the page shows
	kind     string // text, event, ...
	status   int
	err      string
	done     bool
}

// callbackXML builds the plaintext XML of a callback, the way WeCom lays it out.
type callbackXML struct{ b strings.Builder }

func newCallbackXML(corpID, from string, createTime int64, msgType string) *callbackXML {
	x := &callbackXML{}
	x.b.WriteString("<xml>")
	x.cdata("ToUserName", corpID)
	x.cdata("FromUserName", from)
	x.number("CreateTime", strconv.FormatInt(createTime, 10))
	x.cdata("MsgType", msgType)
	return x
}

func (x *callbackXML) cdata(name, value string) *callbackXML {
	// "]]>" cannot appear inside CDATA: close, emit it split, reopen.
	value = strings.ReplaceAll(value, "]]>", "]]]]><![CDATA[>")
	fmt.Fprintf(&x.b, "<%s><![CDATA[%s]]></%s>", name, value, name)
	return x
}

func (x *callbackXML) number(name, value string) *callbackXML {
	fmt.Fprintf(&x.b, "<%s>%s</%s>", name, value, name)
	return x
}

func (x *callbackXML) bytes() []byte { return []byte(x.b.String() + "</xml>") }

// nextMsgID returns a MsgId larger than every one this Sim issued before.
// It starts from the clock plus a random offset, so that ids stay unique
// across restarts of the demo and across simulators sharing a fixed test
// clock: a bot that keeps its inbox must never mistake a new message for a
// replayed one.
func (s *Sim) nextMsgID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lastMsgID == 0 {
		s.lastMsgID = s.now().UnixNano() + mrand.Int64N(1<<32)
	}
	s.lastMsgID = max(s.lastMsgID+1, s.now().UnixNano())
	return strconv.FormatInt(s.lastMsgID, 10)
}

func (s *Sim) agentIDString() string { return strconv.FormatInt(s.agentID, 10) }

// SendText delivers a text message from a member to the bot.
func (s *Sim) SendText(ctx context.Context, fromUser, content string) (Delivery, error) {
	x := newCallbackXML(s.corpID, fromUser, s.now().Unix(), "text").
		cdata("Content", content).number("MsgId", s.nextMsgID()).number("AgentID", s.agentIDString())
	return s.deliver(ctx, x.bytes(), fromUser, "text", content)
}

// SendLocation delivers a location message (latitude, longitude, place name).
func (s *Sim) SendLocation(ctx context.Context, fromUser string, lat, lng float64, label string) (Delivery, error) {
	x := newCallbackXML(s.corpID, fromUser, s.now().Unix(), "location").
		number("Location_X", strconv.FormatFloat(lat, 'f', -1, 64)).
		number("Location_Y", strconv.FormatFloat(lng, 'f', -1, 64)).
		number("Scale", "15").
		cdata("Label", label).
		number("MsgId", s.nextMsgID()).number("AgentID", s.agentIDString())
	return s.deliver(ctx, x.bytes(), fromUser, "location", "[位置] "+label)
}

// SendImage delivers an image message.
func (s *Sim) SendImage(ctx context.Context, fromUser, picURL, mediaID string) (Delivery, error) {
	x := newCallbackXML(s.corpID, fromUser, s.now().Unix(), "image").
		cdata("PicUrl", picURL).cdata("MediaId", mediaID).
		number("MsgId", s.nextMsgID()).number("AgentID", s.agentIDString())
	return s.deliver(ctx, x.bytes(), fromUser, "image", "[图片]")
}

// ClickButton delivers a template_card_event: fromUser clicked the button
// eventKey of the card taskID. An empty responseCode gets a fresh one, valid
// for update_template_card, as WeCom issues with every click.
func (s *Sim) ClickButton(ctx context.Context, fromUser, taskID, eventKey, responseCode, cardType string) (Delivery, error) {
	label := eventKey
	s.mu.Lock()
	state := s.tasks[taskID]
	if state != nil {
		if c, st := parseCard(state.card); st.ErrCode == codeOK {
			if text, found := c.button(eventKey); found {
				label = text
			}
		}
	}
	if responseCode == "" {
		responseCode = s.issueResponseCodeLocked(taskID, []string{fromUser}, s.now())
	}
	s.mu.Unlock()

	x := newCallbackXML(s.corpID, fromUser, s.now().Unix(), "event").
		cdata("Event", "template_card_event").
		cdata("EventKey", eventKey).
		cdata("TaskId", taskID).
		cdata("CardType", cardType).
		cdata("ResponseCode", responseCode).
		number("AgentID", s.agentIDString())
	// A click changes nothing on the card by itself: only the app's
	// update_template_card (or a passive update_button reply) does.
	return s.deliver(ctx, x.bytes(), fromUser, "event", "[点击] "+label)
}

// EnterAgent delivers the enter_agent event (the member opened the app).
func (s *Sim) EnterAgent(ctx context.Context, fromUser string) (Delivery, error) {
	x := newCallbackXML(s.corpID, fromUser, s.now().Unix(), "event").
		cdata("Event", "enter_agent").cdata("EventKey", "").number("AgentID", s.agentIDString())
	return s.deliver(ctx, x.bytes(), fromUser, "event", "[进入应用]")
}

// Deliver encrypts, signs and posts any plaintext callback XML.
func (s *Sim) Deliver(ctx context.Context, plaintextXML []byte) (Delivery, error) {
	from, kind, text := summarize(plaintextXML)
	return s.deliver(ctx, plaintextXML, from, kind, text)
}

// Replay posts the exact same signed request again, as WeCom does when it
// got no answer in time.
func (s *Sim) Replay(ctx context.Context, d Delivery) (Delivery, error) {
	from, kind, text := summarize(d.Plaintext)
	entry := s.logInbound(from, kind, "（重发）"+text)
	answer, err := s.post(ctx, http.MethodPost, d.Query, d.Request)
	answer.Plaintext = d.Plaintext
	s.finishInbound(entry, answer, err)
	return answer, err
}

func (s *Sim) deliver(ctx context.Context, plaintext []byte, from, kind, text string) (Delivery, error) {
	q, body, err := s.BuildCallback(plaintext)
	if err != nil {
		return Delivery{}, err
	}
	entry := s.logInbound(from, kind, text)
	d, err := s.post(ctx, http.MethodPost, q, body)
	d.Plaintext = plaintext
	s.finishInbound(entry, d, err)
	if err != nil {
		return d, err
	}
	s.log.Debug("wecomsim: callback delivered", "from", from, "kind", kind, "status", d.Status)
	return d, nil
}

// BuildCallback encrypts and signs a plaintext callback as WeCom does and
// returns the query (msg_signature, timestamp, nonce) and body to post.
func (s *Sim) BuildCallback(plaintextXML []byte) (url.Values, []byte, error) {
	encrypted, err := s.encrypt(plaintextXML)
	if err != nil {
		return nil, nil, err
	}
	q := s.signedQuery(encrypted)
	var body bytes.Buffer
	body.WriteString("<xml>")
	fmt.Fprintf(&body, "<ToUserName><![CDATA[%s]]></ToUserName>", s.corpID)
	fmt.Fprintf(&body, "<AgentID><![CDATA[%d]]></AgentID>", s.agentID)
	fmt.Fprintf(&body, "<Encrypt><![CDATA[%s]]></Encrypt>", encrypted)
	body.WriteString("</xml>")
	return q, body.Bytes(), nil
}

// encrypt is WeCom's scheme: AES-256-CBC over random(16) + len(4, big
// endian) + msg + corp id, IV = key[:16], PKCS#7 to 32, then base64.
func (s *Sim) encrypt(plaintext []byte) (string, error) {
	random := make([]byte, 16)
	_, _ = rand.Read(random)
	encrypted, err := util.EncryptMsg(random, plaintext, s.corpID, s.aesKey)
	if err != nil {
		return "", fmt.Errorf("wecomsim: encrypt callback: %w", err)
	}
	return string(encrypted), nil
}

// signedQuery signs encrypted: msg_signature = sha1(sorted(token, timestamp, nonce, encrypted)).
func (s *Sim) signedQuery(encrypted string) url.Values {
	timestamp := strconv.FormatInt(s.now().Unix(), 10)
	nonce := strconv.FormatInt(mrand.Int64N(9_000_000_000)+1_000_000_000, 10)
	return url.Values{
		"msg_signature": {util.Signature(s.token, timestamp, nonce, encrypted)},
		"timestamp":     {timestamp},
		"nonce":         {nonce},
	}
}

// VerifyURL performs WeCom's URL check: a signed GET with an encrypted
// echostr, whose answer must be the plaintext exactly (no quotes, no newline).
func (s *Sim) VerifyURL(ctx context.Context) (Delivery, error) {
	echo := strconv.FormatInt(mrand.Int64N(1<<62), 10)
	encrypted, err := s.encrypt([]byte(echo))
	if err != nil {
		return Delivery{}, err
	}
	q := s.signedQuery(encrypted)
	q.Set("echostr", encrypted)
	d, err := s.post(ctx, http.MethodGet, q, nil)
	d.Plaintext = []byte(echo)
	if err != nil {
		return d, err
	}
	if d.Status != http.StatusOK || string(d.Body) != echo {
		return d, fmt.Errorf("%w: status %d, answer %q, want %q", ErrURLCheck, d.Status, d.Body, echo)
	}
	return d, nil
}

// post sends one callback request to the callback URL, with q added to its query.
func (s *Sim) post(ctx context.Context, method string, q url.Values, body []byte) (Delivery, error) {
	d := Delivery{Request: body, Query: q}
	s.mu.Lock()
	raw := s.callbackURL
	s.mu.Unlock()
	if raw == "" {
		return d, errors.New("wecomsim: no callback URL set")
	}
	target, err := url.Parse(raw)
	if err != nil {
		return d, fmt.Errorf("wecomsim: callback URL: %w", err)
	}
	tq := target.Query()
	for k, vs := range q {
		tq[k] = vs
	}
	target.RawQuery = tq.Encode()
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target.String(), reader)
	if err != nil {
		return d, fmt.Errorf("wecomsim: callback request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "text/xml")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return d, fmt.Errorf("wecomsim: post callback: %w", err)
	}
	defer resp.Body.Close()
	d.Status = resp.StatusCode
	if d.Body, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20)); err != nil {
		return d, fmt.Errorf("wecomsim: read callback answer: %w", err)
	}
	return d, nil
}

// summarize extracts who sent a callback and a line for the page's log.
func summarize(plaintext []byte) (from, kind, text string) {
	var m struct {
		FromUserName, MsgType, Content, Event, EventKey, Label string
	}
	if err := xml.Unmarshal(plaintext, &m); err != nil {
		return "", "unknown", "[无法解析的回调]"
	}
	switch {
	case m.MsgType == "text":
		text = m.Content
	case m.MsgType == "location":
		text = "[位置] " + m.Label
	case m.MsgType == "image":
		text = "[图片]"
	case m.Event == "template_card_event":
		text = "[点击] " + m.EventKey
	case m.Event == "enter_agent":
		text = "[进入应用]"
	case m.MsgType == "event":
		text = "[事件] " + m.Event
	default:
		text = "[" + m.MsgType + "]"
	}
	return m.FromUserName, m.MsgType, text
}

func (s *Sim) logInbound(from, kind, text string) *inboundEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rev++
	e := &inboundEntry{seq: s.rev, rev: s.rev, at: s.now(), from: from, kind: kind, text: text}
	s.inbound = append(s.inbound, e)
	s.keepInboundLocked(e)
	s.notifyLocked()
	return e
}

func (s *Sim) finishInbound(e *inboundEntry, d Delivery, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rev++
	e.rev, e.done, e.status = s.rev, true, d.Status
	if err != nil {
		e.err = err.Error()
	}
	s.keepInboundLocked(e)
	s.notifyLocked()
}
