package wecomsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// The simulator is at least as strict as WeCom's documentation: a request
// is checked field by field against the documented schema of its endpoint
// and card type, and a field the documentation does not list there is an
// error (codeInvalidParam), not silently ignored. Real WeCom may ignore
// some of these; the bot must not rely on that.
//
// Sources: developer.work.weixin.qq.com 90236 (发送应用消息, each template
// card type), 94888 (更新模版卡片消息), 90248 (应用推送消息, appchat/send),
// 91770 (群机器人配置说明). Samples of each are in testdata/ and held
// against this schema by contract_test.go.

// field is one documented field: its JSON kind and, for objects and arrays
// of objects, the fields inside.
type field struct {
	kind   string // "string", "int", "bool", "object", "array" (of objects), "strings", "ints"
	fields schema // object, array
	max    int    // array: at most this many items (0: no limit)
}

type schema map[string]field

func str() field                       { return field{kind: "string"} }
func num() field                       { return field{kind: "int"} }
func boolean() field                   { return field{kind: "bool"} }
func obj(s schema) field               { return field{kind: "object", fields: s} }
func arr(s schema, maxItems int) field { return field{kind: "array", fields: s, max: maxItems} }

// Card parts (90236 模板卡片 structures).
var (
	sourceSchema     = schema{"icon_url": str(), "desc": str(), "desc_color": num()}
	actionMenuSchema = schema{"desc": str(), "action_list": arr(schema{"text": str(), "key": str()}, 3)}
	mainTitleSchema  = schema{"title": str(), "desc": str()}
	quoteAreaSchema  = schema{"type": num(), "url": str(), "appid": str(), "pagepath": str(), "title": str(), "quote_text": str()}
	emphasisSchema   = schema{"title": str(), "desc": str()}
	horizontalSchema = schema{"type": num(), "keyname": str(), "value": str(), "url": str(), "media_id": str(), "userid": str()}
	jumpSchema       = schema{"type": num(), "title": str(), "url": str(), "appid": str(), "pagepath": str()}
	cardActionSchema = schema{"type": num(), "url": str(), "appid": str(), "pagepath": str()}
	selectionSchema  = schema{"question_key": str(), "title": str(), "disable": boolean(), "selected_id": str(),
		"option_list": arr(schema{"id": str(), "text": str()}, 10)}
	buttonSchema   = schema{"type": num(), "text": str(), "style": num(), "key": str(), "url": str()}
	checkboxSchema = schema{"question_key": str(), "disable": boolean(), "mode": num(),
		"option_list": arr(schema{"id": str(), "text": str(), "is_checked": boolean()}, 20)}
	submitSchema    = schema{"text": str(), "key": str()}
	cardImageSchema = schema{"url": str(), "aspect_ratio": field{kind: "number"}}
	imageTextSchema = schema{"type": num(), "url": str(), "appid": str(), "pagepath": str(), "title": str(), "desc": str(), "image_url": str()}
	verticalSchema  = schema{"title": str(), "desc": str()}
)

