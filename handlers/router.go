package handlers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/feature"
)

// helpIntro heads the help text: what the bot is and how to send the daily
// report. The commands follow, as the features declare them.
const helpIntro = "您好，我是售后服务部的工作助手。\n" +
	"每天把日报直接发给我就行，例如：\n" +
	"今天：在XX公司安装调试\n" +
	"明天：去XX公司回访\n" +
	"现场照片和位置（签到）直接发给我，会附到当天的日报。\n"

// memberIntro heads the help of a member who sends no daily report.
const memberIntro = "您好，我是售后服务部的工作助手。下面是您能用的命令：\n"

// strangerIntro heads the help of someone with no configured role: only
// the commands for every member, and whom to ask.
const strangerIntro = "您好，我是售后服务部的工作助手。您的岗位还没有登记，" +
	"下面是大家都能用的命令；需要开通请联系售后服务部经理。\n"

// helpLine is the router's own command, last in the help.
const helpLine = "帮助：再看一遍本说明"

// Roles says which roles a member holds (R-ORG-1): servicebot.Org, the
// configured roles keyed by WeCom userid.
type Roles interface {
	RolesOf(userID string) []servicebot.Role
}

// Router sends each event to the feature that declared it. It is built from
// the features' declarations (Install): the order they are installed in is
// the precedence when two could take the same text, the help text lists
// their commands, and IsCommand knows every command's words. Kinds nobody
// handles are completed without a reply: they are stored in the inbox, so a
// later version can still act on them.
type Router[T Tx] struct {
	listen   []func(ctx context.Context, tx T, ev wecommsg.Event, isCommand bool) (bool, error)
	commands []feature.Command[T]
	text     func(ctx context.Context, tx T, ev wecommsg.Event) (bool, error)
	events   map[string]feature.Handler[T]
	// cards maps a button key prefix ("remind:", "apv:") to the handler of
	// clicks on buttons whose EventKey starts with it.
	cards map[string]feature.Handler[T]
	help  string
	// roles, when set (UseRoles), makes 帮助 and the hint for text nobody
	// took fit the sender's roles; unset, everyone gets every command.
	roles    Roles
	clock    servicebot.Clock
	features []string
}

// NewRouter makes a router that answers every text with the help until
// features are installed.
func NewRouter[T Tx](clock servicebot.Clock) *Router[T] {
	r := &Router[T]{events: map[string]feature.Handler[T]{}, cards: map[string]feature.Handler[T]{}, clock: clock}
	r.help = r.buildHelp(helpIntro, nil)
	return r
}

// UseRoles makes 帮助 and the one-line hint for text nobody took fit the
// sender's roles, as roles says them.
func (r *Router[T]) UseRoles(roles Roles) { r.roles = roles }

// Install adds the features' declarations, in precedence order. It refuses
// a surface two features claim: a card prefix, an event kind, or the text
// that is no command.
func (r *Router[T]) Install(fs ...feature.Feature[T]) error {
	for _, f := range fs {
		r.listen = append(r.listen, f.Listen...)
		r.commands = append(r.commands, f.Commands...)
		if f.Text != nil {
			if r.text != nil {
				return fmt.Errorf("handlers: %s and another feature both take the texts that are no command", f.Name)
			}
			r.text = f.Text
		}
		for kind, h := range f.Events {
			if _, dup := r.events[kind]; dup {
				return fmt.Errorf("handlers: %s: events %q handled twice", f.Name, kind)
			}
			r.events[kind] = h
		}
		for _, c := range f.Cards {
			if _, dup := r.cards[c.Prefix]; dup {
				return fmt.Errorf("handlers: %s: card prefix %q taken twice", f.Name, c.Prefix)
			}
			r.cards[c.Prefix] = c.Run
		}
		r.features = append(r.features, f.Name)
	}
	r.help = r.buildHelp(helpIntro, nil)
	return nil
}

