package kpi

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
)

// Source gives the KPI facts of a month from one place: the bot's own
// records, the service records (visits, jobs, forms), the manager's inputs,
// the accepted appeals. Covers lists the kinds it records for everybody,
// so that their absence means none rather than "not recorded" (see
// servicebot.KPIMonthInput.Known).
type Source interface {
	Name() string
	Covers() []servicebot.KPIFactKind
	Facts(ctx context.Context, month string, first, last servicebot.Date) ([]servicebot.KPIFact, error)
}

// BotStore is what BotRecords reads (store.DB).
type BotStore interface {
	KPIEvents(ctx context.Context, month string) ([]servicebot.KPIEvent, error)
	ListPartsSales(ctx context.Context, from, to servicebot.Date) ([]servicebot.DailyReport, error)
	CheckInDays(ctx context.Context, from, to servicebot.Date) (map[string][]servicebot.Date, error)
	ApprovedFines(ctx context.Context, month string) ([]servicebot.ApprovalRequest, error)
}

// BotRecords are the facts the bot recorded itself: missing and late daily
// reports and late monthly submissions (R-KPI-4, from kpi_events), parts
// sales stated in daily reports (R-KPI-10), check-in days as field days
// (R-KPI-5) and complaints in approved liability fines (R-KPI-6, R-LIA-1).
type BotRecords struct {
	Store BotStore
	// Location is the department's zone: a record's day is read in it.
	Location *time.Location
}

// Name implements Source.
func (BotRecords) Name() string { return "系统记录" }

// Covers implements Source: the daily report and its check-ins reach every
// engineer, so a missing one means none. Complaints are not covered: a
// complaint not filed as a fine may still be entered by the manager.
func (BotRecords) Covers() []servicebot.KPIFactKind {
	return []servicebot.KPIFactKind{servicebot.FactMissingDaily, servicebot.FactLateDaily, servicebot.FactLateMonthly,
		servicebot.FactPartsSale, servicebot.FactFieldDay}
}

// Facts implements Source.
func (b BotRecords) Facts(ctx context.Context, month string, first, last servicebot.Date) ([]servicebot.KPIFact, error) {
	var out []servicebot.KPIFact
	events, err := b.Store.KPIEvents(ctx, month)
	if err != nil {
		return nil, fmt.Errorf("kpi: bot records: %w", err)
	}
	for _, e := range events {
		f := servicebot.KPIFact{UserID: e.UserID, Kind: servicebot.KPIFactKind(e.Kind)}
		switch e.Kind {
		case servicebot.KPIMissingDaily, servicebot.KPILateDaily:
			day, err := servicebot.ParseDate(e.Ref)
			if err != nil {
				return nil, fmt.Errorf("kpi: bot records: event %s %s: %w", e.Kind, e.Ref, err)
			}
			f.Date, f.Source = day, "日报 "+day.String()
			if e.Kind == servicebot.KPIMissingDaily {
				f.Note = fmt.Sprintf("%d月%d日未在截止时间前提交", int(day.Month), day.Day)
			} else {
				f.Note = fmt.Sprintf("%d月%d日日报在截止时间后提交", int(day.Month), day.Day)
			}
		case servicebot.KPILateMonthly:
			f.Date, f.Source, f.Note = servicebot.DateOf(e.CreatedAt.In(b.Location)), "月度资料 "+e.Ref, monthlyTitle(e.Ref)+"逾期未提交"
		default:
			continue // a kind a newer version records
		}
		out = append(out, f)
	}
	sales, err := b.Store.ListPartsSales(ctx, first, last)
	if err != nil {
		return nil, fmt.Errorf("kpi: bot records: %w", err)
	}
	for _, r := range sales {
		out = append(out, servicebot.KPIFact{UserID: r.UserID, Kind: servicebot.FactPartsSale, Date: r.Day,
			Value: int64(*r.PartsSales), Source: "日报 " + r.Day.String()})
	}
	days, err := b.Store.CheckInDays(ctx, first, last)
	if err != nil {
		return nil, fmt.Errorf("kpi: bot records: %w", err)
	}
	for user, ds := range days {
		out = append(out, servicebot.KPIFact{UserID: user, Kind: servicebot.FactFieldDay, Count: int64(len(ds)),
			Source: fmt.Sprintf("签到 %d天", len(ds))})
	}
	fines, err := b.Store.ApprovedFines(ctx, month)
	if err != nil {
		return nil, fmt.Errorf("kpi: bot records: %w", err)
	}
	for _, r := range fines {
		out = append(out, fineComplaints(r)...)
	}
	return out, nil
}

