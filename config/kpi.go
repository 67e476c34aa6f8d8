package config

import (
	"fmt"
	"time"

	"github.com/servicebot/servicebot"
)

// KPI is the monthly KPI (R-KPI-1…13) as written in the YAML file. Every
// field left out takes the RULES.md default (servicebot.DefaultKPIRules).
// Change RulesVersion with any change to the rules: each revision records
// the version it was computed by.
type KPI struct {
	RulesVersion string `yaml:"rules_version"`
	// Weights by indicator key (profit, service_management, …; see docs/rules.md);
	// they must sum to 100.
	Weights map[servicebot.KPIIndicator]servicebot.Points `yaml:"weights"`
	// Points: what one fact of a kind costs (missing_daily: 1, late_daily: 0,
	// safety_accident: 2, …) and the rates (retention_per_point: 1.5, …).
	Points             map[string]servicebot.Points `yaml:"points"`
	QualityTarget      string                       `yaml:"quality_target"`   // yuan per million of output, "76"
	RetentionTarget    string                       `yaml:"retention_target"` // "96%"
	FieldDaysPerMonth  int                          `yaml:"field_days_per_month"`
	FailedServicesMany int                          `yaml:"failed_services_many"`
	PhoneVisitsMin     int                          `yaml:"phone_visits_min"`
	OnSiteVisitsMin    int                          `yaml:"on_site_visits_min"`
	MissingFieldsMany  int                          `yaml:"missing_fields_many"`
	// PartsTiers: sales from (yuan) → score (R-KPI-10).
	PartsTiers []struct {
		From  string            `yaml:"from"`
		Score servicebot.Points `yaml:"score"`
	} `yaml:"parts_tiers"`
	BonusMin *servicebot.Points `yaml:"bonus_min"`
	BonusMax *servicebot.Points `yaml:"bonus_max"`

	// DraftTime is when on the 1st last month is drafted (09:00, R-KPI-13).
	DraftTime ClockTime `yaml:"draft_time"`
	// AppealWindow is how long after the draft engineers may appeal (48h).
	AppealWindow time.Duration `yaml:"appeal_window"`
}

func defaultKPI() KPI {
	return KPI{DraftTime: MustClock("09:00"), AppealWindow: 48 * time.Hour}
}

// KPIRules converts the settings into the rules; call after Validate.
func (c Config) KPIRules() servicebot.KPIRules {
	r, _ := c.KPI.rules()
	return r.WithDefaults()
}

func (k KPI) rules() (servicebot.KPIRules, []string) {
	var problems []string
	r := servicebot.KPIRules{
		Version: k.RulesVersion, Weights: k.Weights, Points: k.Points,
		FieldDaysPerMonth: k.FieldDaysPerMonth, FailedServicesMany: k.FailedServicesMany,
		PhoneVisitsMin: k.PhoneVisitsMin, OnSiteVisitsMin: k.OnSiteVisitsMin, MissingFieldsMany: k.MissingFieldsMany,
	}
	if k.QualityTarget != "" {
		f, err := servicebot.ParseFen(k.QualityTarget)
		if err != nil || f <= 0 {
			problems = append(problems, fmt.Sprintf("kpi.quality_target must be an amount of yuan such as 76, got %q", k.QualityTarget))
		}
		r.QualityTarget = f
	}
	if k.RetentionTarget != "" {
		p, err := servicebot.ParsePercent(k.RetentionTarget)
		if err != nil || p <= 0 || p > 100_00 {
			problems = append(problems, fmt.Sprintf("kpi.retention_target must be a percentage such as 96%%, got %q", k.RetentionTarget))
		}
		r.RetentionTarget = p
	}
	for _, t := range k.PartsTiers {
		f, err := servicebot.ParseFen(t.From)
		if t.From == "0" {
			f, err = 0, nil
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("kpi.parts_tiers: from %q is not an amount of yuan", t.From))
		}
		r.PartsTiers = append(r.PartsTiers, servicebot.KPIPartsTier{From: f, Score: t.Score})
	}
	if k.BonusMin != nil || k.BonusMax != nil {
		d := servicebot.DefaultKPIRules()
		r.BonusMin, r.BonusMax = d.BonusMin, d.BonusMax
		if k.BonusMin != nil {
			r.BonusMin = *k.BonusMin
		}
		if k.BonusMax != nil {
			r.BonusMax = *k.BonusMax
		}
	}
	return r, problems
}

// validateKPI adds the problems of the kpi section.
func (c Config) validateKPI(add func(field, format string, args ...any)) {
	r, problems := c.KPI.rules()
	for _, p := range problems {
		add("kpi", "%s", p)
	}
	for _, p := range r.WithDefaults().Problems() {
		add("kpi", "kpi: %s", p)
	}
	if c.KPI.AppealWindow <= 0 {
		add("kpi.appeal_window", "kpi.appeal_window must be a positive duration such as 48h")
	}
}
