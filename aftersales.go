package servicebot

import (
	"fmt"
	"strings"
	"time"
)

// EngineerRoundRobin marks a customer's engineer the bot chose: the
// region's engineer with the fewest customers, ties by userid (issue 16).
const EngineerRoundRobin = "round_robin"

// Customer tiers (R-VIS-1).
const (
	TierKey     = "key"     // 大客户、重点客户: monthly calls, two on-site visits a year
	TierGeneral = "general" // 一般客户: quarterly calls
)

// TierName is the Chinese name of a tier.
func TierName(tier string) string {
	if tier == TierKey {
		return "重点客户"
	}
	return "一般客户"
}

// Customer is one customer of the department.
type Customer struct {
	ID      int64
	Name    string
	Tier    string // TierKey or TierGeneral
	Region  string // R-ORG-2: whose engineers serve it
	Address string
	Contact string
	Phone   string
	// Engineer keeps in touch with the customer (R-VIS-1). "" until named
	// in the customer list or given one by the bot, in turn within the
	// region; EngineerSource says which ("" named, EngineerRoundRobin).
	Engineer       string
	EngineerSource string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Equipment is one machine of a customer, known by its serial number.
type Equipment struct {
	ID          int64
	Customer    string // the customer's name
	Model       string
	Serial      string
	FactoryDate Date // zero when unknown
	WarrantyEnd Date // zero when unknown
}

// Warranty states of a machine on a day.
const (
	WarrantyIn      = "in"      // 保修期内
	WarrantyOut     = "out"     // 已过保修期
	WarrantyUnknown = "unknown" // no machine, or no warranty end recorded
)

// WarrantyOn says whether the machine is under warranty on day: up to and
// including its warranty end.
func (e Equipment) WarrantyOn(day Date) string {
	if e.Serial == "" || e.WarrantyEnd.IsZero() {
		return WarrantyUnknown
	}
	if day.After(e.WarrantyEnd) {
		return WarrantyOut
	}
	return WarrantyIn
}

// WarrantyName is the Chinese text of a warranty state.
func WarrantyName(state string) string {
	switch state {
	case WarrantyIn:
		return "保修期内"
	case WarrantyOut:
		return "已过保修期"
	}
	return "保修状态未知"
}

// Job states (工单状态).
const (
	JobPending    = "pending"     // 待派工: the request waits for the service manager's dispatch
	JobAssigned   = "assigned"    // 已派工
	JobInProgress = "in_progress" // 进行中
	JobCompleted  = "completed"   // 已完成
	JobVisited    = "visited"     // 已回访: the phone return visit is recorded (R-VIS-2)
)

// JobStatusName is the Chinese name of a job state.
func JobStatusName(status string) string {
	switch status {
	case JobPending:
		return "待派工"
	case JobAssigned:
		return "已派工"
	case JobInProgress:
		return "进行中"
	case JobCompleted:
		return "已完成"
	case JobVisited:
		return "已回访"
	}
	return status
}

// Job is a service job (工单): one approved service request's work.
type Job struct {
	ID          int64
	RequestID   int64
	Type        ServiceType
	CustomerID  int64 // 0 when the customer is not in the customer list
	Customer    string
	Region      string
	Reason      string
	Serial      string
	Remote      bool // R-SVC-2: remote support instead of an on-site visit
	Engineer    string
	Status      string
	Equipment   Equipment // the machine of Serial, when known
	RepeatFault bool      // an earlier fault job on the same serial number exists
	CreatedAt   time.Time
	AssignedAt  time.Time
	StartedAt   time.Time
	CompletedAt time.Time
	VisitedAt   time.Time
}

// No is the job number people type: 开始 7.
func (j Job) No() string { return fmt.Sprintf("%d", j.ID) }

// NeedsReturnVisit reports whether completing j owes a phone return visit
// (R-VIS-2: after every installation or fault job).
func (j Job) NeedsReturnVisit() bool {
	return j.Type == ServiceInstall || j.Type == ServiceFault
}

// Line is the job in one line of a chat list.
func (j Job) Line(today Date) string {
	s := fmt.Sprintf("工单%s %s %s【%s】", j.No(), j.Type.Name(), j.Customer, JobStatusName(j.Status))
	if j.Remote {
		s += " 远程支持"
	}
	if j.RequestID != 0 {
		s += fmt.Sprintf("（申请 #%d）", j.RequestID) // the request's number differs from the job's
	}
	if j.Serial != "" {
		s += fmt.Sprintf(" 编号%s %s", j.Serial, WarrantyName(j.Equipment.WarrantyOn(today)))
	}
	if j.RepeatFault {
		s += " ⚠重复故障"
	}
	return s
}

// Contact kinds R-VIS-1 counts.
const (
	ContactPhone  = "phone"  // 电话回访
	ContactOnSite = "onsite" // 现场走访
)

// Follow-up obligation kinds (DESIGN, flow 3).
const (
	ObligationReturnVisit  = "return_visit"  // R-VIS-2: phone return visit after a job
	ObligationCustomerCall = "customer_call" // R-VIS-1: regular phone return visit
	ObligationSiteVisit    = "site_visit"    // R-VIS-1: key customers' on-site visits
	ObligationTechQuestion = "tech_question" // R-VIS-3: a customer's question, answered within 8 h
)

// Follow-up stages: the engineer's reminder and the manager's alert.
const (
	StageRemind   = "remind"
	StageEscalate = "escalate"
)

// FollowUpRules are the times of R-VIS-1, R-VIS-2 and R-VIS-3.
type FollowUpRules struct {
	// ReturnVisitDays: a job's phone return visit is due within this many
	// days of its completion (14); the engineer is reminded on
	// ReturnVisitRemindDay (10) and the manager told on ReturnVisitEscalateDay (15).
	ReturnVisitDays, ReturnVisitRemindDay, ReturnVisitEscalateDay int
	// ReplyWithin: a technical question is answered within this (8 h); the
	// engineer is reminded after ReplyRemindAfter (6 h), the manager told at ReplyWithin.
	ReplyWithin, ReplyRemindAfter time.Duration
	// ReplyDayStart, ReplyDayEnd: the hours of the day that count toward
	// ReplyWithin (08:00–22:00, when R-DAY-2 has phones reachable), so a
	// question logged at 17:00 is due at 11:00 the next morning, not at
	// 01:00. Both zero: every hour counts.
	ReplyDayStart, ReplyDayEnd time.Duration
	// KeyCallMonths, GeneralCallMonths: a phone return visit at least this
	// often (1, 3); KeyVisitMonths: a key customer's on-site visit (6: two a year).
	KeyCallMonths, GeneralCallMonths, KeyVisitMonths int
	// DigestAt is when, after midnight, the engineers' daily digest goes out
	// (08:30), and when day-based reminders and alerts are due.
	DigestAt time.Duration
	Location *time.Location
}

// DefaultFollowUpRules are the manual's numbers.
func DefaultFollowUpRules(loc *time.Location) FollowUpRules {
	return FollowUpRules{
		ReturnVisitDays: 14, ReturnVisitRemindDay: 10, ReturnVisitEscalateDay: 15,
		ReplyWithin: 8 * time.Hour, ReplyRemindAfter: 6 * time.Hour,
		ReplyDayStart: 8 * time.Hour, ReplyDayEnd: 22 * time.Hour,
		KeyCallMonths: 1, GeneralCallMonths: 3, KeyVisitMonths: 6,
		DigestAt: 8*time.Hour + 30*time.Minute,
		Location: loc,
	}
}

// morning is the digest time on d.
func (r FollowUpRules) morning(d Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day, int(r.DigestAt/time.Hour), int(r.DigestAt%time.Hour/time.Minute), 0, 0, r.Location)
}

