package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/servicebot/servicebot/store/storetest"
)

// A page opened without a session goes through WeCom's OAuth2 (code →
// userid) and comes back to the page asked for, signed in.
func TestSignInThroughWeComOAuth(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))

	// The first hop: to the authorize page, with what WeCom requires.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(f.url + "/web/forms/service_memo?job=7")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	q := loc.Query()
	if resp.StatusCode != http.StatusFound || !strings.HasSuffix(loc.Path, "/connect/oauth2/authorize") ||
		q.Get("appid") != corpID || q.Get("redirect_uri") != f.url+"/web/oauth/callback" ||
		q.Get("response_type") != "code" || q.Get("scope") != "snsapi_base" || q.Get("agentid") != "1000002" ||
		q.Get("state") == "" || loc.Fragment != "wechat_redirect" {
		t.Fatalf("redirected (%d) to %s", resp.StatusCode, loc)
	}
	var stateCookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "sb_oauth" {
			stateCookie = c
		}
	}
	if stateCookie == nil || !stateCookie.HttpOnly || stateCookie.SameSite != http.SameSiteLaxMode {
		t.Fatalf("state cookie %+v, want HttpOnly SameSite=Lax", stateCookie)
	}

	// The whole way: back on the page asked for, as the member.
	eng := f.as("eng1")
	p := eng.get("/web/forms/service_memo?job=7")
	if p.status != http.StatusOK || !strings.Contains(p.url, "/web/forms/service_memo?job=7") ||
		!strings.Contains(p.body, "售后服务备忘录(日志)") || !strings.Contains(p.body, `value="7"`) {
		t.Fatalf("landed on %s (%d)", p.url, p.status)
	}
	if !strings.Contains(p.body, "成员eng1") {
		t.Error("the page does not name who is signed in")
	}
	authorized := f.sim.Calls("oauth2/authorize")
	eng.get("/web/")
	if f.sim.Calls("oauth2/authorize") != authorized {
		t.Error("a signed-in member went through OAuth again")
	}
}

func TestOAuthCallbackRefusesForgeries(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	tests := []struct {
		name   string
		path   string
		cookie *http.Cookie
	}{
		{"no state cookie", "/web/oauth/callback?code=abc&state=xyz", nil},
		{"state mismatch", "/web/oauth/callback?code=abc&state=xyz", &http.Cookie{Name: "sb_oauth", Value: "forged.1.sig"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", f.url+tt.path, nil)
			if tt.cookie != nil {
				req.AddCookie(tt.cookie)
			}
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", resp.StatusCode)
			}
			for _, c := range resp.Cookies() {
				if c.Name == "sb_session" && c.Value != "" {
					t.Fatal("a forged callback got a session")
				}
			}
		})
	}
	// A forged session cookie is no session: the page starts OAuth.
	req, _ := http.NewRequest("GET", f.url+"/web/", nil)
	req.AddCookie(&http.Cookie{Name: "sb_session", Value: "ZW5nMQ.9999999999.forged"})
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || !strings.Contains(resp.Header.Get("Location"), "oauth2/authorize") {
		t.Fatalf("forged session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// A POST without the page's CSRF token stores nothing.
func TestPostWithoutCSRFTokenIsRefused(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	eng := f.as("eng1")
	eng.get("/web/") // signs in
	p := eng.postRaw("/web/forms/service_memo", url.Values{"action": {"draft"}, "customer": {"x"}}, nil)
	if p.status != http.StatusForbidden || !strings.Contains(p.body, "页面已过期") {
		t.Fatalf("status %d: %s", p.status, p.body)
	}
	if n := len(f.submissions(servicebotFilterAll)); n != 0 {
		t.Fatalf("%d submissions stored", n)
	}
}

// Issue 15: a callback whose code WeCom refuses as expired or used (40029:
// a reload, the back button, a slow phone) starts sign-in again instead of
// failing with 500.
func TestOAuthCallbackWithExpiredCodeSignsInAgain(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(f.url + "/web/forms/service_memo?job=7")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	var stateCookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "sb_oauth" {
			stateCookie = c
		}
	}
	if stateCookie == nil {
		t.Fatal("no state cookie")
	}
	req, _ := http.NewRequest("GET", f.url+"/web/oauth/callback?code=expired-code&state="+url.QueryEscape(loc.Query().Get("state")), nil)
	req.AddCookie(stateCookie)
	resp, err = noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/web/forms/service_memo?job=7" {
		t.Fatalf("expired code: %d to %q, want 302 back to the page asked for", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, c := range resp.Cookies() {
		if c.Name == "sb_session" && c.Value != "" {
			t.Fatal("an expired code got a session")
		}
	}
	// And the page, still without a session, sends the browser to WeCom again.
	resp, err = noFollow.Get(f.url + "/web/forms/service_memo?job=7")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || !strings.Contains(resp.Header.Get("Location"), "oauth2/authorize") {
		t.Fatalf("after the expired code: %d %s, want a new OAuth round", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// Issue 15: a form field holding a NUL byte (PostgreSQL text cannot) is
// refused with 400 before anything is stored, not a 500 from the database.
func TestFormFieldWithNULIsRefused(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	eng := f.as("eng1")
	eng.get("/web/") // signs in
	p := eng.post("/web/forms/service_memo", url.Values{"action": {"draft"}, "customer": {"成都\x00某厂"}}, nil)
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "无效字符") {
		t.Fatalf("status %d: %s", p.status, p.body)
	}
}