// cardSchemas are the fields of each template card type when sent with
// message/send. jump_list belongs to text_notice and news_notice only;
// replace_text to no card sent with message/send (only to updates).
var cardSchemas = map[string]schema{
	"text_notice": {
		"card_type": str(), "source": obj(sourceSchema), "action_menu": obj(actionMenuSchema), "task_id": str(),
		"main_title": obj(mainTitleSchema), "quote_area": obj(quoteAreaSchema), "emphasis_content": obj(emphasisSchema),
		"sub_title_text": str(), "horizontal_content_list": arr(horizontalSchema, 6), "jump_list": arr(jumpSchema, 3),
		"card_action": obj(cardActionSchema),
	},
	"news_notice": {
		"card_type": str(), "source": obj(sourceSchema), "action_menu": obj(actionMenuSchema), "task_id": str(),
		"main_title": obj(mainTitleSchema), "quote_area": obj(quoteAreaSchema), "image_text_area": obj(imageTextSchema),
		"card_image": obj(cardImageSchema), "vertical_content_list": arr(verticalSchema, 4),
		"horizontal_content_list": arr(horizontalSchema, 6), "jump_list": arr(jumpSchema, 3), "card_action": obj(cardActionSchema),
	},
	"button_interaction": {
		"card_type": str(), "source": obj(sourceSchema), "action_menu": obj(actionMenuSchema), "main_title": obj(mainTitleSchema),
		"quote_area": obj(quoteAreaSchema), "sub_title_text": str(), "horizontal_content_list": arr(horizontalSchema, 6),
		"card_action": obj(cardActionSchema), "task_id": str(), "button_selection": obj(selectionSchema),
		"button_list": arr(buttonSchema, 6),
	},
	"vote_interaction": {
		"card_type": str(), "source": obj(sourceSchema), "main_title": obj(mainTitleSchema), "task_id": str(),
		"checkbox": obj(checkboxSchema), "submit_button": obj(submitSchema),
	},
	"multiple_interaction": {
		"card_type": str(), "source": obj(sourceSchema), "main_title": obj(mainTitleSchema), "task_id": str(),
		"select_list": arr(selectionSchema, 3), "submit_button": obj(submitSchema),
	},
}

// updateOnly are the fields a card may carry only in update_template_card
// (94888): the text of the grey button it turns into.
var updateOnly = schema{"replace_text": str()}

// sendSchema is message/send (90236) for the message types the simulator
// delivers; the body of text and markdown is checked here, a card by type.
var sendSchema = schema{
	"touser": str(), "toparty": str(), "totag": str(), "msgtype": str(), "agentid": {kind: "agentid"},
	"text": obj(schema{"content": str()}), "markdown": obj(schema{"content": str()}),
	"template_card": {kind: "card"},
	"safe":          num(), "enable_id_trans": num(), "enable_duplicate_check": num(), "duplicate_check_interval": num(),
}

// updateSchema is message/update_template_card (94888).
var updateSchema = schema{
	"userids": {kind: "strings"}, "partyids": {kind: "ints"}, "tagids": {kind: "ints"}, "atall": num(),
	"agentid": {kind: "agentid"}, "response_code": str(), "button": obj(schema{"replace_name": str()}),
	"template_card": {kind: "updatecard"}, "enable_id_trans": num(),
}

// appchatSchema is appchat/send (90248) for text and markdown.
var appchatSchema = schema{
	"chatid": str(), "msgtype": str(), "safe": num(),
	"text": obj(schema{"content": str()}), "markdown": obj(schema{"content": str()}),
}

// webhookSchema is a group robot's webhook/send (91770) for text and markdown.
var webhookSchema = schema{
	"msgtype":  str(),
	"text":     obj(schema{"content": str(), "mentioned_list": {kind: "strings"}, "mentioned_mobile_list": {kind: "strings"}}),
	"markdown": obj(schema{"content": str()}),
}

// Button styles: "按钮样式，目前可填1~4，不填或错填默认1" (Button结构体,
// 90236 and 101032); what each looks like is shown only as a picture there.
const (
	minButtonStyle = 1
	maxButtonStyle = 4
)

// taskIDPattern is a task_id's documented charset: 数字、字母和"_-@", ≤ 128 bytes.
var taskIDPattern = regexp.MustCompile(`^[0-9A-Za-z_\-@]{1,128}$`)

var errNotJSON = errors.New("body is not a JSON object")

// checkSchema reports the first way body breaks s, as a dotted path.
func checkSchema(body []byte, s schema) error {
	var v map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil || v == nil {
		return errNotJSON
	}
	return checkObject("", v, s)
}

func checkObject(path string, v map[string]json.RawMessage, s schema) error {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f, known := s[k]
		if !known {
			return fmt.Errorf("unknown field %s%s", path, k)
		}
		if err := checkField(path+k, v[k], f); err != nil {
			return err
		}
	}
	return nil
}

