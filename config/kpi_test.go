package config_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/config"
)

func TestKPISettings_R_KPI_3b(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	yaml := "kpi:\n  rules_version: kpi-2027.1\n  retention_target: 95%\n  points:\n    retention_per_point: 2\n    late_daily: 0.5\n" +
		"  weights:\n    bonus: 0\n  bonus_max: 3\n  appeal_window: 72h\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.KPIRules()
	if r.Version != "kpi-2027.1" || r.RetentionTarget != 95_00 || r.Points[servicebot.RuleRetentionPerPoint] != 200 ||
		r.Points[string(servicebot.FactLateDaily)] != 50 || r.BonusMax != 300 || r.BonusMin != -500 || cfg.KPI.AppealWindow.Hours() != 72 {
		t.Errorf("rules = %+v", r)
	}
	if p := r.Problems(); len(p) != 0 {
		t.Errorf("problems: %v", p)
	}
	// Defaults when nothing is said: RULES.md.
	def := config.Default()
	if def.KPIRules().Weights[servicebot.KPIRecords] != 900 || def.KPI.DraftTime.String() != "09:00" {
		t.Errorf("defaults: %+v", def.KPI)
	}
}