// Today is the date of now in the rules' zone.
func (r FollowUpRules) Today(now time.Time) Date { return DateOf(now.In(r.Location)) }

// DigestDue reports whether the day's digest may go out at now: a working
// day, from DigestAt on.
func (r FollowUpRules) DigestDue(cal *Calendar, now time.Time) (Date, bool) {
	today := r.Today(now)
	return today, cal.IsWorkingDate(today) && !now.Before(r.morning(today))
}

// FollowUp is an obligation of R-VIS-1/2/3 with the times of its stages.
// Remind is when the engineer is reminded (a question: a ping; a day-based
// visit: it enters the morning digest); Escalate, when set, is when the
// manager is told it was not done.
type FollowUp struct {
	Obligation
	Remind, Escalate time.Time
	Title            string // what is owed, for people: "电话回访 成都某厂（工单7）"
}

// ReturnVisitKey is the obligation key of job id's return visit.
func ReturnVisitKey(jobID int64) string {
	return fmt.Sprintf("%s:job:%d", ObligationReturnVisit, jobID)
}

// ReturnVisit is the return visit owed for a job completed at completed
// (R-VIS-2): due by the end of day 14 after the completion's day, reminded
// on day 10, escalated on day 15, both at DigestAt.
func (r FollowUpRules) ReturnVisit(j Job, completed time.Time) FollowUp {
	day := DateOf(completed.In(r.Location))
	return FollowUp{
		Obligation: Obligation{
			Kind: ObligationReturnVisit, UserID: j.Engineer, Key: ReturnVisitKey(j.ID),
			Period: day.String(), DueAt: day.AddDays(r.ReturnVisitDays + 1).In(r.Location), CreatedAt: completed,
		},
		Remind:   r.morning(day.AddDays(r.ReturnVisitRemindDay)),
		Escalate: r.morning(day.AddDays(r.ReturnVisitEscalateDay)),
	}
}

