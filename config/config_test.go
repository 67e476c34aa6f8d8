package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const validKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG" // 43 characters

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func validEnv() map[string]string {
	return map[string]string{
		"SERVICEBOT_WECOM_CORP_ID":  "ww0123456789",
		"SERVICEBOT_WECOM_AGENT_ID": "1000002",
		"SERVICEBOT_WECOM_SECRET":   "secret",
		"SERVICEBOT_WECOM_TOKEN":    "token",
		"SERVICEBOT_WECOM_AES_KEY":  validKey,
	}
}

func TestDefaults(t *testing.T) {
	cfg, err := Load("", env(validEnv()))
	if err != nil {
		t.Fatal(err)
	}
	// The environment cannot say who the department is: every other
	// section is valid, and the department is asked for.
	if err := cfg.Check(SectionBasics, SectionDatabase, SectionRedis, SectionListen, SectionWeCom, SectionPages,
		SectionApprovals, SectionKPI); err != nil {
		t.Fatalf("valid env rejected: %v", err)
	}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "org.after_sales_departments is empty") {
		t.Fatalf("a configuration without the department's ids passed: %v", err)
	}
	if cfg.HTTPAddr != ":8080" || cfg.DatabaseURL != "sqlite:data/servicebot.db" || cfg.RedisURL != "" ||
		cfg.Timezone != "Asia/Shanghai" || cfg.WeCom.APIBase != "https://qyapi.weixin.qq.com" {
		t.Errorf("defaults: %+v", cfg)
	}
	if cfg.WeCom.AgentID != 1000002 {
		t.Errorf("agent id = %d", cfg.WeCom.AgentID)
	}
}

func TestEnvironmentOverridesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	yaml := `http_addr: ":9000"
database_url: "postgres://u:p@db/servicebot"
timezone: "Asia/Urumqi"
wecom:
  corp_id: "fromfile"
  agent_id: 7
  secret: "s"
  token: "t"
  aes_key: "` + validKey + `"
  http_timeout: 3s
org:
  after_sales_departments: [2]
`
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, env(map[string]string{
		"SERVICEBOT_WECOM_CORP_ID": "fromenv",
		"SERVICEBOT_REDIS_URL":     "redis://r:6379/0",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.WeCom.CorpID != "fromenv" || cfg.HTTPAddr != ":9000" || cfg.RedisURL != "redis://r:6379/0" ||
		cfg.Timezone != "Asia/Urumqi" || cfg.WeCom.HTTPTimeout != 3*time.Second || cfg.WeCom.AgentID != 7 {
		t.Errorf("merged: %+v", cfg)
	}
}

func TestUnknownKeyInFileIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte("htp_addr: \":1\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Check(SectionListen); err == nil || !strings.Contains(err.Error(), "htp_addr (line 1): unknown key, did you mean http_addr?") {
		t.Fatalf("want an error naming the misspelt key, got %v", err)
	}
}

func TestEmptyFileSetsNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, env(nil))
	if err != nil || cfg.HTTPAddr != ":8080" {
		t.Fatalf("cfg=%+v err=%v", cfg, err)
	}
}

// Every problem is reported at once, in words an operator can act on.
func TestValidateListsEveryProblem(t *testing.T) {
	e := map[string]string{
		"SERVICEBOT_DATABASE_URL":   "mysql://x",
		"SERVICEBOT_REDIS_URL":      "localhost:6379",
		"SERVICEBOT_TIMEZONE":       "Mars/Olympus",
		"SERVICEBOT_WECOM_AES_KEY":  "short",
		"SERVICEBOT_WECOM_API_BASE": "qyapi",
	}
	cfg, err := Load("", env(e))
	if err != nil {
		t.Fatal(err)
	}
	err = cfg.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want *ValidationError, got %v", err)
	}
	for _, want := range []string{
		"database_url", "redis_url", "timezone", "corp_id", "agent_id", "secret",
		"wecom.token", "43-character", "got 5 characters", "api_base", "org.after_sales_departments is empty",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("problems do not mention %q:\n%s", want, err)
		}
	}
	if len(ve.Problems) != 10 {
		t.Errorf("want 10 problems, got %d:\n%s", len(ve.Problems), err)
	}
}

func TestBadAgentIDIsReported(t *testing.T) {
	e := validEnv()
	e["SERVICEBOT_WECOM_AGENT_ID"] = "abc"
	cfg, err := Load("", env(e))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Check(SectionWeCom); err == nil || !strings.Contains(err.Error(), "SERVICEBOT_WECOM_AGENT_ID") {
		t.Fatalf("got %v", err)
	}
}

func TestAESKeyMustDecode(t *testing.T) {
	e := validEnv()
	e["SERVICEBOT_WECOM_AES_KEY"] = strings.Repeat("!", 43)
	cfg, _ := Load("", env(e))
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "32 bytes") {
		t.Fatalf("got %v", err)
	}
}

func TestRedactDSN(t *testing.T) {
	got := RedactDSN("postgres://bot:hunter2@db:5432/sb")
	if strings.Contains(got, "hunter2") || !strings.Contains(got, "bot:xxxxx@db") {
		t.Fatalf("got %q", got)
	}
}

func TestExampleFileIsValid(t *testing.T) {
	cfg, err := Load(filepath.Join("..", "config.example.yaml"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config.example.yaml does not validate: %v", err)
	}
}
