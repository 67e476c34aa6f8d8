// Package config loads servicebot's settings from a YAML file and SERVICEBOT_*
// environment variables (the variables win), and validates them all at once so
// that an operator sees every problem in one start-up rather than one per try.
package config

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/servicebot/servicebot"
)

// Config is the whole of servicebot's configuration.
type Config struct {
	HTTPAddr    string `yaml:"http_addr"`
	DatabaseURL string `yaml:"database_url"`
	RedisURL    string `yaml:"redis_url"`
	Timezone    string `yaml:"timezone"`
	LogFormat   string `yaml:"log_format"` // json (production) or text
	LogLevel    string `yaml:"log_level"`  // debug, info, warn, error
	// PublicURL is where members' phones reach this server
	// (https://bot.example.com): links to files the bot compiled (a monthly
	// work diary) are made from it. Empty: cards carry no link.
	PublicURL string `yaml:"public_url"`
	// MetricsAddr, when set, serves /metrics on its own address (e.g.
	// 127.0.0.1:9090, reachable by the scraper only) instead of on HTTPAddr,
	// which faces the internet.
	MetricsAddr string `yaml:"metrics_addr"`

	WeCom WeCom `yaml:"wecom"`

	// The department: who is who (R-ORG-1/2), its calendar, report times, group.
	Org      servicebot.Org `yaml:"org"`
	Calendar Calendar       `yaml:"calendar"`
	Reports  Reports        `yaml:"reports"`
	Group    Group          `yaml:"group"`

	// Approvals routes requests (R-APV-2, R-APV-5, R-TOOL-2); API lets other
	// systems file them.
	Approvals Approvals `yaml:"approvals"`
	API       API       `yaml:"api"`

	// KPI is the monthly KPI's rules and course (R-KPI-1…13).
	KPI KPI `yaml:"kpi"`

	// Web: the forms and manager's pages inside WeCom.
	Web Web `yaml:"web"`
}

// WeCom is the self-built app's credentials and callback settings, as shown in
// the WeCom admin console (应用管理 → 自建应用 → 接收消息 → 设置API接收).
type WeCom struct {
	CorpID  string `yaml:"corp_id"`
	AgentID int64  `yaml:"agent_id"`
	Secret  string `yaml:"secret"`
	Token   string `yaml:"token"`
	AESKey  string `yaml:"aes_key"` // EncodingAESKey, 43 characters
	APIBase string `yaml:"api_base"`
	// HTTPTimeout bounds every call to the WeCom API.
	HTTPTimeout time.Duration `yaml:"http_timeout"`
	// GiveUpAfter is how long after its first failed attempt a message that
	// keeps failing is given up (kept as failed, `servicebot outbox`).
	GiveUpAfter time.Duration `yaml:"give_up_after"`
}

// Default returns the configuration used when neither file nor environment
// says otherwise.
func Default() Config {
	return Config{
		HTTPAddr:    ":8080",
		DatabaseURL: "sqlite:data/servicebot.db",
		Timezone:    "Asia/Shanghai",
		LogFormat:   "json",
		LogLevel:    "info",
		WeCom: WeCom{
			APIBase:     "https://qyapi.weixin.qq.com",
			HTTPTimeout: 10 * time.Second,
			GiveUpAfter: 6 * time.Hour,
		},
		Reports: defaultReports(),
		KPI:     defaultKPI(),
	}
}

// Load reads path (when not empty) over the defaults, then applies the
// environment (lookup is os.LookupEnv in production, a map in tests).
// It does not validate: call Validate.
func Load(path string, lookup func(string) (string, bool)) (Config, error) {
	cfg := Default()
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("config: read %s: %w", path, err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)
		// An empty file decodes to io.EOF: it simply sets nothing.
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return cfg, fmt.Errorf("config: parse %s: %w", path, err)
		}
	}
	if err := applyEnv(&cfg, lookup); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// envBinding ties one SERVICEBOT_* variable to one field.
type envBinding struct {
	name string
	set  func(cfg *Config, v string) error
}

// EnvNames lists every variable Load reads, for the README and `--help`.
func EnvNames() []string {
	var names []string
	for _, b := range envBindings() {
		names = append(names, b.name)
	}
	return names
}

