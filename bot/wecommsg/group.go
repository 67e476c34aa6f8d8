package wecommsg

import (
	"encoding/json"

	"github.com/servicebot/servicebot"
)

// Group is where department-wide posts go: an app group chat (appchat/send,
// needs the app visible to the root department) or a group robot
// (webhook/send, at most 20 messages a minute), or nowhere when both are empty.
type Group struct {
	ChatID   string
	RobotKey string
}

type selfTyped struct {
	MsgType  string   `json:"msgtype"`
	Markdown *content `json:"markdown,omitempty"`
	Text     *content `json:"text,omitempty"`
}

// GroupMarkdown is the body of one markdown post to a group chat, which
// names its own msgtype: {"msgtype":"markdown","markdown":{"content":…}}.
func GroupMarkdown(s string) (json.RawMessage, error) {
	if err := checkContent(s, ContentLimit); err != nil {
		return nil, err
	}
	return json.Marshal(selfTyped{MsgType: "markdown", Markdown: &content{s}})
}

// RobotMarkdown is the body of one markdown post by a group robot.
func RobotMarkdown(s string) (json.RawMessage, error) {
	if err := checkContent(s, RobotMarkdownLimit); err != nil {
		return nil, err
	}
	return json.Marshal(selfTyped{MsgType: "markdown", Markdown: &content{s}})
}

// Posts are the rows of a markdown post to g, split so each part fits the
// API's limit; parts after the first get m's dedup key with "#2", "#3"… No group
// configured: no rows.
func (g Group) Posts(m servicebot.OutboxMessage, markdown string) ([]servicebot.OutboxMessage, error) {
	kind, to, limit, build := servicebot.OutAppChat, g.ChatID, ContentLimit, GroupMarkdown
	if to == "" {
		kind, to, limit, build = servicebot.OutWebhook, g.RobotKey, RobotMarkdownLimit, RobotMarkdown
	}
	if to == "" {
		return nil, nil
	}
	parts := Split(markdown, limit)
	if len(parts) == 0 {
		return nil, invalid("empty group post")
	}
	out := make([]servicebot.OutboxMessage, len(parts))
	for i, p := range parts {
		body, err := build(p)
		if err != nil {
			return nil, err
		}
		row := m
		row.Kind, row.ToChat, row.ToUsers, row.Body, row.DedupKey = kind, to, "", body, partKey(m.DedupKey, i)
		out[i] = row
	}
	return out, nil
}
