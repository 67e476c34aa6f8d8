// Package config loads servicebot's settings from a YAML file and SERVICEBOT_*
// environment variables (the variables win), and validates them all at once so
// that an operator sees every problem in one start-up rather than one per try.
package config

import (
	"bytes"
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
	// BlobURL is where photos and voice messages are kept once fetched from
	// WeCom (their media ids expire after three days): a directory
	// (default data/media) or s3://[ACCESS:SECRET@]HOST/BUCKET[?secure=false]
	// for an S3-compatible store shared by several replicas.
	BlobURL string `yaml:"blob_url"`

	WeCom WeCom `yaml:"wecom"`

	// The department: who is who (R-ORG-1/2), its calendar, report times, group.
	Org      servicebot.Org `yaml:"-"` // the file's org: (OrgFile)
	Calendar Calendar       `yaml:"calendar"`
	Reports  Reports        `yaml:"reports"`
	Group    Group          `yaml:"group"`

	// Approvals routes requests (R-APV-2, R-APV-5, R-TOOL-2); API lets other
	// systems file them.
	Approvals Approvals `yaml:"approvals"`
	API       API       `yaml:"api"`

	// KPI is the monthly KPI's rules and stages (R-KPI-1…13).
	KPI KPI `yaml:"kpi"`

	// Web: the forms and manager's pages inside WeCom.
	Web Web `yaml:"web"`

	// loadProblems are what Load could not read (unknown keys, values of
	// the wrong type, bad environment variables); Check reports them.
	loadProblems []error
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
// It fails only when the file cannot be read or is not YAML; every other
// problem (a misspelt key, a value of the wrong type) is kept for Check,
// which reports them all together with the settings' own problems.
func Load(path string, lookup func(string) (string, bool)) (Config, error) {
	cfg := Default()
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("config: read %s: %w", path, err)
		}
		var root yaml.Node
		// An empty file decodes to io.EOF: it simply sets nothing.
		if err := yaml.NewDecoder(bytes.NewReader(raw)).Decode(&root); err != nil && !errors.Is(err, io.EOF) {
			return cfg, fmt.Errorf("config: parse %s: %w", path, err)
		}
		// Unknown keys and unreadable values are kept as problems for
		// Check, which reports them with the rest; the other settings load.
		cfg.loadProblems = checkYAML(&root)
		if root.Kind != 0 {
			file := fileShape{Config: cfg, Org: OrgFileOf(cfg.Org)}
			if err := root.Decode(&file); err != nil {
				file.loadProblems = append(file.loadProblems, &FieldError{Msg: fmt.Sprintf("%s: %s", path, yamlMessage(err))})
			}
			cfg = file.Config
			cfg.Org = file.Org.Org()
		}
	}
	cfg.loadProblems = append(cfg.loadProblems, applyEnv(&cfg, lookup)...)
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
		{"SERVICEBOT_BLOB_URL", str(func(c *Config) *string { return &c.BlobURL })},
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

func applyEnv(cfg *Config, lookup func(string) (string, bool)) []error {
	var errs []error
	for _, b := range envBindings() {
		if v, ok := lookup(b.name); ok {
			if err := b.set(cfg, v); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errs
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
