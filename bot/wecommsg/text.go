// Package wecommsg is the one place that knows the shapes and limits of the
// messages the bot sends WeCom: text and markdown (message/send), template
// cards and their updates (message/update_template_card), posts to an app
// group chat (appchat/send) or a group robot (webhook/send), recipients and
// task ids. A message WeCom would refuse or cut is an error here, when it is
// built, not a surprise at the sender.
//
// Sources (kept with samples in testdata/): developer.work.weixin.qq.com
// 90236 发送应用消息, 94888 更新模版卡片消息, 90248 应用推送消息 (appchat),
// 91770 群机器人配置说明; field names cross-checked with go-workwx,
// PowerWeChat and WxJava.
package wecommsg

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/servicebot/servicebot"
)

// ErrInvalid is wrapped by every construction error: the message is one
// WeCom would refuse or cut.
var ErrInvalid = errors.New("wecommsg: invalid message")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Limits WeCom documents.
const (
	// ContentLimit is text.content and markdown.content of message/send and
	// appchat/send: 最长不超过2048个字节 (WeCom cuts the rest).
	ContentLimit = 2048
	// RobotMarkdownLimit is markdown.content of a group robot (4096 bytes).
	RobotMarkdownLimit = 4096
	// RobotTextLimit is text.content of a group robot (2048 bytes).
	RobotTextLimit = 2048
	// MaxRecipients is touser of message/send: at most 1000 userids.
	MaxRecipients = 1000
	// MarkerRunes is how many invisible runes Mark may append (row ids
	// below 4^20); MarkerBytes is what they take in UTF-8.
	MarkerRunes = 20
	MarkerBytes = MarkerRunes * 3
	// TextLimit is what a text or markdown body sent through message/send
	// may hold before the sender adds the row marker: the marker is part of
	// the 2048 bytes WeCom counts.
	TextLimit = ContentLimit - MarkerBytes
)

type content struct {
	Content string `json:"content"`
}

func checkContent(s string, limit int) error {
	switch {
	case strings.TrimSpace(s) == "":
		return invalid("empty content")
	case !utf8.ValidString(s):
		return invalid("content is not UTF-8")
	case len(s) > limit:
		return invalid("content of %d bytes exceeds %d", len(s), limit)
	}
	return nil
}

// Text is the body of a text message (message/send msgtype text):
// {"content": s}. s must fit TextLimit, leaving room for the row marker.
func Text(s string) (json.RawMessage, error) {
	if err := checkContent(s, TextLimit); err != nil {
		return nil, err
	}
	return json.Marshal(content{s})
}

// Markdown is the body of a markdown message (message/send msgtype markdown).
func Markdown(s string) (json.RawMessage, error) {
	return Text(s) // same shape, same limit
}

// Split cuts s at line ends into parts of at most limit bytes; a line longer
// than limit is cut at a character. Parts are never empty; blank input gives
// none.
func Split(s string, limit int) []string {
	if limit < utf8.UTFMax {
		limit = utf8.UTFMax
	}
	var parts []string
	var cur strings.Builder
	flush := func() {
		if p := strings.TrimRight(cur.String(), "\n"); strings.TrimSpace(p) != "" {
			parts = append(parts, p)
		}
		cur.Reset()
	}
	for _, line := range strings.SplitAfter(s, "\n") {
		for len(line) > limit { // one line longer than a message: cut at a rune
			flush()
			cut := limit
			for cut > 0 && !utf8.RuneStart(line[cut]) {
				cut--
			}
			cur.WriteString(line[:cut])
			flush()
			line = line[cut:]
		}
		if cur.Len()+len(line) > limit {
			flush()
		}
		cur.WriteString(line)
	}
	flush()
	return parts
}

// partKey is the dedup key of part i of a split message: the first part keeps
// the row's key, so a message that fits is keyed as it always was.
func partKey(key string, i int) string {
	if key == "" || i == 0 {
		return key
	}
	return key + "#" + strconv.Itoa(i+1)
}