// ReplyClock is asked plus d counted in the hours of the day that count
// toward a reply (ReplyDayStart to ReplyDayEnd, R-VIS-3 with R-DAY-2): time
// before the start or after the end of a day is skipped.
func (r FollowUpRules) ReplyClock(asked time.Time, d time.Duration) time.Time {
	if r.ReplyDayEnd <= r.ReplyDayStart {
		return asked.Add(d)
	}
	t := asked.In(r.Location)
	for range 1000 { // d is hours: a handful of days at most
		midnight := DateOf(t).In(r.Location)
		start, end := midnight.Add(r.ReplyDayStart), midnight.Add(r.ReplyDayEnd)
		switch {
		case t.Before(start):
			t = start
		case !t.Before(end):
			t = DateOf(t).AddDays(1).In(r.Location).Add(r.ReplyDayStart)
		case t.Add(d).After(end):
			d -= end.Sub(t)
			t = end
		default:
			return t.Add(d)
		}
	}
	return t
}

// TechQuestionKey is the obligation key of question id.
func TechQuestionKey(id int64) string { return fmt.Sprintf("%s:%d", ObligationTechQuestion, id) }

// TechQuestion is the answer owed to question id logged at asked (R-VIS-3).
func (r FollowUpRules) TechQuestion(id int64, engineer string, asked time.Time) FollowUp {
	return FollowUp{
		Obligation: Obligation{
			Kind: ObligationTechQuestion, UserID: engineer, Key: TechQuestionKey(id),
			Period: DateOf(asked.In(r.Location)).String(), DueAt: r.ReplyClock(asked, r.ReplyWithin), CreatedAt: asked,
		},
		Remind:   r.ReplyClock(asked, r.ReplyRemindAfter),
		Escalate: r.ReplyClock(asked, r.ReplyWithin),
	}
}

// RegularVisit is the R-VIS-1 obligation of kind (ObligationCustomerCall or
// ObligationSiteVisit) for c, counted from its last contact of that kind
// (or from since, when the customer was first seen, if none): due at the
// end of the day that interval later, shown in the digest from that day on.
// ok is false when the tier owes no such visit (general customers need no
// on-site visits).
func (r FollowUpRules) RegularVisit(c Customer, kind, engineer string, last time.Time, now time.Time) (f FollowUp, ok bool) {
	months := r.GeneralCallMonths
	switch {
	case kind == ObligationSiteVisit && c.Tier != TierKey:
		return FollowUp{}, false
	case kind == ObligationSiteVisit:
		months = r.KeyVisitMonths
	case c.Tier == TierKey:
		months = r.KeyCallMonths
	}
	from := DateOf(last.In(r.Location))
	due := NewDate(from.Year, from.Month+time.Month(months), from.Day)
	return FollowUp{
		Obligation: Obligation{
			Kind: kind, UserID: engineer, Key: fmt.Sprintf("%s:%d:%s", kind, c.ID, due),
			Period: due.String(), DueAt: due.AddDays(1).In(r.Location), CreatedAt: now,
		},
		Remind: r.morning(due),
	}, true
}

