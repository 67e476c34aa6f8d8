package handlers

import (
	"context"
	"fmt"
	"strings"

	"github.com/servicebot/servicebot"
)

// HelpText is the reply to any text until later features give messages
// meaning: what the bot is, and that the message was received.
const HelpText = "您好，我是售后服务部的工作助手。\n" +
	"您发来的消息已收到并记录。\n" +
	"日报、表单、审批和提醒功能正在陆续上线，届时会在这里告诉您怎么用。\n" +
	"随时发送「帮助」可以查看本说明。"

// Router sends each event to the handler for its kind (servicebot.Event.Kind).
// Kinds without a handler are completed without a reply: they are stored in
// the inbox, so a later version can still act on them.
type Router struct {
	routes map[string]HandlerFunc
	// cards maps a button key prefix ("remind:", "approve:") to the handler
	// of clicks on buttons whose EventKey starts with it.
	cards map[string]HandlerFunc
	clock servicebot.Clock
}

// NewRouter makes the router with servicebot's handlers.
func NewRouter(clock servicebot.Clock) *Router {
	r := &Router{routes: map[string]HandlerFunc{}, cards: map[string]HandlerFunc{}, clock: clock}
	r.Handle(servicebot.MsgText, r.replyHelp)
	r.Handle(servicebot.MsgVoice, r.replyHelpToRecognisedVoice)
	r.Handle(servicebot.MsgEvent+":"+servicebot.EventTemplateCard, r.routeCard)
	return r
}

// Handle sets the handler for kind (servicebot.Event.Kind).
func (r *Router) Handle(kind string, h HandlerFunc) { r.routes[kind] = h }

// HandleCard sets the handler for clicks on card buttons whose key starts
// with prefix. Button keys are "<prefix><id>[:<choice>]", so a click names
// what it acts on and the handler needs no lookup by task id.
func (r *Router) HandleCard(prefix string, h HandlerFunc) { r.cards[prefix] = h }

// Route is a HandlerFunc for the worker.
func (r *Router) Route(ctx context.Context, tx Tx, ev servicebot.Event) error {
	if h, ok := r.routes[ev.Kind()]; ok {
		return h(ctx, tx, ev)
	}
	return nil
}

// routeCard hands a card click to the handler of the longest matching
// prefix. A click on a button nobody handles is stored and completed: the
// card may come from an older version.
func (r *Router) routeCard(ctx context.Context, tx Tx, ev servicebot.Event) error {
	best := ""
	for p := range r.cards {
		if strings.HasPrefix(ev.EventKey, p) && len(p) > len(best) {
			best = p
		}
	}
	if best == "" {
		return nil
	}
	return r.cards[best](ctx, tx, ev)
}

func (r *Router) replyHelp(ctx context.Context, tx Tx, ev servicebot.Event) error {
	return r.reply(ctx, tx, ev, HelpReply(ev.Content))
}

// HelpReply is the help text headed by a short quote of what the member
// wrote. The quote tells them what arrived, and it makes the answers to two
// different messages different: WeCom's duplicate check (which every send
// uses, so a retried send never shows twice) would otherwise swallow the
// second identical reply within four hours.
func HelpReply(received string) string {
	const maxQuote = 30 // runes
	q := []rune(strings.Join(strings.Fields(received), " "))
	if len(q) > maxQuote {
		q = append(q[:maxQuote], []rune("…")...)
	}
	return "收到：「" + string(q) + "」\n\n" + HelpText
}

// A voice message with WeCom's speech recognition switched on reads like text;
// without it there is nothing to answer.
func (r *Router) replyHelpToRecognisedVoice(ctx context.Context, tx Tx, ev servicebot.Event) error {
	if strings.TrimSpace(ev.Recognition) == "" {
		return nil
	}
	return r.reply(ctx, tx, ev, HelpReply(ev.Recognition))
}

// reply enqueues a text to the sender of ev. Its dedup key ties it to the
// delivery it answers, so handling the same delivery twice replies once.
func (r *Router) reply(ctx context.Context, tx Tx, ev servicebot.Event, text string) error {
	_, _, err := tx.EnqueueOutbox(ctx, servicebot.OutboxMessage{
		DedupKey:  "reply:" + ev.DedupKey(),
		Kind:      servicebot.OutText,
		ToUsers:   ev.FromUserName,
		Body:      servicebot.TextBody(text),
		CreatedAt: r.clock.Now(),
	})
	if err != nil {
		return fmt.Errorf("handlers: enqueue reply: %w", err)
	}
	return nil
}