func checkField(path string, raw json.RawMessage, f field) error {
	t := strings.TrimSpace(string(raw))
	if t == "null" {
		return fmt.Errorf("%s is null", path)
	}
	switch f.kind {
	case "string":
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return fmt.Errorf("%s must be a string", path)
		}
	case "int":
		var n int64
		if json.Unmarshal(raw, &n) != nil {
			return fmt.Errorf("%s must be an integer", path)
		}
	case "agentid": // an integer; WeCom also takes it as a numeric string (silenceper sends one)
		var n flexInt
		if json.Unmarshal(raw, &n) != nil {
			return fmt.Errorf("%s must be an integer", path)
		}
	case "number":
		var n float64
		if json.Unmarshal(raw, &n) != nil {
			return fmt.Errorf("%s must be a number", path)
		}
	case "bool":
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return fmt.Errorf("%s must be true or false", path)
		}
	case "strings":
		var ss []string
		if json.Unmarshal(raw, &ss) != nil {
			return fmt.Errorf("%s must be a list of strings", path)
		}
	case "ints":
		var ns []int64
		if json.Unmarshal(raw, &ns) != nil {
			return fmt.Errorf("%s must be a list of integers", path)
		}
	case "object":
		var o map[string]json.RawMessage
		if json.Unmarshal(raw, &o) != nil || o == nil {
			return fmt.Errorf("%s must be an object", path)
		}
		return checkObject(path+".", o, f.fields)
	case "array":
		var items []map[string]json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return fmt.Errorf("%s must be a list of objects", path)
		}
		if f.max > 0 && len(items) > f.max {
			return fmt.Errorf("%s has %d items, at most %d", path, len(items), f.max)
		}
		for i, it := range items {
			if err := checkObject(fmt.Sprintf("%s[%d].", path, i), it, f.fields); err != nil {
				return err
			}
		}
	case "card":
		return checkCard(path, raw, false)
	case "updatecard":
		return checkCard(path, raw, true)
	}
	return nil
}

// wireCard is what checkCard reads of a card beyond its schema.
type wireCard struct {
	CardType   string                  `json:"card_type"`
	TaskID     string                  `json:"task_id"`
	MainTitle  *struct{ Title string } `json:"main_title"`
	SubTitle   string                  `json:"sub_title_text"`
	ActionMenu *struct{}               `json:"action_menu"`
	Horizontal []struct {
		Type    int    `json:"type"`
		URL     string `json:"url"`
		MediaID string `json:"media_id"`
		UserID  string `json:"userid"`
	} `json:"horizontal_content_list"`
	CardAction *struct {
		Type  int    `json:"type"`
		URL   string `json:"url"`
		AppID string `json:"appid"`
	} `json:"card_action"`
	Buttons []struct {
		Type  int    `json:"type"`
		Key   string `json:"key"`
		URL   string `json:"url"`
		Style *int   `json:"style"`
	} `json:"button_list"`
	ReplaceText string `json:"replace_text"`
}

