package wecommsg

import (
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/servicebot/servicebot"
)

// Style is a button's style (button_list.style). WeCom documents the values
// 1 to 4 ("按钮样式，目前可填1~4，不填或错填默认1", 90236 按钮交互型 and
// 101032 Button结构体) and shows what each looks like only in a picture
// ("备注：按钮样式"); go-workwx, WxJava and other SDKs copy the same words
// and name no colours. The names below are our reading of that picture,
// not documented text: 1 primary, 2 secondary, 3 negative (red), 4 plain.
// What the documentation does fix is that any other value shows as 1, so a
// 驳回 with an undocumented style would look like 同意 (the simulator
// refuses one). Sources: bot/wecomsim/testdata/contract/SOURCES.md.
type Style int

// The documented button styles.
const (
	StylePrimary   Style = 1
	StyleSecondary Style = 2
	StyleNegative  Style = 3
	StylePlain     Style = 4
)

// Documented limits of a button_interaction card sent by an app (90236
// 发送应用消息 · 按钮交互型). The "建议不超过" lengths are what WeCom shows;
// longer text is clipped here with "…", so what the card says is what the
// person sees. (The group robot's template card, 91770, has smaller ones —
// sub_title_text 112, title 26 — which several SDKs copy; the bot sends no
// robot cards.) Sources: bot/wecomsim/testdata/contract/SOURCES.md.
const (
	MaxButtons       = 6    // button_list: 列表长度不超过6
	MaxRows          = 6    // horizontal_content_list: 列表长度不超过6
	MaxKeyBytes      = 1024 // button key: 最长支持1024字节
	MaxTaskIDBytes   = 128  // task_id: 最长128字节
	SourceRunes      = 20   // source.desc: 建议不超过20个字
	TitleRunes       = 36   // main_title.title: 建议不超过36个字
	DescRunes        = 44   // main_title.desc: 建议不超过44个字
	SubTitleRunes    = 160  // sub_title_text: 建议不超过160个字
	RowKeyRunes      = 5    // horizontal_content_list.keyname: 建议不超过5个字
	RowValueRunes    = 30   // horizontal_content_list.value: 建议不超过30个字
	ButtonTextRunes  = 10   // button_list.text: 建议不超过10个字
	ReplaceTextRunes = 10   // replace_text, the grey button of an updated card
)

// FitLines is as many of lines, whole and in order, as fit in limit
// characters joined by newlines — for sub_title_text, where a list clipped
// in the middle of an item would say something false. When some are left
// out, more(left) is appended as a last line (it must say how to see them)
// and room is kept for it.
func FitLines(lines []string, limit int, more func(left []string) string) string {
	join := func(ls []string) string { return strings.Join(ls, "\n") }
	if utf8.RuneCountInString(join(lines)) <= limit {
		return join(lines)
	}
	for n := len(lines) - 1; n >= 0; n-- {
		out := append(slices.Clone(lines[:n]), more(lines[n:]))
		if s := join(out); utf8.RuneCountInString(s) <= limit {
			return s
		}
	}
	return Clip(more(lines), limit)
}

// taskIDPattern is the documented charset of a task_id: 数字、字母和"_-@".
var taskIDPattern = regexp.MustCompile(`^[0-9A-Za-z_\-@]+$`)

// CheckTaskID reports a task_id WeCom would refuse.
func CheckTaskID(id string) error {
	switch {
	case id == "":
		return invalid("task_id missing")
	case len(id) > MaxTaskIDBytes:
		return invalid("task_id of %d bytes exceeds %d", len(id), MaxTaskIDBytes)
	case !taskIDPattern.MatchString(id):
		return invalid("task_id %q has characters outside [0-9A-Za-z_-@]", id)
	}
	return nil
}

// Clip shortens s to n characters, marking the cut with "…".
func Clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Button is one callback button of a button_interaction card.
type Button struct {
	Text  string
	Style Style
	Key   string // comes back as EventKey of the template_card_event
}

// Row is one line of horizontal_content_list: a key and a value, or, with
// URL, a link (type 1) the person can open.
type Row struct {
	Key, Value string
	URL        string
}

// ButtonCard is a button_interaction template card, the only card type the
// bot sends (90236 按钮交互型).
type ButtonCard struct {
	Source   string // source.desc: who sends it, e.g. 售后服务部
	Title    string // main_title.title
	Desc     string // main_title.desc
	SubTitle string // sub_title_text
	Rows     []Row
	// LinkURL opens when the card is tapped (card_action type 1): the
	// documented place for a card's one link.
	LinkURL string
	TaskID  string
	Buttons []Button
}

// The wire shapes, field for field as documented. Nothing else is sent.
type (
	wireCard struct {
		CardType    string       `json:"card_type"`
		Source      *wireSource  `json:"source,omitempty"`
		MainTitle   wireTitle    `json:"main_title"`
		SubTitle    string       `json:"sub_title_text,omitempty"`
		Horizontal  []wireRow    `json:"horizontal_content_list,omitempty"`
		CardAction  *wireAction  `json:"card_action,omitempty"`
		TaskID      string       `json:"task_id"`
		ButtonList  []wireButton `json:"button_list"`
		ReplaceText string       `json:"replace_text,omitempty"` // update_template_card only
	}
	wireSource struct {
		Desc string `json:"desc"`
	}
	wireTitle struct {
		Title string `json:"title,omitempty"`
		Desc  string `json:"desc,omitempty"`
	}
	wireRow struct {
		Type    int    `json:"type,omitempty"`
		KeyName string `json:"keyname"`
		Value   string `json:"value,omitempty"`
		URL     string `json:"url,omitempty"`
	}
	wireAction struct {
		Type int    `json:"type"`
		URL  string `json:"url"`
	}
	wireButton struct {
		Text  string `json:"text"`
		Style int    `json:"style,omitempty"`
		Key   string `json:"key"`
	}
)

