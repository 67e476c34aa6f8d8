package servicebot_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/servicebot/servicebot"
)

func d(day int) servicebot.Date { return servicebot.NewDate(2026, 10, day) }

// handMonth is October 2026 for three engineers, built so that together they
// touch every rule of the KPI table. The expected scores below were computed
// by hand from RULES.md, not by the code under test.
func handMonth() servicebot.KPIMonthInput {
	f := func(user string, kind servicebot.KPIFactKind, day int, count, value int64, src string) servicebot.KPIFact {
		fact := servicebot.KPIFact{UserID: user, Kind: kind, Count: count, Value: value, Source: src}
		if day > 0 {
			fact.Date = d(day)
		}
		return fact
	}
	facts := []servicebot.KPIFact{
		// Company figures, the same for everybody; the second profit entry
		// replaces the first (the last entry wins).
		{Kind: servicebot.FactProfit, Value: 10_00, Target: 12_00, Source: "经理录入 #1"},
		{Kind: servicebot.FactProfit, Value: 11_50, Target: 12_00, Source: "经理录入 #2"},
		{Kind: servicebot.FactProductivity, Value: 103_25, Target: 100_00, Source: "经理录入 #3"},
		{Kind: servicebot.FactQualityCost, Value: 80_00, Source: "经理录入 #4"}, // target: the rule's 76 元
		{Kind: servicebot.FactRetention, Value: 94_50, Source: "经理录入 #5"},   // target: the rule's 96 %

		// zhang: a good month.
		f("zhang", servicebot.FactMissingDaily, 14, 0, 0, "日报 2026-10-14"),
		f("zhang", servicebot.FactLateDaily, 15, 0, 0, "日报 2026-10-15"), // costs nothing by default
		f("zhang", servicebot.FactFieldDay, 0, 20, 0, "签到 20天"),
		f("zhang", servicebot.FactFieldDay, 0, 2, 0, "经理录入 #6"),
		f("zhang", servicebot.FactPhoneVisit, 0, 6, 0, "经理录入 #7"), // exactly the minimum
		f("zhang", servicebot.FactOnSiteVisit, 0, 1, 0, "经理录入 #8"),
		f("zhang", servicebot.FactMissingField, 3, 3, 0, "表单 #11"),
		f("zhang", servicebot.FactMissingField, 9, 1, 0, "表单 #12"), // 4 in all: 1 each
		f("zhang", servicebot.FactPartsSale, 5, 0, 6000_00, "日报 2026-10-05"),
		f("zhang", servicebot.FactPartsSale, 20, 0, 4000_00, "日报 2026-10-20"), // 10000.00: the top tier
		f("zhang", servicebot.FactBonus, 0, 0, 7_00, "经理录入 #9"),               // above +5

		// li: everything goes wrong, and several indicators hit 0.
		f("li", servicebot.FactLateMonthly, 20, 0, 0, "月度资料 monthly_diary:2026-09:li"),
		f("li", servicebot.FactFieldDay, 0, 15, 0, "签到 15天"),
		f("li", servicebot.FactFailedService, 3, 0, 0, "经理录入 #20"),
		f("li", servicebot.FactFailedService, 8, 2, 0, "经理录入 #21"), // 3 failures: 2 each
		f("li", servicebot.FactLateArrival, 6, 0, 0, "经理录入 #22"),
		f("li", servicebot.FactComplaint, 7, 2, 0, "赔偿审批 #5"),
		f("li", servicebot.FactDressCode, 9, 0, 0, "经理录入 #23"),
		f("li", servicebot.FactSafetyAccident, 10, 0, 0, "经理录入 #24"),
		f("li", servicebot.FactJobWithoutTraining, 11, 0, 0, "经理录入 #25"),
		f("li", servicebot.FactPhoneVisit, 0, 5, 0, "经理录入 #26"), // short by one
		f("li", servicebot.FactOnSiteVisit, 0, 0, 0, "经理录入 #27"),
		f("li", servicebot.FactMissingField, 12, 5, 0, "表单 #30"), // 5: 2 instead of 5
		f("li", servicebot.FactMissingForm, 13, 0, 0, "经理录入 #28"),
		f("li", servicebot.FactTrainingMissed, 14, 0, 0, "经理录入 #29"),
		f("li", servicebot.FactAssessmentFailed, 15, 0, 0, "经理录入 #31"),
		f("li", servicebot.FactPartsSale, 16, 0, 4999_99, "日报 2026-10-16"),
		f("li", servicebot.FactResponsibility, 17, 0, 2_00, "经理录入 #32"),
		f("li", servicebot.FactResponsibility, 18, 0, 2_00, "经理录入 #33"),
		f("li", servicebot.FactResponsibility, 19, 0, 2_00, "经理录入 #34"), // 6 > 4: clamped
		f("li", servicebot.FactTeamwork, 20, 0, 1_00, "经理录入 #35"),
		f("li", servicebot.FactDiscipline, 21, 0, 1_00, "经理录入 #36"),
		f("li", servicebot.FactDiscipline, 22, 0, 1_00, "经理录入 #37"),
		f("li", servicebot.FactBonus, 0, 0, -7_00, "经理录入 #38"), // below −5

		// wang: visits and field days never recorded; an accepted appeal.
		f("wang", servicebot.FactMissingDaily, 8, 0, 0, "日报 2026-10-08"),
		f("wang", servicebot.FactMissingDaily, 9, 0, 0, "日报 2026-10-09"),
		{UserID: "wang", Kind: servicebot.FactAppeal, Indicator: servicebot.KPIServiceMgmt, Date: d(2),
			Source: "申诉 #1", Note: "8、9日在无信号的矿区"},
		f("wang", servicebot.FactFailedService, 4, 0, 0, "经理录入 #40"),
		f("wang", servicebot.FactFailedService, 5, 0, 0, "经理录入 #41"), // 2 failures: 1 each
		f("wang", servicebot.FactJobWithoutTraining, 6, 0, 0, "经理录入 #42"),
		f("wang", servicebot.FactPartsSale, 7, 0, 9999_99, "日报 2026-10-07"),
		f("wang", servicebot.FactBonus, 0, 0, 2_50, "经理录入 #43"),
		// Facts of somebody not scored are ignored.
		f("ghost", servicebot.FactMissingDaily, 1, 0, 0, "日报 2026-10-01"),
	}
	return servicebot.KPIMonthInput{
		Month:     "2026-10",
		Engineers: []servicebot.KPIEngineer{{UserID: "li", Name: "李娜"}, {UserID: "wang", Name: "王强"}, {UserID: "zhang", Name: "张伟"}},
		Facts:     facts,
		// The daily reports cover everybody; field days and visits are known
		// only where somebody recorded them.
		Known: map[servicebot.KPIFactKind]bool{
			servicebot.FactMissingDaily: true, servicebot.FactLateDaily: true, servicebot.FactLateMonthly: true,
			servicebot.FactPartsSale: true,
		},
	}
}