// buildHelp is the help text: the intro, then the line of every command
// listed to roles (all of them when roles is nil) under its section, in the
// order the features were installed and declared them. It must stay under
// WeCom's 2048 bytes with HelpReply's quote (TestHelpReply_FitsOneMessage).
func (r *Router[T]) buildHelp(intro string, roles []servicebot.Role) string {
	var b strings.Builder
	b.WriteString(intro)
	section := ""
	for _, c := range r.commands {
		if c.Help == "" || (roles != nil && !c.IsFor(roles)) {
			continue
		}
		if c.Section != section {
			if section == "" {
				b.WriteString("\n")
			}
			section = c.Section
			b.WriteString("【" + section + "】\n")
		}
		b.WriteString("· " + c.Help + "\n")
	}
	b.WriteString("· " + helpLine)
	return b.String()
}

// HelpText is every role's help: what the bot is, how to send the daily
// report, and every chat command, grouped by what it is for.
func (r *Router[T]) HelpText() string { return r.help }

// HelpFor is the help for userID's roles: the sections and lines of the
// commands for any of them (a member with several roles sees the union);
// the daily report's how-to only for an engineer; someone with no known
// role a short general help. Without UseRoles it is HelpText.
func (r *Router[T]) HelpFor(userID string) string {
	if r.roles == nil {
		return r.help
	}
	roles := r.roles.RolesOf(userID)
	switch {
	case len(roles) == 0:
		return r.buildHelp(strangerIntro, []servicebot.Role{})
	case slices.Contains(roles, servicebot.RoleEngineer):
		return r.buildHelp(helpIntro, roles)
	}
	return r.buildHelp(memberIntro, roles)
}

// HelpReply is the help text headed by a short quote of what the member
// wrote. The quote tells them what arrived, and it makes the answers to two
// different messages different: WeCom's duplicate check (which every send
// uses, so a retried send never shows twice) would otherwise swallow the
// second identical reply within four hours.
func (r *Router[T]) HelpReply(received string) string {
	const maxQuote = 30 // runes
	q := []rune(strings.Join(strings.Fields(received), " "))
	if len(q) > maxQuote {
		q = append(q[:maxQuote], []rune("…")...)
	}
	return "你发的是「" + string(q) + "」，下面是全部命令：\n\n" + r.help
}

// HelpReplyFor is the reply to userID's 帮助 (received): HelpFor headed by
// the quote, for the same reason as HelpReply's.
func (r *Router[T]) HelpReplyFor(userID, received string) string {
	if r.roles == nil {
		return r.HelpReply(received)
	}
	return "你发的是「" + quote(received, 30) + "」，下面是您能用的命令：\n\n" + r.HelpFor(userID)
}

func quote(s string, maxRunes int) string {
	q := []rune(strings.Join(strings.Fields(s), " "))
	if len(q) > maxRunes {
		q = append(q[:maxRunes], []rune("…")...)
	}
	return string(q)
}

// Hint is the one-line answer to a text no feature took (issue 9): not the
// whole help, and never 收到, which would say something was recorded. The
// quote keeps two answers apart for WeCom's duplicate check.
func Hint(received string) string {
	const maxQuote = 20 // runes
	q := []rune(strings.Join(strings.Fields(received), " "))
	if len(q) > maxQuote {
		q = append(q[:maxQuote], []rune("…")...)
	}
	return "没看懂「" + string(q) + "」。发「帮助」看全部命令。"
}

// Unknown is the answer to a text no feature took: Hint.
func (r *Router[T]) Unknown(received string) string { return Hint(received) }

// roleHints are the one-line pointers of UnknownFor, in R-ORG-1's order.
var roleHints = []struct {
	roles []servicebot.Role
	hint  string
}{
	{[]servicebot.Role{servicebot.RoleEngineer}, "日报直接发给我，例如「今天：… 明天：…」"},
	{[]servicebot.Role{servicebot.RoleServiceManager, servicebot.RoleVPAfterSales, servicebot.RoleGeneralManager},
		"看今天谁交了日报发「日报情况」，等您审批的发「待审批」"},
	{[]servicebot.Role{servicebot.RoleVPSales, servicebot.RoleVPQuality, servicebot.RoleChairman}, "等您审批的发「待审批」"},
	{[]servicebot.Role{servicebot.RoleSales, servicebot.RoleSalesClerk}, "申请售后服务发「服务申请」"},
	{[]servicebot.Role{servicebot.RoleWarehouse}, "配件出库发「出库 #申请编号 配件×数量」"},
}

