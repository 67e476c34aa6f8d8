package handlers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
)

// HelpText is the reply to 帮助 and to any text the bot does not
// understand: what the bot is, how to send the daily report, and every chat
// command, grouped by what it is for. It must stay under WeCom's 2048 bytes
// with HelpReply's quote (TestHelpReply_FitsOneMessage).
const HelpText = "您好，我是售后服务部的工作助手。\n" +
	"每天把日报直接发给我就行，例如：\n" +
	"今天：在XX公司安装调试\n" +
	"明天：去XX公司回访\n" +
	"现场照片和位置（签到）直接发给我，会附到当天的日报。\n\n" +
	"【日报与请假】\n" +
	"· 日报模板：看看日报怎么写\n" +
	"· 我的日报：查看本周每天的日报情况\n" +
	"· 补报 11月25日 今天：…：补交以前某天的日报\n" +
	"· 请假 12月1日-12月3日：登记请假，请假期间不提醒\n" +
	"· 取消请假：提前回来时取消请假\n" +
	"【服务工单】\n" +
	"· 我的工单：查看派给我的工单\n" +
	"· 开始 7 / 完成 7：开始或完成工单7\n" +
	"· 客户咨询 客户 问题：登记客户的技术咨询，8小时内答复\n" +
	"· 已答复 编号：咨询答复后销号\n" +
	"· 我的待办（或：待办）：今天要做的和已逾期的事\n" +
	"【表单与申请】\n" +
	"· 表单：在手机上填写售后服务表单\n" +
	"· 服务申请：安装调试、故障处理、现场走访的申请表\n" +
	"· 申请配件赔偿：填写售后赔偿申请单，提交后自动送审\n" +
	"· 申请器械赔偿：填写服务器械赔偿单，提交后自动送审\n" +
	"【考核】\n" +
	"· 申诉 指标 理由：对上月考核预览提出申诉，例如：申诉 服务管理 10月14日的日报已提交\n" +
	"· 帮助：再看一遍本说明"

// Router sends each event to the handler for its kind (servicebot.Event.Kind).
// Kinds without a handler are completed without a reply: they are stored in
// the inbox, so a later version can still act on them.
type Router struct {
	routes map[string]HandlerFunc
	// cards maps a button key prefix ("remind:", "approve:") to the handler
	// of clicks on buttons whose EventKey starts with it.
	cards map[string]HandlerFunc
	// firsts are asked, in order, before the handler of their kind; one that
	// takes the event ends its handling (a rejection's reason, say).
	firsts map[string][]FirstFunc
	clock  servicebot.Clock
}

// FirstFunc looks at an event before its kind's handler and reports whether
// it took it.
type FirstFunc func(ctx context.Context, tx Tx, ev servicebot.Event) (took bool, err error)

// NewRouter makes the router with servicebot's handlers.
func NewRouter(clock servicebot.Clock) *Router {
	r := &Router{routes: map[string]HandlerFunc{}, cards: map[string]HandlerFunc{},
		firsts: map[string][]FirstFunc{}, clock: clock}
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

// First asks f about events of kind before their handler: a conversation
// waiting for its answer (the reason of a rejection) takes the next text,
// whoever else handles texts.
func (r *Router) First(kind string, f FirstFunc) { r.firsts[kind] = append(r.firsts[kind], f) }

// Route is a HandlerFunc for the worker.
func (r *Router) Route(ctx context.Context, tx Tx, ev servicebot.Event) error {
	for _, f := range r.firsts[ev.Kind()] {
		if took, err := f(ctx, tx, ev); err != nil || took {
			return err
		}
	}
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

func (r *Router) reply(ctx context.Context, tx Tx, ev servicebot.Event, text string) error {
	return replyTo(ctx, tx, ev, text, r.clock.Now())
}

// replyTo enqueues a text to the sender of ev. Its dedup key ties it to the
// delivery it answers, so handling the same delivery twice replies once.
func replyTo(ctx context.Context, tx Tx, ev servicebot.Event, text string, now time.Time) error {
	err := enqueueTexts(ctx, tx, servicebot.OutboxMessage{
		DedupKey:  "reply:" + ev.DedupKey(),
		ToUsers:   ev.FromUserName,
		CreatedAt: now,
	}, text)
	if err != nil {
		return fmt.Errorf("handlers: enqueue reply: %w", err)
	}
	return nil
}