func envBindings() []envBinding {
	str := func(f func(*Config) *string) func(*Config, string) error {
		return func(c *Config, v string) error { *f(c) = v; return nil }
	}
	return []envBinding{
		{"SERVICEBOT_HTTP_ADDR", str(func(c *Config) *string { return &c.HTTPAddr })},
		{"SERVICEBOT_PUBLIC_URL", str(func(c *Config) *string { return &c.PublicURL })},
		{"SERVICEBOT_METRICS_ADDR", str(func(c *Config) *string { return &c.MetricsAddr })},
		{"SERVICEBOT_DATABASE_URL", str(func(c *Config) *string { return &c.DatabaseURL })},
		{"SERVICEBOT_REDIS_URL", str(func(c *Config) *string { return &c.RedisURL })},
		{"SERVICEBOT_TIMEZONE", str(func(c *Config) *string { return &c.Timezone })},
		{"SERVICEBOT_LOG_FORMAT", str(func(c *Config) *string { return &c.LogFormat })},
		{"SERVICEBOT_LOG_LEVEL", str(func(c *Config) *string { return &c.LogLevel })},
		{"SERVICEBOT_WECOM_CORP_ID", str(func(c *Config) *string { return &c.WeCom.CorpID })},
		{"SERVICEBOT_WECOM_AGENT_ID", func(c *Config, v string) error {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return &FieldError{Field: "wecom.agent_id", Msg: fmt.Sprintf("SERVICEBOT_WECOM_AGENT_ID must be a number (the app's AgentId), got %q", v)}
			}
			c.WeCom.AgentID = n
			return nil
		}},
		{"SERVICEBOT_WECOM_SECRET", str(func(c *Config) *string { return &c.WeCom.Secret })},
		{"SERVICEBOT_API_TOKEN", str(func(c *Config) *string { return &c.API.Token })},
		{"SERVICEBOT_WEB_SESSION_KEY", str(func(c *Config) *string { return &c.Web.SessionKey })},
		{"SERVICEBOT_WECOM_TOKEN", str(func(c *Config) *string { return &c.WeCom.Token })},
		{"SERVICEBOT_WECOM_AES_KEY", str(func(c *Config) *string { return &c.WeCom.AESKey })},
		{"SERVICEBOT_WECOM_API_BASE", str(func(c *Config) *string { return &c.WeCom.APIBase })},
		{"SERVICEBOT_WECOM_HTTP_TIMEOUT", func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil {
				return &FieldError{Field: "wecom.http_timeout", Msg: fmt.Sprintf("SERVICEBOT_WECOM_HTTP_TIMEOUT must be a duration such as 10s, got %q", v)}
			}
			c.WeCom.HTTPTimeout = d
			return nil
		}},
		{"SERVICEBOT_WECOM_GIVE_UP_AFTER", func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil {
				return &FieldError{Field: "wecom.give_up_after", Msg: fmt.Sprintf("SERVICEBOT_WECOM_GIVE_UP_AFTER must be a duration such as 6h, got %q", v)}
			}
			c.WeCom.GiveUpAfter = d
			return nil
		}},
	}
}