// scores are expected scores by indicator, each commented with its rule ID.
type scores map[servicebot.KPIIndicator]servicebot.Points

func TestKPIScoreHandComputedMonth_R_KPI_1_to_12(t *testing.T) {
	// Company figures, the same for all three:
	//   R-KPI-1  profit 11.50 % vs 12.00 %: 6 − 0.50 = 5.50
	//   R-KPI-2  productivity 103.25 % vs 100 %: 6 + 3.25 = 9.25 (may exceed the weight)
	//   R-KPI-3  80.00 元 vs 76 元: 5.263 % over → −5.26 → 2.74
	//   R-KPI-3b 94.50 % vs 96 %: 1.5 points × 1.5 = −2.25 → 5.75
	company := scores{
		servicebot.KPIProfit:       550, // R-KPI-1
		servicebot.KPIProductivity: 925, // R-KPI-2
		servicebot.KPIQuality:      274, // R-KPI-3
		servicebot.KPIRetention:    575, // R-KPI-3b
	}
	want := map[string]struct {
		rank   int
		total  servicebot.Points
		scores scores // R-KPI-4 … R-KPI-12
	}{
		// R-KPI-4 8−1 (late daily free); -5 8; -6 8; -7 8 (6 calls, 1 visit);
		// -8 9−4; -9 5; -10 10000.00 → 10; -11 4×4; -12 +7 → +5.
		"zhang": {1, 9524, scores{
			servicebot.KPIServiceMgmt:    700,  // R-KPI-4
			servicebot.KPIField:          800,  // R-KPI-5
			servicebot.KPIServiceQuality: 800,  // R-KPI-6
			servicebot.KPIVisits:         800,  // R-KPI-7
			servicebot.KPIRecords:        500,  // R-KPI-8
			servicebot.KPITechTraining:   500,  // R-KPI-9
			servicebot.KPIPartsSales:     1000, // R-KPI-10
			servicebot.KPIResponsibility: 400,  // R-KPI-11
			servicebot.KPITeamwork:       400,  // R-KPI-11
			servicebot.KPIInitiative:     400,  // R-KPI-11
			servicebot.KPIDiscipline:     400,  // R-KPI-11
			servicebot.KPIBonus:          500,  // R-KPI-12
		}},
		// R-KPI-4 8−1−9 → 0 (clamped); -5 8−1 (15 days) −3×2 = 1;
		// -6 8−1−2−1−2 = 2; -7 8−1−1−2 = 4; -8 9 − 5 fields × 2 (5 or more:
		// each costs 2, RULES.md threshold note) − 2 (form) → 0 (clamped);
		// -9 5−1−2 = 2; -10 4999.99 → 4; -11 4−6 → 0, 4−1 = 3, 4, 4−2 = 2;
		// -12 −7 → −5.
		"li": {3, 4024, scores{
			servicebot.KPIServiceMgmt:    0,    // R-KPI-4
			servicebot.KPIField:          100,  // R-KPI-5
			servicebot.KPIServiceQuality: 200,  // R-KPI-6
			servicebot.KPIVisits:         400,  // R-KPI-7
			servicebot.KPIRecords:        0,    // R-KPI-8
			servicebot.KPITechTraining:   200,  // R-KPI-9
			servicebot.KPIPartsSales:     400,  // R-KPI-10
			servicebot.KPIResponsibility: 0,    // R-KPI-11
			servicebot.KPITeamwork:       300,  // R-KPI-11
			servicebot.KPIInitiative:     400,  // R-KPI-11
			servicebot.KPIDiscipline:     200,  // R-KPI-11
			servicebot.KPIBonus:          -500, // R-KPI-12
		}},
		// R-KPI-4 8−2, appeal accepted → 8; -5 days unknown, 8−1−1 = 6;
		// -6 8; -7 8−1, calls and visits unknown = 7; -8 9; -9 5;
		// -10 9999.99 → 8; -11 16; -12 +2.50.
		"wang": {2, 9274, scores{
			servicebot.KPIServiceMgmt:    800, // R-KPI-4
			servicebot.KPIField:          600, // R-KPI-5
			servicebot.KPIServiceQuality: 800, // R-KPI-6
			servicebot.KPIVisits:         700, // R-KPI-7
			servicebot.KPIRecords:        900, // R-KPI-8
			servicebot.KPITechTraining:   500, // R-KPI-9
			servicebot.KPIPartsSales:     800, // R-KPI-10
			servicebot.KPIResponsibility: 400, // R-KPI-11
			servicebot.KPITeamwork:       400, // R-KPI-11
			servicebot.KPIInitiative:     400, // R-KPI-11
			servicebot.KPIDiscipline:     400, // R-KPI-11
			servicebot.KPIBonus:          250, // R-KPI-12
		}},
	}
	in := handMonth()
	// li has 9 missing daily reports: added here to keep the list short.
	for day := 1; day <= 9; day++ {
		in.Facts = append(in.Facts, servicebot.KPIFact{UserID: "li", Kind: servicebot.FactMissingDaily, Date: d(day),
			Source: fmt.Sprintf("日报 2026-10-%02d", day)})
	}
	cards := servicebot.DefaultKPIRules().Score(in)
	if got := []string{cards[0].UserID, cards[1].UserID, cards[2].UserID}; !slices.Equal(got, []string{"zhang", "wang", "li"}) {
		t.Fatalf("ranking = %v, want zhang, wang, li", got)
	}
	for _, c := range cards {
		w := want[c.UserID]
		if c.Rank != w.rank || c.Total != w.total {
			t.Errorf("%s: rank %d total %s, want rank %d total %s", c.UserID, c.Rank, c.Total, w.rank, w.total)
		}
		all := maps.Clone(company)
		maps.Copy(all, w.scores)
		if len(c.Indicators) != len(all) {
			t.Fatalf("%s: %d indicators, want %d", c.UserID, len(c.Indicators), len(all))
		}
		for _, s := range c.Indicators {
			t.Run(fmt.Sprintf("%s/%s_%s", c.UserID, s.Rule, s.Indicator), func(t *testing.T) {
				want, ok := all[s.Indicator]
				if !ok {
					t.Fatalf("indicator %s (%s) has no expected score", s.Indicator, s.Rule)
				}
				if s.Score != want {
					t.Errorf("score %s, want %s; reasons %+v", s.Score, want, s.Reasons)
				}
				// Every point is explained: the weight plus the reasons is the score.
				sum := s.Weight
				for _, r := range s.Reasons {
					sum += r.Points
					if r.Source == "" || r.Text == "" {
						t.Errorf("reason without text or source: %+v", r)
					}
				}
				if sum != s.Score {
					t.Errorf("weight %s + reasons = %s, but score %s: %+v", s.Weight, sum, s.Score, s.Reasons)
				}
			})
		}
	}
}

