package kpi

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/forms"
)

// VisitStore is what Visits reads (store.DB).
type VisitStore interface {
	JobsCompleted(ctx context.Context, from, to time.Time) ([]servicebot.Job, error)
	ContactsBetween(ctx context.Context, from, to time.Time) ([]servicebot.Contact, error)
	SubmittedForms(ctx context.Context, from, to time.Time) ([]servicebot.FormSubmission, error)
}

// JobStore is what JobRecords reads (store.DB).
type JobStore interface {
	JobsCompleted(ctx context.Context, from, to time.Time) ([]servicebot.Job, error)
	FormsOfJobsCompleted(ctx context.Context, from, to time.Time) ([]servicebot.FormSubmission, error)
}

// FormStore is what FormRecords reads (store.DB).
type FormStore interface {
	SubmittedForms(ctx context.Context, from, to time.Time) ([]servicebot.FormSubmission, error)
}

// FormCatalog gives the form definitions (*forms.Catalog).
type FormCatalog interface {
	Form(id string) (servicebot.FormDef, bool)
	All() []servicebot.FormDef
}

// monthSpan is the month as instants in loc: from its first day's midnight
// up to the next month's.
func monthSpan(first, last servicebot.Date, loc *time.Location) (from, to time.Time) {
	if loc == nil {
		loc = time.UTC
	}
	return first.In(loc), last.AddDays(1).In(loc)
}

func dayOf(t time.Time, loc *time.Location) servicebot.Date {
	if loc == nil {
		loc = time.UTC
	}
	return servicebot.DateOf(t.In(loc))
}

// Visits are each engineer's phone return visits and on-site visits of the
// month (R-KPI-7), from what the bot recorded of them (R-VIS-1/2): a phone
// visit is a submitted 电话回访跟踪问卷表 or a recorded phone contact; an
// on-site visit is a completed job done on site, a submitted 客户回访售后服务报告
// or a recorded on-site contact. One event recorded twice (the questionnaire
// and the contact it recorded) counts once. They are covered: an engineer
// with none has none, and R-KPI-7's minimums apply.
type Visits struct {
	Store    VisitStore
	Location *time.Location
}

// Name implements Source.
func (Visits) Name() string { return "回访记录" }

// Covers implements Source.
func (Visits) Covers() []servicebot.KPIFactKind {
	return []servicebot.KPIFactKind{servicebot.FactPhoneVisit, servicebot.FactOnSiteVisit}
}

// Facts implements Source: one fact per visit (Count 1), dated.
func (v Visits) Facts(ctx context.Context, _ string, first, last servicebot.Date) ([]servicebot.KPIFact, error) {
	from, to := monthSpan(first, last, v.Location)
	subs, err := v.Store.SubmittedForms(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("kpi: visits: %w", err)
	}
	jobs, err := v.Store.JobsCompleted(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("kpi: visits: %w", err)
	}
	contacts, err := v.Store.ContactsBetween(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("kpi: visits: %w", err)
	}
	var out []servicebot.KPIFact
	seen := map[string]bool{} // refs, as customer_contacts names them
	add := func(ref, user string, kind servicebot.KPIFactKind, at time.Time, source, customer string) {
		if seen[ref] || user == "" {
			return
		}
		seen[ref] = true
		out = append(out, servicebot.KPIFact{UserID: user, Kind: kind, Count: 1, Date: dayOf(at, v.Location),
			Source: source, Note: customer})
	}
	for _, s := range subs {
		ref := fmt.Sprintf("form:%s:%d", s.FormID, s.ID)
		switch s.FormID {
		case forms.PhoneReturnVisit:
			add(ref, s.UserID, servicebot.FactPhoneVisit, s.SubmittedAt, fmt.Sprintf("电话回访问卷表 #%d", s.ID),
				s.Values.Text(forms.FieldCustomer))
		case forms.VisitReport:
			add(ref, s.UserID, servicebot.FactOnSiteVisit, s.SubmittedAt, fmt.Sprintf("客户回访报告 #%d", s.ID),
				s.Values.Text(forms.FieldCustomer))
		}
	}
	for _, j := range jobs {
		if !j.Remote {
			add(fmt.Sprintf("job:%d", j.ID), j.Engineer, servicebot.FactOnSiteVisit, j.CompletedAt, "工单 "+j.No(), j.Customer)
		}
	}
	for _, c := range contacts {
		kind := servicebot.FactPhoneVisit
		if c.Kind == servicebot.ContactOnSite {
			kind = servicebot.FactOnSiteVisit
		}
		add(c.Ref, c.UserID, kind, c.At, "客户联系 "+c.Ref, c.Customer)
	}
	return out, nil
}

// jobFormsExempt are the job forms whose absence JobRecords does not count
// as a missing form (R-KPI-8): the phone return visit has its own deadline,
// 14 days after the job (R-VIS-2), and counts in R-KPI-7; a missing training
// sign-in sheet is R-KPI-7's job without customer training, not a second
// deduction.
var jobFormsExempt = []string{forms.PhoneReturnVisit, forms.TrainingSignIn}

// JobRecords check each job completed in the month against the forms it
// owes, whenever they were submitted: an installation job without a
// 设备培训人员签到表 is a job without customer training (R-KPI-7); a job form
// of the catalog for the job's service type that was never submitted is a
// missing form (R-KPI-8). A job done by remote support (R-SVC-2) owes no
// site records. Both kinds are covered: an engineer without such facts has
// none.
type JobRecords struct {
	Store    JobStore
	Forms    FormCatalog
	Location *time.Location
}

