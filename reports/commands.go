package reports

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/feature"
)

// Chat commands (declared in Feature, listed by 帮助).
const (
	cmdHelp        = "帮助"
	cmdTemplate    = "日报模板"
	cmdMyReports   = "我的日报"
	cmdLeave       = "请假"
	cmdCancelLeave = "取消请假"
	cmdBackfill    = "补报"
)

// commandWords maps the words a message may start with to a command.
var commandWords = []struct{ word, cmd string }{
	{"取消请假", cmdCancelLeave},
	{"请假", cmdLeave},
	{"补交日报", cmdBackfill}, // issue 9: the ways people say 补报
	{"补发日报", cmdBackfill},
	{"补写日报", cmdBackfill},
	{"补报日报", cmdBackfill},
	{"补日报", cmdBackfill},
	{"补报", cmdBackfill},
	{"补交", cmdBackfill},
	{"我的日报", cmdMyReports},
	{"本周日报", cmdMyReports},
	{"日报模板", cmdTemplate},
	{"日报格式", cmdTemplate},
	{"模板", cmdTemplate},
}

var (
	commandSepRe = regexp.MustCompile(`^[\s:：,，]+`)
	// what sets a command word off from its arguments as a command is typed
	setOffRe = regexp.MustCompile(`^[\s:：]`)
	// what may stand between 补报's date and the report: "补报 11月25日的日报：…"
	backfillLeadRe = regexp.MustCompile(`^[\s:：,，]*(?:的)?(?:日报)?[\s:：,，]*`)
)

// splitCommand returns the command text starts with and its arguments, or
// "" when it is no command. Help and the template are whole messages; the
// others take arguments after a space, a colon or nothing ("请假12月1日").
// 请假 and 补报 (补交) are commands only alone, followed by a date, or set
// off from what follows by a space or a colon as a command is typed:
// "补交了验收单给客户，今天：…" and "请假半天去医院…\n明天：…" are reports
// that happen to begin with the word, while "补报 下周一 …" is a command with
// a date to correct.
func splitCommand(text string) (cmd, args string) {
	t := strings.TrimSpace(text)
	if feature.IsHelp(t) {
		return cmdHelp, ""
	}
	for _, c := range commandWords {
		rest, ok := strings.CutPrefix(t, c.word)
		if !ok {
			continue
		}
		if (c.cmd == cmdTemplate || c.cmd == cmdMyReports) && strings.TrimSpace(rest) != "" {
			continue // "模板机调试完成…" is a report, not a command
		}
		args := strings.TrimSpace(commandSepRe.ReplaceAllString(rest, ""))
		if (c.cmd == cmdLeave || c.cmd == cmdBackfill) && args != "" && !startsWithDate(args) &&
			!setOffRe.MatchString(rest) {
			continue
		}
		return c.cmd, args
	}
	return "", text
}

// ReportTemplate answers 日报模板.
const ReportTemplate = "日报可以这样写，直接发给我就行：\n" +
	"今天：\n" +
	"1. 在XX公司安装调试XX设备\n" +
	"2. 给操作人员做培训\n" +
	"明天：去XX公司回访\n" +
	"客户：XX公司\n" +
	"地点：成都\n" +
	"问题：缺一个传感器，需要公司协调发货\n" +
	"配件销售：3000元\n\n" +
	"只写「今天」和「明天」两项也可以；缺了哪一项，我会提醒您补上。\n" +
	"当天的现场照片和位置（签到）也可以直接发给我，会附到当天的日报。"

// Examples in the replies to malformed commands.
const (
	exampleBackfill = "例如：\n补报 11月25日\n今天：在XX公司安装调试\n明天：去XX公司回访\n（日期也可以写 11-25、2026-11-25、25号、昨天、前天、周五、上周三）"
	exampleLeave    = "例如：\n请假 12月1日-12月3日 家中有事\n请假 12月1日至3日\n请假 明天"
)

// maxLeaveDays bounds one 请假: a longer range is far more likely a typo
// ("12月1日-2月3日") than a leave nobody arranged with the manager.
const maxLeaveDays = 31

// maxBackfillDays bounds how far back 补报 reaches: "补报 12月5日" typed on
// 11月27日 is far more likely a typo than a report a year late.
const maxBackfillDays = 62

