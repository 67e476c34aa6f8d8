package servicebot

import (
	"fmt"
	"strings"
	"time"
)

// Obligation kinds: what somebody owes (DESIGN, flow 3).
const (
	ObligationDailyReport = "daily_report" // an engineer's report for a day (R-DAY-1, R-DAY-2)
	// Duties of the department itself, keyed once per period so that only one
	// replica, one run, performs them.
	ObligationDayOpen        = "day_open"        // the day's report obligations were recorded
	ObligationDayClose       = "day_close"       // the day's reports were tallied after the deadline
	ObligationMorningSummary = "morning_summary" // the manager's card for a day was sent (R-DAY-3)
	ObligationMonthlyDiary   = "monthly_diary"   // 日记 due on the diary day (R-DAY-5)
	ObligationMonthlySummary = "monthly_summary" // 月度工作分析总结报告 due on the month's last day
	ObligationRawRecords     = "raw_records"     // 原始资料 due to the archivist on the raw-records day
)

// Obligation states.
const (
	ObligationOpen    = "open"
	ObligationDone    = "done"
	ObligationOverdue = "overdue"
)

// Obligation is one thing owed by a time. Key is unique: whoever creates the
// obligation first wins and everybody else finds it.
type Obligation struct {
	ID        int64
	Kind      string
	UserID    string // "" for a duty of the department
	Key       string
	Period    string // "2026-11-27" for a day, "2026-11" for a month
	DueAt     time.Time
	Status    string
	Note      string
	CreatedAt time.Time
	ClosedAt  time.Time
}

// DailyReportKey is the key of userID's daily report obligation for day.
func DailyReportKey(userID string, day Date) string {
	return ObligationDailyReport + ":" + day.String() + ":" + userID
}

// KPI event kinds (R-KPI-4).
const (
	KPIMissingDaily = "missing_daily" // no report for a working day by the deadline
	KPILateDaily    = "late_daily"    // the report came after the deadline
	KPILateMonthly  = "late_monthly"  // a monthly submission (R-DAY-5) was late
)

// KPIEvent is one fact the monthly KPI counts. (UserID, Kind, Ref) is unique.
type KPIEvent struct {
	UserID    string
	Month     string // "2026-11"
	Kind      string
	Ref       string // the day or obligation it is about
	CreatedAt time.Time
}

// MonthOf is the "YYYY-MM" of d.
func MonthOf(d Date) string { return fmt.Sprintf("%04d-%02d", d.Year, int(d.Month)) }

// JobRun is the last run of a scheduled job.
type JobRun struct {
	Name     string
	At       time.Time // the time the run was "as of" (the clock's now, or `job run --at`)
	Err      string    // "" when it succeeded
	Duration time.Duration
	Runs     int64 // runs recorded so far
}

// Daily report reminder stages (R-DAY-2).
const (
	StageFirst  = "first"  // 20:00
	StageSecond = "second" // 21:30
	// StageAgain is the reminder a manager asks for with 再次提醒.
	StageAgain = "again"
)

// RemindButtonPrefix starts the key of the morning card's 再次提醒 button;
// the rest is the day ("remind:2026-11-27").
const RemindButtonPrefix = "remind:"

// ReportSchedule holds the times of the daily report (R-DAY-2, R-DAY-3) as
// offsets from midnight, local time.
type ReportSchedule struct {
	FirstReminder, SecondReminder, Deadline, MorningSummary time.Duration
	Location                                                *time.Location
}

// ReminderStage is one reminder of an obligation and the time it is due.
type ReminderStage struct {
	Name string
	At   time.Time
}

// at returns the instant of the time of day off on d. It builds the wall
// time rather than adding to midnight, so that a zone with daylight saving
// still gets 20:00 on the day it changes.
func (s ReportSchedule) at(d Date, off time.Duration) time.Time {
	return time.Date(d.Year, d.Month, d.Day, int(off/time.Hour), int(off%time.Hour/time.Minute), 0, 0, s.Location)
}

// Stages are the reminders of day's report, in time order.
func (s ReportSchedule) Stages(day Date) []ReminderStage {
	return []ReminderStage{
		{Name: StageFirst, At: s.at(day, s.FirstReminder)},
		{Name: StageSecond, At: s.at(day, s.SecondReminder)},
	}
}

// DeadlineOn is when day's report is due; a report after it is late.
func (s ReportSchedule) DeadlineOn(day Date) time.Time { return s.at(day, s.Deadline) }

// MorningOn is the time of the manager's morning summary on day.
func (s ReportSchedule) MorningOn(day Date) time.Time { return s.at(day, s.MorningSummary) }

// Today is the date of now in the schedule's location.
func (s ReportSchedule) Today(now time.Time) Date { return DateOf(now.In(s.Location)) }

