package servicebot

import (
	"fmt"
	"time"
)

// KPIInput is one entry of the manager's (R-KPI-1…12 "manager input"): a
// company figure, a complaint, a missed training, the bonus. Entries are
// never edited: a change voids one and adds another, so who changed what,
// and when, stays on record.
type KPIInput struct {
	ID    int64
	Month string // "2026-10"
	// The fact entered; Source is set by Fact.
	KPIFact
	Origin    string // how it arrived: "api", "upload kpi-2026-10.xlsx", "cli kpi.csv"
	EnteredBy string // userid of the person entering it
	EnteredAt time.Time
	VoidedBy  string
	VoidedAt  time.Time
	// ApprovalID is the liability fine a complaint entry was linked to
	// (R-LIA-0): the entry and the fine are one complaint.
	ApprovalID int64
}

// Live reports whether the entry counts (it has not been voided).
func (in KPIInput) Live() bool { return in.VoidedAt.IsZero() }

// Fact is the entry as the scoring counts it, its source naming the entry.
func (in KPIInput) Fact() KPIFact {
	f := in.KPIFact
	f.Source = fmt.Sprintf("经理录入 #%d（%s）", in.ID, in.EnteredBy)
	if f.Kind == FactComplaint {
		f.Link = ComplaintLink(in.ID)
	}
	return f
}

// ComplaintLink is the Link of the complaint a manager entered as entry
// id: a liability fine naming the entry carries the same (R-LIA-0).
func ComplaintLink(id int64) string { return fmt.Sprintf("complaint:%d", id) }

// SingleValued kinds hold one value a month (per engineer, or for the
// department): a new entry replaces the live one instead of adding to it.
func (k KPIFactKind) SingleValued() bool { return k.Company() || k == FactBonus }

// Problems lists, in Chinese for the person entering it, what is wrong with
// the entry; bonus bounds come from rules.
func (in KPIInput) Problems(rules KPIRules) []string {
	var p []string
	if _, _, err := KPIMonthRange(in.Month); err != nil {
		p = append(p, fmt.Sprintf("月份 %q 无效，应为 2026-10 这样的格式", in.Month))
	}
	switch {
	case !in.Kind.Valid() || in.Kind == FactAppeal:
		p = append(p, fmt.Sprintf("未知的录入项 %q", in.Kind))
	case in.Kind.Company() && in.UserID != "":
		p = append(p, fmt.Sprintf("%s是全部门的数据，不填人员", in.Kind.Label()))
	case !in.Kind.Company() && in.UserID == "":
		p = append(p, fmt.Sprintf("%s需要填写人员（企业微信账号）", in.Kind.Label()))
	}
	if in.Count < 0 {
		p = append(p, "数量不能为负")
	}
	if in.Kind == FactBonus {
		rules = rules.WithDefaults()
		if v := Points(in.Value); v < rules.BonusMin || v > rules.BonusMax {
			p = append(p, fmt.Sprintf("附加分应在 %s 到 %s 之间", rules.BonusMin.Signed(), rules.BonusMax.Signed()))
		}
	}
	if in.Kind == FactResponsibility || in.Kind == FactTeamwork || in.Kind == FactInitiative || in.Kind == FactDiscipline {
		if in.Value != 100 && in.Value != 200 {
			p = append(p, "行为类记录每次扣 1 或 2 分")
		}
	}
	if !in.Date.IsZero() && MonthOf(in.Date) != in.Month {
		p = append(p, fmt.Sprintf("日期 %s 不在 %s 月内", in.Date, in.Month))
	}
	if in.EnteredBy == "" {
		p = append(p, "缺少录入人")
	}
	return p
}

// KPIRevision is one recorded computation of a month. The 1st's draft is
// revision 1; an accepted appeal, a re-draft or a correction after
// publishing adds one (R-KPI-13). Nothing recorded is ever changed but the
// publishing of a revision.
type KPIRevision struct {
	ID           int64
	Month        string
	Revision     int
	RulesVersion string
	Reason       string // why it was made, for people: "每月1日自动起草", "申诉 #3 采纳"
	CreatedBy    string // userid; "" for the bot
	CreatedAt    time.Time
	// AppealUntil is the end of the month's appeal window, set by its first draft.
	AppealUntil time.Time
	PublishedAt time.Time
	PublishedBy string
}

// Published reports whether the revision has been published.
func (r KPIRevision) Published() bool { return !r.PublishedAt.IsZero() }

// Appeal states.
const (
	KPIAppealOpen     = "open"
	KPIAppealAccepted = "accepted"
	KPIAppealRejected = "rejected"
)

// KPIAppeal is an engineer's 申诉 against one deduction (one fact) of an
// indicator of a month.
type KPIAppeal struct {
	ID        int64
	Month     string
	UserID    string
	Indicator KPIIndicator
	Reason    string
	Revision  int // the revision appealed against
	Status    string
	FiledAt   time.Time
	DecidedBy string
	DecidedAt time.Time
	// ResultRevision is the revision an accepted appeal made.
	ResultRevision int
	// FactRef is the Ref of the one deduction appealed (KPIReason.Fact)
	// and FactText its words; "" for an appeal of the whole indicator (older).
	FactRef, FactText string
}

// Fact is an accepted appeal as the scoring counts it: the indicator's
// deductions waived. loc is the department's zone, in which its date is read.
func (a KPIAppeal) Fact(loc *time.Location) KPIFact {
	return KPIFact{UserID: a.UserID, Kind: FactAppeal, Indicator: a.Indicator, Withdraws: a.FactRef, Date: DateOf(a.FiledAt.In(loc)),
		Source: fmt.Sprintf("申诉 #%d（%s 采纳）", a.ID, a.DecidedBy), Note: a.Reason}
}