// fineComplaints are the complaints of an approved fine, one fact each
// (R-LIA-0: one complaint is one record). A complaint the manager entered
// carries that entry's link, so the two count once, dated by the entry; a
// complaint with a stated day is dated by it; the rest are about the month
// (never the day the fine was approved).
func fineComplaints(r servicebot.ApprovalRequest) []servicebot.KPIFact {
	if r.Fine == nil || r.Fine.Complaints == 0 || r.Subject == "" {
		return nil
	}
	src := fmt.Sprintf("责任处罚审批 #%d", r.ID)
	var out []servicebot.KPIFact
	for i := range r.Fine.Complaints {
		f := servicebot.KPIFact{UserID: r.Subject, Kind: servicebot.FactComplaint, Source: src, Note: r.Reason}
		switch j := i - len(r.Fine.ComplaintEntries); {
		case j < 0:
			f.Link = servicebot.ComplaintLink(r.Fine.ComplaintEntries[i])
		case j < len(r.Fine.ComplaintDates):
			f.Date = r.Fine.ComplaintDates[j]
		}
		if r.Fine.Complaints > 1 {
			f.Source = fmt.Sprintf("%s 第 %d 次投诉", src, i+1)
		}
		out = append(out, f)
	}
	return out
}

// monthlyTitle names a monthly obligation key "monthly_diary:2026-10:li".
func monthlyTitle(key string) string {
	parts := strings.SplitN(key, ":", 3)
	if len(parts) < 2 {
		return key
	}
	if _, _, err := servicebot.KPIMonthRange(parts[1]); err != nil {
		return key
	}
	return servicebot.MonthlyDuty{Kind: parts[0], Period: parts[1]}.Title()
}

// InputStore is what ManagerInputs reads (store.DB).
type InputStore interface {
	KPIInputs(ctx context.Context, month string) ([]servicebot.KPIInput, error)
}

// ManagerInputs are the manager's live entries of the month: what no record
// shows (company figures, late arrivals, behaviour, trainings, the bonus),
// and additions to what the records show (a visit made but never filed).
// Each reason names its entry (经理录入 #17).
type ManagerInputs struct{ Store InputStore }

// Name implements Source.
func (ManagerInputs) Name() string { return "经理录入" }

// Covers implements Source: an entry covers only what it says.
func (ManagerInputs) Covers() []servicebot.KPIFactKind { return nil }

// Facts implements Source.
func (m ManagerInputs) Facts(ctx context.Context, month string, _, _ servicebot.Date) ([]servicebot.KPIFact, error) {
	inputs, err := m.Store.KPIInputs(ctx, month)
	if err != nil {
		return nil, fmt.Errorf("kpi: manager inputs: %w", err)
	}
	var out []servicebot.KPIFact
	for _, in := range inputs {
		if in.Live() {
			out = append(out, in.Fact())
		}
	}
	return out, nil
}

// AppealStore is what Appeals reads (store.DB).
type AppealStore interface {
	KPIAppeals(ctx context.Context, month string) ([]servicebot.KPIAppeal, error)
}

// Appeals are the month's accepted appeals: a re-draft keeps what the
// manager granted.
type Appeals struct {
	Store AppealStore
	// Location is the department's zone: an appeal's day is read in it.
	Location *time.Location
}

// Name implements Source.
func (Appeals) Name() string { return "申诉" }

// Covers implements Source.
func (Appeals) Covers() []servicebot.KPIFactKind { return nil }

// Facts implements Source.
func (a Appeals) Facts(ctx context.Context, month string, _, _ servicebot.Date) ([]servicebot.KPIFact, error) {
	appeals, err := a.Store.KPIAppeals(ctx, month)
	if err != nil {
		return nil, fmt.Errorf("kpi: appeals: %w", err)
	}
	var out []servicebot.KPIFact
	for _, ap := range appeals {
		if ap.Status == servicebot.KPIAppealAccepted {
			out = append(out, ap.Fact(a.Location))
		}
	}
	return out, nil
}