// Texts is m as one or more text rows holding s, split at line ends so each
// fits TextLimit; parts after the first get m's dedup key with "#2", "#3"…
// m.ToUsers must be valid recipients (see Recipients).
func Texts(m servicebot.OutboxMessage, s string) ([]servicebot.OutboxMessage, error) {
	return contentRows(m, servicebot.OutText, s)
}

// Markdowns is Texts for markdown.
func Markdowns(m servicebot.OutboxMessage, s string) ([]servicebot.OutboxMessage, error) {
	return contentRows(m, servicebot.OutMarkdown, s)
}

func contentRows(m servicebot.OutboxMessage, kind, s string) ([]servicebot.OutboxMessage, error) {
	if err := checkRecipients(m.ToUsers); err != nil {
		return nil, err
	}
	parts := Split(s, TextLimit)
	if len(parts) == 0 {
		return nil, invalid("empty content")
	}
	out := make([]servicebot.OutboxMessage, len(parts))
	for i, p := range parts {
		body, err := Text(p)
		if err != nil {
			return nil, err
		}
		row := m
		row.Kind, row.Body, row.DedupKey = kind, body, partKey(m.DedupKey, i)
		out[i] = row
	}
	return out, nil
}

// Recipients joins userids the way touser takes them ("a|b|c"): at least
// one, at most MaxRecipients, none empty or holding '|'.
func Recipients(users []string) (string, error) {
	to := strings.Join(users, "|")
	if err := checkRecipients(to); err != nil {
		return "", err
	}
	return to, nil
}

func checkRecipients(to string) error {
	if to == "" {
		return invalid("no recipient")
	}
	ids := strings.Split(to, "|")
	if len(ids) > MaxRecipients {
		return invalid("%d recipients exceed %d", len(ids), MaxRecipients)
	}
	for _, id := range ids {
		if id == "" || strings.TrimSpace(id) != id {
			return invalid("empty or padded userid in %q", to)
		}
	}
	return nil
}

// Batches cuts users into groups of at most MaxRecipients, for one message each.
func Batches(users []string) [][]string {
	var out [][]string
	for lo := 0; lo < len(users); lo += MaxRecipients {
		out = append(out, users[lo:min(lo+MaxRecipients, len(users))])
	}
	return out
}

// rowMarks are the invisible runes Mark writes a row id with, base 4.
var rowMarks = [4]rune{'\u200b', '\u200c', '\u200d', '\u2060'}

// IsMark reports whether r is one of the invisible runes of a row marker.
func IsMark(r rune) bool {
	for _, m := range rowMarks {
		if r == m {
			return true
		}
	}
	return false
}

// Mark appends the outbox row's id to a text or markdown body's content,
// written in zero-width characters. WeCom's duplicate check compares message
// content: it must suppress a retry of the same row (identical, marker
// included) but never a second row that happens to say the same thing —
// "您目前没有工单" asked for twice within four hours. Rows are unique by design
// (their dedup keys); the marker makes their content unique too. The marked
// content must still fit ContentLimit, or WeCom would cut the marker off.
func Mark(body json.RawMessage, id int64) (json.RawMessage, error) {
	if id <= 0 {
		return body, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return nil, fmt.Errorf("body: %v: %w", err, servicebot.ErrMalformed)
	}
	var text string
	if err := json.Unmarshal(obj["content"], &text); err != nil {
		return nil, fmt.Errorf("body has no text content: %w", servicebot.ErrMalformed)
	}
	var mark []rune
	for n := id; n > 0; n /= 4 {
		mark = append(mark, rowMarks[n%4])
	}
	if len(mark) > MarkerRunes {
		return nil, fmt.Errorf("row id %d needs a marker over %d runes: %w", id, MarkerRunes, servicebot.ErrMalformed)
	}
	text += string(mark)
	if len(text) > ContentLimit {
		return nil, fmt.Errorf("content with its marker is %d bytes, over %d: %w", len(text), ContentLimit, servicebot.ErrMalformed)
	}
	marked, err := json.Marshal(text)
	if err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	obj["content"] = marked
	return json.Marshal(obj)
}