func TestKPIReasonsPointAtTheirRecords_R_KPI_13(t *testing.T) {
	cards := servicebot.DefaultKPIRules().Score(handMonth())
	var zhang servicebot.KPIScorecard
	for _, c := range cards {
		if c.UserID == "zhang" {
			zhang = c
		}
	}
	got := zhang.Deductions()
	want := []servicebot.KPIReason{
		{Points: -100, Text: "缺交日报", Date: d(14), Source: "日报 2026-10-14", Fact: "missing_daily|日报 2026-10-14|2026-10-14"},
		{Points: -300, Text: "表格漏填 3 处", Date: d(3), Source: "表单 #11", Fact: "missing_field|表单 #11|2026-10-03"},
		{Points: -100, Text: "表格漏填", Date: d(9), Source: "表单 #12", Fact: "missing_field|表单 #12|2026-10-09"},
	}
	// Company figures come first; take the engineer's own.
	var own []servicebot.KPIReason
	for _, r := range got {
		if r.Source != "经理录入 #2" && r.Source != "经理录入 #4" && r.Source != "经理录入 #5" {
			own = append(own, r)
		}
	}
	if !slices.Equal(own, want) {
		t.Errorf("deductions =\n%+v\nwant\n%+v", own, want)
	}
	svc, _ := zhang.Indicator(servicebot.KPIServiceMgmt)
	if svc.Actual != "缺日报 1 天，迟交 1 天，月度资料逾期 0 项" {
		t.Errorf("R-KPI-4 actual = %q", svc.Actual)
	}
}

