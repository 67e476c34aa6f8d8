package config

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
)

// Section is one part of the configuration. Each command checks the
// sections it uses and no others: `migrate` needs the database and not the
// WeCom credentials, `reports export` needs the department too, `serve`
// needs everything.
type Section string

const (
	// SectionBasics: timezone, log_format, log_level.
	SectionBasics Section = "basics"
	// SectionDatabase: database_url.
	SectionDatabase Section = "database"
	// SectionRedis: redis_url.
	SectionRedis Section = "redis"
	// SectionListen: http_addr, metrics_addr.
	SectionListen Section = "listen"
	// SectionWeCom: the app's credentials and callback settings.
	SectionWeCom Section = "wecom"
	// SectionPages: public_url, web (the pages inside WeCom) and api.
	SectionPages Section = "pages"
	// SectionDepartment: org, calendar, reports, group.
	SectionDepartment Section = "department"
	// SectionApprovals: approvals.
	SectionApprovals Section = "approvals"
	// SectionKPI: kpi.
	SectionKPI Section = "kpi"
)

// AllSections is every section, for `serve`.
func AllSections() []Section {
	return []Section{SectionBasics, SectionDatabase, SectionRedis, SectionListen, SectionWeCom, SectionPages, SectionDepartment, SectionApprovals, SectionKPI}
}

// sectionOf tells which section a setting (a YAML key path) belongs to.
func sectionOf(field string) Section {
	top, _, _ := strings.Cut(field, ".")
	switch top {
	case "database_url", "database":
		return SectionDatabase
	case "redis_url", "redis":
		return SectionRedis
	case "http_addr", "metrics_addr":
		return SectionListen
	case "wecom":
		return SectionWeCom
	case "public_url", "web", "api":
		return SectionPages
	case "org", "calendar", "reports", "group":
		return SectionDepartment
	case "approvals":
		return SectionApprovals
	case "kpi":
		return SectionKPI
	}
	return SectionBasics
}

// Validate checks every section; see Check.
func (c Config) Validate() error { return c.Check(AllSections()...) }

// Check returns a *ValidationError naming every problem of the given
// sections, including what Load could not read in them, or nil.
// Reachability of the database and Redis is checked by the caller that
// opens them, which adds its findings to the same list.
func (c Config) Check(sections ...Section) error {
	var p []error
	for _, lp := range c.loadProblems {
		fe, ok := lp.(*FieldError)
		if !ok || fe.Field == "" || slices.Contains(sections, sectionOf(fe.Field)) {
			p = append(p, lp)
		}
	}
	add := func(field, format string, args ...any) {
		// A setting Load could not read is already reported once.
		for _, lp := range c.loadProblems {
			if fe, ok := lp.(*FieldError); ok && fe.Field == field {
				return
			}
		}
		p = append(p, &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	for _, s := range sections {
		switch s {
		case SectionBasics:
			c.validateBasics(add)
		case SectionDatabase:
			c.validateDatabase(add)
		case SectionRedis:
			c.validateRedis(add)
		case SectionListen:
			c.validateListen(add)
		case SectionWeCom:
			c.validateWeCom(add)
		case SectionPages:
			c.validateWeb(add)
		case SectionDepartment:
			c.validateDepartment(add)
		case SectionApprovals:
			c.validateApprovals(add)
		case SectionKPI:
			c.validateKPI(add)
		}
	}
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Problems: p}
}

type adder = func(field, format string, args ...any)

func (c Config) validateBasics(add adder) {
	if _, err := time.LoadLocation(c.Timezone); err != nil || c.Timezone == "" {
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
}

func (c Config) validateDatabase(add adder) {
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
}

func (c Config) validateRedis(add adder) {
	if c.RedisURL != "" && !strings.HasPrefix(c.RedisURL, "redis://") && !strings.HasPrefix(c.RedisURL, "rediss://") {
		add("redis_url", "redis_url (SERVICEBOT_REDIS_URL) must start with redis:// or rediss://, or be empty for a single instance")
	}
}

func (c Config) validateListen(add adder) {
	if c.HTTPAddr == "" {
		add("http_addr", "http_addr (SERVICEBOT_HTTP_ADDR) is empty: give an address such as :8080")
	} else if msg := listenProblem(c.HTTPAddr); msg != "" {
		add("http_addr", "http_addr (SERVICEBOT_HTTP_ADDR) %q %s", c.HTTPAddr, msg)
	}
	if c.MetricsAddr != "" {
		if msg := listenProblem(c.MetricsAddr); msg != "" {
			add("metrics_addr", "metrics_addr (SERVICEBOT_METRICS_ADDR) %q %s", c.MetricsAddr, msg)
		}
	}
}

// listenProblem says what is wrong with a listen address, or "".
// "28091" is the usual slip: a port without its colon.
func listenProblem(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		if _, nerr := strconv.Atoi(addr); nerr == nil {
			return fmt.Sprintf("has no colon: write \":%s\" to listen on port %s", addr, addr)
		}
		return "is not host:port such as :8080 or 127.0.0.1:8080"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "has no valid port (0–65535)"
	}
	return ""
}

func (c Config) validateWeCom(add adder) {
	w := c.WeCom
	if w.CorpID == "" {
		add("wecom.corp_id", "wecom.corp_id (SERVICEBOT_WECOM_CORP_ID) is missing: 我的企业 → 企业信息 → 企业ID")
	}
	switch {
	case w.AgentID == 0:
		add("wecom.agent_id", "wecom.agent_id (SERVICEBOT_WECOM_AGENT_ID) is missing: the app's AgentId in 应用管理")
	case w.AgentID < 0:
		add("wecom.agent_id", "wecom.agent_id (SERVICEBOT_WECOM_AGENT_ID) must be the app's AgentId, a positive number such as 1000002, got %d", w.AgentID)
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
}

// KnownRegions are the regions of R-ORG-2 an engineer may cover.
func KnownRegions() []string {
	return []string{servicebot.RegionSouthwest, servicebot.RegionNorth, servicebot.RegionOther}
}
