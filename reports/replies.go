package reports

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
)

// Replies that tell the truth (issue 9): nothing starts with 收到 unless it
// was recorded; what may be a report is asked about in one line, never
// dropped; acknowledgements get no answer; anything else a short hint.

// notUnderstood answers text that is no report and no command: a one-line
// hint for the member's role instead of the whole help.
func (h *Flow) notUnderstood(ctx context.Context, tx Tx, m message, engineer bool) error {
	if isChitChat(m.text) && !isQuestionText(m.text) {
		return nil
	}
	return h.reply(ctx, tx, m, Hint(m.text, engineer))
}

// Hint is the one-line answer to text the bot does not understand: for an
// engineer how to send the report, for everyone where the commands are;
// someone who owes no report and sends one is told it was not stored.
func Hint(received string, engineer bool) string {
	q := quote(received)
	switch {
	case engineer:
		return "没看懂「" + q + "」。日报直接发给我，例如「今天：… 明天：…」；发「帮助」看全部命令。"
	case servicebot.MentionsWorkDay(received) && strings.ContainsAny(received, "：:"):
		return "「" + q + "」没有保存：您不在需要交日报的名单里。发「帮助」看全部命令。"
	default:
		return "没看懂「" + q + "」。发「帮助」看全部命令。"
	}
}

// quote is a short quote of what the member wrote: it tells them what the
// bot answers, and keeps two answers to two messages apart for WeCom's
// duplicate check.
func quote(s string) string {
	const maxQuote = 20 // runes
	q := []rune(strings.Join(strings.Fields(s), " "))
	if len(q) > maxQuote {
		q = append(q[:maxQuote], []rune("…")...)
	}
	return string(q)
}

func isQuestionText(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasSuffix(s, "?") || strings.HasSuffix(s, "？") || strings.HasSuffix(s, "吗") || strings.HasSuffix(s, "呢")
}

// mightBeReport: text about a working day the parser could not read as a
// report (今天在现场, 明天待定): worth a question rather than a hint.
func mightBeReport(text string) bool {
	return !isQuestionText(text) && servicebot.MentionsWorkDay(text)
}

// yesWords answer the bot's yes/no question.
var yesWords = []string{"是", "是的", "对", "对的", "确认", "保存", "是日报", "好", "好的", "嗯", "可以", "行", "ok", "yes", "y"}

// pendingFor is how long a question waits for its 是.
const pendingFor = 2 * time.Hour

// answerPending settles the question the bot asked m's sender, when m says
// yes to it. Any message takes the question away: one that is not a yes is
// handled as itself.
func (h *Flow) answerPending(ctx context.Context, tx Tx, m message) (bool, error) {
	p, err := tx.TakePending(ctx, m.ev.FromUserName)
	switch {
	case errors.Is(err, servicebot.ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("reports: %w", err)
	}
	t := strings.ToLower(chitChatTrim.ReplaceAllString(m.text, ""))
	yes := false
	for _, w := range yesWords {
		yes = yes || t == w
	}
	if !yes || m.now.Sub(p.At) > pendingFor {
		return false, nil
	}
	switch p.Kind {
	case servicebot.PendingReport:
		return true, h.fileConfirmed(ctx, tx, m, p.Payload)
	case servicebot.PendingLeave:
		f := strings.Fields(p.Payload)
		if len(f) < 2 {
			return false, nil
		}
		from, err1 := servicebot.ParseDate(f[0])
		to, err2 := servicebot.ParseDate(f[1])
		if err1 != nil || err2 != nil {
			return false, nil
		}
		return true, h.recordLeave(ctx, tx, m, servicebot.Member{UserID: m.ev.FromUserName}, from, to, strings.Join(f[2:], " "))
	}
	return false, nil
}

// fileConfirmed files text the engineer confirmed is today's report: lines
// the parser could not place are today's work.
func (h *Flow) fileConfirmed(ctx context.Context, tx Tx, m message, text string) error {
	parsed, err := h.parse(ctx, tx, text)
	if err != nil {
		return err
	}
	if !parsed.IsReport() {
		parsed.Done, parsed.Unlabelled = parsed.Unlabelled, nil
		parsed.Missing = missingSections(parsed)
	}
	cur, found, err := currentReport(ctx, tx, m.ev.FromUserName, m.today)
	if err != nil {
		return err
	}
	fm := m
	fm.text = text
	saved, how, err := h.file(ctx, tx, fm, m.today, parsed, servicebot.ReportSourceChat, cur, found)
	if err != nil {
		return err
	}
	return h.reply(ctx, tx, m, h.confirmation(saved, how, m.today))
}

// leaveRe: "我明天请假", "明天请假一天", "后天要请个假，家里有事".
var leaveRe = regexp.MustCompile(`^我?(今天|明天|后天|大后天)(?:要|想|需要|得)?请(?:个|一天|一天的)?假(?:([一二两三四五六七\d])天)?(?:[，,。.\s]+(.*))?$`)

// leaveSentence reads a leave said in a sentence rather than as the 请假
// command.
func leaveSentence(text string, today servicebot.Date) (from, to servicebot.Date, ok bool) {
	m := leaveRe.FindStringSubmatch(strings.TrimSpace(text))
	if m == nil {
		return from, to, false
	}
	from, _, ok = parseDay(m[1], today, senseNearest)
	if !ok {
		return from, to, false
	}
	n := 1
	if m[2] != "" {
		n = strings.Index("一二三四五六七", m[2])/len("一") + 1
		if m[2] == "两" {
			n = 2
		} else if m[2][0] >= '0' && m[2][0] <= '9' {
			n = int(m[2][0] - '0')
		}
	}
	return from, from.AddDays(n - 1), n >= 1
}

// askLeave asks before recording a leave said in a sentence.
func (h *Flow) askLeave(ctx context.Context, tx Tx, m message, from, to servicebot.Date) error {
	if err := tx.SetPending(ctx, servicebot.PendingQuestion{UserID: m.ev.FromUserName, Kind: servicebot.PendingLeave,
		Payload: from.String() + " " + to.String(), At: m.now}); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	span := from.MonthDay() + "（" + from.WeekdayName() + "）"
	if to != from {
		span += "至" + to.MonthDay()
	}
	return h.reply(ctx, tx, m, fmt.Sprintf("要登记%s请假%d天吗？回复「是」确认。", span, daysBetween(from, to)+1))
}

// learnSpelling remembers the name an engineer gave a customer the list
// did not know, once a follow-up (客户 …) names the listed customer it is:
// the next report that spells it so is linked at once.
func (h *Flow) learnSpelling(ctx context.Context, tx Tx, m message, parsed servicebot.Report, cur servicebot.DailyReport, found bool) error {
	if !found || cur.Customer == "" || cur.CustomerID != 0 || parsed.CustomerID == 0 || len(parsed.Done) > 0 ||
		strings.Contains(cur.Customer, "；") || len([]rune(cur.Customer)) < 2 {
		return nil
	}
	if err := tx.AddCustomerAlias(ctx, cur.Customer, parsed.CustomerID, m.ev.FromUserName, m.now); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}