// RegularVisitPrefix is the key prefix of customer id's R-VIS-1
// obligations of kind: every due date's key starts with it.
func RegularVisitPrefix(kind string, customerID int64) string {
	return fmt.Sprintf("%s:%d:", kind, customerID)
}

// RegularVisits are the R-VIS-1 obligations c owes, computed from its
// recorded contacts alone (not from the events that recorded them): the
// next phone call counted from its latest recorded call, and for a key
// customer the next on-site visit counted from its latest recorded visit,
// each from when the customer was first recorded when it has none. Two
// contacts on one day, contacts recorded out of order or on the import day
// give the same answer as the latest one alone; a general customer owes
// no on-site visit. engineer holds them.
func (r FollowUpRules) RegularVisits(c CustomerContacts, engineer string, now time.Time) map[string]FollowUp {
	out := map[string]FollowUp{}
	for _, kind := range []string{ObligationCustomerCall, ObligationSiteVisit} {
		last := c.LastPhone
		if kind == ObligationSiteVisit {
			last = c.LastOnSite
		}
		if last.IsZero() {
			last = c.CreatedAt
		}
		if f, ok := r.RegularVisit(c.Customer, kind, engineer, last, now); ok {
			out[kind] = f
		}
	}
	return out
}

// DigestItem is one line of an engineer's to-do digest.
type DigestItem struct {
	Key     string // the obligation key
	Title   string
	Due     time.Time
	Overdue bool
}