// scoreA scores a month of engineer "a" with facts under rules and returns
// a's score of ind.
func scoreA(rules servicebot.KPIRules, ind servicebot.KPIIndicator, facts ...servicebot.KPIFact) servicebot.KPIIndicatorScore {
	cards := rules.Score(servicebot.KPIMonthInput{Engineers: []servicebot.KPIEngineer{{UserID: "a"}}, Facts: facts})
	s, _ := cards[0].Indicator(ind)
	return s
}

// valueScore is a fact's value and the score it should give.
type valueScore[V interface {
	~int64
	fmt.Stringer
}] struct {
	value V
	want  servicebot.Points
}

// checkValueScores scores engineer "a" with one fact like fact, of each
// case's value, under the default rules, and checks the score of ind;
// what names the value in a failure.
func checkValueScores[V interface {
	~int64
	fmt.Stringer
}](t *testing.T, ind servicebot.KPIIndicator, fact servicebot.KPIFact, what string, cases []valueScore[V]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.value.String(), func(t *testing.T) {
			f := fact
			f.Value = int64(tc.value)
			if s := scoreA(servicebot.DefaultKPIRules(), ind, f); s.Score != tc.want {
				t.Errorf(what+" → %s, want %s (%+v)", tc.value, s.Score, tc.want, s.Reasons)
			}
		})
	}
}

