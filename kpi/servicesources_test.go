package kpi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/forms"
	"github.com/servicebot/servicebot/kpi"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// october is the month the service-record tests score, in Shanghai time.
var octFirst, octLast = servicebot.NewDate(2026, 10, 1), servicebot.NewDate(2026, 10, 31)

// serviceSeed writes the service records of a test: customers, jobs moved
// to completed at a time, forms submitted at a time, recorded contacts.
type serviceSeed struct {
	t       *testing.T
	db      *store.DB
	catalog *forms.Catalog
}

func newServiceSeed(t *testing.T, db *store.DB) *serviceSeed {
	t.Helper()
	catalog, err := forms.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return &serviceSeed{t: t, db: db, catalog: catalog}
}

func (s *serviceSeed) customer(name string) int64 {
	s.t.Helper()
	var id int64
	err := s.db.InTx(s.t.Context(), func(tx *store.Tx) error {
		if _, err := tx.UpsertCustomers(s.t.Context(), []servicebot.Customer{{Name: name, Tier: servicebot.TierKey,
			Region: servicebot.RegionSouthwest}}, at(9, 1, 9, 0)); err != nil {
			return err
		}
		c, err := tx.CustomerByName(s.t.Context(), name)
		id = c.ID
		return err
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return id
}

// job is a job of typ for engineer, completed at done (zero: not completed).
func (s *serviceSeed) job(typ servicebot.ServiceType, engineer, customer string, customerID int64, remote bool, done time.Time) int64 {
	s.t.Helper()
	var id int64
	err := s.db.InTx(s.t.Context(), func(tx *store.Tx) error {
		j, _, err := tx.CreateJob(s.t.Context(), servicebot.Job{Type: typ, Customer: customer, CustomerID: customerID,
			Region: servicebot.RegionSouthwest, Reason: "测试", Remote: remote, Engineer: engineer,
			Status: servicebot.JobAssigned, CreatedAt: at(9, 1, 9, 0), AssignedAt: at(9, 1, 9, 0)})
		if err != nil {
			return err
		}
		id = j.ID
		if done.IsZero() {
			return nil
		}
		_, err = tx.MoveJob(s.t.Context(), j.ID, []string{servicebot.JobAssigned}, servicebot.JobCompleted, "", "", done)
		return err
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return id
}

// complete is every required field of form id filled in.
func (s *serviceSeed) complete(id string) servicebot.FormValues {
	s.t.Helper()
	def, ok := s.catalog.Form(id)
	if !ok {
		s.t.Fatalf("no form %s", id)
	}
	v := servicebot.FormValues{}
	for _, f := range def.Fields {
		switch {
		case !f.Required:
		case f.Type == servicebot.FieldTable:
			row := map[string]string{}
			for _, c := range f.Columns {
				row[c.Name] = "1"
			}
			v[f.Name] = []map[string]string{row}
		case f.Type == servicebot.FieldMultiSelect || f.Type == servicebot.FieldPhoto:
			v[f.Name] = []string{"1"}
		case len(f.Options) > 0:
			v[f.Name] = f.Options[0]
		default:
			v[f.Name] = "成都精工机械"
		}
	}
	return v
}

// form stores a submission of form id by user for job (0: none), submitted
// at submitted (zero: a draft), of the catalog's version unless version is set.
func (s *serviceSeed) form(id, user string, job int64, values servicebot.FormValues, submitted time.Time, version ...int) int64 {
	s.t.Helper()
	def, _ := s.catalog.Form(id)
	sub := servicebot.FormSubmission{FormID: id, FormVersion: def.Version, UserID: user, JobID: job, Values: values,
		Status: servicebot.SubmissionSubmitted, CreatedAt: at(9, 1, 9, 0), UpdatedAt: submitted, SubmittedAt: submitted}
	if len(version) > 0 {
		sub.FormVersion = version[0]
	}
	if submitted.IsZero() {
		sub.Status, sub.UpdatedAt = servicebot.SubmissionDraft, at(9, 1, 9, 0)
	}
	var stored servicebot.FormSubmission
	err := s.db.InTx(s.t.Context(), func(tx *store.Tx) error {
		var err error
		stored, err = tx.SaveFormSubmission(s.t.Context(), sub)
		return err
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return stored.ID
}

func (s *serviceSeed) contact(customerID int64, kind, user, ref string, when time.Time) {
	s.t.Helper()
	err := s.db.InTx(s.t.Context(), func(tx *store.Tx) error {
		_, err := tx.RecordContact(s.t.Context(), customerID, kind, when, user, ref)
		return err
	})
	if err != nil {
		s.t.Fatal(err)
	}
}

// tally sums the facts of each user and kind, and keeps their sources and notes.
type tally struct {
	count   map[string]int64
	sources map[string][]string
}

func tallyOf(facts []servicebot.KPIFact) tally {
	t := tally{count: map[string]int64{}, sources: map[string][]string{}}
	for _, f := range facts {
		k := f.UserID + "/" + string(f.Kind)
		n := f.Count
		if n == 0 {
			n = 1
		}
		t.count[k] += n
		t.sources[k] = append(t.sources[k], f.Source+" "+f.Note)
	}
	return t
}

// octoberFacts reads src's facts of October 2026 and tallies them.
func octoberFacts(t *testing.T, src kpi.Source) ([]servicebot.KPIFact, tally) {
	t.Helper()
	facts, err := src.Facts(t.Context(), "2026-10", octFirst, octLast)
	if err != nil {
		t.Fatal(err)
	}
	return facts, tallyOf(facts)
}

// tallyCase is what one user's facts of one kind should sum to, and the
// notes some fact of theirs should carry.
type tallyCase struct {
	name, user string
	kind       servicebot.KPIFactKind
	want       int64
	notes      []string
}

func (got tally) check(t *testing.T, cases []tallyCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			key := tt.user + "/" + string(tt.kind)
			if n := got.count[key]; n != tt.want {
				t.Errorf("%s %s: %d, want %d (%q)", tt.user, tt.kind, n, tt.want, got.sources[key])
			}
			for _, note := range tt.notes {
				if !slices.ContainsFunc(got.sources[key], func(s string) bool { return strings.Contains(s, note) }) {
					t.Errorf("%s %s: no %q in %q", tt.user, tt.kind, note, got.sources[key])
				}
			}
		})
	}
}

// scored scores facts with the rules' defaults, a source's Covers making its
// kinds known, as the KPI month does.
func scored(facts []servicebot.KPIFact, src kpi.Source, users ...string) map[string]servicebot.KPIScorecard {
	in := servicebot.KPIMonthInput{Month: "2026-10", Facts: facts, Known: map[servicebot.KPIFactKind]bool{}}
	for _, k := range src.Covers() {
		in.Known[k] = true
	}
	for _, u := range users {
		in.Engineers = append(in.Engineers, servicebot.KPIEngineer{UserID: u, Name: u})
	}
	out := map[string]servicebot.KPIScorecard{}
	for _, c := range servicebot.DefaultKPIRules().Score(in) {
		out[c.UserID] = c
	}
	return out
}

// wantScore checks card's score of ind, showing its reasons when it is off.
func wantScore(t *testing.T, card servicebot.KPIScorecard, ind servicebot.KPIIndicator, want servicebot.Points, what, why string) {
	t.Helper()
	if s, _ := card.Indicator(ind); s.Score != want {
		t.Errorf("%s = %s, want %s%s:\n%s", what, s.Score, want, why, reasonTexts(card, ind))
	}
}

func reasonTexts(c servicebot.KPIScorecard, ind servicebot.KPIIndicator) string {
	s, _ := c.Indicator(ind)
	var out []string
	for _, r := range s.Reasons {
		out = append(out, fmt.Sprintf("%s %s [%s]", r.Points.Signed(), r.Text, r.Source))
	}
	return strings.Join(out, "\n")
}

// R-KPI-7: phone return visits are the submitted questionnaires and the
// recorded phone contacts; on-site visits the jobs completed on site, the
// visit reports and the recorded on-site contacts; one event recorded by
// both a form and its contact counts once; drafts, remote support and
// other months do not count.
func TestVisits_RKPI7(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newServiceSeed(t, db)
		jingong := s.customer("成都精工机械")
		// li: a questionnaire whose contact aftersales recorded too, a phone
		// contact with no form, one on the last minute of October, one the
		// minute before October, one draft.
		q := s.form(forms.PhoneReturnVisit, "li", 0, s.complete(forms.PhoneReturnVisit), at(10, 5, 10, 0))
		s.contact(jingong, servicebot.ContactPhone, "li", fmt.Sprintf("form:%s:%d", forms.PhoneReturnVisit, q), at(10, 5, 10, 0))
		s.contact(jingong, servicebot.ContactPhone, "li", "call:1", at(10, 8, 15, 0))
		s.form(forms.PhoneReturnVisit, "li", 0, s.complete(forms.PhoneReturnVisit), at(10, 31, 23, 59))
		s.form(forms.PhoneReturnVisit, "li", 0, s.complete(forms.PhoneReturnVisit), at(9, 30, 23, 59))
		s.form(forms.PhoneReturnVisit, "li", 0, s.complete(forms.PhoneReturnVisit), time.Time{})
		// wang: an installation completed on site (with the contact its
		// completion recorded) and a fault handled by remote support.
		j := s.job(servicebot.ServiceInstall, "wang", "成都精工机械", jingong, false, at(10, 10, 17, 0))
		s.contact(jingong, servicebot.ContactOnSite, "wang", fmt.Sprintf("job:%d", j), at(10, 10, 17, 0))
		s.job(servicebot.ServiceFault, "wang", "重庆某厂", 0, true, at(10, 12, 11, 0))
		// zhang: a visit report of a customer not in the list, and a job
		// completed in November.
		s.form(forms.VisitReport, "zhang", 0, s.complete(forms.VisitReport), at(10, 20, 16, 0))
		s.job(servicebot.ServiceVisit, "zhang", "成都精工机械", jingong, false, at(11, 1, 0, 0))

		src := kpi.Visits{Store: db, Location: shanghai}
		facts, got := octoberFacts(t, src)
		got.check(t, []tallyCase{
			{"questionnaires and phone contacts, each once", "li", servicebot.FactPhoneVisit, 3, nil},
			{"no on-site visit recorded", "li", servicebot.FactOnSiteVisit, 0, nil},
			{"a job completed on site, its contact not again", "wang", servicebot.FactOnSiteVisit, 1, nil},
			{"remote support is no visit", "wang", servicebot.FactPhoneVisit, 0, nil},
			{"a visit report", "zhang", servicebot.FactOnSiteVisit, 1, nil},
		})

		// Covered: li's missing on-site visit costs 2, her 3 calls 1, each
		// reason naming where the count came from.
		cards := scored(facts, src, "li", "wang", "zhang")
		li := reasonTexts(cards["li"], servicebot.KPIVisits)
		for _, want := range []string{"−1.00 电话回访 3 次，少于 6 次 [电话回访问卷表 2、客户联系 1]", "−2.00 现场拜访 0 次，少于 1 次 [无记录]"} {
			if !strings.Contains(li, want) {
				t.Errorf("li's R-KPI-7 reasons lack %q:\n%s", want, li)
			}
		}
		wantScore(t, cards["wang"], servicebot.KPIVisits, 700, "wang's R-KPI-7", " (no phone visit, one on site)")
	})
}

// R-KPI-7 and R-KPI-8 from the month's completed jobs: an installation
// without a submitted 设备培训人员签到表 is a job without customer training;
// each job form of the job's service type never submitted is a missing
// form, whenever the rest were filed; remote support owes no site records;
// jobs completed in other months are not this month's.
func TestJobRecords_RKPI7_RKPI8(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newServiceSeed(t, db)
		filed := func(user string, job int64, when time.Time, ids ...string) {
			for _, id := range ids {
				s.form(id, user, job, s.complete(id), when)
			}
		}
		// li: one installation with every form, one with the memo only and
		// the training sheet still a draft.
		done := s.job(servicebot.ServiceInstall, "li", "成都精工机械", 0, false, at(10, 3, 17, 0))
		filed("li", done, at(10, 3, 18, 0), forms.ServiceMemo, forms.ArrivalCheck, forms.InstallData, forms.TrainingSignIn,
			forms.ProjectSummary, forms.SatisfactionSurvey)
		bare := s.job(servicebot.ServiceInstall, "li", "绵阳某厂", 0, false, at(10, 15, 17, 0))
		filed("li", bare, at(10, 15, 18, 0), forms.ServiceMemo)
		s.form(forms.TrainingSignIn, "li", bare, s.complete(forms.TrainingSignIn), time.Time{})
		// wang: a fault finished late on the 31st, its report filed on the
		// 1st; a fault by remote support with nothing filed.
		late := s.job(servicebot.ServiceFault, "wang", "重庆某厂", 0, false, at(10, 31, 23, 0))
		filed("wang", late, at(11, 1, 10, 0), forms.ServiceMemo, forms.FaultReport, forms.ProjectSummary, forms.SatisfactionSurvey)
		s.job(servicebot.ServiceFault, "wang", "重庆某厂", 0, true, at(10, 20, 11, 0))
		// zhang: a visit without its data sheet; an installation of
		// September and one still in progress, neither this month's.
		visit := s.job(servicebot.ServiceVisit, "zhang", "宜宾某厂", 0, false, at(10, 25, 16, 0))
		filed("zhang", visit, at(10, 25, 17, 0), forms.ServiceMemo, forms.VisitReport, forms.SatisfactionSurvey, forms.ProjectSummary)
		s.job(servicebot.ServiceInstall, "zhang", "宜宾某厂", 0, false, at(9, 30, 16, 0))
		s.job(servicebot.ServiceInstall, "zhang", "宜宾某厂", 0, false, time.Time{})

		src := kpi.JobRecords{Store: db, Forms: s.catalog, Location: shanghai}
		facts, got := octoberFacts(t, src)
		got.check(t, []tallyCase{
			{"an installation whose training sheet is a draft", "li", servicebot.FactJobWithoutTraining, 1,
				[]string{fmt.Sprintf("工单 %d 绵阳某厂 设备安装调试，没有设备培训人员签到表", bare)}},
			{"its four other forms missing", "li", servicebot.FactMissingForm, 4,
				[]string{"缺「设备到货清点报告」", "缺「设备安装调试资料数据采集清单」", "缺「项目售后服务总结报告」", "缺「顾客满意度调查表」"}},
			{"forms filed after the month count; remote support owes none", "wang", servicebot.FactMissingForm, 0, nil},
			{"a visit without its data sheet", "zhang", servicebot.FactMissingForm, 1,
				[]string{fmt.Sprintf("工单 %d 宜宾某厂 现场走访，缺「设备安装调试资料数据采集清单」", visit)}},
			{"no installation of zhang's this month", "zhang", servicebot.FactJobWithoutTraining, 0, nil},
		})

		// li's R-KPI-8: 4 forms × 2 = 8 of 9; R-KPI-7: 1 job untrained, and
		// no visits covered by this source (not known here: no deduction).
		cards := scored(facts, src, "li")
		wantScore(t, cards["li"], servicebot.KPIRecords, 100, "li's R-KPI-8", "")
		wantScore(t, cards["li"], servicebot.KPIVisits, 700, "li's R-KPI-7", "")
	})
}

