package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// validFile is a whole valid configuration; each case below spoils one part.
const validFile = `http_addr: ":8080"
public_url: "https://bot.example.com"
wecom:
  corp_id: "ww0123456789"
  agent_id: 1000002
  secret: "s"
  token: "t"
  aes_key: "` + validKey + `"
org:
  after_sales_departments: [2]
  regions:
    zhangwei: 西南
`

func loadText(t *testing.T, text string) Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestValidFileIsValid(t *testing.T) {
	if err := loadText(t, validFile).Validate(); err != nil {
		t.Fatal(err)
	}
}

// Each case the operator's first attempts ran into: the problem named in
// words they can act on, with its key.
func TestValidationCases(t *testing.T) {
	tests := []struct {
		name, old, new string
		want           []string
	}{
		{"http_addr without colon", `http_addr: ":8080"`, `http_addr: "28091"`,
			[]string{`http_addr (SERVICEBOT_HTTP_ADDR) "28091" has no colon: write ":28091"`}},
		{"http public_url", `public_url: "https://bot.example.com"`, `public_url: "http://bot.example.com"`,
			[]string{"public_url (SERVICEBOT_PUBLIC_URL) must be https://"}},
		{"no after-sales department", `after_sales_departments: [2]`, `after_sales_departments: []`,
			[]string{"org.after_sales_departments is empty"}},
		{"unknown region", `zhangwei: 西南`, `zhangwei: 华南`,
			[]string{`org.regions: zhangwei has the unknown region "华南" (known: 西南, 华北东北, 其他)`}},
		{"negative agent_id", `agent_id: 1000002`, `agent_id: -5`,
			[]string{"wecom.agent_id (SERVICEBOT_WECOM_AGENT_ID) must be the app's AgentId, a positive number such as 1000002, got -5"}},
		{"misspelt top-level key", `http_addr: ":8080"`, `htp_addr: ":8080"`,
			[]string{"htp_addr (line 1): unknown key, did you mean http_addr?"}},
		{"misspelt nested key", `  secret: "s"`, `  secet: "s"`,
			// Not also "wecom.secret is missing": the typo says it.
			[]string{"wecom.secet (line 6): unknown key, did you mean secret?"}},
		{"bad time", `org:`, "reports:\n  first_reminder: \"25:00\"\norg:",
			[]string{`reports.first_reminder (line 10): "25:00" is not a time of day such as 20:00`}},
		{"unreadable number", `agent_id: 1000002`, `agent_id: abc`,
			[]string{"wecom.agent_id (line 5): cannot unmarshal !!str `abc` into int64"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(validFile, tt.old) {
				t.Fatalf("the valid file has no %q", tt.old)
			}
			err := loadText(t, strings.Replace(validFile, tt.old, tt.new, 1)).Validate()
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate() = %v, want problems", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("problems lack %q:\n%s", w, err)
				}
			}
			if len(ve.Problems) != len(tt.want) {
				t.Errorf("want %d problem(s), got %d:\n%s", len(tt.want), len(ve.Problems), err)
			}
		})
	}
}

// A file with many mistakes has them all listed in one go, not the first.
func TestEveryProblemOfAFileAtOnce(t *testing.T) {
	text := `htp_addr: "28091"
public_url: "http://bot.example.com"
wecom:
  corp_id: "ww0123456789"
  agent_id: -5
  secet: "s"
  token: "t"
  aes_key: "` + validKey + `"
reports:
  frist_reminder: "20:00"
  second_reminder: "21:75"
  deadline: "late"
org:
  after_sales_departments: []
  regions:
    zhangwei: 华南
`
	err := loadText(t, text).Validate()
	for _, w := range []string{
		"htp_addr (line 1): unknown key, did you mean http_addr?",
		"public_url (SERVICEBOT_PUBLIC_URL) must be https://",
		"wecom.agent_id (SERVICEBOT_WECOM_AGENT_ID) must be the app's AgentId",
		"wecom.secet (line 6): unknown key, did you mean secret?",
		"reports.frist_reminder (line 10): unknown key, did you mean first_reminder?",
		`reports.second_reminder (line 11): "21:75" is not a time of day`,
		`reports.deadline (line 12): "late" is not a time of day`,
		"org.after_sales_departments is empty",
		`zhangwei has the unknown region "华南"`,
	} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("problems lack %q:\n%v", w, err)
		}
	}
}

// A command checks only the sections it uses: migrate is not stopped by the
// WeCom settings, nor by a typo in them, but is by one in database_url.
func TestCheckOnlyTheSectionsAsked(t *testing.T) {
	cfg := loadText(t, "databse_url: sqlite:x.db\nwecom:\n  secet: s\n")
	err := cfg.Check(SectionBasics, SectionDatabase)
	if err == nil || !strings.Contains(err.Error(), "did you mean database_url?") {
		t.Fatalf("Check(database) = %v", err)
	}
	if strings.Contains(err.Error(), "wecom") {
		t.Errorf("the database check speaks of WeCom:\n%s", err)
	}
	if err := loadText(t, "wecom:\n  secet: s\n").Check(SectionBasics, SectionDatabase); err != nil {
		t.Errorf("a WeCom typo stopped a database-only command: %v", err)
	}
}