func TestKPIPartsTiers_R_KPI_10(t *testing.T) {
	checkValueScores(t, servicebot.KPIPartsSales, servicebot.KPIFact{UserID: "a", Kind: servicebot.FactPartsSale, Source: "日报"},
		"%s 元", []valueScore[servicebot.Fen]{
			{0, 400}, {4999_99, 400}, {5000_00, 800}, {9999_99, 800}, {10000_00, 1000}, {250000_00, 1000},
		})
}

func TestKPIRetention_R_KPI_3b(t *testing.T) {
	checkValueScores(t, servicebot.KPIRetention, servicebot.KPIFact{Kind: servicebot.FactRetention, Source: "经理录入"},
		"retention %s", []valueScore[servicebot.Percent]{
			{96_00, 800}, {99_00, 800}, // at or above target: the weight, never more
			{95_00, 650}, {94_50, 575}, {95_99, 798}, // 0.01 point below: −0.015 → −0.02 (half away from zero)
			{90_68, 2}, // 5.32 × 1.5 = 7.98
			{90_67, 0}, // 5.33 × 1.5 = 7.995 → 8.00
			{80_00, 0}, // −24 → clamped at 0
		})
}

func TestKPIBonusBounds_R_KPI_12(t *testing.T) {
	checkValueScores(t, servicebot.KPIBonus, servicebot.KPIFact{UserID: "a", Kind: servicebot.FactBonus, Source: "经理录入"},
		"bonus %s", []valueScore[servicebot.Points]{
			{500, 500}, {501, 500}, {-500, -500}, {-501, -500}, {0, 0}, {250, 250},
		})
}

func TestKPIRulesFromConfiguration_R_KPI_5(t *testing.T) {
	// A department that reads "−2 if 3 or more" differently and wants 22 days.
	rules := servicebot.KPIRules{
		Points:            map[string]servicebot.Points{servicebot.RuleFailedServiceMany: 100},
		FieldDaysPerMonth: 22,
	}.WithDefaults()
	if p := rules.Problems(); len(p) != 0 {
		t.Fatalf("problems: %v", p)
	}
	s := scoreA(rules, servicebot.KPIField,
		servicebot.KPIFact{UserID: "a", Kind: servicebot.FactFieldDay, Count: 21, Source: "签到"},
		servicebot.KPIFact{UserID: "a", Kind: servicebot.FactFailedService, Count: 3, Source: "经理录入"})
	if s.Score != 400 { // 8 − 1 (21 < 22) − 3 × 1
		t.Errorf("field = %s, want 4.00: %+v", s.Score, s.Reasons)
	}
	bad := servicebot.KPIRules{Weights: map[servicebot.KPIIndicator]servicebot.Points{servicebot.KPIProfit: 700}}.WithDefaults()
	if p := bad.Problems(); len(p) != 1 {
		t.Errorf("weights summing to 101: problems %v, want one", p)
	}
}