// backfill files a report for a past day (补报), marked late (R-DAY-2).
func (h *Flow) backfill(ctx context.Context, tx Tx, m message, args string) error {
	// A date ahead of today is refused as such, not read as last year's.
	if d, _, ok := parseDay(args, m.today, senseNearest); ok && d.After(m.today) && daysBetween(m.today, d) <= 31 {
		return h.reply(ctx, tx, m, fmt.Sprintf("%s（%s）还没到，不能补报。", d.MonthDay(), d.WeekdayName())+exampleBackfill)
	}
	day, rest, ok := parseDay(args, m.today, sensePast)
	switch {
	case !ok:
		return h.reply(ctx, tx, m, "请在「补报」后面写上日期和日报内容。"+exampleBackfill)
	case day.After(m.today):
		return h.reply(ctx, tx, m, fmt.Sprintf("%s还没到，不能补报。", day.MonthDay())+exampleBackfill)
	case daysBetween(day, m.today) > maxBackfillDays:
		return h.reply(ctx, tx, m, fmt.Sprintf("%d年%s太久了，只能补报最近%d天的日报；更早的请联系经理。",
			day.Year, day.MonthDay(), maxBackfillDays))
	}
	rest = strings.TrimSpace(backfillLeadRe.ReplaceAllString(rest, ""))
	if rest == "" {
		return h.reply(ctx, tx, m, fmt.Sprintf("请把%s的日报内容写在日期后面。", day.MonthDay())+exampleBackfill)
	}
	parsed, err := h.parse(ctx, tx, rest)
	if err != nil {
		return err
	}
	if !parsed.IsReport() && len(parsed.Unlabelled) > 0 {
		// Whoever writes 补报 means a report: unlabelled lines are the work.
		parsed.Done, parsed.Unlabelled = parsed.Unlabelled, nil
		parsed.Missing = missingSections(parsed)
	}
	if !parsed.IsReport() {
		return h.reply(ctx, tx, m, fmt.Sprintf("没有看懂%s的日报内容。", day.MonthDay())+exampleBackfill)
	}
	if day == m.today {
		// 补报 今天 is simply today's report.
		today := message{ev: m.ev, text: rest, at: m.at, today: m.today, now: m.now}
		took, err := h.todaysReport(ctx, tx, today)
		if err != nil || took {
			return err
		}
		return h.reply(ctx, tx, today, h.help(rest))
	}
	cur, found, err := currentReport(ctx, tx, m.ev.FromUserName, day)
	if err != nil {
		return err
	}
	saved, how, err := h.file(ctx, tx, message{ev: m.ev, text: rest, at: m.at, today: m.today, now: m.now},
		day, parsed, servicebot.ReportSourceBackfill, cur, found)
	if err != nil {
		return err
	}
	return h.reply(ctx, tx, m, h.confirmation(saved, how, m.today))
}

// leave records a leave (请假), during which no reminder is sent (R-DAY-4)
// and approvals go to the delegate (R-APV-5). A manager may name whom it is
// for first: "请假 张伟 12月1日-3日" (issue 11 item 2).
func (h *Flow) leave(ctx context.Context, tx Tx, m message, args string) error {
	who, args, err := h.leaveFor(ctx, tx, m, args)
	if err != nil {
		return err
	}
	if who.UserID == "" {
		return h.reply(ctx, tx, m, "只有售后服务部经理、分管副总或总经理可以为他人登记请假。"+exampleLeave)
	}
	from, to, rest, ok := parseDayRange(args, m.today)
	switch {
	case !ok:
		return h.reply(ctx, tx, m, "请在「请假」后面写上日期。"+exampleLeave)
	case to.Before(from):
		return h.reply(ctx, tx, m, fmt.Sprintf("结束日期%s早于开始日期%s，请检查一下。", to.MonthDay(), from.MonthDay())+exampleLeave)
	case daysBetween(from, to)+1 > maxLeaveDays:
		return h.reply(ctx, tx, m, fmt.Sprintf("一次最多登记%d天的请假，更长的假期请先和经理确认，再分段登记。", maxLeaveDays)+exampleLeave)
	}
	reason := strings.TrimSpace(commandSepRe.ReplaceAllString(rest, ""))
	return h.recordLeave(ctx, tx, m, who, from, to, reason)
}

// recordLeave records who's leave and says so (to them too, when someone
// else recorded it).
func (h *Flow) recordLeave(ctx context.Context, tx Tx, m message, who servicebot.Member, from, to servicebot.Date, reason string) error {
	if _, err := tx.AddLeave(ctx, who.UserID, from, to, reason, m.now); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	days := daysBetween(from, to) + 1
	span := from.MonthDay()
	if to != from {
		span += "至" + to.MonthDay()
	}
	if who.UserID != m.ev.FromUserName {
		by := m.ev.FromUserName
		if me, err := tx.GetMember(ctx, by); err == nil && me.Name != "" {
			by = me.Name
		}
		told := fmt.Sprintf("%s 已为您登记请假：%s，共%d天。请假期间不会提醒您交日报，您的审批由代理人处理。", by, span, days)
		rows, err := wecommsg.Texts(servicebot.OutboxMessage{DedupKey: "leave-told:" + m.ev.DedupKey(),
			ToUsers: who.UserID, CreatedAt: m.now}, told)
		if err != nil {
			return fmt.Errorf("reports: leave told: %w", err)
		}
		for _, r := range rows {
			if _, _, err := tx.EnqueueOutbox(ctx, r); err != nil {
				return fmt.Errorf("reports: %w", err)
			}
		}
		return h.reply(ctx, tx, m, fmt.Sprintf("已为 %s 登记请假：%s，共%d天，已通知本人。", cmp.Or(who.Name, who.UserID), span, days))
	}
	text := fmt.Sprintf("已登记请假：%s，共%d天。请假期间不会提醒您交日报。\n提前回来了可以发「取消请假」。", span, days)
	if !h.org.Has(who.UserID, servicebot.RoleEngineer) && len(h.org.RolesOf(who.UserID)) > 0 {
		text = fmt.Sprintf("已登记请假：%s，共%d天。请假期间您的审批由代理人处理（R-APV-5）。\n提前回来了可以发「取消请假」。", span, days)
	}
	return h.reply(ctx, tx, m, text)
}

