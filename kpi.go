package servicebot

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Points is a KPI score in hundredths of a point, so that sums, the
// retention rule's 1.5 per point and comparisons are exact (R-KPI-3b).
type Points int64

// String writes p with two decimals: "7.50", "-2.25".
func (p Points) String() string {
	sign, v := "", int64(p)
	if p < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// Signed writes p with its sign, the way a deduction is shown: "−1.00", "+2.00".
func (p Points) Signed() string {
	if p < 0 {
		return "−" + (-p).String()
	}
	return "+" + p.String()
}

// ParsePoints reads "8", "1.5", "-2", "+0.25" (at most two decimals).
func ParsePoints(s string) (Points, error) {
	v, err := parseHundredths(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("parse points %q: %w", s, err)
	}
	return Points(v), nil
}

// UnmarshalText reads points from configuration (ParsePoints).
func (p *Points) UnmarshalText(b []byte) error {
	v, err := ParsePoints(string(b))
	*p = v
	return err
}

// MarshalJSON writes p as a number of points with two decimals: 7.50.
func (p Points) MarshalJSON() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalJSON reads a number of points (7.5) or a string ("7.50").
func (p *Points) UnmarshalJSON(b []byte) error {
	return p.UnmarshalText([]byte(strings.Trim(string(b), `"`)))
}

// Percent is a percentage in hundredths of a percent: 96% is 9600.
type Percent int64

// String writes the percentage: "96.00%".
func (p Percent) String() string { return Points(p).String() + "%" }

// ParsePercent reads "96", "96%", "94.5%", "-1.25".
func ParsePercent(s string) (Percent, error) {
	v, err := parseHundredths(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	if err != nil {
		return 0, fmt.Errorf("parse percent %q: %w", s, err)
	}
	return Percent(v), nil
}

var hundredthsRe = regexp.MustCompile(`^([+-]?)(\d{1,12})(?:\.(\d{1,2}))?$`)

// errBadNumber: not a number with at most two decimals.
var errBadNumber = errors.New("want a number with at most two decimals")

func parseHundredths(s string) (int64, error) {
	s = strings.ReplaceAll(s, "−", "-")
	m := hundredthsRe.FindStringSubmatch(s)
	if m == nil {
		return 0, errBadNumber
	}
	whole, _ := strconv.ParseInt(m[2], 10, 64)
	frac := m[3]
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	v := whole*100 + f
	if m[1] == "-" {
		v = -v
	}
	return v, nil
}

// divRound divides rounding half away from zero: the one rounding of a
// proportional rule, done at the end.
func divRound(num, den int64) int64 {
	if den < 0 {
		num, den = -num, -den
	}
	if num < 0 {
		return -((-num + den/2) / den)
	}
	return (num + den/2) / den
}

// KPIIndicator is one line of the monthly KPI table (R-KPI-1…12).
type KPIIndicator string

// The indicators, in the order of the manual's table.
const (
	KPIProfit         KPIIndicator = "profit"             // R-KPI-1 利润
	KPIProductivity   KPIIndicator = "productivity"       // R-KPI-2 全员劳动生产率
	KPIQuality        KPIIndicator = "quality"            // R-KPI-3 质量
	KPIRetention      KPIIndicator = "retention"          // R-KPI-3b 核心员工保留率
	KPIServiceMgmt    KPIIndicator = "service_management" // R-KPI-4 服务管理
	KPIField          KPIIndicator = "field"              // R-KPI-5 外勤率、服务目标合格率
	KPIServiceQuality KPIIndicator = "service_quality"    // R-KPI-6 服务质量、安全
	KPIVisits         KPIIndicator = "training_visits"    // R-KPI-7 客户培训与回访
	KPIRecords        KPIIndicator = "records"            // R-KPI-8 信息资料完整率
	KPITechTraining   KPIIndicator = "technical_training" // R-KPI-9 技术培训
	KPIPartsSales     KPIIndicator = "parts_sales"        // R-KPI-10 市场维护与开发
	KPIResponsibility KPIIndicator = "responsibility"     // R-KPI-11 责任性
	KPITeamwork       KPIIndicator = "teamwork"           // R-KPI-11 团队合作意识
	KPIInitiative     KPIIndicator = "initiative"         // R-KPI-11 积极性
	KPIDiscipline     KPIIndicator = "discipline"         // R-KPI-11 纪律性
	KPIBonus          KPIIndicator = "bonus"              // R-KPI-12 附加分值
)

// KPIIndicatorInfo describes an indicator for people and for the rules.
type KPIIndicatorInfo struct {
	Key    KPIIndicator
	Rule   string // RULES.md id
	Name   string // as the manual's table names it
	Weight Points // RULES.md default
}

// KPIIndicators lists every indicator in table order with its default weight.
// The weights sum to 100; the bonus has none.
var KPIIndicators = []KPIIndicatorInfo{
	{KPIProfit, "R-KPI-1", "利润", 600},
	{KPIProductivity, "R-KPI-2", "全员劳动生产率", 600},
	{KPIQuality, "R-KPI-3", "质量", 800},
	{KPIRetention, "R-KPI-3b", "核心员工保留率", 800},
	{KPIServiceMgmt, "R-KPI-4", "服务管理", 800},
	{KPIField, "R-KPI-5", "外勤率、服务目标合格率", 800},
	{KPIServiceQuality, "R-KPI-6", "服务质量、安全", 800},
	{KPIVisits, "R-KPI-7", "客户培训与回访", 800},
	{KPIRecords, "R-KPI-8", "信息资料完整率", 900},
	{KPITechTraining, "R-KPI-9", "技术培训", 500},
	{KPIPartsSales, "R-KPI-10", "市场维护与开发", 1000},
	{KPIResponsibility, "R-KPI-11", "责任性", 400},
	{KPITeamwork, "R-KPI-11", "团队合作意识", 400},
	{KPIInitiative, "R-KPI-11", "积极性", 400},
	{KPIDiscipline, "R-KPI-11", "纪律性", 400},
	{KPIBonus, "R-KPI-12", "附加分值", 0},
}

// Info returns the indicator's description.
func (k KPIIndicator) Info() (KPIIndicatorInfo, bool) {
	i := slices.IndexFunc(KPIIndicators, func(x KPIIndicatorInfo) bool { return x.Key == k })
	if i < 0 {
		return KPIIndicatorInfo{}, false
	}
	return KPIIndicators[i], true
}

// ParseKPIIndicator reads how an engineer names an indicator in an appeal
// (申诉 服务管理 …): its Chinese name or a leading part of it, its rule id
// (R-KPI-4, KPI-4, 4), or its key. The bonus cannot be appealed.
func ParseKPIIndicator(s string) (KPIIndicator, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	up := strings.ToUpper(s)
	for _, info := range KPIIndicators {
		if info.Key == KPIBonus {
			continue
		}
		if s == string(info.Key) || s == info.Name {
			return info.Key, true
		}
		if info.Rule == "R-KPI-11" {
			continue // four indicators share the id: only their names tell them apart
		}
		id := strings.ToUpper(strings.TrimPrefix(info.Rule, "R-KPI-"))
		if up == strings.ToUpper(info.Rule) || up == "KPI-"+id || up == id {
			return info.Key, true
		}
	}
	// A leading part of a name: 外勤率 for 外勤率、服务目标合格率, 培训 is too
	// short to tell 客户培训 from 技术培训, so at least two runes and one match.
	var found []KPIIndicator
	for _, info := range KPIIndicators {
		if info.Key != KPIBonus && len([]rune(s)) >= 2 && strings.Contains(info.Name, s) {
			found = append(found, info.Key)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	// The words the deduction texts use: 配件销售, 服务不合格, 缺交日报 name
	// the indicator they count in.
	if k, ok := ParseKPIFactKind(s); ok && k.Indicator() != "" && k.Indicator() != KPIBonus {
		return k.Indicator(), true
	}
	return "", false
}

// ParseKPIFactKind reads a fact kind as people write it: its key, its
// Chinese label, or a short name from an indicator's 实际值 (迟到, 投诉).
func ParseKPIFactKind(s string) (KPIFactKind, bool) {
	s = strings.TrimSpace(s)
	for _, k := range KPIFactKinds() {
		if k == FactAppeal {
			continue
		}
		if string(k) == s || k.Label() == s || (shortLabels[k] != "" && shortLabels[k] == s) {
			return k, true
		}
	}
	return "", false
}

// KPIFactKind is the kind of fact the KPI counts. Bot records, the manager's
// inputs and (later) forms and visits all become facts of these kinds, so
// scoring does not care where a fact came from; its Source says.
type KPIFactKind string

// Fact kinds, grouped by the indicator they count in.
const (
	// Company figures (department-wide, UserID ""): the last entry wins.
	FactProfit       KPIFactKind = "profit"       // Value: profit/output, Percent; Target: Percent (R-KPI-1)
	FactProductivity KPIFactKind = "productivity" // Value and Target: Percent (R-KPI-2)
	FactQualityCost  KPIFactKind = "quality_cost" // Value: after-sales cost per million output, Fen; Target: Fen or 0 for the rule's (R-KPI-3)
	FactRetention    KPIFactKind = "retention"    // Value: Percent; Target: Percent or 0 for the rule's (R-KPI-3b)

	FactMissingDaily KPIFactKind = "missing_daily" // R-KPI-4
	FactLateDaily    KPIFactKind = "late_daily"    // R-KPI-4 (no deduction by default)
	FactLateMonthly  KPIFactKind = "late_monthly"  // R-KPI-4

	FactFieldDay      KPIFactKind = "field_day"      // R-KPI-5; Count days
	FactFailedService KPIFactKind = "failed_service" // R-KPI-5

	FactLateArrival    KPIFactKind = "late_arrival"    // R-KPI-6
	FactComplaint      KPIFactKind = "complaint"       // R-KPI-6
	FactDressCode      KPIFactKind = "dress_code"      // R-KPI-6
	FactSafetyAccident KPIFactKind = "safety_accident" // R-KPI-6

	FactJobWithoutTraining KPIFactKind = "job_without_training" // R-KPI-7
	FactPhoneVisit         KPIFactKind = "phone_visit"          // R-KPI-7; Count visits
	FactOnSiteVisit        KPIFactKind = "on_site_visit"        // R-KPI-7; Count visits

	FactMissingField KPIFactKind = "missing_field" // R-KPI-8; Count fields missing in one form
	FactMissingForm  KPIFactKind = "missing_form"  // R-KPI-8

	FactTrainingMissed   KPIFactKind = "training_missed"   // R-KPI-9
	FactAssessmentFailed KPIFactKind = "assessment_failed" // R-KPI-9

	FactPartsSale KPIFactKind = "parts_sale" // R-KPI-10; Value Fen

	// R-KPI-11: Value is the points the incident costs (100 or 200).
	FactResponsibility KPIFactKind = "responsibility"
	FactTeamwork       KPIFactKind = "teamwork"
	FactInitiative     KPIFactKind = "initiative"
	FactDiscipline     KPIFactKind = "discipline"

	FactBonus KPIFactKind = "bonus" // R-KPI-12; Value Points; the last entry wins

	// FactAppeal is an appeal the manager accepted: Indicator's deductions
	// are waived (R-KPI-13).
	FactAppeal KPIFactKind = "appeal"
)

// kpiFactInfo says where a fact kind counts and how people call it.
var kpiFactInfo = map[KPIFactKind]struct {
	indicator KPIIndicator
	label     string
}{
	FactProfit: {KPIProfit, "利润率"}, FactProductivity: {KPIProductivity, "全员劳动生产率"},
	FactQualityCost: {KPIQuality, "百万产值售后成本"}, FactRetention: {KPIRetention, "核心员工保留率"},
	FactMissingDaily: {KPIServiceMgmt, "缺交日报"}, FactLateDaily: {KPIServiceMgmt, "日报迟交"},
	FactLateMonthly: {KPIServiceMgmt, "月度资料逾期"},
	FactFieldDay:    {KPIField, "外勤日"}, FactFailedService: {KPIField, "服务不合格"},
	FactLateArrival: {KPIServiceQuality, "未按期到达现场或完成任务"}, FactComplaint: {KPIServiceQuality, "客户投诉"},
	FactDressCode: {KPIServiceQuality, "衣冠不整/未穿工作鞋/未戴安全帽"}, FactSafetyAccident: {KPIServiceQuality, "安全事故"},
	FactJobWithoutTraining: {KPIVisits, "未对客户进行操作维护培训"}, FactPhoneVisit: {KPIVisits, "电话回访"},
	FactOnSiteVisit:  {KPIVisits, "现场拜访"},
	FactMissingField: {KPIRecords, "表格漏填"}, FactMissingForm: {KPIRecords, "漏填整页表格"},
	FactTrainingMissed: {KPITechTraining, "未参加培训"}, FactAssessmentFailed: {KPITechTraining, "考核不合格"},
	FactPartsSale:      {KPIPartsSales, "配件销售"},
	FactResponsibility: {KPIResponsibility, "责任性"}, FactTeamwork: {KPITeamwork, "团队合作"},
	FactInitiative: {KPIInitiative, "积极性"}, FactDiscipline: {KPIDiscipline, "纪律性"},
	FactBonus:  {KPIBonus, "附加分"},
	FactAppeal: {"", "申诉采纳"},
}

// KPIFactKinds lists every kind a manager may enter or a source may give.
func KPIFactKinds() []KPIFactKind {
	out := make([]KPIFactKind, 0, len(kpiFactInfo))
	for k := range kpiFactInfo {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Valid reports whether k is a known fact kind.
func (k KPIFactKind) Valid() bool { _, ok := kpiFactInfo[k]; return ok }

// Label is the Chinese name of the kind.
func (k KPIFactKind) Label() string { return kpiFactInfo[k].label }

// Indicator is the indicator a fact of kind k counts in.
func (k KPIFactKind) Indicator() KPIIndicator { return kpiFactInfo[k].indicator }

// total reports whether a fact of kind k carries a total in Count.
func (k KPIFactKind) total() bool {
	return k == FactFieldDay || k == FactPhoneVisit || k == FactOnSiteVisit
}

// Company reports whether k is a department-wide company figure.
func (k KPIFactKind) Company() bool {
	return k == FactProfit || k == FactProductivity || k == FactQualityCost || k == FactRetention
}

// KPIFact is one thing the monthly KPI counts: a missing report, a parts
// sale, a complaint the manager entered, the month's profit rate.
type KPIFact struct {
	UserID string      `json:"user_id,omitempty"` // "" for a company figure
	Kind   KPIFactKind `json:"kind"`
	Date   Date        `json:"date,omitzero"`   // the day it happened; zero when it is about the whole month
	Count  int64       `json:"count,omitempty"` // how many (0 means 1): days, visits, fields missing in a form
	// Value is the kind's amount: Fen for money, Percent for rates, Points
	// for an incident's cost or the bonus.
	Value  int64 `json:"value,omitempty"`
	Target int64 `json:"target,omitempty"` // company figures: the target, in Value's unit
	// Indicator is what an accepted appeal (FactAppeal) is about.
	Indicator KPIIndicator `json:"indicator,omitempty"`
	// Withdraws is, for an accepted appeal, the Ref of the one deduction it
	// withdraws (R-KPI-13: an appeal names one fact); "" for an appeal of
	// the old kind that waived the whole indicator.
	Withdraws string `json:"withdraws,omitempty"`
	// Source names the record, for people: "日报 2026-10-14",
	// "经理录入 #17（wang 11-01 10:02）".
	Source string `json:"source,omitempty"`
	Note   string `json:"note,omitempty"` // what was missing or late, in the record's own words
	// Link ties facts that are one event recorded twice: a complaint in a
	// manager's entry and in an approved fine (R-LIA-0, R-KPI-6) share it
	// and count once.
	Link string `json:"link,omitempty"`
}

// Ref names the fact among a month's: what an appeal points at. It is
// made of the kind, the record and the day, which together are unique.
func (f KPIFact) Ref() string {
	ref := string(f.Kind) + "|" + f.Source
	if !f.Date.IsZero() {
		ref += "|" + f.Date.String()
	}
	return ref
}

// ruleRef names a deduction the rules make from the month as a whole
// (field days short, too few visits, the parts-sales tier): an appeal may
// withdraw it as one fact.
func ruleRef(rule string) string { return "rule|" + rule }

// count is how many the fact stands for. Totals (days, visits) are taken as
// they are, so a recorded 0 is a known zero; any other fact is at least one.
func (f KPIFact) count() int64 {
	if f.Count == 0 && !f.Kind.total() {
		return 1
	}
	return f.Count
}

// Rule parameters: how many points one fact of a kind costs, or the rate of
// a proportional rule. Keys of KPIRules.Points.
const (
	RuleProfitPerPoint       = "profit_per_point"       // R-KPI-1: ± per percentage point
	RuleProductivityPerPoint = "productivity_per_point" // R-KPI-2
	RuleQualityPerPercent    = "quality_per_percent"    // R-KPI-3: − per 1 % over target
	RuleRetentionPerPoint    = "retention_per_point"    // R-KPI-3b: − per point below target
	RuleFieldDaysShort       = "field_days_short"       // R-KPI-5: − once when short of days
	RuleFailedServiceMany    = "failed_service_many"    // R-KPI-5: − per failure from FailedServicesMany on
	RulePhoneVisitsShort     = "phone_visits_short"     // R-KPI-7
	RuleOnSiteVisitsShort    = "on_site_visits_short"   // R-KPI-7
	RuleMissingFieldsMany    = "missing_fields_many"    // R-KPI-8: − per field, from MissingFieldsMany on
)

// KPIPartsTier is one tier of R-KPI-10: sales of at least From score Score.
type KPIPartsTier struct {
	From  Fen
	Score Points
}

// KPIRules are the weights and rules of the monthly KPI. Zero fields take
// the RULES.md defaults (WithDefaults).
type KPIRules struct {
	Version string
	Weights map[KPIIndicator]Points
	// Points holds what one fact of a kind costs (keyed by the kind) and the
	// Rule* parameters.
	Points             map[string]Points
	QualityTarget      Fen     // R-KPI-3: after-sales cost per million of output, 76 元
	RetentionTarget    Percent // R-KPI-3b: 96 %
	FieldDaysPerMonth  int     // R-KPI-5: 240 a year, pro rata 20 a month
	FailedServicesMany int     // R-KPI-5: from this many failures each costs failed_service_many
	PhoneVisitsMin     int     // R-KPI-7: 6 a month
	OnSiteVisitsMin    int     // R-KPI-7: 1 a month
	MissingFieldsMany  int     // R-KPI-8: from this many missing fields the deduction is missing_fields_many instead
	PartsTiers         []KPIPartsTier
	BonusMin, BonusMax Points // R-KPI-12: −5 … +5
}

// DefaultKPIRulesVersion names the KPI rules as RULES.md states them.
const DefaultKPIRulesVersion = "kpi-2026.1"

// DefaultKPIRules are RULES.md's KPI rules with their interpretations.
func DefaultKPIRules() KPIRules {
	w := make(map[KPIIndicator]Points, len(KPIIndicators))
	for _, info := range KPIIndicators {
		w[info.Key] = info.Weight
	}
	return KPIRules{
		Version: DefaultKPIRulesVersion,
		Weights: w,
		Points: map[string]Points{
			RuleProfitPerPoint: 100, RuleProductivityPerPoint: 100, RuleQualityPerPercent: 100, RuleRetentionPerPoint: 150,
			string(FactMissingDaily): 100,
			// Interpretation: RULES.md deducts for a missing daily report; a
			// late one was filed, so by default it costs nothing (configurable).
			string(FactLateDaily):   0,
			string(FactLateMonthly): 100,
			RuleFieldDaysShort:      100,
			// Interpretation: "−1 per failed service, −2 if 3 or more" is read
			// as each failure costing 1, and each costing 2 once there are 3
			// or more in the month.
			string(FactFailedService): 100, RuleFailedServiceMany: 200,
			string(FactLateArrival): 100, string(FactComplaint): 100, string(FactDressCode): 100, string(FactSafetyAccident): 200,
			string(FactJobWithoutTraining): 100, RulePhoneVisitsShort: 100, RuleOnSiteVisitsShort: 200,
			// Interpretation (RULES.md threshold note): below 5 missing fields
			// each costs 1; once the month reaches 5, each costs 2 (never
			// less for one more); each whole form missing costs 2.
			string(FactMissingField): 100, RuleMissingFieldsMany: 200, string(FactMissingForm): 200,
			string(FactTrainingMissed): 100, string(FactAssessmentFailed): 200,
		},
		QualityTarget:      76_00,
		RetentionTarget:    96_00,
		FieldDaysPerMonth:  20,
		FailedServicesMany: 3,
		PhoneVisitsMin:     6,
		OnSiteVisitsMin:    1,
		MissingFieldsMany:  5,
		PartsTiers:         []KPIPartsTier{{10000_00, 1000}, {5000_00, 800}, {0, 400}},
		BonusMin:           -500,
		BonusMax:           500,
	}
}

// WithDefaults fills what r leaves out from DefaultKPIRules.
func (r KPIRules) WithDefaults() KPIRules {
	d := DefaultKPIRules()
	if r.Version == "" {
		r.Version = d.Version
	}
	w := d.Weights
	for k, v := range r.Weights {
		w[k] = v
	}
	r.Weights = w
	p := d.Points
	for k, v := range r.Points {
		p[k] = v
	}
	r.Points = p
	if r.QualityTarget == 0 {
		r.QualityTarget = d.QualityTarget
	}
	if r.RetentionTarget == 0 {
		r.RetentionTarget = d.RetentionTarget
	}
	for _, f := range []struct {
		dst *int
		def int
	}{
		{&r.FieldDaysPerMonth, d.FieldDaysPerMonth}, {&r.FailedServicesMany, d.FailedServicesMany},
		{&r.PhoneVisitsMin, d.PhoneVisitsMin}, {&r.OnSiteVisitsMin, d.OnSiteVisitsMin},
		{&r.MissingFieldsMany, d.MissingFieldsMany},
	} {
		if *f.dst == 0 {
			*f.dst = f.def
		}
	}
	if len(r.PartsTiers) == 0 {
		r.PartsTiers = d.PartsTiers
	}
	r.PartsTiers = slices.SortedFunc(slices.Values(r.PartsTiers), func(a, b KPIPartsTier) int { return cmp.Compare(b.From, a.From) })
	if r.BonusMin == 0 && r.BonusMax == 0 {
		r.BonusMin, r.BonusMax = d.BonusMin, d.BonusMax
	}
	return r
}

// Problems lists what is wrong with r (after WithDefaults), in English for
// the operator: weights must sum to 100, tiers must start at 0, and so on.
func (r KPIRules) Problems() []string {
	var out []string
	var sum Points
	for k, v := range r.Weights {
		if _, ok := k.Info(); !ok {
			out = append(out, fmt.Sprintf("unknown KPI indicator %q", k))
		}
		if v < 0 {
			out = append(out, fmt.Sprintf("weight of %s is negative", k))
		}
		sum += v
	}
	if sum != 100_00 {
		out = append(out, fmt.Sprintf("KPI weights sum to %s, want 100", sum))
	}
	for k, v := range r.Points {
		if v < 0 {
			out = append(out, fmt.Sprintf("KPI rule %s is negative (give deductions as positive points)", k))
		}
	}
	if n := len(r.PartsTiers); n == 0 || r.PartsTiers[n-1].From != 0 {
		out = append(out, "KPI parts tiers must include one from 0")
	}
	if r.BonusMin > 0 || r.BonusMax < 0 {
		out = append(out, "KPI bonus bounds must include 0")
	}
	return out
}

// KPIEngineer is somebody scored.
type KPIEngineer struct {
	UserID string `json:"user_id"`
	Name   string `json:"name"`
}

// KPIReason is one change to an indicator's score and why, pointing at its
// source record.
type KPIReason struct {
	Points Points `json:"points"` // negative: a deduction
	Text   string `json:"text"`   // what happened, in Chinese
	Date   Date   `json:"date,omitzero"`
	Source string `json:"source"` // the record it comes from
	// Fact is the Ref of the fact (or ruleRef of the month's rule) the
	// reason comes from: what an appeal names.
	Fact string `json:"fact,omitempty"`
}

// KPIIndicatorScore is one line of an engineer's breakdown: the manual's
// 目标值, 实际值 and 评价值, and every reason.
type KPIIndicatorScore struct {
	Indicator KPIIndicator `json:"indicator"`
	Rule      string       `json:"rule"`
	Name      string       `json:"name"`
	Weight    Points       `json:"weight"`
	Target    string       `json:"target"`
	Actual    string       `json:"actual"`
	Score     Points       `json:"score"`
	Reasons   []KPIReason  `json:"reasons"`
	// Waived is set when an accepted appeal waived the deductions.
	Waived bool `json:"waived,omitempty"`
	// Withdrawn are the deductions accepted appeals withdrew, each as it
	// was scored before; Reasons keep the rest (R-KPI-13).
	Withdrawn []KPIReason `json:"withdrawn,omitempty"`
}

// KPIScorecard is one engineer's month.
type KPIScorecard struct {
	KPIEngineer
	Indicators []KPIIndicatorScore `json:"indicators"`
	Total      Points              `json:"total"`
	Rank       int                 `json:"rank"`
	// Facts are what the card was scored from (the company figures
	// included) and Known the kinds whose absence meant none: a stored
	// revision can be scored again with one fact withdrawn (KPIRules.Withdraw).
	Facts []KPIFact     `json:"facts,omitempty"`
	Known []KPIFactKind `json:"known,omitempty"`
}

// Indicator returns the line of ind.
func (c KPIScorecard) Indicator(ind KPIIndicator) (KPIIndicatorScore, bool) {
	i := slices.IndexFunc(c.Indicators, func(s KPIIndicatorScore) bool { return s.Indicator == ind })
	if i < 0 {
		return KPIIndicatorScore{}, false
	}
	return c.Indicators[i], true
}

// Deductions are the reasons that cost points, across all indicators.
func (c KPIScorecard) Deductions() []KPIReason {
	var out []KPIReason
	for _, s := range c.Indicators {
		for _, r := range s.Reasons {
			if r.Points < 0 {
				out = append(out, r)
			}
		}
	}
	return out
}

// KPIMonthInput is everything a month is scored from.
type KPIMonthInput struct {
	Month     string // "2026-10"
	Engineers []KPIEngineer
	Facts     []KPIFact
	// Known lists the kinds whose absence means none: a source that records
	// them for everybody (daily reports) or the manager entered them. For a
	// threshold rule (field days, visits) an unknown kind deducts nothing
	// and says the data is missing.
	Known map[KPIFactKind]bool
}

// Score computes the month for every engineer and ranks them (R-KPI-1…12).
// Facts of engineers not listed are ignored.
func (r KPIRules) Score(in KPIMonthInput) []KPIScorecard {
	r = r.WithDefaults()
	company := map[KPIFactKind]KPIFact{}
	var companyFacts []KPIFact
	byUser := map[string][]KPIFact{}
	for _, f := range in.Facts {
		if f.Kind.Company() {
			company[f.Kind] = f // the last entry wins
			companyFacts = append(companyFacts, f)
			continue
		}
		byUser[f.UserID] = append(byUser[f.UserID], f)
	}
	var known []KPIFactKind
	for k, ok := range in.Known {
		if ok {
			known = append(known, k)
		}
	}
	slices.Sort(known)
	cards := make([]KPIScorecard, len(in.Engineers))
	for i, e := range in.Engineers {
		cards[i] = r.scoreOne(e, company, byUser[e.UserID], in.Known)
		cards[i].Facts = append(slices.Clone(companyFacts), byUser[e.UserID]...)
		cards[i].Known = known
	}
	RankKPI(cards)
	return cards
}

// Withdraw scores card again from the facts it was scored from, with the
// accepted appeal added: the one fact the appeal names is withdrawn and
// every other deduction stays, thresholds counted again (R-KPI-5, R-KPI-8:
// with one failure fewer the rest may cost less). A card stored before
// cards kept their facts is corrected on its reasons instead. The caller
// ranks the month again (RankKPI).
func (r KPIRules) Withdraw(card KPIScorecard, appeal KPIFact) KPIScorecard {
	r = r.WithDefaults()
	if len(card.Facts) == 0 {
		for i := range card.Indicators {
			if card.Indicators[i].Indicator == appeal.Indicator {
				WaiveKPI(&card.Indicators[i], appeal)
			}
		}
		card.Rescore()
		return card
	}
	company := map[KPIFactKind]KPIFact{}
	var own []KPIFact
	for _, f := range card.Facts {
		if f.Kind.Company() {
			company[f.Kind] = f
			continue
		}
		own = append(own, f)
	}
	facts := append(own, appeal)
	known := map[KPIFactKind]bool{}
	for _, k := range card.Known {
		known[k] = true
	}
	out := r.scoreOne(card.KPIEngineer, company, facts, known)
	out.Facts = append(slices.Clone(card.Facts), appeal)
	out.Known = card.Known
	out.Rank = card.Rank
	return out
}

// RankKPI orders cards by total, highest first, and numbers them; equal
// totals share a rank (1, 2, 2, 4). Ties are listed by userid.
func RankKPI(cards []KPIScorecard) {
	slices.SortStableFunc(cards, func(a, b KPIScorecard) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(a.UserID, b.UserID))
	})
	for i := range cards {
		if i > 0 && cards[i].Total == cards[i-1].Total {
			cards[i].Rank = cards[i-1].Rank
		} else {
			cards[i].Rank = i + 1
		}
	}
}

// kpiDraft gathers one indicator's reasons while it is scored.
type kpiDraft struct {
	KPIIndicatorScore
}

func (d *kpiDraft) add(p Points, text string, date Date, source string) {
	d.Reasons = append(d.Reasons, KPIReason{Points: p, Text: text, Date: date, Source: source})
}

// addFact adds a reason that comes from fact (or, with ref, from a rule of
// the month): the reason carries its ref, which an appeal names.
func (d *kpiDraft) addFact(p Points, text string, date Date, source, ref string) {
	d.Reasons = append(d.Reasons, KPIReason{Points: p, Text: text, Date: date, Source: source, Fact: ref})
}

func (r KPIRules) scoreOne(e KPIEngineer, company map[KPIFactKind]KPIFact, facts []KPIFact, known map[KPIFactKind]bool) KPIScorecard {
	of := map[KPIIndicator][]KPIFact{}
	waived := map[KPIIndicator][]KPIFact{}
	withdrawn := map[string]KPIFact{} // fact ref → the appeal withdrawing it
	seen := map[KPIFactKind]bool{}
	for _, f := range dedupLinked(facts) {
		seen[f.Kind] = true
		if f.Kind == FactAppeal {
			if f.Withdraws != "" {
				withdrawn[f.Withdraws] = f
			} else {
				waived[f.Indicator] = append(waived[f.Indicator], f)
			}
			continue
		}
		of[f.Kind.Indicator()] = append(of[f.Kind.Indicator()], f)
	}
	isKnown := func(k KPIFactKind) bool { return known[k] || seen[k] }
	card := KPIScorecard{KPIEngineer: e}
	for _, info := range KPIIndicators {
		score := func(facts []KPIFact) *kpiDraft {
			return r.scoreIndicator(info, company, facts, isKnown)
		}
		d := score(of[info.Key])
		if len(withdrawn) > 0 {
			// R-KPI-13: an accepted appeal withdraws the one fact it names;
			// the indicator is scored again without it, the rest kept.
			var kept []KPIFact
			for _, f := range of[info.Key] {
				if _, ok := withdrawn[f.Ref()]; !ok {
					kept = append(kept, f)
				}
			}
			if len(kept) != len(of[info.Key]) {
				before := d
				d = score(kept)
				for _, rs := range before.Reasons {
					if a, ok := withdrawn[rs.Fact]; ok && rs.Points < 0 {
						d.withdraw(rs, a)
					}
				}
			}
			// A deduction of the month's rules (too few field days or
			// visits, the parts tier) is withdrawn as one fact.
			for k := 0; k < len(d.Reasons); k++ {
				rs := d.Reasons[k]
				if a, ok := withdrawn[rs.Fact]; ok && rs.Points < 0 && strings.HasPrefix(rs.Fact, "rule|") {
					d.Reasons = slices.Delete(d.Reasons, k, k+1)
					k--
					d.Score -= rs.Points
					d.withdraw(rs, a)
				}
			}
		}
		if info.Key != KPIBonus && info.Key != KPIProfit && info.Key != KPIProductivity {
			d.Score = min(d.Score, d.Weight) // only R-KPI-1/2 add above the weight
		}
		if d.Score < 0 && info.Key != KPIBonus {
			d.add(-d.Score, "本项最低 0 分", Date{}, "R-KPI 计分规则")
			d.Score = 0
		}
		for _, a := range waived[info.Key] {
			WaiveKPI(&d.KPIIndicatorScore, a)
		}
		card.Indicators = append(card.Indicators, d.KPIIndicatorScore)
		card.Total += d.Score
	}
	return card
}

// withdraw records a deduction an appeal withdrew: listed apart from the
// reasons, and a 0-point line saying which appeal did it.
func (d *kpiDraft) withdraw(rs KPIReason, appeal KPIFact) {
	d.Withdrawn = append(d.Withdrawn, rs)
	d.add(0, fmt.Sprintf("申诉采纳，撤销「%s」（%s）：%s", rs.Text, rs.Points.Signed(), appeal.Note), appeal.Date, appeal.Source)
}

// dedupLinked drops a fact that another with the same Link already
// stands for: one complaint recorded as a manager's entry and in an
// approved fine counts once (R-LIA-0, R-KPI-6). The first keeps both
// records in its source.
func dedupLinked(facts []KPIFact) []KPIFact {
	first := map[string]int{}
	var out []KPIFact
	for _, f := range facts {
		if f.Link == "" {
			out = append(out, f)
			continue
		}
		key := string(f.Kind) + "|" + f.UserID + "|" + f.Link
		if i, ok := first[key]; ok {
			if !strings.Contains(out[i].Source, f.Source) {
				out[i].Source += "；" + f.Source
			}
			if out[i].Date.IsZero() {
				out[i].Date = f.Date
			}
			continue
		}
		first[key] = len(out)
		out = append(out, f)
	}
	return out
}

// scoreIndicator scores one indicator from its facts.
func (r KPIRules) scoreIndicator(info KPIIndicatorInfo, company map[KPIFactKind]KPIFact, facts []KPIFact, isKnown func(KPIFactKind) bool) *kpiDraft {
	d := &kpiDraft{KPIIndicatorScore{Indicator: info.Key, Rule: info.Rule, Name: info.Name, Weight: r.Weights[info.Key]}}
	switch info.Key {
	case KPIProfit:
		r.rate(d, company[FactProfit], RuleProfitPerPoint, 0, true)
	case KPIProductivity:
		r.rate(d, company[FactProductivity], RuleProductivityPerPoint, 0, true)
	case KPIQuality:
		r.quality(d, company[FactQualityCost])
	case KPIRetention:
		r.rate(d, company[FactRetention], RuleRetentionPerPoint, int64(r.RetentionTarget), false)
	case KPIServiceMgmt:
		r.serviceMgmt(d, facts)
	case KPIField:
		r.field(d, facts, isKnown(FactFieldDay))
	case KPIServiceQuality:
		r.perFact(d, facts, "无迟到、投诉、着装违规、安全事故",
			FactLateArrival, FactComplaint, FactDressCode, FactSafetyAccident)
	case KPIVisits:
		r.visits(d, facts, isKnown(FactPhoneVisit), isKnown(FactOnSiteVisit))
	case KPIRecords:
		r.records(d, facts)
	case KPITechTraining:
		r.perFact(d, facts, "参加公司组织的全部培训，考核合格", FactTrainingMissed, FactAssessmentFailed)
	case KPIPartsSales:
		r.parts(d, facts)
	case KPIResponsibility, KPITeamwork, KPIInitiative, KPIDiscipline:
		r.incidents(d, facts)
	case KPIBonus:
		r.bonus(d, facts)
	}
	return d
}

// WaiveKPI applies an accepted appeal to an indicator: its deductions are
// waived and the score goes back to the weight (never down). It is how a
// stored revision is corrected without recomputing it (R-KPI-13).
func WaiveKPI(s *KPIIndicatorScore, appeal KPIFact) {
	if s.Score >= s.Weight || s.Indicator == KPIBonus {
		return
	}
	back := s.Weight - s.Score
	s.Reasons = append(s.Reasons, KPIReason{Points: back, Text: "申诉采纳：" + appeal.Note, Date: appeal.Date, Source: appeal.Source})
	s.Score = s.Weight
	s.Waived = true
}

// Rescore recomputes a card's total after its indicators changed.
func (c *KPIScorecard) Rescore() {
	c.Total = 0
	for _, s := range c.Indicators {
		c.Total += s.Score
	}
}

// rate scores R-KPI-1, R-KPI-2 (both ways) and R-KPI-3b (below target only):
// points per percentage point of difference, to the cent.
func (r KPIRules) rate(d *kpiDraft, f KPIFact, rule string, defTarget int64, bothWays bool) {
	d.Score = d.Weight
	target := f.Target
	if target == 0 {
		target = defTarget
	}
	d.Target = "由财务部下达"
	if target != 0 {
		d.Target = Percent(target).String()
	}
	if f.Kind == "" {
		d.Actual = "未录入"
		d.add(0, "本月数据尚未录入，暂按满分计", Date{}, "经理录入")
		return
	}
	d.Actual = Percent(f.Value).String()
	diff := f.Value - target // hundredths of a percentage point
	if !bothWays && diff > 0 {
		diff = 0
	}
	if diff == 0 {
		return
	}
	p := Points(divRound(diff*int64(r.Points[rule]), 100))
	word := "高于"
	if diff < 0 {
		word = "低于"
	}
	d.addFact(p, fmt.Sprintf("%s %s，%s目标 %s %s 个百分点", f.Kind.Label(), Percent(f.Value), word, Percent(target),
		Points(max(diff, -diff))), f.Date, f.Source, ruleRef(string(f.Kind)))
	d.Score += p
}

// quality scores R-KPI-3: points per 1 % the cost per million of output is
// over target, to the cent.
func (r KPIRules) quality(d *kpiDraft, f KPIFact) {
	d.Score = d.Weight
	target := f.Target
	if target == 0 {
		target = int64(r.QualityTarget)
	}
	d.Target = fmt.Sprintf("≤ %s 元/百万产值", Fen(target))
	if f.Kind == "" {
		d.Actual = "未录入"
		d.add(0, "本月数据尚未录入，暂按满分计", Date{}, "经理录入")
		return
	}
	d.Actual = Fen(f.Value).String() + " 元"
	over := f.Value - target
	if over <= 0 || target <= 0 {
		return
	}
	pct := divRound(over*10000, target) // hundredths of a percent, for the text
	p := -Points(divRound(over*100*int64(r.Points[RuleQualityPerPercent]), target))
	d.addFact(p, fmt.Sprintf("售后成本 %s 元/百万产值，超出目标 %s", Fen(f.Value), Percent(pct)), f.Date, f.Source, ruleRef(string(f.Kind)))
	d.Score += p
}

// deduct adds one reason per fact at the kind's price.
func (r KPIRules) deduct(d *kpiDraft, facts []KPIFact, kind KPIFactKind) (n int64) {
	for _, f := range facts {
		if f.Kind != kind {
			continue
		}
		n += f.count()
		if p := r.Points[string(kind)] * Points(f.count()); p != 0 {
			d.addFact(-p, factText(f), f.Date, f.Source, f.Ref())
			d.Score -= p
		}
	}
	return n
}

func factText(f KPIFact) string {
	t := f.Kind.Label()
	if f.Count > 1 {
		unit := "次"
		if f.Kind == FactMissingField {
			unit = "处"
		}
		t += fmt.Sprintf(" %d %s", f.Count, unit)
	}
	if f.Note != "" {
		t += "：" + f.Note
	}
	return t
}

// serviceMgmt scores R-KPI-4.
func (r KPIRules) serviceMgmt(d *kpiDraft, facts []KPIFact) {
	d.Score, d.Target = d.Weight, "日报不缺交，月度资料按期提交"
	missing := r.deduct(d, facts, FactMissingDaily)
	late := r.deduct(d, facts, FactLateDaily)
	monthly := r.deduct(d, facts, FactLateMonthly)
	d.Actual = fmt.Sprintf("缺日报 %d 天，迟交 %d 天，月度资料逾期 %d 项", missing, late, monthly)
}

// perFact scores an indicator whose every fact costs its kind's price (R-KPI-6, R-KPI-9).
func (r KPIRules) perFact(d *kpiDraft, facts []KPIFact, target string, kinds ...KPIFactKind) {
	d.Score, d.Target = d.Weight, target
	var parts []string
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s %d", shortLabels[k], r.deduct(d, facts, k)))
	}
	d.Actual = strings.Join(parts, "，")
}

// shortLabels name the kinds in an indicator's 实际值.
var shortLabels = map[KPIFactKind]string{
	FactLateArrival: "迟到", FactComplaint: "投诉", FactDressCode: "着装违规", FactSafetyAccident: "安全事故",
	FactTrainingMissed: "缺训", FactAssessmentFailed: "考核不合格",
}

// sources sums the counts of facts of kind and says where they came from.
func sources(facts []KPIFact, kind KPIFactKind) (n int64, src string) {
	var names []string
	per := map[string]int64{}
	for _, f := range facts {
		if f.Kind != kind {
			continue
		}
		n += f.count()
		name, _, _ := strings.Cut(f.Source, " ")
		if _, ok := per[name]; !ok {
			names = append(names, name)
		}
		per[name] += f.count()
	}
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = fmt.Sprintf("%s %d", name, per[name])
	}
	return n, strings.Join(parts, "、")
}

// datedSources names the records of kind by their day: "日报 11月14日、
// 11月20日；经理录入 #17（wang）". Records without a day keep their source.
func datedSources(facts []KPIFact, kind KPIFactKind) string {
	var names []string
	days := map[string][]string{}
	for _, f := range facts {
		if f.Kind != kind {
			continue
		}
		name, label := f.Source, ""
		if !f.Date.IsZero() {
			name, _, _ = strings.Cut(f.Source, " ")
			label = f.Date.MonthDay()
		}
		if _, ok := days[name]; !ok {
			names = append(names, name)
			days[name] = nil
		}
		if label != "" && !slices.Contains(days[name], label) {
			days[name] = append(days[name], label)
		}
	}
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = name
		if len(days[name]) > 0 {
			parts[i] += " " + strings.Join(days[name], "、")
		}
	}
	return strings.Join(parts, "；")
}

// field scores R-KPI-5.
func (r KPIRules) field(d *kpiDraft, facts []KPIFact, daysKnown bool) {
	d.Score = d.Weight
	d.Target = fmt.Sprintf("外勤 ≥ %d 天，服务合格", r.FieldDaysPerMonth)
	days, src := sources(facts, FactFieldDay)
	switch {
	case !daysKnown:
		d.add(0, "外勤天数尚无记录，本项不扣外勤分", Date{}, "待录入")
	case days < int64(r.FieldDaysPerMonth):
		p := r.Points[RuleFieldDaysShort]
		d.addFact(-p, fmt.Sprintf("外勤 %d 天，少于 %d 天", days, r.FieldDaysPerMonth), Date{}, cmp.Or(src, "无外勤记录"), ruleRef(RuleFieldDaysShort))
		d.Score -= p
	}
	failed := r.threshold(d, facts, FactFailedService, r.FailedServicesMany, RuleFailedServiceMany)
	if daysKnown {
		d.Actual = fmt.Sprintf("外勤 %d 天，服务不合格 %d 次", days, failed)
	} else {
		d.Actual = fmt.Sprintf("外勤 未录入，服务不合格 %d 次", failed)
	}
}

// visits scores R-KPI-7.
func (r KPIRules) visits(d *kpiDraft, facts []KPIFact, phoneKnown, onSiteKnown bool) {
	d.Score = d.Weight
	d.Target = fmt.Sprintf("每单培训客户；电话回访 ≥ %d 次；现场拜访 ≥ %d 次", r.PhoneVisitsMin, r.OnSiteVisitsMin)
	untrained := r.deduct(d, facts, FactJobWithoutTraining)
	actual := []string{fmt.Sprintf("未培训 %d 单", untrained)}
	for _, v := range []struct {
		kind  KPIFactKind
		known bool
		min   int
		rule  string
	}{{FactPhoneVisit, phoneKnown, r.PhoneVisitsMin, RulePhoneVisitsShort}, {FactOnSiteVisit, onSiteKnown, r.OnSiteVisitsMin, RuleOnSiteVisitsShort}} {
		n, src := sources(facts, v.kind)
		if !v.known {
			actual = append(actual, v.kind.Label()+" 未录入")
			d.add(0, v.kind.Label()+"尚无记录，本项不扣分", Date{}, "待录入")
			continue
		}
		actual = append(actual, fmt.Sprintf("%s %d 次", v.kind.Label(), n))
		if n < int64(v.min) {
			p := r.Points[v.rule]
			d.addFact(-p, fmt.Sprintf("%s %d 次，少于 %d 次", v.kind.Label(), n, v.min), Date{}, cmp.Or(src, "无记录"), ruleRef(v.rule))
			d.Score -= p
		}
	}
	d.Actual = strings.Join(actual, "，")
}

// threshold deducts the facts of kind the way RULES.md's threshold note
// reads R-KPI-5 and R-KPI-8 alike: below many occurrences in the month each
// costs the kind's price; once the month reaches many, each costs the
// manyRule price — a deduction never grows smaller when one more thing goes
// wrong. It returns how many there were.
func (r KPIRules) threshold(d *kpiDraft, facts []KPIFact, kind KPIFactKind, many int, manyRule string) int64 {
	var n int64
	for _, f := range facts {
		if f.Kind == kind {
			n += f.count()
		}
	}
	each := r.Points[string(kind)]
	if n >= int64(many) {
		each = r.Points[manyRule]
	}
	for _, f := range facts {
		if f.Kind == kind {
			p := each * Points(f.count())
			d.addFact(-p, factText(f), f.Date, f.Source, f.Ref())
			d.Score -= p
		}
	}
	return n
}

// records scores R-KPI-8, read like R-KPI-5 (RULES.md's threshold note):
// below MissingFieldsMany missing fields each costs missing_field (1); once
// the month reaches it, each costs missing_fields_many (2), so one more
// missing field never makes the deduction smaller. Each whole form missing
// costs missing_form.
func (r KPIRules) records(d *kpiDraft, facts []KPIFact) {
	d.Score, d.Target = d.Weight, "每月服务资料表格填写清晰、完整"
	fields := r.threshold(d, facts, FactMissingField, r.MissingFieldsMany, RuleMissingFieldsMany)
	forms := r.deduct(d, facts, FactMissingForm)
	d.Actual = fmt.Sprintf("漏填 %d 处，漏填整页表格 %d 份", fields, forms)
}

// parts scores R-KPI-10 by tier of the month's sales.
func (r KPIRules) parts(d *kpiDraft, facts []KPIFact) {
	var sum Fen
	records := 0
	for _, f := range facts {
		if f.Kind == FactPartsSale {
			sum += Fen(f.Value)
			records++
		}
	}
	top := r.PartsTiers[0]
	d.Target = fmt.Sprintf("≥ %s 元（%s 分）", top.From, top.Score)
	d.Actual = sum.String() + " 元"
	for _, t := range r.PartsTiers {
		if sum >= t.From {
			d.Score = t.Score
			break
		}
	}
	// Issue 11 item 10: the reason cites the dated records (日报 11月14日、
	// 11月20日), which an engineer can check, not a count.
	src := datedSources(facts, FactPartsSale)
	if src == "" {
		src = "无配件销售记录"
	}
	if d.Score < d.Weight {
		d.addFact(d.Score-d.Weight, fmt.Sprintf("本月配件销售 %s 元（%d 笔），得 %s 分", sum, records, d.Score), Date{}, src, ruleRef("parts"))
	}
}

// incidents scores a behaviour indicator of R-KPI-11: each recorded
// incident costs what the manager recorded (1 or 2).
func (r KPIRules) incidents(d *kpiDraft, facts []KPIFact) {
	d.Score, d.Target = d.Weight, "无违规记录"
	for _, f := range facts {
		p := Points(f.Value)
		if p == 0 {
			p = 100
		}
		d.addFact(-p, factText(f), f.Date, f.Source, f.Ref())
		d.Score -= p
	}
	d.Actual = fmt.Sprintf("记录 %d 次", len(facts))
}

// bonus scores R-KPI-12: the manager's last entry, within the bounds.
func (r KPIRules) bonus(d *kpiDraft, facts []KPIFact) {
	d.Target = fmt.Sprintf("%s … %s", r.BonusMin.Signed(), r.BonusMax.Signed())
	d.Actual = "无"
	if len(facts) == 0 {
		return
	}
	f := facts[len(facts)-1]
	p := Points(f.Value)
	p = max(r.BonusMin, min(r.BonusMax, p))
	d.Actual = p.Signed()
	text := factText(f)
	if p != Points(f.Value) {
		text += fmt.Sprintf("（录入 %s，按上下限计 %s）", Points(f.Value).Signed(), p.Signed())
	}
	d.add(p, text, f.Date, f.Source)
	d.Score = p
}

// KPIMonthRange returns the first and last day of month "2026-10".
func KPIMonthRange(month string) (first, last Date, err error) {
	first, err = ParseDate(month + "-01")
	if err != nil || MonthOf(first) != month {
		return Date{}, Date{}, fmt.Errorf("month %q: want YYYY-MM", month)
	}
	return first, NewDate(first.Year, first.Month+1, 0), nil
}

// PreviousMonth is the month before the one now falls in, in loc: the
// month the 1st's draft is about (R-KPI-13).
func PreviousMonth(now time.Time, loc *time.Location) string {
	d := DateOf(now.In(loc))
	return MonthOf(NewDate(d.Year, d.Month, 0))
}