func applyEnv(cfg *Config, lookup func(string) (string, bool)) error {
	var errs []error
	for _, b := range envBindings() {
		if v, ok := lookup(b.name); ok {
			if err := b.set(cfg, v); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		return &ValidationError{Problems: errs}
	}
	return nil
}

// FieldError is one problem with one setting.
type FieldError struct {
	Field string // the YAML key path, e.g. "wecom.aes_key", or "database" / "redis" for reachability
	Msg   string
}

func (e *FieldError) Error() string { return e.Msg }

// ValidationError lists every problem found, one per line.
type ValidationError struct {
	Problems []error
}

func (e *ValidationError) Error() string {
	lines := make([]string, 0, len(e.Problems)+1)
	lines = append(lines, fmt.Sprintf("config: %d problem(s):", len(e.Problems)))
	for _, p := range e.Problems {
		lines = append(lines, "  - "+p.Error())
	}
	return strings.Join(lines, "\n")
}

// Validate checks every setting and returns a *ValidationError naming all the
// problems, or nil. Reachability of the database and Redis is checked by the
// caller that opens them, which adds its findings to the same list.
func (c Config) Validate() error {
	var p []error
	add := func(field, format string, args ...any) {
		p = append(p, &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
	}

	if c.HTTPAddr == "" {
		add("http_addr", "http_addr (SERVICEBOT_HTTP_ADDR) is empty: give an address such as :8080")
	}
	switch {
	case strings.HasPrefix(c.DatabaseURL, "postgres://"), strings.HasPrefix(c.DatabaseURL, "postgresql://"):
		if _, err := url.Parse(c.DatabaseURL); err != nil {
			add("database_url", "database_url (SERVICEBOT_DATABASE_URL) is not a valid URL: %v", redactURLError(err))
		}
	case strings.HasPrefix(c.DatabaseURL, "sqlite:"):
		if strings.TrimPrefix(c.DatabaseURL, "sqlite:") == "" {
			add("database_url", "database_url (SERVICEBOT_DATABASE_URL) sqlite: needs a file path, e.g. sqlite:data/servicebot.db")
		}
	default:
		add("database_url", "database_url (SERVICEBOT_DATABASE_URL) must start with postgres:// or sqlite:, got %q", RedactDSN(c.DatabaseURL))
	}
	if c.RedisURL != "" && !strings.HasPrefix(c.RedisURL, "redis://") && !strings.HasPrefix(c.RedisURL, "rediss://") {
		add("redis_url", "redis_url (SERVICEBOT_REDIS_URL) must start with redis:// or rediss://, or be empty for a single instance")
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil {
		add("timezone", "timezone (SERVICEBOT_TIMEZONE) %q is not a known time zone, e.g. Asia/Shanghai", c.Timezone)
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		add("log_format", "log_format (SERVICEBOT_LOG_FORMAT) must be json or text, got %q", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		add("log_level", "log_level (SERVICEBOT_LOG_LEVEL) must be debug, info, warn or error, got %q", c.LogLevel)
	}

	w := c.WeCom
	if w.CorpID == "" {
		add("wecom.corp_id", "wecom.corp_id (SERVICEBOT_WECOM_CORP_ID) is missing: 我的企业 → 企业信息 → 企业ID")
	}
	if w.AgentID <= 0 {
		add("wecom.agent_id", "wecom.agent_id (SERVICEBOT_WECOM_AGENT_ID) is missing: the app's AgentId in 应用管理")
	}
	if w.Secret == "" {
		add("wecom.secret", "wecom.secret (SERVICEBOT_WECOM_SECRET) is missing: the app's Secret in 应用管理")
	}
	if w.Token == "" {
		add("wecom.token", "wecom.token (SERVICEBOT_WECOM_TOKEN) is missing: the Token under 接收消息 → 设置API接收")
	}
	if len(w.AESKey) != 43 {
		add("wecom.aes_key", "wecom.aes_key (SERVICEBOT_WECOM_AES_KEY) must be the 43-character EncodingAESKey, got %d characters", len(w.AESKey))
	} else if k, err := base64.StdEncoding.DecodeString(w.AESKey + "="); err != nil || len(k) != 32 {
		add("wecom.aes_key", "wecom.aes_key (SERVICEBOT_WECOM_AES_KEY) is not a valid EncodingAESKey (it must decode to 32 bytes)")
	}
	if u, err := url.Parse(w.APIBase); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		add("wecom.api_base", "wecom.api_base (SERVICEBOT_WECOM_API_BASE) must be a URL such as https://qyapi.weixin.qq.com, got %q", w.APIBase)
	}
	if w.HTTPTimeout <= 0 {
		add("wecom.http_timeout", "wecom.http_timeout (SERVICEBOT_WECOM_HTTP_TIMEOUT) must be positive, e.g. 10s")
	}
	// WeCom blocks an app for 60 minutes after an hourly rate breach: giving
	// up sooner would lose every message of such a block.
	if w.GiveUpAfter != 0 && w.GiveUpAfter < 90*time.Minute { // 0: the default
		add("wecom.give_up_after", "wecom.give_up_after (SERVICEBOT_WECOM_GIVE_UP_AFTER) must be at least 90m, longer than WeCom's 60-minute rate block; got %v", w.GiveUpAfter)
	}
	c.validateDepartment(add)
	c.validateApprovals(add)
	c.validateWeb(add)
	c.validateKPI(add)
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Problems: p}
}

// Location is the configured time zone; call after Validate.
func (c Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// RedactDSN hides a password in a database URL before it is printed.
func RedactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func redactURLError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return "unparseable"
}
