package servicebot

import (
	"encoding/json"
	"time"
)

// Outbox message kinds: which WeCom API delivers the row.
const (
	OutText         = "text"          // message/send msgtype text
	OutMarkdown     = "markdown"      // message/send msgtype markdown
	OutTemplateCard = "template_card" // message/send msgtype template_card
	OutUpdateCard   = "update_card"   // message/update_template_card
	OutAppChat      = "appchat"       // appchat/send to a group chat (ToChat)
	OutWebhook      = "webhook"       // group robot webhook/send (ToChat holds the robot key)
)

// Outbox row states.
const (
	OutboxPending = "pending" // waiting for NextAttemptAt
	OutboxSending = "sending" // claimed by a sender until LockedUntil
	OutboxSent    = "sent"
	OutboxFailed  = "failed" // permanent error or attempts exhausted; kept with its error
)

// OutboxMessage is one message, card or card update to deliver. It is written
// in the same transaction as the state change that caused it and delivered by
// the sender; nothing calls the WeCom send API inline.
//
// Body is the msgtype-specific JSON object WeCom expects under the msgtype key
// ({"content": "..."} for text and markdown, the template_card object for a
// card, the whole update_template_card request minus agentid for update_card).
// For appchat and webhook, Body is the message with its own msgtype
// ({"msgtype": "markdown", "markdown": {"content": "..."}}): those APIs take
// several types and the row has no other place to name one.
type OutboxMessage struct {
	ID            int64
	DedupKey      string // optional; unique when set (a reminder stage, a card for a step)
	Kind          string
	ToUsers       string // userids joined by "|", as WeCom takes them
	ToChat        string // chatid (appchat) or robot key (webhook)
	Body          json.RawMessage
	Status        string
	Attempts      int
	LastError     string
	CreatedAt     time.Time
	NextAttemptAt time.Time
	LockedUntil   time.Time
	SentAt        time.Time
	FirstFailedAt time.Time // the first failed attempt; the sender gives up by the time since
	MsgID         string    // WeCom's msgid, for recall
	ResponseCode  string    // a card's response_code, for update_template_card
}

// SendResult is what WeCom answered to a delivered outbox row.
type SendResult struct {
	MsgID        string
	ResponseCode string   // template_card only
	InvalidUsers []string // recipients WeCom did not know; the rest were sent
}