// UnknownFor is the answer to userID's text that no feature took: Hint,
// with a pointer to what each of userID's roles most often needs (an
// engineer the daily report, a manager 日报情况 and 待审批). Without
// UseRoles it is Hint.
func (r *Router[T]) UnknownFor(userID, received string) string {
	if r.roles == nil {
		return Hint(received)
	}
	roles := r.roles.RolesOf(userID)
	var hints []string
	for _, h := range roleHints {
		if slices.ContainsFunc(roles, func(role servicebot.Role) bool { return slices.Contains(h.roles, role) }) &&
			!slices.Contains(hints, h.hint) {
			hints = append(hints, h.hint)
		}
	}
	if len(hints) == 0 {
		return Hint(received)
	}
	return "没看懂「" + quote(received, 20) + "」。" + strings.Join(hints, "；") + "；发「帮助」看全部命令。"
}

// IsCommand reports whether text is one of the installed commands (or a
// request for help).
func (r *Router[T]) IsCommand(text string) bool {
	if feature.IsHelp(text) {
		return true
	}
	for _, c := range r.commands {
		if c.Matches(text) {
			return true
		}
	}
	return false
}

// Commands lists the first word of every installed command, in help order.
func (r *Router[T]) Commands() []string {
	out := make([]string, 0, len(r.commands))
	for _, c := range r.commands {
		if len(c.Words) > 0 {
			out = append(out, c.Words[0])
		}
	}
	return out
}

// Route is the handler of every event, for the worker.
func (r *Router[T]) Route(ctx context.Context, tx T, ev wecommsg.Event) error {
	switch kind := ev.Kind(); kind {
	case wecommsg.MsgText:
		return r.routeText(ctx, tx, ev)
	case wecommsg.MsgEvent + ":" + wecommsg.EventTemplateCard:
		return r.routeCard(ctx, tx, ev)
	default:
		if h, ok := r.events[kind]; ok {
			return h(ctx, tx, ev)
		}
		if kind == wecommsg.MsgVoice {
			return r.replyToVoice(ctx, tx, ev)
		}
		return nil
	}
}

// routeText asks the listeners, then the commands, then the feature that
// takes the other texts; what nobody takes gets the help.
func (r *Router[T]) routeText(ctx context.Context, tx T, ev wecommsg.Event) error {
	if len(r.listen) > 0 {
		isCommand := r.IsCommand(ev.Content)
		for _, l := range r.listen {
			if took, err := l(ctx, tx, ev, isCommand); err != nil || took {
				return err
			}
		}
	}
	if !feature.IsHelp(ev.Content) {
		for _, c := range r.commands {
			if !c.Matches(ev.Content) {
				continue
			}
			if took, err := c.Run(ctx, tx, ev); err != nil || took {
				return err
			}
		}
		if r.text != nil {
			if took, err := r.text(ctx, tx, ev); err != nil || took {
				return err
			}
		}
	}
	if feature.IsHelp(ev.Content) {
		return r.reply(ctx, tx, ev, r.HelpReplyFor(ev.FromUserName, ev.Content))
	}
	return r.reply(ctx, tx, ev, r.UnknownFor(ev.FromUserName, ev.Content))
}

// routeCard hands a card click to the handler of the longest matching
// prefix. A click on a button nobody handles is stored and completed: the
// card may come from an older version.
func (r *Router[T]) routeCard(ctx context.Context, tx T, ev wecommsg.Event) error {
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

// replyToVoice answers a voice message that no feature took: the bot
// cannot read it (servicebot.VoiceText).
func (r *Router[T]) replyToVoice(ctx context.Context, tx T, ev wecommsg.Event) error {
	return r.reply(ctx, tx, ev, servicebot.VoiceText)
}

func (r *Router[T]) reply(ctx context.Context, tx T, ev wecommsg.Event, text string) error {
	return replyTo(ctx, tx, ev, text, r.clock.Now())
}

// replyTo enqueues a text to the sender of ev (feature.Reply).
func replyTo(ctx context.Context, tx feature.Outbox, ev wecommsg.Event, text string, now time.Time) error {
	if err := feature.Reply(ctx, tx, ev, text, now); err != nil {
		return fmt.Errorf("handlers: %w", err)
	}
	return nil
}