func TestWaiveKPIAfterPublishing_R_KPI_13(t *testing.T) {
	cards := servicebot.DefaultKPIRules().Score(handMonth())
	var li servicebot.KPIScorecard
	for _, c := range cards {
		if c.UserID == "li" {
			li = c
		}
	}
	before := li.Total
	for i := range li.Indicators {
		if li.Indicators[i].Indicator == servicebot.KPIVisits {
			servicebot.WaiveKPI(&li.Indicators[i], servicebot.KPIFact{Kind: servicebot.FactAppeal, Source: "申诉 #2", Note: "回访记录在纸质表上"})
		}
	}
	li.Rescore()
	if li.Total-before != 400 { // R-KPI-7 from 4 back to 8
		t.Errorf("waiving R-KPI-7 added %s, want 4.00", li.Total-before)
	}
}

func TestParseKPIIndicator(t *testing.T) {
	for in, want := range map[string]servicebot.KPIIndicator{
		"服务管理": servicebot.KPIServiceMgmt, "R-KPI-4": servicebot.KPIServiceMgmt, "kpi-4": servicebot.KPIServiceMgmt,
		"4": servicebot.KPIServiceMgmt, "3b": servicebot.KPIRetention, "外勤率": servicebot.KPIField,
		"市场维护与开发": servicebot.KPIPartsSales, "纪律性": servicebot.KPIDiscipline, "records": servicebot.KPIRecords,
		// Issue 11 item 11: the words the deduction texts use.
		"配件销售": servicebot.KPIPartsSales, "服务不合格": servicebot.KPIField, "迟到": servicebot.KPIServiceQuality,
		"缺交日报": servicebot.KPIServiceMgmt,
		"培训":   "", "R-KPI-11": "", "附加分值": "", "附加分": "", "": "",
	} {
		got, ok := servicebot.ParseKPIIndicator(in)
		if got != want || ok != (want != "") {
			t.Errorf("ParseKPIIndicator(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}

// R-KPI-13 (RULES.md note under the KPI table): an accepted appeal
// withdraws the one fact it names. Of three failed services (2 each, the
// threshold reached) one is withdrawn: the other two stay and cost 1 each.
func TestWithdrawOneFact_R_KPI_13_R_KPI_5(t *testing.T) {
	in := servicebot.KPIMonthInput{Month: "2026-10", Engineers: []servicebot.KPIEngineer{{UserID: "li", Name: "李娜"}},
		Known: map[servicebot.KPIFactKind]bool{servicebot.FactFieldDay: true}}
	for i, day := range []int{3, 8, 21} {
		in.Facts = append(in.Facts, servicebot.KPIFact{UserID: "li", Kind: servicebot.FactFailedService, Date: d(day),
			Source: fmt.Sprintf("经理录入 #%d", 20+i)})
	}
	in.Facts = append(in.Facts, servicebot.KPIFact{UserID: "li", Kind: servicebot.FactFieldDay, Count: 20, Source: "签到 20天"},
		servicebot.KPIFact{UserID: "li", Kind: servicebot.FactComplaint, Date: d(9), Source: "经理录入 #30"})
	rules := servicebot.DefaultKPIRules()
	card := rules.Score(in)[0]
	field, _ := card.Indicator(servicebot.KPIField)
	if field.Score != 200 { // 8 − 3 × 2
		t.Fatalf("before: %s %+v", field.Score, field.Reasons)
	}
	target := field.Reasons[1] // the failure of the 8th
	appeal := servicebot.KPIFact{UserID: "li", Kind: servicebot.FactAppeal, Indicator: servicebot.KPIField,
		Withdraws: target.Fact, Source: "申诉 #7（sunli 采纳）", Note: "客户原因，已补签验收单", Date: d(31)}
	after := rules.Withdraw(card, appeal)
	f2, _ := after.Indicator(servicebot.KPIField)
	if f2.Score != 600 { // 8 − 2 × 1
		t.Errorf("after: %s, want 6.00: %+v", f2.Score, f2.Reasons)
	}
	var kept []string
	for _, r := range f2.Reasons {
		if r.Points < 0 {
			kept = append(kept, r.Source)
		}
	}
	if !slices.Equal(kept, []string{"经理录入 #20", "经理录入 #22"}) {
		t.Errorf("kept deductions %v", kept)
	}
	if len(f2.Withdrawn) != 1 || f2.Withdrawn[0].Source != "经理录入 #21" || f2.Withdrawn[0].Points != -200 {
		t.Errorf("withdrawn %+v", f2.Withdrawn)
	}
	// The other indicators are untouched.
	sq, _ := after.Indicator(servicebot.KPIServiceQuality)
	if sq.Score != 700 || after.Total != card.Total+400 {
		t.Errorf("service quality %s, total %s → %s", sq.Score, card.Total, after.Total)
	}
	// Scored from the records again (a re-draft), the accepted appeal gives the same.
	again := rules.Score(servicebot.KPIMonthInput{Month: in.Month, Engineers: in.Engineers, Known: in.Known,
		Facts: append(slices.Clone(in.Facts), appeal)})[0]
	if again.Total != after.Total {
		t.Errorf("re-draft total %s, withdraw %s", again.Total, after.Total)
	}
}

// R-KPI-13: a rule's deduction over the month (parts sales below the top
// tier) is one fact an appeal may withdraw.
func TestWithdrawRuleDeduction_R_KPI_10(t *testing.T) {
	in := servicebot.KPIMonthInput{Month: "2026-10", Engineers: []servicebot.KPIEngineer{{UserID: "li"}},
		Facts: []servicebot.KPIFact{{UserID: "li", Kind: servicebot.FactPartsSale, Value: 4000_00, Date: d(14), Source: "日报 2026-10-14"}}}
	rules := servicebot.DefaultKPIRules()
	card := rules.Score(in)[0]
	parts, _ := card.Indicator(servicebot.KPIPartsSales)
	if parts.Score != 400 || len(parts.Reasons) != 1 {
		t.Fatalf("%+v", parts)
	}
	after := rules.Withdraw(card, servicebot.KPIFact{UserID: "li", Kind: servicebot.FactAppeal, Indicator: servicebot.KPIPartsSales,
		Withdraws: parts.Reasons[0].Fact, Source: "申诉 #8"})
	if p, _ := after.Indicator(servicebot.KPIPartsSales); p.Score != 1000 || len(p.Withdrawn) != 1 {
		t.Errorf("%+v", p)
	}
}

// R-KPI-8 as RULES.md reads it: monotonic like R-KPI-5. Below 5 missing
// fields each costs 1; from 5 on each costs 2; 4 never costs more than 5.
func TestRecordsMonotonic_R_KPI_8(t *testing.T) {
	rules := servicebot.DefaultKPIRules()
	prev := servicebot.Points(0)
	for n := 1; n <= 7; n++ {
		in := servicebot.KPIMonthInput{Month: "2026-10", Engineers: []servicebot.KPIEngineer{{UserID: "li"}},
			Facts: []servicebot.KPIFact{{UserID: "li", Kind: servicebot.FactMissingField, Count: int64(n), Date: d(5), Source: "表单 #1"}}}
		s, _ := rules.Score(in)[0].Indicator(servicebot.KPIRecords)
		lost := 900 - s.Score
		want := servicebot.Points(n * 100)
		if n >= 5 {
			want = min(servicebot.Points(n*200), 900)
		}
		if lost != want {
			t.Errorf("%d missing fields cost %s, want %s", n, lost, want)
		}
		if lost < prev {
			t.Errorf("%d missing fields cost %s, less than %d cost (%s)", n, lost, n-1, prev)
		}
		prev = lost
	}
}

// R-LIA-0, R-KPI-6: one complaint recorded as a manager's entry and in an
// approved fine is one record and deducts once.
func TestComplaintCountedOnce_R_LIA_0_R_KPI_6(t *testing.T) {
	in := servicebot.KPIMonthInput{Month: "2026-10", Engineers: []servicebot.KPIEngineer{{UserID: "li"}},
		Facts: []servicebot.KPIFact{
			{UserID: "li", Kind: servicebot.FactComplaint, Date: d(9), Source: "经理录入 #30", Link: "complaint:30"},
			{UserID: "li", Kind: servicebot.FactComplaint, Date: d(9), Source: "责任处罚审批 #5", Link: "complaint:30"},
			{UserID: "li", Kind: servicebot.FactComplaint, Date: d(12), Source: "经理录入 #31", Link: "complaint:31"},
		}}
	s, _ := servicebot.DefaultKPIRules().Score(in)[0].Indicator(servicebot.KPIServiceQuality)
	if s.Score != 600 || len(s.Reasons) != 2 {
		t.Fatalf("two complaints, three records: %s %+v", s.Score, s.Reasons)
	}
	if s.Reasons[0].Source != "经理录入 #30；责任处罚审批 #5" {
		t.Errorf("the complaint's record names both: %q", s.Reasons[0].Source)
	}
}

// Issue 11 item 10: the parts-sales reason cites the dated reports, not a count.
func TestPartsReasonCitesDatedReports_R_KPI_10(t *testing.T) {
	in := servicebot.KPIMonthInput{Month: "2026-11", Engineers: []servicebot.KPIEngineer{{UserID: "li"}},
		Facts: []servicebot.KPIFact{
			{UserID: "li", Kind: servicebot.FactPartsSale, Value: 1000_00, Date: servicebot.NewDate(2026, 11, 14), Source: "日报 2026-11-14"},
			{UserID: "li", Kind: servicebot.FactPartsSale, Value: 500_00, Date: servicebot.NewDate(2026, 11, 20), Source: "日报 2026-11-20"},
			{UserID: "li", Kind: servicebot.FactPartsSale, Value: 200_00, Source: "经理录入 #9（boss）"},
		}}
	s, _ := servicebot.DefaultKPIRules().Score(in)[0].Indicator(servicebot.KPIPartsSales)
	if len(s.Reasons) != 1 || s.Reasons[0].Source != "日报 11月14日、11月20日；经理录入 #9（boss）" {
		t.Errorf("reasons %+v", s.Reasons)
	}
}

// R-KPI-9: −1 per training missed, −2 per failed assessment, never below 0.
func TestTechTraining_R_KPI_9(t *testing.T) {
	for _, tt := range []struct {
		missed, failed int
		want           servicebot.Points
	}{{0, 0, 500}, {1, 0, 400}, {0, 1, 300}, {1, 1, 200}, {2, 1, 100}, {1, 2, 0}, {3, 2, 0}} {
		in := servicebot.KPIMonthInput{Month: "2026-10", Engineers: []servicebot.KPIEngineer{{UserID: "li"}}}
		for i := range tt.missed {
			in.Facts = append(in.Facts, servicebot.KPIFact{UserID: "li", Kind: servicebot.FactTrainingMissed, Date: d(i + 1),
				Source: fmt.Sprintf("经理录入 #%d", i+1)})
		}
		for i := range tt.failed {
			in.Facts = append(in.Facts, servicebot.KPIFact{UserID: "li", Kind: servicebot.FactAssessmentFailed, Date: d(i + 10),
				Source: fmt.Sprintf("经理录入 #%d", i+10)})
		}
		s, _ := servicebot.DefaultKPIRules().Score(in)[0].Indicator(servicebot.KPITechTraining)
		if s.Score != tt.want {
			t.Errorf("%d missed, %d failed: %s, want %s", tt.missed, tt.failed, s.Score, tt.want)
		}
	}
}
