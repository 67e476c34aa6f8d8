// Package reports is the daily report feature (R-DAY-1…4): what engineers
// send to the bot in chat — their reports and the follow-ups that complete
// them, 补报 for a past day, leave, 我的日报, photos and check-ins — read,
// merged into the day's report and answered. The pure parsing is
// servicebot.ParseReport; this package decides what a message does to the
// day's report.
package reports

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/feature"
)

// Tx is what the daily report uses of the transaction that completes the
// inbox row: the report, its attachments and leave commit together with the
// reply. The address book is read through it too: on SQLite the transaction
// holds the write lock, and a read through the pool could wait for a
// connection that writers queued behind that lock hold.
type Tx interface {
	feature.Outbox
	SaveReport(ctx context.Context, r servicebot.DailyReport) (servicebot.DailyReport, error)
	CurrentReport(ctx context.Context, userID string, day servicebot.Date) (servicebot.DailyReport, error)
	UserReports(ctx context.Context, userID string, from, to servicebot.Date) ([]servicebot.DailyReport, error)
	AddReportAttachment(ctx context.Context, a servicebot.ReportAttachment) (int64, error)
	CountReportAttachments(ctx context.Context, userID string, day servicebot.Date, kind string) (int, error)
	AddLeave(ctx context.Context, userID string, from, to servicebot.Date, reason string, now time.Time) (int64, error)
	CancelLeave(ctx context.Context, userID string, on servicebot.Date, now time.Time) (int, error)
	ListLeaves(ctx context.Context, from, to servicebot.Date) ([]servicebot.Leave, error)
	GetMember(ctx context.Context, userID string) (servicebot.Member, error)
	ListMembers(ctx context.Context, activeOnly bool) ([]servicebot.Member, error)
	DepartmentsUnder(ctx context.Context, roots []int64) ([]int64, error)
	// The customer list the report reader finds customers by (issue 9).
	ReportCustomers(ctx context.Context) ([]servicebot.CustomerName, error)
	CustomersVersion(ctx context.Context) (string, error)
	AddCustomerAlias(ctx context.Context, alias string, customerID int64, userID string, now time.Time) error
	// The one yes/no question the bot waits an answer to per member.
	SetPending(ctx context.Context, p servicebot.PendingQuestion) error
	TakePending(ctx context.Context, userID string) (servicebot.PendingQuestion, error)
}

// Config is the department's rules for the daily report.
type Config struct {
	// Org says who sends daily reports (R-ORG-1, R-DAY-1).
	Org servicebot.Org
	// Calendar says which days are working days, and in which zone a
	// message's time is read as a day. Required.
	Calendar *servicebot.Calendar
	// Deadline is the time of day after which that day's report is late
	// (R-DAY-2), as a duration after midnight; default 22:00.
	Deadline time.Duration
	// Help is the help reply to what the member wrote (the router's
	// HelpReply): the answer to 帮助 and to a voice message that is no
	// report. Default: the report template.
	Help  func(received string) string
	Clock servicebot.Clock
}

func (c Config) withDefaults() Config {
	if c.Deadline == 0 {
		c.Deadline = 22 * time.Hour
	}
	if c.Help == nil {
		c.Help = func(string) string { return ReportTemplate }
	}
	if c.Clock == nil {
		c.Clock = servicebot.SystemClock{}
	}
	return c
}