// DueStage is the reminder to send at now (DESIGN, flow 3): the latest stage
// whose time has come, as long as the deadline has not passed. An earlier
// stage missed while the process was down is not sent after a later one's
// time: the later reminder replaces it. After the deadline nothing is due,
// so a process coming back late sends no stale reminder.
func DueStage(stages []ReminderStage, deadline, now time.Time) (ReminderStage, bool) {
	if !now.Before(deadline) {
		return ReminderStage{}, false
	}
	var due ReminderStage
	found := false
	for _, st := range stages {
		if !now.Before(st.At) && (!found || st.At.After(due.At)) {
			due, found = st, true
		}
	}
	return due, found
}

// ChaseList splits the day's reporters into those with no report at all and
// those whose report lacks a part (the plan, usually), from the day's report
// states. Order follows reporters.
func ChaseList(reporters []Member, states map[string]ReportState) (missing, incomplete []string) {
	for _, m := range reporters {
		st, filed := states[m.UserID]
		switch {
		case !filed:
			missing = append(missing, m.UserID)
		case !st.Complete:
			incomplete = append(incomplete, m.UserID)
		}
	}
	return missing, incomplete
}

// DayOutcome is how a reporter's day ended at the close (R-DAY-2, R-KPI-4).
type DayOutcome struct {
	UserID string
	Status string // ObligationDone or ObligationOverdue
	KPI    string // KPIMissingDaily, KPILateDaily, or "" for an on-time report
}

// CloseDay decides each reporter's outcome once the deadline has passed: a
// report on time is done; a late one is done and counts as late; none at all
// is overdue and counts as missing.
func CloseDay(userIDs []string, states map[string]ReportState) []DayOutcome {
	out := make([]DayOutcome, 0, len(userIDs))
	for _, u := range userIDs {
		st, filed := states[u]
		switch {
		case !filed:
			out = append(out, DayOutcome{UserID: u, Status: ObligationOverdue, KPI: KPIMissingDaily})
		case st.Status == ReportLate:
			out = append(out, DayOutcome{UserID: u, Status: ObligationDone, KPI: KPILateDaily})
		default:
			out = append(out, DayOutcome{UserID: u, Status: ObligationDone})
		}
	}
	return out
}

// DaysToClose are the days whose deadline has passed at now and that may
// still need closing: yesterday and, after today's deadline, today. Older
// days are left alone: a process down for longer than a day has bigger
// problems than a tally, and closing them late would chase nobody anyway.
func (s ReportSchedule) DaysToClose(now time.Time) []Date {
	today := s.Today(now)
	days := []Date{today.AddDays(-1)}
	if !now.Before(s.DeadlineOn(today)) {
		days = append(days, today)
	}
	return days
}

// MorningSummaryDue says which day's summary is due at now (R-DAY-3): on a
// working day, from the morning summary time to the end of that day, the
// summary of the previous working day. Outside that window nothing is due:
// a summary not sent on its morning is stale the next day.
func MorningSummaryDue(cal *Calendar, s ReportSchedule, now time.Time) (Date, bool) {
	today := s.Today(now)
	if !cal.IsWorkingDate(today) || now.Before(s.MorningOn(today)) {
		return Date{}, false
	}
	return DateOf(cal.PrevWorkingDay(today.In(cal.Location()))), true
}

// shortDate is how a day is written in chat: "11月27日（周五）".
func shortDate(d Date) string {
	return d.MonthDay() + "（" + d.WeekdayName() + "）"
}

// DailyReminderText is the reminder of stage for day's report. Everybody
// chased at a stage gets the same text, so one message reaches up to a
// thousand of them.
func DailyReminderText(stage string, day Date, deadline time.Time, incomplete bool) string {
	by := deadline.Format("15:04")
	if incomplete {
		return fmt.Sprintf("【日报提醒】%s的日报已收到，但还不完整（缺少今日工作或明日计划）。"+
			"请在 %s 前补充一句，例如「明日计划：……」。", shortDate(day), by)
	}
	if stage == StageSecond {
		return fmt.Sprintf("【日报再次提醒】%s的工作日报还没有收到，%s 截止，之后提交记为迟交。"+
			"请直接回复：今日工作、明日计划。", shortDate(day), by)
	}
	return fmt.Sprintf("【日报提醒】%s的工作日报还没有收到，请在 %s 前发给我：今日工作、明日计划。"+
		"发送「日报模板」可查看格式。", shortDate(day), by)
}

// RemindAgainText is what those still missing get when the manager presses
// 再次提醒 on the morning card.
func RemindAgainText(day Date) string {
	return fmt.Sprintf("【补报提醒】%s的工作日报还没有收到，经理提醒您尽快补报。"+
		"请发送「补报 %d月%d日 今日工作……明日计划……」。", shortDate(day), int(day.Month), day.Day)
}

// MissedSummary is the morning summary of one day (R-DAY-3).
type MissedSummary struct {
	Day       Date
	Reporters int      // how many owed a report
	Missing   []string // names of those with no report, in order
	Late      []string // names of those who reported after the deadline
}

// ManagerCardTitle and ManagerCardText are the morning card the service
// manager gets: every name that is missing.
func (m MissedSummary) ManagerCardTitle() string {
	return fmt.Sprintf("%s日报情况", shortDate(m.Day))
}

