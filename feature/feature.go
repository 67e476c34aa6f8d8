// Package feature is what a feature package declares of itself: the chat
// commands it answers, the card buttons it owns, the jobs it runs and the
// HTTP routes it serves. cmd/servicebot installs the features from one list;
// the router (handlers), the scheduler and the HTTP server are built from
// these declarations, so adding a command, a button, a job or a page is one
// change in the feature's own package.
//
// T is the transaction a handler writes through. A feature declares its
// surface for any T that has what it needs (its own Tx interface as the type
// parameter's constraint), and cmd/servicebot instantiates it with the
// store's transaction: the compiler checks every seam, nothing is asserted
// at run time.
package feature

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
)

// EveryMinute is the trigger of the jobs that only look at what is due: the
// scheduler says "look now", the job decides from the configured times and
// the unique keys what to send.
const EveryMinute = "* * * * *"

// Feature is one feature's surface.
type Feature[T any] struct {
	// Name names the feature in logs and errors ("reports", "approvals").
	Name string
	// Listen sees every text before the commands: a conversation waiting
	// for its answer (an approver's rejection reason) takes the next text.
	// isCommand tells whether the text is any feature's command, so that a
	// member using the bot is not taken for answering.
	Listen []func(ctx context.Context, tx T, ev wecommsg.Event, isCommand bool) (took bool, err error)
	// Commands are the chat commands, in the order 帮助 lists them.
	Commands []Command[T]
	// Text, when set, takes the texts that are no command and that no
	// listener took (the daily report). At most one feature sets it. It
	// reports false for a text it does not understand: that gets the help.
	Text func(ctx context.Context, tx T, ev wecommsg.Event) (took bool, err error)
	// Events handle other kinds of message (wecommsg.Event.Kind: an image,
	// a location, a transcribed voice message).
	Events map[string]Handler[T]
	// Cards handle clicks on the card buttons whose key starts with a
	// prefix. Button keys are "<prefix><id>[:<choice>]", so a click names
	// what it acts on.
	Cards []Card[T]
	// Jobs are the scheduled jobs; each can be run by hand with
	// `servicebot job run NAME`.
	Jobs []Job
	// Routes are the HTTP routes.
	Routes []Route
}

// Handler handles an event inside the transaction that completes it.
type Handler[T any] func(ctx context.Context, tx T, ev wecommsg.Event) error

// Command is a chat command.
type Command[T any] struct {
	// Words are what a message starts with to be the command; the first
	// one is the command's name.
	Words []string
	// Section groups the command in 帮助 (【日报与请假】); Help is its line
	// there, without the leading dot ("我的工单：查看派给我的工单").
	Section, Help string
	// For are the roles the command is for (R-ORG-1): 帮助 lists it only
	// to a member holding one of them, so the service manager is not told
	// to send a daily report. Empty means every member. It decides what the
	// help shows, not who may run the command: the handler checks that.
	For []servicebot.Role
	// Match, when set, says whether text is this command; by default it is
	// when it is one of Words alone or followed by a space, a colon or a
	// number ("完成 12"), so that a sentence that merely starts with one
	// ("完成度不够，请补充照片") is not.
	Match func(text string) bool
	// Run answers the command. It may still decline (took false): the text
	// then goes on to the next command, the daily report, or the help.
	Run func(ctx context.Context, tx T, ev wecommsg.Event) (took bool, err error)
}

// IsFor reports whether the help lists the command to a member holding roles.
func (c Command[T]) IsFor(roles []servicebot.Role) bool {
	if len(c.For) == 0 {
		return true
	}
	for _, r := range roles {
		if slices.Contains(c.For, r) {
			return true
		}
	}
	return false
}

// Matches reports whether text is the command.
func (c Command[T]) Matches(text string) bool {
	text = strings.TrimSpace(text)
	if c.Match != nil {
		return c.Match(text)
	}
	return StartsWithWord(text, c.Words...)
}

// StartsWithWord reports whether text is one of words alone or followed by
// a space, a colon or a digit.
func StartsWithWord(text string, words ...string) bool {
	for _, w := range words {
		rest, ok := strings.CutPrefix(text, w)
		if !ok {
			continue
		}
		if rest == "" {
			return true
		}
		switch r, _ := utf8.DecodeRuneInString(rest); {
		case unicode.IsSpace(r), r == ':', r == '：', unicode.IsDigit(r):
			return true
		}
	}
	return false
}

// HelpWords are whole messages asking for help (帮助).
var HelpWords = []string{"帮助", "help", "?", "？", "菜单", "说明", "使用说明", "怎么用", "功能"}

// IsHelp reports whether text asks for help.
func IsHelp(text string) bool {
	t := strings.TrimSpace(text)
	for _, w := range HelpWords {
		if strings.EqualFold(t, w) {
			return true
		}
	}
	return false
}

// Card is the handler of a card's buttons.
type Card[T any] struct {
	Prefix string
	Run    Handler[T]
}

// Job is one named, scheduled piece of work.
type Job struct {
	Name string
	// Cron is a five-field crontab spec in the department's zone, e.g.
	// "0 20 * * *" for 20:00 every day, or EveryMinute.
	Cron string
	// Description says in a line what the job does (`servicebot job list`).
	Description string
	// RunAtStart runs the job once when the scheduler starts, then on its
	// schedule: a job that only looks at what is due catches up with
	// whatever came due while the process was down.
	RunAtStart bool
	Run        func(ctx context.Context, now time.Time) error
}

// Route is an HTTP route: a net/http ServeMux pattern ("POST /api/requests")
// and its handler.
type Route struct {
	Pattern string
	Handler http.Handler
}

// Outbox is where a reply is written.
type Outbox interface {
	EnqueueOutbox(ctx context.Context, m servicebot.OutboxMessage) (id int64, inserted bool, err error)
}

// Reply enqueues a text to the sender of ev, split into as many messages as
// WeCom's limit needs (never cut). Its dedup key ties it to the delivery it
// answers, so handling the same delivery twice replies once.
func Reply(ctx context.Context, tx Outbox, ev wecommsg.Event, text string, now time.Time) error {
	err := EnqueueTexts(ctx, tx, servicebot.OutboxMessage{
		DedupKey:  "reply:" + ev.DedupKey(),
		ToUsers:   ev.FromUserName,
		CreatedAt: now,
	}, text)
	if err != nil {
		return fmt.Errorf("enqueue reply: %w", err)
	}
	return nil
}

// EnqueueTexts writes m holding text, split into as many rows as WeCom's
// limit needs (wecommsg.Texts).
func EnqueueTexts(ctx context.Context, tx Outbox, m servicebot.OutboxMessage, text string) error {
	rows, err := wecommsg.Texts(m, text)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if _, _, err := tx.EnqueueOutbox(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// Relabel greys the buttons of the card ev tapped and relabels them
// (update_template_card with the tap's one-use response_code), once per tap.
func Relabel(ctx context.Context, tx Outbox, ev wecommsg.Event, label string, now time.Time) error {
	m, ok, err := wecommsg.Relabel(ev, label, now)
	if err != nil || !ok {
		return err
	}
	_, _, err = tx.EnqueueOutbox(ctx, m)
	return err
}