func (c Config) validate() error {
	var errs []error
	if c.Calendar == nil {
		errs = append(errs, errors.New("no calendar"))
	}
	if c.Deadline < 0 || c.Deadline >= 24*time.Hour {
		errs = append(errs, fmt.Errorf("deadline %s is not a time of day", c.Deadline))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}

// Flow handles what engineers send to the bot in chat: daily reports and
// the follow-ups that complete them, photos and check-ins, and the report's
// commands. Everyone else, and text that is neither, gets the help reply.
type Flow struct {
	org      servicebot.Org
	cal      *servicebot.Calendar
	deadline time.Duration
	help     func(string) string
	clock    servicebot.Clock

	// The report reader with the customer list as of version; rebuilt when
	// the list changes (an import, a learned spelling).
	mu      sync.Mutex
	version string
	rr      *servicebot.ReportReader
}

// reader is the report reader with the department's current customer list.
func (h *Flow) reader(ctx context.Context, tx Tx) (*servicebot.ReportReader, error) {
	v, err := tx.CustomersVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rr != nil && v == h.version {
		return h.rr, nil
	}
	cs, err := tx.ReportCustomers(ctx)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	g := servicebot.DefaultGazetteer()
	h.rr, h.version = servicebot.NewReportReader(g, servicebot.NewCustomerDirectory(cs, g)), v
	return h.rr, nil
}

// parse reads text as a report with the current customer list.
func (h *Flow) parse(ctx context.Context, tx Tx, text string) (servicebot.Report, error) {
	rr, err := h.reader(ctx, tx)
	if err != nil {
		return servicebot.Report{}, err
	}
	return rr.Read(text), nil
}

// New returns the daily report flow.
func New(cfg Config) (*Flow, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Flow{org: cfg.Org, cal: cfg.Calendar, deadline: cfg.Deadline, help: cfg.Help, clock: cfg.Clock}, nil
}

// isEngineer reports whether userID sends daily reports: an active member
// of an after-sales department or one below it, engineer or without a
// configured role, not exempt (servicebot.Org.OwesDailyReport), whatever
// the day. Someone the address book does not know is not.
func (h *Flow) isEngineer(ctx context.Context, tx Tx, userID string) (bool, error) {
	m, known, err := h.member(ctx, tx, userID)
	if err != nil || !known {
		return false, err
	}
	org := h.org
	if org.AfterSalesDepartments, err = tx.DepartmentsUnder(ctx, h.org.AfterSalesDepartments); err != nil {
		return false, fmt.Errorf("reports: %w", err)
	}
	return org.OwesDailyReport(m), nil
}

// isMember reports whether userID is an active member of the address book.
func (h *Flow) isMember(ctx context.Context, tx Tx, userID string) (bool, error) {
	m, known, err := h.member(ctx, tx, userID)
	return known && m.Active, err
}

// member reads userID from the address book; known is false for a userid
// it does not have.
func (h *Flow) member(ctx context.Context, tx Tx, userID string) (m servicebot.Member, known bool, err error) {
	m, err = tx.GetMember(ctx, userID)
	switch {
	case errors.Is(err, servicebot.ErrNotFound):
		return m, false, nil
	case err != nil:
		return m, false, fmt.Errorf("reports: %w", err)
	}
	return m, true, nil
}

// Feature is the daily report's surface: its commands, every text that is
// no other feature's command (a report or a follow-up), voice (kept and
// answered: WeCom sends an app no transcription), photos and locations.
func Feature[T Tx](h *Flow) feature.Feature[T] {
	command := func(name string, words []string, help string, roles ...servicebot.Role) feature.Command[T] {
		return feature.Command[T]{
			Words: words, Section: "日报与请假", Help: help, For: roles,
			Match: func(text string) bool { cmd, _ := splitCommand(text); return cmd == name },
			Run: func(ctx context.Context, tx T, ev wecommsg.Event) (bool, error) {
				return h.handleText(ctx, tx, ev, ev.Content)
			},
		}
	}
	attach := func(ctx context.Context, tx T, ev wecommsg.Event) error { return h.HandleAttachment(ctx, tx, ev) }
	return feature.Feature[T]{
		Name: "reports",
		Commands: []feature.Command[T]{
			// Only engineers send daily reports (R-DAY-1); leave is every
			// member's: a manager's hands their approvals to a delegate.
			command(cmdTemplate, []string{"日报模板", "日报格式", "模板"}, "日报模板：看看日报怎么写", servicebot.RoleEngineer),
			command(cmdMyReports, []string{"我的日报", "本周日报"}, "我的日报：查看本周每天的日报情况", servicebot.RoleEngineer),
			command(cmdBackfill, []string{"补报", "补交", "补交日报", "补发日报", "补日报"}, "补报 11月25日 今天：…：补交以前某天的日报",
				servicebot.RoleEngineer),
			command(cmdLeave, []string{"请假"}, "请假 12月1日-12月3日：登记请假，请假期间不提醒"),
			command(cmdCancelLeave, []string{"取消请假"}, "取消请假：提前回来时取消请假"),
		},
		Text: func(ctx context.Context, tx T, ev wecommsg.Event) (bool, error) {
			return h.handleText(ctx, tx, ev, ev.Content)
		},
		Events: map[string]feature.Handler[T]{
			wecommsg.MsgVoice:    attach,
			wecommsg.MsgImage:    attach,
			wecommsg.MsgLocation: attach,
		},
	}
}

// message is one text being handled: who sent it, when, and the day it
// belongs to.
type message struct {
	ev    wecommsg.Event
	text  string
	at    time.Time // in the calendar's zone
	today servicebot.Date
	now   time.Time
}

func (h *Flow) newMessage(ev wecommsg.Event, text string) message {
	now := h.clock.Now()
	at := now
	// The time the engineer sent it, not the time the worker got to it: a
	// report sent at 21:59 and handled at 22:01 is on time. WeCom signs
	// CreateTime, but it never lies in our future.
	if ev.CreateTime > 0 && ev.Time().Before(now) {
		at = ev.Time()
	}
	at = at.In(h.cal.Location())
	return message{ev: ev, text: strings.TrimSpace(text), at: at, today: servicebot.DateOf(at), now: now}
}

// handleText answers a text: a command of the daily report, a report, or a
// follow-up. It takes no text from someone who sends no reports, nor one
// that is no report: those get the help.
func (h *Flow) handleText(ctx context.Context, tx Tx, ev wecommsg.Event, text string) (bool, error) {
	m := h.newMessage(ev, text)
	cmd, args := splitCommand(m.text)
	switch cmd {
	case cmdHelp:
		return true, h.reply(ctx, tx, m, h.help(m.text))
	case cmdTemplate:
		return true, h.reply(ctx, tx, m, ReportTemplate)
	}
	if cmd == cmdLeave || cmd == cmdCancelLeave {
		// Leave is for every member — a manager's or the
		// general manager's leave is what hands their approvals to their
		// delegate (R-APV-5) — and a manager records it for others.
		member, err := h.isMember(ctx, tx, ev.FromUserName)
		if err != nil || !member {
			return false, err
		}
		if cmd == cmdLeave {
			return true, h.leave(ctx, tx, m, args)
		}
		return true, h.cancelLeave(ctx, tx, m, args)
	}
	engineer, err := h.isEngineer(ctx, tx, ev.FromUserName)
	if err != nil {
		return false, err
	}
	if !engineer {
		// A report from someone who sends none is not stored: say so.
		if servicebot.MentionsWorkDay(m.text) && strings.ContainsAny(m.text, "：:") {
			return true, h.reply(ctx, tx, m, Hint(m.text, false))
		}
		return false, nil
	}
	// A question the bot asked waits for 是; any other message drops it.
	if took, err := h.answerPending(ctx, tx, m); err != nil || took {
		return took, err
	}
	if from, to, ok := leaveSentence(m.text, m.today); ok && cmd == "" {
		return true, h.askLeave(ctx, tx, m, from, to)
	}
	switch cmd {
	case cmdMyReports:
		return true, h.myReports(ctx, tx, m)
	case cmdBackfill:
		return true, h.backfill(ctx, tx, m, args)
	}
	return h.todaysReport(ctx, tx, m)
}

// todaysReport files text as (part of) today's report, or answers with help
// when it is none.
func (h *Flow) todaysReport(ctx context.Context, tx Tx, m message) (bool, error) {
	parsed, err := h.parse(ctx, tx, m.text)
	if err != nil {
		return false, err
	}
	cur, found, err := currentReport(ctx, tx, m.ev.FromUserName, m.today)
	if err != nil {
		return false, err
	}
	if found {
		parsed = asAnswer(cur.Report, parsed, m.text)
	}
	if !parsed.IsReport() {
		switch {
		case isChitChat(m.text) && !isQuestionText(m.text):
			return true, nil // 好的, 收到, 👍: nothing to answer
		case mightBeReport(m.text):
			// Never silently drop what may be a report: ask in one line.
			if err := tx.SetPending(ctx, servicebot.PendingQuestion{UserID: m.ev.FromUserName,
				Kind: servicebot.PendingReport, Payload: m.text, At: m.now}); err != nil {
				return false, fmt.Errorf("reports: %w", err)
			}
			return true, h.reply(ctx, tx, m, "这是今天的日报吗？回复「是」保存。")
		}
		return true, h.reply(ctx, tx, m, Hint(m.text, true))
	}
	if err := h.learnSpelling(ctx, tx, m, parsed, cur, found); err != nil {
		return false, err
	}
	saved, how, err := h.file(ctx, tx, m, m.today, parsed, servicebot.ReportSourceChat, cur, found)
	if err != nil {
		return false, err
	}
	return true, h.reply(ctx, tx, m, h.confirmation(saved, how, m.today))
}

// currentReport is the report userID has for day, if any.
func currentReport(ctx context.Context, tx Tx, userID string, day servicebot.Date) (servicebot.DailyReport, bool, error) {
	cur, err := tx.CurrentReport(ctx, userID, day)
	switch {
	case errors.Is(err, servicebot.ErrNotFound):
		return servicebot.DailyReport{}, false, nil
	case err != nil:
		return cur, false, fmt.Errorf("reports: %w", err)
	}
	return cur, true, nil
}

// How a filed report relates to what was there.
type filing int

const (
	filedNew       filing = iota // the day's first report
	filedReplaced                // a whole new report; the earlier one is kept as history
	filedCompleted               // sections added to (or corrected in) the day's report
)

// file stores parsed as the new current revision of the engineer's report
// for day. A report that restates today's work is a new version of the
// whole report; anything less is merged into the current one, so a
// follow-up ("明天：去重庆") never loses what came before.
func (h *Flow) file(ctx context.Context, tx Tx, m message, day servicebot.Date, parsed servicebot.Report,
	source string, cur servicebot.DailyReport, found bool) (servicebot.DailyReport, filing, error) {
	rep := servicebot.DailyReport{
		UserID: m.ev.FromUserName, Day: day, Source: source, Report: parsed, Raw: m.text, SubmittedAt: m.at,
		Status: h.statusAt(day, m.at),
	}
	how := filedNew
	if found {
		how = filedReplaced
		if len(parsed.Done) == 0 || len(cur.Done) == 0 {
			how = filedCompleted
			rep.Report = merge(cur.Report, parsed)
			rep.Raw = cur.Raw + "\n" + m.text
			if source == servicebot.ReportSourceChat {
				rep.Source = servicebot.ReportSourceFollowUp
			}
		}
		// A report filed on time stays on time when it is corrected later.
		if cur.Status == servicebot.ReportOnTime {
			rep.Status = servicebot.ReportOnTime
		}
	}
	rep.Missing = missingSections(rep.Report)
	saved, err := tx.SaveReport(ctx, rep)
	if err != nil {
		return saved, how, fmt.Errorf("reports: %w", err)
	}
	return saved, how, nil
}

// statusAt is on time until the day's deadline (R-DAY-2), late after it.
func (h *Flow) statusAt(day servicebot.Date, at time.Time) string {
	if at.After(h.deadlineOf(day)) {
		return servicebot.ReportLate
	}
	return servicebot.ReportOnTime
}

func (h *Flow) deadlineOf(day servicebot.Date) time.Time {
	hh, mm := int(h.deadline/time.Hour), int(h.deadline%time.Hour/time.Minute)
	return time.Date(day.Year, day.Month, day.Day, hh, mm, 0, 0, h.cal.Location())
}

// merge adds the sections of add to cur: today's work, the plan, the
// customer, the place and the parts sales it gives replace cur's; issues and
// other lines are added to cur's.
func merge(cur, add servicebot.Report) servicebot.Report {
	out := cur
	out.Done = slices.Clone(cur.Done)
	if len(add.Done) > 0 {
		out.Done = add.Done
	}
	if len(add.Plan) > 0 {
		out.Plan = add.Plan
	}
	if add.Customer != "" {
		out.Customer, out.CustomerID = add.Customer, add.CustomerID
	}
	if add.Location != "" {
		out.Location = add.Location
	}
	if add.PartsSales != nil {
		out.PartsSales, out.PartsUnread = add.PartsSales, false
	} else if add.PartsUnread {
		out.PartsUnread = true
	}
	out.Issues = appendNew(cur.Issues, add.Issues)
	out.Unlabelled = appendNew(cur.Unlabelled, add.Unlabelled)
	return out
}

// appendNew appends the items of add not already in items.
func appendNew(items, add []string) []string {
	out := slices.Clone(items)
	for _, a := range add {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// missingSections lists the essential sections r lacks, as ParseReport does.
func missingSections(r servicebot.Report) []string {
	var missing []string
	if len(r.Done) == 0 {
		missing = append(missing, servicebot.MissingDone)
	}
	if len(r.Plan) == 0 {
		missing = append(missing, servicebot.MissingPlan)
	}
	return missing
}

// doneLabelRe finds words that say a text is about today's work.
var doneLabelRe = regexp.MustCompile(`今[天日]|当[天日]|本日|已完成|完成了|工作内容|工作情况`)

// asAnswer reads parsed, the reply of an engineer whose report for the day
// lacks a section the bot asked for, as that section when it does not say
// otherwise. After "还缺少明日计划", "去重庆调试设备" is the plan, even
// though on its own the parser would take it for chit-chat or for today's
// work. Anything else is left as parsed.
func asAnswer(cur, parsed servicebot.Report, text string) servicebot.Report {
	missing := missingSections(cur)
	if len(missing) != 1 {
		return parsed
	}
	var lines []string
	switch {
	case !parsed.IsReport():
		if isChitChat(text) {
			return parsed
		}
		lines = parsed.Unlabelled
	case missing[0] == servicebot.MissingPlan && len(parsed.Plan) == 0 && len(parsed.Done) > 0 &&
		!doneLabelRe.MatchString(text) && onlyDoneAndNotes(parsed):
		lines = append(slices.Clone(parsed.Done), parsed.Unlabelled...)
	default:
		return parsed
	}
	if len(lines) == 0 {
		return parsed
	}
	answer := servicebot.Report{}
	if missing[0] == servicebot.MissingPlan {
		answer.Plan = lines
	} else {
		answer.Done = lines
	}
	return answer
}

// onlyDoneAndNotes: nothing but work items (and unlabelled lines). A
// customer or place named in them is the plan's, and goes with them.
func onlyDoneAndNotes(r servicebot.Report) bool {
	return len(r.Issues) == 0 && r.PartsSales == nil && !r.PartsUnread
}

// chitChat are the short things people say that are no part of a report.
var chitChat = []string{
	"好", "好的", "好滴", "好嘞", "嗯", "嗯嗯", "哦", "噢", "收到", "收到了", "明白", "明白了", "知道了",
	"谢谢", "谢谢你", "多谢", "ok", "okay", "你好", "您好", "在吗", "在", "哈哈", "辛苦了", "晚安", "早",
	"早上好", "晚上好", "没有", "没", "无", "不用了", "算了",
}

var chitChatTrim = regexp.MustCompile(`[\s!！。.,，~～?？…]+`)

// stickerTextRe: WeChat stickers sent as text ([强], [OK], [微笑]).
var stickerTextRe = regexp.MustCompile(`\[(?:\p{Han}{1,4}|OK|ok|666)\]`)

// isChitChat reports acknowledgements, greetings and questions.
func isChitChat(text string) bool {
	t := strings.ToLower(chitChatTrim.ReplaceAllString(stickerTextRe.ReplaceAllString(text, ""), ""))
	t = strings.TrimFunc(t, func(r rune) bool { return unicode.IsSymbol(r) || r == '\uFE0F' || r == '\u200D' })
	if t == "" || slices.Contains(chitChat, t) {
		return true
	}
	s := strings.TrimSpace(text)
	if strings.HasSuffix(s, "?") || strings.HasSuffix(s, "？") {
		return true
	}
	return strings.HasSuffix(t, "吗") || strings.HasSuffix(t, "呢")
}

// askTodayRe is how FormatReportConfirmation asks for a missing part of
// today's report.
var askTodayRe = regexp.MustCompile(`，请直接回复[^。]*，我会补进今天的日报。`)

// confirmation is the answer to a filed report: what was understood, and
// what it did to the day's report.
func (h *Flow) confirmation(r servicebot.DailyReport, how filing, today servicebot.Date) string {
	var b strings.Builder
	dayName := dayWords(r.Day, today)
	switch how {
	case filedReplaced:
		fmt.Fprintf(&b, "这是%s的第%d版日报，已替换之前的版本（旧版本已保留）。\n", dayName, r.Revision)
	case filedCompleted:
		fmt.Fprintf(&b, "已补充到%s的日报（第%d版）。\n", dayName, r.Revision)
	}
	body := servicebot.FormatReportConfirmation(r.Report, r.Day.In(h.cal.Location()))
	if r.PlanWhen != "" && len(r.Plan) > 0 {
		// 周五：…, 下周一去…: the plan is for that day, by the work calendar.
		d := h.cal.PlanDate(r.Day, r.PlanWhen)
		body = strings.Replace(body, "明日计划：", "计划（"+d.MonthDay()+" "+d.WeekdayName()+"）：", 1)
	}
	if r.Day != today {
		// The parser's request for a missing part speaks of "today".
		body = askTodayRe.ReplaceAllLiteralString(body, "，可以再发「补报 "+r.Day.MonthDay()+"」加上缺的内容补上。")
	}
	b.WriteString(body)
	switch {
	case r.Source == servicebot.ReportSourceBackfill && r.Status == servicebot.ReportLate:
		fmt.Fprintf(&b, "\n这是%s的补报，记为迟交。", r.Day.MonthDay())
	case r.Status == servicebot.ReportLate:
		fmt.Fprintf(&b, "\n已过%s的截止时间（%s），这份日报记为迟交。", dayName, clockOf(h.deadline))
	}
	return b.String()
}

// HandleAttachment attaches an engineer's photo, voice or location to the report
// of the day it was sent; a location is a check-in (签到) with its time.
// Others' photos and locations are kept in the inbox only.
func (h *Flow) HandleAttachment(ctx context.Context, tx Tx, ev wecommsg.Event) error {
	engineer, err := h.isEngineer(ctx, tx, ev.FromUserName)
	if err != nil {
		return err
	}
	m := h.newMessage(ev, "")
	if !engineer {
		if ev.MsgType == wecommsg.MsgVoice {
			return h.reply(ctx, tx, m, servicebot.VoiceText)
		}
		return nil
	}
	a := servicebot.ReportAttachment{UserID: ev.FromUserName, Day: m.today, At: m.at}
	switch ev.MsgType {
	case wecommsg.MsgImage:
		a.Kind, a.MediaID, a.PicURL = servicebot.AttachImage, ev.MediaID, ev.PicURL
	case wecommsg.MsgVoice:
		a.Kind, a.MediaID, a.Format = servicebot.AttachVoice, ev.MediaID, ev.Format
	case wecommsg.MsgLocation:
		a.Kind, a.Lat, a.Lng, a.Label = servicebot.AttachLocation, ev.Latitude, ev.Longitude, ev.Label
	default:
		return nil
	}
	if _, err := tx.AddReportAttachment(ctx, a); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	n, err := tx.CountReportAttachments(ctx, a.UserID, a.Day, a.Kind)
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	_, reported, err := currentReport(ctx, tx, a.UserID, a.Day)
	if err != nil {
		return err
	}
	var text string
	switch a.Kind {
	case servicebot.AttachImage:
		text = fmt.Sprintf("照片已保存，附到%s的日报（当天第%d张）。", a.Day.MonthDay(), n)
		if !reported {
			text = fmt.Sprintf("照片已保存（当天第%d张），会附到%s的日报。今天的日报还没交，请把今天的工作和明天的计划发给我。", n, a.Day.MonthDay())
		}
	case servicebot.AttachVoice:
		text = fmt.Sprintf("语音已保存，附到%s的日报（当天第%d条）。\n", a.Day.MonthDay(), n) + servicebot.VoiceText
	default:
		place := a.Label
		if place == "" {
			place = fmt.Sprintf("纬度%.5f，经度%.5f", a.Lat, a.Lng)
		}
		text = fmt.Sprintf("签到成功：%s，%s。已附到%s的日报（当天第%d次签到）。", place, m.at.Format("15:04"), a.Day.MonthDay(), n)
	}
	return h.reply(ctx, tx, m, text)
}

// reply answers the message m. A long reply is split into several messages
// (wecommsg.Texts), never cut.
func (h *Flow) reply(ctx context.Context, tx Tx, m message, text string) error {
	if err := feature.Reply(ctx, tx, m.ev, text, m.now); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}

// dayWords is 今天 for today, else the date.
func dayWords(d, today servicebot.Date) string {
	if d == today {
		return "今天"
	}
	return d.MonthDay()
}

func clockOf(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}