// checkCard checks a template_card against the schema of its type and the
// documented rules the schema cannot say.
func checkCard(path string, raw json.RawMessage, update bool) error {
	var head struct {
		CardType string `json:"card_type"`
	}
	if json.Unmarshal(raw, &head) != nil {
		return fmt.Errorf("%s must be an object", path)
	}
	base, known := cardSchemas[head.CardType]
	if !known {
		return fmt.Errorf("%s.card_type %q is not a documented card type", path, head.CardType)
	}
	s := base
	if update {
		s = make(schema, len(base)+len(updateOnly))
		for k, f := range base {
			s[k] = f
		}
		for k, f := range updateOnly {
			s[k] = f
		}
	}
	var o map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&o); err != nil {
		return fmt.Errorf("%s must be an object", path)
	}
	if err := checkObject(path+".", o, s); err != nil {
		return err
	}
	var c wireCard
	_ = json.Unmarshal(raw, &c)
	interactive := head.CardType == "button_interaction" || head.CardType == "vote_interaction" || head.CardType == "multiple_interaction"
	if (interactive || c.ActionMenu != nil) && !taskIDPattern.MatchString(c.TaskID) {
		return fmt.Errorf("%s.task_id %q: required, [0-9A-Za-z_-@], at most 128 bytes", path, c.TaskID)
	}
	if (c.MainTitle == nil || c.MainTitle.Title == "") && c.SubTitle == "" && head.CardType != "vote_interaction" && head.CardType != "multiple_interaction" {
		return fmt.Errorf("%s: main_title.title or sub_title_text is required", path)
	}
	for i, h := range c.Horizontal {
		switch {
		case h.Type == 1 && h.URL == "":
			return fmt.Errorf("%s.horizontal_content_list[%d]: type 1 needs url", path, i)
		case h.Type == 2 && h.MediaID == "":
			return fmt.Errorf("%s.horizontal_content_list[%d]: type 2 needs media_id", path, i)
		case h.Type == 3 && h.UserID == "":
			return fmt.Errorf("%s.horizontal_content_list[%d]: type 3 needs userid", path, i)
		case h.Type < 0 || h.Type > 3:
			return fmt.Errorf("%s.horizontal_content_list[%d]: type %d", path, i, h.Type)
		}
	}
	if head.CardType == "text_notice" || head.CardType == "news_notice" {
		if c.CardAction == nil {
			return fmt.Errorf("%s.card_action is required for %s", path, head.CardType)
		}
	}
	if a := c.CardAction; a != nil {
		switch {
		case a.Type == 1 && a.URL == "":
			return fmt.Errorf("%s.card_action: type 1 needs url", path)
		case a.Type == 2 && a.AppID == "":
			return fmt.Errorf("%s.card_action: type 2 needs appid", path)
		}
	}
	if head.CardType == "button_interaction" {
		if len(c.Buttons) == 0 {
			return fmt.Errorf("%s.button_list is required", path)
		}
		seen := map[string]bool{}
		for i, b := range c.Buttons {
			switch {
			case b.Type == 0 && (b.Key == "" || len(b.Key) > 1024):
				return fmt.Errorf("%s.button_list[%d].key: required, at most 1024 bytes", path, i)
			case b.Type == 1 && b.URL == "":
				return fmt.Errorf("%s.button_list[%d]: type 1 needs url", path, i)
			case b.Key != "" && seen[b.Key]:
				return fmt.Errorf("%s.button_list[%d].key %q repeats", path, i, b.Key)
			case b.Style != nil && (*b.Style < minButtonStyle || *b.Style > maxButtonStyle):
				// WeCom takes it and shows style 1 (不填或错填默认1): a 驳回
				// would look like the primary button. Refused here.
				return fmt.Errorf("%s.button_list[%d].style %d: documented values are %d to %d", path, i, *b.Style, minButtonStyle, maxButtonStyle)
			}
			seen[b.Key] = true
		}
	}
	return nil
}

// CheckRequest checks a request body for api ("message/send",
// "message/update_template_card", "appchat/send", "webhook/send") against
// the documented schema and byte limits, without sending it: what the
// simulator refuses before looking at the state of things (recipients,
// response codes, chats).
func CheckRequest(api string, body []byte) error {
	var s schema
	markdownMax := appMarkdownLimit
	switch api {
	case "message/send":
		s = sendSchema
	case "message/update_template_card":
		s = updateSchema
	case "appchat/send":
		s = appchatSchema
	case "webhook/send":
		s, markdownMax = webhookSchema, robotMarkdownLimit
	default:
		return fmt.Errorf("wecomsim: no schema for %s", api)
	}
	if err := checkSchema(body, s); err != nil {
		return err
	}
	if api == "message/update_template_card" {
		return nil
	}
	var req struct {
		MsgType  string        `json:"msgtype"`
		Text     *contentField `json:"text"`
		Markdown *contentField `json:"markdown"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return err
	}
	if req.MsgType == "template_card" {
		return nil // checked by its card type's schema
	}
	if _, st := validateContent(req.MsgType, req.Text, req.Markdown, markdownMax); st.ErrCode != codeOK {
		return fmt.Errorf("%d %s", st.ErrCode, st.ErrMsg)
	}
	return nil
}