// leaveFor reads whom a 请假 is for: the sender, or — when the sender is a
// manager and args start with a member's name or userid — that member,
// with the rest of args. A name from anyone else yields a zero member.
func (h *Flow) leaveFor(ctx context.Context, tx Tx, m message, args string) (servicebot.Member, string, error) {
	self, err := tx.GetMember(ctx, m.ev.FromUserName)
	if err != nil && !errors.Is(err, servicebot.ErrNotFound) {
		return servicebot.Member{}, args, fmt.Errorf("reports: %w", err)
	}
	self.UserID = m.ev.FromUserName
	first, rest, _ := strings.Cut(strings.TrimSpace(args), " ")
	if first == "" || startsWithDate(first) {
		return self, args, nil
	}
	members, err := tx.ListMembers(ctx, true)
	if err != nil {
		return servicebot.Member{}, args, fmt.Errorf("reports: %w", err)
	}
	i := slices.IndexFunc(members, func(mb servicebot.Member) bool { return mb.UserID == first || mb.Name == first })
	if i < 0 {
		return self, args, nil // not a name: a reason or an unreadable date, as before
	}
	if members[i].UserID == self.UserID {
		return self, rest, nil
	}
	if !h.org.IsManager(self.UserID) {
		return servicebot.Member{}, rest, nil
	}
	return members[i], rest, nil
}

// cancelLeave cancels leave from today, or from the day given, on.
func (h *Flow) cancelLeave(ctx context.Context, tx Tx, m message, args string) error {
	on := m.today
	if strings.TrimSpace(args) != "" {
		d, _, ok := parseDay(args, m.today, senseNearest)
		if !ok {
			return h.reply(ctx, tx, m, "没有看懂要从哪天取消请假。例如：\n取消请假\n取消请假 12月2日")
		}
		on = d
	}
	n, err := tx.CancelLeave(ctx, m.ev.FromUserName, on, m.now)
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	if n == 0 {
		return h.reply(ctx, tx, m, fmt.Sprintf("没有找到%s及以后的请假，不需要取消。", dayWords(on, m.today)))
	}
	return h.reply(ctx, tx, m, fmt.Sprintf("已取消%s起的请假（%d条）。从%s起照常提醒交日报。", dayWords(on, m.today), n, dayWords(on, m.today)))
}

// myReports shows this week, Monday to today, at a glance (我的日报).
func (h *Flow) myReports(ctx context.Context, tx Tx, m message) error {
	monday := m.today.AddDays(-((int(m.today.Weekday()) + 6) % 7))
	reports, err := tx.UserReports(ctx, m.ev.FromUserName, monday, m.today)
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	leaves, err := tx.ListLeaves(ctx, monday, m.today)
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	byDay := make(map[servicebot.Date]servicebot.DailyReport, len(reports))
	for _, r := range reports {
		byDay[r.Day] = r
	}
	loc := h.cal.Location()
	var b strings.Builder
	fmt.Fprintf(&b, "本周日报（%s至%s）：\n", monday.MonthDay(), m.today.MonthDay())
	missed := 0
	for d := monday; !d.After(m.today); d = d.AddDays(1) {
		fmt.Fprintf(&b, "%s %s ", d.MonthDay(), d.WeekdayName())
		r, ok := byDay[d]
		switch {
		case ok:
			b.WriteString(reportGlance(r))
		case !h.cal.IsWorkingDate(d):
			b.WriteString("休息")
			if name := h.cal.HolidayName(d.In(loc)); name != "" {
				b.WriteString("（" + name + "）")
			}
		case !h.cal.IsWorkingDayFor(d.In(loc), m.ev.FromUserName, leaves):
			b.WriteString("请假")
		case d == m.today:
			fmt.Fprintf(&b, "还没交（%s截止）", clockOf(h.deadline))
		default:
			b.WriteString("未交")
			missed++
		}
		b.WriteString("\n")
	}
	if missed > 0 {
		fmt.Fprintf(&b, "有%d天未交，可以发「补报 日期 内容」补上，例如「补报 %s 今天：…」。", missed, m.today.AddDays(-1).MonthDay())
	}
	return h.reply(ctx, tx, m, strings.TrimRight(b.String(), "\n"))
}

// reportGlance is one day of 我的日报: filed on time or late, and whether
// anything is missing.
func reportGlance(r servicebot.DailyReport) string {
	s := "已交"
	if r.Status == servicebot.ReportLate {
		s = "已交（迟交）"
	}
	if len(r.Missing) > 0 {
		s += "，缺" + strings.Join(r.Missing, "和")
	}
	if len(r.Done) > 0 {
		s += "：" + firstRunes(r.Done[0], 16)
	}
	return s
}

func firstRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
