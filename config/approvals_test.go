package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
)

// The example file's approvals section is the manual's rules (R-APV-2,
// R-APV-5, R-TOOL-2): reading it changes nothing but what it says.
func TestExampleApprovals_RAPV2_RAPV5(t *testing.T) {
	cfg, err := Load(filepath.Join("..", "config.example.yaml"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	got, want := cfg.ApprovalRules(), servicebot.DefaultApprovalRules()
	if got.ServiceManagerLimit != want.ServiceManagerLimit || got.SalesVPLimit != want.SalesVPLimit ||
		got.RemindAfter != 24*time.Hour || got.EscalateAfter != 48*time.Hour || got.Version != want.Version ||
		got.Tools[servicebot.ToolConsumable] != want.Tools[servicebot.ToolConsumable] ||
		got.EscalateTo[servicebot.RoleServiceManager] != servicebot.RoleVPAfterSales ||
		got.Delegates["huangzhiqiang"] != "zhoujianguo" {
		t.Errorf("rules from the example = %+v", got)
	}
}

func TestApprovalsValidation(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"amount", "approvals:\n  sales_vp_limit: lots\n", "approvals.sales_vp_limit"},
		{"order", "approvals:\n  service_manager_limit: \"6000\"\n", "must not exceed"},
		{"floor", "approvals:\n  tools:\n    class1: {floor_percent: 120}\n", "approvals.tools.class1"},
		{"short token", "api:\n  token: abc\n", "api.token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(path, env(nil))
			if err != nil {
				t.Fatal(err)
			}
			var ve *ValidationError
			if err := cfg.Validate(); !errors.As(err, &ve) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want a problem naming %q", err, tt.want)
			}
		})
	}
	cfg, err := Load("", env(map[string]string{"SERVICEBOT_API_TOKEN": "from-the-environment-123"}))
	if err != nil || cfg.API.Token != "from-the-environment-123" {
		t.Errorf("token from SERVICEBOT_API_TOKEN: %q %v", cfg.API.Token, err)
	}
}