// Name implements Source.
func (JobRecords) Name() string { return "工单记录" }

// Covers implements Source.
func (JobRecords) Covers() []servicebot.KPIFactKind {
	return []servicebot.KPIFactKind{servicebot.FactJobWithoutTraining, servicebot.FactMissingForm}
}

// Facts implements Source.
func (r JobRecords) Facts(ctx context.Context, _ string, first, last servicebot.Date) ([]servicebot.KPIFact, error) {
	from, to := monthSpan(first, last, r.Location)
	jobs, err := r.Store.JobsCompleted(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("kpi: job records: %w", err)
	}
	subs, err := r.Store.FormsOfJobsCompleted(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("kpi: job records: %w", err)
	}
	filed := map[int64]map[string]bool{} // job → forms submitted for it
	for _, s := range subs {
		if filed[s.JobID] == nil {
			filed[s.JobID] = map[string]bool{}
		}
		filed[s.JobID][s.FormID] = true
	}
	defs := r.Forms.All()
	var out []servicebot.KPIFact
	for _, j := range jobs {
		if j.Engineer == "" || j.Remote {
			continue
		}
		day := dayOf(j.CompletedAt, r.Location)
		source := "工单 " + j.No()
		if j.Type == servicebot.ServiceInstall && !filed[j.ID][forms.TrainingSignIn] {
			out = append(out, servicebot.KPIFact{UserID: j.Engineer, Kind: servicebot.FactJobWithoutTraining, Date: day,
				Source: source, Note: fmt.Sprintf("%s %s，没有设备培训人员签到表", j.Customer, j.Type.Name())})
		}
		for _, def := range defs {
			if def.Request != "" || !slices.Contains(def.Job, j.Type) || slices.Contains(jobFormsExempt, def.ID) ||
				filed[j.ID][def.ID] {
				continue
			}
			out = append(out, servicebot.KPIFact{UserID: j.Engineer, Kind: servicebot.FactMissingForm, Date: day,
				Source: source, Note: fmt.Sprintf("%s %s，缺「%s」", j.Customer, j.Type.Name(), def.Title)})
		}
	}
	return out, nil
}

// Fault report fields that say whether the service reached its goal.
const (
	fieldTestResult = "test_result" // 检查测试及试运行结果
	testUnresolved  = "未解决"
)

// FormRecords read the forms submitted in the month: required fields left
// empty (R-KPI-8: the pages refuse them, but a form kept from paper or an
// older definition may lack them; only forms of the catalog's current
// version are checked), and quality fault reports whose test result is
// 未解决 as failed services (R-KPI-5). Both kinds are covered: the manager
// adds what the forms do not show.
type FormRecords struct {
	Store    FormStore
	Forms    FormCatalog
	Location *time.Location
}

// Name implements Source.
func (FormRecords) Name() string { return "表单记录" }

// Covers implements Source.
func (FormRecords) Covers() []servicebot.KPIFactKind {
	return []servicebot.KPIFactKind{servicebot.FactMissingField, servicebot.FactFailedService}
}

// Facts implements Source.
func (r FormRecords) Facts(ctx context.Context, _ string, first, last servicebot.Date) ([]servicebot.KPIFact, error) {
	from, to := monthSpan(first, last, r.Location)
	subs, err := r.Store.SubmittedForms(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("kpi: form records: %w", err)
	}
	var out []servicebot.KPIFact
	for _, s := range subs {
		def, ok := r.Forms.Form(s.FormID)
		if !ok {
			continue
		}
		day := dayOf(s.SubmittedAt, r.Location)
		source := fmt.Sprintf("%s #%d", def.Title, s.ID)
		if s.FormVersion == def.Version {
			if missing := missingRequired(def, s.Values); len(missing) > 0 {
				out = append(out, servicebot.KPIFact{UserID: s.UserID, Kind: servicebot.FactMissingField,
					Count: int64(len(missing)), Date: day, Source: source, Note: "未填" + strings.Join(missing, "、")})
			}
		}
		if s.FormID == forms.FaultReport && strings.TrimSpace(s.Values.Text(fieldTestResult)) == testUnresolved {
			out = append(out, servicebot.KPIFact{UserID: s.UserID, Kind: servicebot.FactFailedService, Date: day,
				Source: source, Note: cmp.Or(s.Values.Text(forms.FieldCustomer), "（未填客户）") + " 试运行结果：未解决"})
		}
	}
	return out, nil
}

// missingRequired lists the labels of def's required fields that values
// leave empty.
func missingRequired(def servicebot.FormDef, values servicebot.FormValues) []string {
	var out []string
	for _, f := range def.Fields {
		if !f.Required {
			continue
		}
		var empty bool
		switch f.Type {
		case servicebot.FieldMultiSelect, servicebot.FieldPhoto:
			empty = len(values.List(f.Name)) == 0
		case servicebot.FieldTable:
			empty = len(values.Rows(f.Name)) == 0
		default:
			empty = strings.TrimSpace(values.Text(f.Name)) == ""
		}
		if empty {
			out = append(out, f.Label)
		}
	}
	return out
}
