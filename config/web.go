package config

import (
	"net"
	"net/url"
	"strings"
)

// Web sets up the pages members open inside WeCom: the forms, their records
// and the manager's pages. They are served when public_url and
// web.session_key are both set.
type Web struct {
	// SessionKey signs the pages' session cookies and CSRF tokens: at least
	// 32 characters of random text (e.g. `openssl rand -base64 48`), the same
	// on every replica. Changing it signs everybody out.
	SessionKey string `yaml:"session_key"`
	// AuthorizeURL is WeCom's OAuth2 authorize page; only tests and the demo
	// point it elsewhere (the simulator's /connect/oauth2/authorize).
	AuthorizeURL string `yaml:"authorize_url"`
	// MaxPhotoMB limits one uploaded photo (default 8).
	MaxPhotoMB int `yaml:"max_photo_mb"`
}

// minSessionKey matches web.MinSessionKey.
const minSessionKey = 32

// WebEnabled reports whether the pages are served.
func (c Config) WebEnabled() bool { return c.Web.SessionKey != "" && c.PublicURL != "" }

func (c Config) validateWeb(add func(field, format string, args ...any)) {
	w := c.Web
	if w.SessionKey != "" && len(w.SessionKey) < minSessionKey {
		add("web.session_key", "web.session_key (SERVICEBOT_WEB_SESSION_KEY) must be at least %d characters of random text", minSessionKey)
	}
	if w.SessionKey != "" && c.PublicURL == "" {
		add("public_url", "public_url (SERVICEBOT_PUBLIC_URL) is needed for the pages (web.session_key is set): WeCom's sign-in comes back to it")
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		switch {
		case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
			add("public_url", "public_url (SERVICEBOT_PUBLIC_URL) must be a URL such as https://bot.example.com, got %q", c.PublicURL)
		case u.Scheme == "http" && !loopback(u.Hostname()):
			// WeCom opens the app's pages and its OAuth only on https
			// (可信域名); plain http is for the demo on this machine.
			add("public_url", "public_url (SERVICEBOT_PUBLIC_URL) must be https:// (WeCom opens the pages only over HTTPS), got %q", c.PublicURL)
		}
	}
	if w.AuthorizeURL != "" && !strings.HasPrefix(w.AuthorizeURL, "https://") && !strings.HasPrefix(w.AuthorizeURL, "http://") {
		add("web.authorize_url", "web.authorize_url must be a URL, got %q", w.AuthorizeURL)
	}
	if w.MaxPhotoMB < 0 || w.MaxPhotoMB > 50 {
		add("web.max_photo_mb", "web.max_photo_mb must be between 1 and 50 (0 for the default 8), got %d", w.MaxPhotoMB)
	}
}

// loopback reports whether host is this machine (the demo's http address).
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