func checkURL(u string) error {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return invalid("link %q is not an http(s) URL", u)
	}
	return nil
}

func (c ButtonCard) wire() (wireCard, error) {
	w := wireCard{CardType: "button_interaction", TaskID: c.TaskID}
	if err := CheckTaskID(c.TaskID); err != nil {
		return w, err
	}
	if strings.TrimSpace(c.Title) == "" && strings.TrimSpace(c.SubTitle) == "" {
		return w, invalid("a card needs main_title.title or sub_title_text")
	}
	if c.Source != "" {
		w.Source = &wireSource{Desc: Clip(c.Source, SourceRunes)}
	}
	w.MainTitle = wireTitle{Title: Clip(c.Title, TitleRunes), Desc: Clip(c.Desc, DescRunes)}
	w.SubTitle = Clip(c.SubTitle, SubTitleRunes)
	if len(c.Rows) > MaxRows {
		return w, invalid("%d rows exceed %d", len(c.Rows), MaxRows)
	}
	for _, r := range c.Rows {
		if strings.TrimSpace(r.Key) == "" {
			return w, invalid("a row without a keyname")
		}
		row := wireRow{KeyName: Clip(r.Key, RowKeyRunes), Value: Clip(r.Value, RowValueRunes)}
		if r.URL != "" {
			if err := checkURL(r.URL); err != nil {
				return w, err
			}
			row.Type, row.URL = 1, r.URL
		}
		w.Horizontal = append(w.Horizontal, row)
	}
	if c.LinkURL != "" {
		if err := checkURL(c.LinkURL); err != nil {
			return w, err
		}
		w.CardAction = &wireAction{Type: 1, URL: c.LinkURL}
	}
	if len(c.Buttons) == 0 || len(c.Buttons) > MaxButtons {
		return w, invalid("%d buttons; a button_interaction card has 1 to %d", len(c.Buttons), MaxButtons)
	}
	seen := make(map[string]bool, len(c.Buttons))
	for _, b := range c.Buttons {
		switch {
		case strings.TrimSpace(b.Text) == "":
			return w, invalid("a button without text")
		case b.Key == "" || len(b.Key) > MaxKeyBytes:
			return w, invalid("button key of %d bytes; 1 to %d", len(b.Key), MaxKeyBytes)
		case seen[b.Key]:
			return w, invalid("button key %q twice", b.Key)
		case b.Style < 0 || b.Style > StylePlain:
			return w, invalid("button style %d is not one of 1 to 4", b.Style)
		}
		seen[b.Key] = true
		w.ButtonList = append(w.ButtonList, wireButton{Text: Clip(b.Text, ButtonTextRunes), Style: int(b.Style), Key: b.Key})
	}
	return w, nil
}

// JSON is the card as message/send's template_card.
func (c ButtonCard) JSON() (json.RawMessage, error) {
	w, err := c.wire()
	if err != nil {
		return nil, err
	}
	return json.Marshal(w)
}

// updateRequest is message/update_template_card without agentid (the
// client adds it).
type updateRequest struct {
	UserIDs      []string        `json:"userids"`
	ResponseCode string          `json:"response_code"`
	Button       *replaceButton  `json:"button,omitempty"`
	TemplateCard json.RawMessage `json:"template_card,omitempty"`
}

type replaceButton struct {
	ReplaceName string `json:"replace_name"`
}

func checkUpdate(users []string, responseCode string) error {
	if responseCode == "" {
		return invalid("response_code missing")
	}
	_, err := Recipients(users)
	return err
}

// UpdateButton relabels the buttons of a tapped card and greys them
// (update_template_card with button.replace_name), for users, spending the
// tap's one-use response_code.
func UpdateButton(users []string, responseCode, label string) (json.RawMessage, error) {
	if err := checkUpdate(users, responseCode); err != nil {
		return nil, err
	}
	if strings.TrimSpace(label) == "" {
		return nil, invalid("replace_name empty")
	}
	return json.Marshal(updateRequest{UserIDs: users, ResponseCode: responseCode,
		Button: &replaceButton{ReplaceName: label}})
}

// UpdateCard replaces a tapped card with c for users; with replaceText its
// buttons become one grey button saying it (replace_text, an update-only field).
func UpdateCard(users []string, responseCode string, c ButtonCard, replaceText string) (json.RawMessage, error) {
	if err := checkUpdate(users, responseCode); err != nil {
		return nil, err
	}
	w, err := c.wire()
	if err != nil {
		return nil, err
	}
	w.ReplaceText = Clip(replaceText, ReplaceTextRunes)
	card, err := json.Marshal(w)
	if err != nil {
		return nil, err
	}
	return json.Marshal(updateRequest{UserIDs: users, ResponseCode: responseCode, TemplateCard: card})
}

// Relabel is the outbox row that greys and relabels the buttons of the card
// ev tapped (UpdateButton for the tapper, spending the tap's response_code),
// keyed to the tap so handling it twice updates once. It is false when the
// tap carries no response_code.
func Relabel(ev Event, label string, now time.Time) (servicebot.OutboxMessage, bool, error) {
	if ev.ResponseCode == "" {
		return servicebot.OutboxMessage{}, false, nil
	}
	body, err := UpdateButton([]string{ev.FromUserName}, ev.ResponseCode, label)
	if err != nil {
		return servicebot.OutboxMessage{}, false, err
	}
	return servicebot.OutboxMessage{DedupKey: "card-update:" + ev.DedupKey(), Kind: servicebot.OutUpdateCard,
		ToUsers: ev.FromUserName, Body: body, CreatedAt: now}, true, nil
}
