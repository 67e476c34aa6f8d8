package config

import (
	"fmt"
	"time"

	"github.com/servicebot/servicebot"
)

// Approvals is how requests are routed (R-APV-2, R-APV-5, R-TOOL-2), as
// written in the YAML file: amounts in yuan ("1000", "5000.00"). Every field
// left out takes the RULES.md default (servicebot.DefaultApprovalRules).
// Change RulesVersion with any change here: each request keeps the version it
// was routed by.
type Approvals struct {
	RulesVersion        string `yaml:"rules_version"`
	ServiceManagerLimit string `yaml:"service_manager_limit"` // urgent compensation up to this: service manager
	SalesVPLimit        string `yaml:"sales_vp_limit"`        // up to this: sales VP; above: general manager
	// RemindAfter (24h) and EscalateAfter (48h): a pending approval reminds
	// its approver, then is handed once to EscalateTo of the approver's role.
	RemindAfter   time.Duration                       `yaml:"remind_after"`
	EscalateAfter time.Duration                       `yaml:"escalate_after"`
	EscalateTo    map[servicebot.Role]servicebot.Role `yaml:"escalate_to"`
	// EscalateByKind overrides EscalateTo per kind of request; by default
	// a parts compensation climbs service manager → sales VP → general
	// manager (零部件赔偿管理办法).
	EscalateByKind map[servicebot.RequestKind]map[servicebot.Role]servicebot.Role `yaml:"escalate_by_kind"`
	// Delegates: approver userid → who decides while they are on leave.
	Delegates map[string]string                   `yaml:"delegates"`
	Tools     map[servicebot.ToolClass]ToolCharge `yaml:"tools"`
	// FilerMayDecide lets whoever files a request decide its steps; by
	// default nobody approves their own request (one level up decides).
	FilerMayDecide bool `yaml:"filer_may_decide"`
}

// ToolCharge is R-TOOL-2 for one tool class.
type ToolCharge struct {
	// Stated: the class has no rate; the service manager states the
	// amount on each request (consumables, R-TOOL-2 interpretation).
	Stated         bool `yaml:"stated"`
	LifetimeMonths int  `yaml:"lifetime_months"`
	RatePercent    int  `yaml:"rate_percent"`  // per full half-year in use
	FloorPercent   int  `yaml:"floor_percent"` // never less than this share of the price
}

// API is the HTTP interface other systems (a form, the ERP) file requests through.
type API struct {
	// Token is the shared secret callers send as "Authorization: Bearer
	// <token>" to POST /api/requests. Empty: the endpoint is not served.
	Token string `yaml:"token"`
}

// minAPITokenLength keeps a guessable token out of production.
const minAPITokenLength = 16

// ApprovalRules converts the settings into the rules; call after Validate.
func (c Config) ApprovalRules() servicebot.ApprovalRules {
	r, _ := c.Approvals.rules()
	return r.WithDefaults()
}

func (a Approvals) rules() (servicebot.ApprovalRules, []string) {
	var problems []string
	r := servicebot.ApprovalRules{
		Version: a.RulesVersion, RemindAfter: a.RemindAfter, EscalateAfter: a.EscalateAfter,
		EscalateTo: a.EscalateTo, EscalateByKind: a.EscalateByKind, Delegates: a.Delegates,
		FilerMayDecide: a.FilerMayDecide,
	}
	for _, l := range []struct {
		field, text string
		dst         *servicebot.Fen
	}{
		{"approvals.service_manager_limit", a.ServiceManagerLimit, &r.ServiceManagerLimit},
		{"approvals.sales_vp_limit", a.SalesVPLimit, &r.SalesVPLimit},
	} {
		if l.text == "" {
			continue
		}
		f, err := servicebot.ParseFen(l.text)
		if err != nil || f <= 0 {
			problems = append(problems, fmt.Sprintf("%s must be an amount of yuan such as 1000, got %q", l.field, l.text))
		}
		*l.dst = f
	}
	if len(a.Tools) > 0 {
		r.Tools = make(map[servicebot.ToolClass]servicebot.ToolRule, len(a.Tools))
		for class, t := range a.Tools {
			r.Tools[class] = servicebot.ToolRule{LifetimeMonths: t.LifetimeMonths, RatePercent: t.RatePercent, FloorPercent: t.FloorPercent, Stated: t.Stated}
		}
	}
	return r, problems
}

// validateApprovals adds the problems of the approvals and api sections.
func (c Config) validateApprovals(add func(field, format string, args ...any)) {
	r, problems := c.Approvals.rules()
	for _, p := range problems {
		add("approvals", "%s", p)
	}
	r = r.WithDefaults()
	if r.ServiceManagerLimit > r.SalesVPLimit {
		add("approvals", "approvals.service_manager_limit (%s) must not exceed approvals.sales_vp_limit (%s)", r.ServiceManagerLimit, r.SalesVPLimit)
	}
	if r.RemindAfter < 0 || r.EscalateAfter < 0 {
		add("approvals", "approvals.remind_after and escalate_after must be positive durations such as 24h")
	}
	for class, t := range r.Tools {
		if t.RatePercent < 0 || t.FloorPercent < 0 || t.FloorPercent > 100 || t.LifetimeMonths < 0 {
			add("approvals", "approvals.tools.%s: rates are percentages from 0 to 100 and the lifetime is months", class)
		}
	}
	if c.API.Token != "" && len(c.API.Token) < minAPITokenLength {
		add("api.token", "api.token (SERVICEBOT_API_TOKEN) must be at least %d characters", minAPITokenLength)
	}
}