// ManagerCardText lists who missed the day's report and who was late.
func (m MissedSummary) ManagerCardText() string {
	text := fmt.Sprintf("应报 %d 人，未报 %d 人", m.Reporters, len(m.Missing))
	if len(m.Missing) > 0 {
		text += "：" + joinNames(m.Missing)
	}
	if len(m.Late) > 0 {
		text += fmt.Sprintf("\n迟交 %d 人：%s", len(m.Late), joinNames(m.Late))
	}
	return text
}

// GroupText is the department group's post: the count only, unless the
// department chose to show names (R-DAY-3).
func (m MissedSummary) GroupText(showNames bool) string {
	text := fmt.Sprintf("**%s日报**\n应报 %d 人，已报 %d 人，未报 %d 人。",
		shortDate(m.Day), m.Reporters, m.Reporters-len(m.Missing), len(m.Missing))
	if showNames && len(m.Missing) > 0 {
		text += "\n未报：" + joinNames(m.Missing)
	}
	return text
}

func joinNames(names []string) string { return strings.Join(names, "、") }

// Monthly reminder stages (R-DAY-5): some days before the due day, and on it.
const (
	StageBefore = "before"
	StageDueDay = "due_day"
)

// MonthlyDuty is one monthly submission every engineer owes (R-DAY-5).
type MonthlyDuty struct {
	Kind   string // ObligationMonthlyDiary, ObligationMonthlySummary or ObligationRawRecords
	Period string // the month it covers, "2026-10"
	Due    Date   // the day it is due; it is overdue from the next day
}

// MonthlyDuties are the submissions falling due in the month of day: the
// previous month's raw service records on rawRecordsDay and its work diary
// on diaryDay (a month's diary and records can only be complete once it is
// over), and this month's work summary on its last day.
func MonthlyDuties(day Date, rawRecordsDay, diaryDay int) []MonthlyDuty {
	first := NewDate(day.Year, day.Month, 1)
	prev := MonthOf(first.AddDays(-1))
	return []MonthlyDuty{
		{Kind: ObligationRawRecords, Period: prev, Due: NewDate(day.Year, day.Month, rawRecordsDay)},
		{Kind: ObligationMonthlyDiary, Period: prev, Due: NewDate(day.Year, day.Month, diaryDay)},
		{Kind: ObligationMonthlySummary, Period: MonthOf(first), Due: NewDate(day.Year, day.Month+1, 0)},
	}
}

// Key is the obligation key of userID's submission.
func (m MonthlyDuty) Key(userID string) string { return m.Kind + ":" + m.Period + ":" + userID }

// Title names the submission for people: "10月工作日记", "11月工作分析总结报告"
// (the 月度工作分析总结报告 of November: "11月月度…" would stutter).
func (m MonthlyDuty) Title() string {
	month := strings.TrimLeft(m.Period[len("2006-"):], "0") + "月"
	switch m.Kind {
	case ObligationMonthlyDiary:
		return month + "工作日记"
	case ObligationMonthlySummary:
		return month + "工作分析总结报告"
	case ObligationRawRecords:
		return month + "原始服务资料"
	}
	return month + m.Kind
}

// MonthlyStages are the monthly reminders: daysBefore days before the due day and on
// it, at the time of the morning summary; the deadline is the end of the due
// day. DueStage picks the one to send.
func (s ReportSchedule) MonthlyStages(m MonthlyDuty, daysBefore int) (stages []ReminderStage, deadline time.Time) {
	if daysBefore > 0 {
		stages = append(stages, ReminderStage{Name: StageBefore, At: s.MorningOn(m.Due.AddDays(-daysBefore))})
	}
	stages = append(stages, ReminderStage{Name: StageDueDay, At: s.MorningOn(m.Due)})
	return stages, m.Due.AddDays(1).In(s.Location)
}

// MonthlyReminderText is the card text of a monthly reminder.
func MonthlyReminderText(m MonthlyDuty, stage string) string {
	due := m.Due.MonthDay()
	if stage == StageDueDay {
		return fmt.Sprintf("今天（%s）是%s的截止日，请今天内确认，逾期将计入考核。", due, m.Title())
	}
	switch m.Kind {
	case ObligationMonthlyDiary:
		return fmt.Sprintf("您的%s已根据每天的日报整理好，请核对后在 %s 前点击「确认无误」，确认后转交档案管理员。", m.Title(), due)
	case ObligationRawRecords:
		return fmt.Sprintf("请在 %s 前把%s交给档案管理员，交齐后点击「已提交」。", due, m.Title())
	}
	return fmt.Sprintf("请在 %s 前提交%s，提交后点击「已提交」。", due, m.Title())
}

// Document is a file the bot compiled (a monthly work diary as .xlsx), kept
// as it was shown and served under an unguessable token.
type Document struct {
	Token     string
	UserID    string
	Kind      string
	Period    string
	Filename  string
	Content   []byte
	CreatedAt time.Time
}
