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
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))

	// The first hop: to the authorize page, with what WeCom requires.
	resp := fetch(t, f.url+"/web/forms/service_memo?job=7", nil)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	q := loc.Query()
	if resp.StatusCode != http.StatusFound || !strings.HasSuffix(loc.Path, "/connect/oauth2/authorize") ||
		q.Get("appid") != corpID || q.Get("redirect_uri") != f.url+"/web/oauth/callback" ||
		q.Get("response_type") != "code" || q.Get("scope") != "snsapi_base" || q.Get("agentid") != "1000002" ||
		q.Get("state") == "" || loc.Fragment != "wechat_redirect" {
		t.Fatalf("redirected (%d) to %s", resp.StatusCode, loc)
	}
	stateCookie := cookieNamed(resp, "sb_oauth")
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
	t.Parallel()
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
			resp := fetch(t, f.url+tt.path, tt.cookie)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", resp.StatusCode)
			}
			if hasSession(resp) {
				t.Fatal("a forged callback got a session")
			}
		})
	}
	// A forged session cookie is no session: the page starts OAuth.
	resp := fetch(t, f.url+"/web/", &http.Cookie{Name: "sb_session", Value: "ZW5nMQ.9999999999.forged"})
	wantOAuthStart(t, resp, "forged session")
}

// fetch GETs u, with cookie when it is not nil, without following redirects.
func fetch(t *testing.T, u string, cookie *http.Cookie) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func cookieNamed(resp *http.Response, name string) *http.Cookie {
	var found *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == name {
			found = c
		}
	}
	return found
}

// hasSession tells whether resp sets a non-empty session cookie.
func hasSession(resp *http.Response) bool {
	for _, c := range resp.Cookies() {
		if c.Name == "sb_session" && c.Value != "" {
			return true
		}
	}
	return false
}

// wantOAuthStart checks that resp sends the browser to WeCom's OAuth.
func wantOAuthStart(t *testing.T, resp *http.Response, what string) {
	t.Helper()
	if resp.StatusCode != http.StatusFound || !strings.Contains(resp.Header.Get("Location"), "oauth2/authorize") {
		t.Fatalf("%s: %d %s, want a new OAuth round", what, resp.StatusCode, resp.Header.Get("Location"))
	}
}

// A POST without the page's CSRF token stores nothing.
func TestPostWithoutCSRFTokenIsRefused(t *testing.T) {
	t.Parallel()
	wantDraftRefused(t, (*member).postRaw, "x", http.StatusForbidden, "页面已过期")
}

// wantDraftRefused has a signed-in member save a service memo draft for
// customer by send, and checks that it is refused with status and says,
// and that nothing is stored.
func wantDraftRefused(t *testing.T, send func(*member, string, url.Values, map[string][]byte) page, customer string, status int, says string) {
	t.Helper()
	f := newFixture(t, storetest.SQLite(t))
	eng := f.as("eng1")
	eng.get("/web/") // signs in
	p := send(eng, "/web/forms/service_memo", url.Values{"action": {"draft"}, "customer": {customer}}, nil)
	if p.status != status || !strings.Contains(p.body, says) {
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
	t.Parallel()
	f := newFixture(t, storetest.SQLite(t))
	resp := fetch(t, f.url+"/web/forms/service_memo?job=7", nil)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	stateCookie := cookieNamed(resp, "sb_oauth")
	if stateCookie == nil {
		t.Fatal("no state cookie")
	}
	resp = fetch(t, f.url+"/web/oauth/callback?code=expired-code&state="+url.QueryEscape(loc.Query().Get("state")), stateCookie)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/web/forms/service_memo?job=7" {
		t.Fatalf("expired code: %d to %q, want 302 back to the page asked for", resp.StatusCode, resp.Header.Get("Location"))
	}
	if hasSession(resp) {
		t.Fatal("an expired code got a session")
	}
	// And the page, still without a session, sends the browser to WeCom again.
	wantOAuthStart(t, fetch(t, f.url+"/web/forms/service_memo?job=7", nil), "after the expired code")
}

// Issue 15: a form field holding a NUL byte (PostgreSQL text cannot) is
// refused with 400 before anything is stored, not a 500 from the database.
func TestFormFieldWithNULIsRefused(t *testing.T) {
	t.Parallel()
	wantDraftRefused(t, (*member).post, "成都\x00某厂", http.StatusBadRequest, "无效字符")
}