// DigestText is the to-do list of items in chat (我的待办), overdue first.
func DigestText(day Date, items []DigestItem, loc *time.Location) string {
	if len(items) == 0 {
		return fmt.Sprintf("%s没有到期或逾期的待办事项。", shortDate(day))
	}
	var overdue, due []string
	for _, it := range items {
		line := fmt.Sprintf("· %s（%s前）", it.Title, dueText(it.Due, loc))
		if it.Overdue {
			overdue = append(overdue, line)
		} else {
			due = append(due, line)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s待办 %d 项", shortDate(day), len(items))
	if len(overdue) > 0 {
		fmt.Fprintf(&b, "\n已逾期 %d 项：\n%s", len(overdue), strings.Join(overdue, "\n"))
	}
	if len(due) > 0 {
		fmt.Fprintf(&b, "\n今日待办 %d 项：\n%s", len(due), strings.Join(due, "\n"))
	}
	return b.String()
}

// dueText is a due time as people say it: "11月17日" for the end of a day,
// "11月12日 17:00" otherwise.
func dueText(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	if t.Hour() == 0 && t.Minute() == 0 {
		d := DateOf(t).AddDays(-1)
		return d.MonthDay()
	}
	return fmt.Sprintf("%d月%d日 %s", int(t.Month()), t.Day(), t.Format("15:04"))
}

// TechQuestion is a customer's technical question (R-VIS-3).
type TechQuestion struct {
	ID         int64
	CustomerID int64
	Customer   string
	Question   string
	AskedBy    string
	AskedAt    time.Time
	DueAt      time.Time
	AnsweredBy string
	Answer     string
	AnsweredAt time.Time
	Source     string // the delivery that logged it
}

// Dissatisfied answers of a questionnaire (电话回访跟踪问卷表, 顾客满意度调查表):
// any of them alerts the manager.
var dissatisfiedAnswers = []string{"不满意", "很不满意", "非常不满意"}

// IsDissatisfied reports whether a questionnaire answer says the customer
// is not satisfied.
func IsDissatisfied(answer string) bool {
	a := strings.TrimSpace(answer)
	for _, d := range dissatisfiedAnswers {
		if a == d {
			return true
		}
	}
	return false
}

// FollowUpOf rebuilds the stage times of a stored follow-up obligation from
// its kind, period and times, so the stages need no columns of their own.
// The title is kept in the obligation's note. ok is false for other kinds.
func (r FollowUpRules) FollowUpOf(o Obligation) (f FollowUp, ok bool) {
	f = FollowUp{Obligation: o, Title: o.Note}
	switch o.Kind {
	case ObligationReturnVisit:
		day, err := ParseDate(o.Period)
		if err != nil {
			return f, false
		}
		f.Remind = r.morning(day.AddDays(r.ReturnVisitRemindDay))
		f.Escalate = r.morning(day.AddDays(r.ReturnVisitEscalateDay))
	case ObligationTechQuestion:
		f.Remind, f.Escalate = r.ReplyClock(o.CreatedAt, r.ReplyRemindAfter), r.ReplyClock(o.CreatedAt, r.ReplyWithin)
	case ObligationCustomerCall, ObligationSiteVisit:
		day, err := ParseDate(o.Period)
		if err != nil {
			return f, false
		}
		f.Remind = r.morning(day)
	default:
		return f, false
	}
	return f, true
}

// InDigest reports whether an open follow-up belongs in the to-do digest at
// now: its reminder time has come (a question: at once, it is hours away).
func (f FollowUp) InDigest(now time.Time) bool {
	return f.Kind == ObligationTechQuestion || !now.Before(f.Remind)
}

// DigestItem is f as a line of the digest at now.
func (f FollowUp) DigestItem(now time.Time) DigestItem {
	return DigestItem{Key: f.Key, Title: f.Title, Due: f.DueAt, Overdue: !now.Before(f.DueAt)}
}

// ImportCounts says what an import did to the stored rows.
type ImportCounts struct {
	Created, Updated, Unchanged int
}

// Contact is one recorded phone return visit or on-site visit of a
// customer (R-VIS-1), as the KPI counts them per engineer (R-KPI-7).
type Contact struct {
	CustomerID int64
	Customer   string
	Kind       string // ContactPhone or ContactOnSite
	At         time.Time
	UserID     string
	Ref        string // what recorded it: "job:7", "form:visit_report:12"
}

// CustomerContacts is a customer with the times of its last recorded phone
// return visit and on-site visit (zero when none), for R-VIS-1.
type CustomerContacts struct {
	Customer
	LastPhone, LastOnSite time.Time
}

// FieldChange is one field an import changes of a stored row, for the dry
// run's list: 保修截止 2027-03-01 → 2028-03-01.
type FieldChange struct {
	Field    string // the column's Chinese name
	Old, New string
}

// MergeCustomer is old updated by an import row: a field the row leaves
// empty, or whose column the file lacks, keeps its stored value, so an
// import never erases what is stored. It returns the changed fields.
func MergeCustomer(old, row Customer) (Customer, []FieldChange) {
	merged := old
	var changes []FieldChange
	set := func(field string, dst *string, v string, show func(string) string) {
		if v == "" || v == *dst {
			return
		}
		changes = append(changes, FieldChange{Field: field, Old: show(*dst), New: show(v)})
		*dst = v
	}
	same := func(s string) string { return s }
	set("客户类别", &merged.Tier, row.Tier, TierName)
	set("区域", &merged.Region, row.Region, same)
	set("地址", &merged.Address, row.Address, same)
	set("联系人", &merged.Contact, row.Contact, same)
	set("联系电话", &merged.Phone, row.Phone, same)
	set("负责工程师", &merged.Engineer, row.Engineer, same)
	if row.Engineer != "" {
		merged.EngineerSource = "" // named by the department from now on
	}
	return merged, changes
}

// MergeEquipment is old updated by an import row, as MergeCustomer: an
// empty cell or a missing column keeps the stored value.
func MergeEquipment(old, row Equipment) (Equipment, []FieldChange) {
	merged := old
	var changes []FieldChange
	text := func(field string, dst *string, v string) {
		if v != "" && v != *dst {
			changes = append(changes, FieldChange{Field: field, Old: *dst, New: v})
			*dst = v
		}
	}
	date := func(field string, dst *Date, v Date) {
		if !v.IsZero() && v != *dst {
			old := ""
			if !dst.IsZero() {
				old = dst.String()
			}
			changes = append(changes, FieldChange{Field: field, Old: old, New: v.String()})
			*dst = v
		}
	}
	text("客户名称", &merged.Customer, row.Customer)
	text("设备型号", &merged.Model, row.Model)
	date("出厂日期", &merged.FactoryDate, row.FactoryDate)
	date("保修截止", &merged.WarrantyEnd, row.WarrantyEnd)
	return merged, changes
}
