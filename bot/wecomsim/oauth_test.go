package wecomsim_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// noRedirect lets a test look at the redirect itself.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
	return http.ErrUseLastResponse
}}

func authorizeURL(f *fixture, extra url.Values) string {
	q := url.Values{
		"appid":         {testCorpID},
		"redirect_uri":  {"https://bot.example.com/forms/daily?x=1"},
		"response_type": {"code"},
		"scope":         {"snsapi_base"},
		"state":         {"st42"},
	}
	for k, v := range extra {
		q[k] = v
	}
	return f.srv.URL + "/connect/oauth2/authorize?" + q.Encode() + "#wechat_redirect"
}

// authorizeAs runs the OAuth redirect for a member and returns the code.
func authorizeAs(t *testing.T, f *fixture, userID string) string {
	t.Helper()
	resp, err := noRedirect.Get(authorizeURL(f, url.Values{"as": {userID}}))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if loc.Host != "bot.example.com" || loc.Path != "/forms/daily" || loc.Query().Get("x") != "1" ||
		loc.Query().Get("state") != "st42" || loc.Query().Get("code") == "" {
		t.Fatalf("redirected to %s, want redirect_uri with code and state", loc)
	}
	return loc.Query().Get("code")
}

func TestOAuthCodeFlow(t *testing.T) {
	f := newFixture(t)
	token := f.token(t)

	code := authorizeAs(t, f, "zhangwei")
	info := f.get(t, "auth/getuserinfo", token, url.Values{"code": {code}})
	if info.ErrCode != 0 || info.UserID != "zhangwei" {
		t.Fatalf("getuserinfo: %+v", info)
	}
	if again := f.get(t, "auth/getuserinfo", token, url.Values{"code": {code}}); again.ErrCode != 40029 {
		t.Fatalf("second use of a code: errcode %d, want 40029", again.ErrCode)
	}

	old := authorizeAs(t, f, "sunli")
	if a := f.get(t, "user/getuserinfo", token, url.Values{"code": {old}}); a.ErrCode != 0 || a.OldUserID != "sunli" {
		t.Fatalf("the older API answers UserId: %+v", a)
	}

	late := authorizeAs(t, f, "liqiang")
	f.clock.Add(5 * time.Minute)
	if a := f.get(t, "auth/getuserinfo", token, url.Values{"code": {late}}); a.ErrCode != 40029 {
		t.Fatalf("code after 5 minutes: errcode %d, want 40029", a.ErrCode)
	}
	if a := f.get(t, "auth/getuserinfo", token, url.Values{"code": {"made-up"}}); a.ErrCode != 40029 {
		t.Fatalf("unknown code: errcode %d, want 40029", a.ErrCode)
	}
	if a := f.get(t, "auth/getuserinfo", token, nil); a.ErrCode != 41008 {
		t.Fatalf("missing code: errcode %d, want 41008", a.ErrCode)
	}
	if got := f.sim.Calls("oauth2/authorize"); got != 3 {
		t.Fatalf("Calls(oauth2/authorize) = %d, want 3", got)
	}
}

func TestOAuthPickPage(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name       string
		extra      url.Values
		wantStatus int
		want       []string
	}{
		{"picker", nil, http.StatusOK, []string{"请选择你的身份", "张伟", "售后服务部经理", "as=zhangwei"}},
		{"wrong appid", url.Values{"appid": {"wwother"}}, http.StatusBadRequest, []string{"appid 与企业 ID 不一致"}},
		{"relative redirect", url.Values{"redirect_uri": {"/forms"}}, http.StatusBadRequest, []string{"redirect_uri 无效"}},
		{"unknown member", url.Values{"as": {"ghost"}}, http.StatusBadRequest, []string{"通讯录中没有这个成员"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := noRedirect.Get(authorizeURL(f, tt.extra))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(body), w) {
					t.Errorf("page lacks %q", w)
				}
			}
		})
	}

	// Following a link of the picker completes the flow.
	resp, err := http.Get(authorizeURL(f, nil))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	i := strings.Index(string(body), `href="`)
	if i < 0 {
		t.Fatal("no link on the picker")
	}
	href := string(body[i+len(`href="`):])
	href = strings.ReplaceAll(href[:strings.Index(href, `"`)], "&amp;", "&")
	pick, err := noRedirect.Get(f.srv.URL + href)
	if err != nil {
		t.Fatal(err)
	}
	pick.Body.Close()
	if loc := pick.Header.Get("Location"); pick.StatusCode != http.StatusFound || !strings.Contains(loc, "code=") {
		t.Fatalf("picking a member: status %d Location %q", pick.StatusCode, loc)
	}
}