// R-KPI-8 and R-KPI-5 from the month's submitted forms: required fields left
// empty (in forms of the current definition), and quality fault reports
// whose test run left the fault 未解决 as failed services.
func TestFormRecords_RKPI5_RKPI8(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newServiceSeed(t, db)
		without := func(v servicebot.FormValues, names ...string) servicebot.FormValues {
			for _, n := range names {
				delete(v, n)
			}
			return v
		}
		s.form(forms.ArrivalCheck, "li", 0, without(s.complete(forms.ArrivalCheck), "items", "customer_signature"), at(10, 5, 10, 0))
		unresolved := s.complete(forms.FaultReport)
		unresolved["test_result"] = "未解决"
		failed := s.form(forms.FaultReport, "li", 0, unresolved, at(10, 9, 18, 0))
		s.form(forms.FaultReport, "wang", 0, s.complete(forms.FaultReport), at(10, 9, 18, 0)) // 正常
		// Another definition's form, a draft, November: none counts.
		s.form(forms.ServiceMemo, "wang", 0, servicebot.FormValues{"customer": "重庆某厂"}, at(10, 12, 9, 0), 2)
		s.form(forms.ServiceMemo, "zhang", 0, servicebot.FormValues{}, time.Time{})
		s.form(forms.ServiceMemo, "zhang", 0, servicebot.FormValues{}, at(11, 1, 9, 0))
		unresolved2 := s.complete(forms.FaultReport)
		unresolved2["test_result"] = "未解决"
		s.form(forms.FaultReport, "zhang", 0, unresolved2, at(9, 30, 9, 0))

		src := kpi.FormRecords{Store: db, Forms: s.catalog, Location: shanghai}
		facts, got := octoberFacts(t, src)
		got.check(t, []tallyCase{
			{"two required fields left empty", "li", servicebot.FactMissingField, 2, []string{"未填到货清单、客户验收人签字"}},
			{"a fault left unresolved", "li", servicebot.FactFailedService, 1,
				[]string{fmt.Sprintf("质量故障处理服务报告 #%d 成都精工机械 试运行结果：未解决", failed)}},
			{"a resolved fault, another definition", "wang", servicebot.FactMissingField, 0, nil},
			{"a resolved fault is no failure", "wang", servicebot.FactFailedService, 0, nil},
			{"drafts and other months", "zhang", servicebot.FactMissingField, 0, nil},
			{"a failure of September", "zhang", servicebot.FactFailedService, 0, nil},
		})
		cards := scored(facts, src, "li")
		wantScore(t, cards["li"], servicebot.KPIRecords, 700, "li's R-KPI-8", "")
		if s, _ := cards["li"].Indicator(servicebot.KPIField); !strings.Contains(reasonTexts(cards["li"], servicebot.KPIField), "−1.00 服务不合格") {
			t.Errorf("li's R-KPI-5 = %s lacks the failed service:\n%s", s.Score, reasonTexts(cards["li"], servicebot.KPIField))
		}
	})
}

// With the service records plugged in, the manager's card lists only what
// no record covers.
func TestPendingListsOnlyWhatNoRecordCovers(t *testing.T) {
	t.Parallel()
	catalog, err := forms.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	c := kpi.NewMonth[*store.Tx](nil, nil, kpi.MonthConfig{Sources: []kpi.Source{kpi.BotRecords{}, kpi.Visits{}, kpi.JobRecords{Forms: catalog},
		kpi.FormRecords{Forms: catalog}, kpi.ManagerInputs{}, kpi.Appeals{}}})
	if got := c.Pending(); !slices.Equal(got, []servicebot.KPIFactKind{servicebot.FactLateArrival}) {
		t.Errorf("Pending() = %v, want late arrivals only", got)
	}
}
