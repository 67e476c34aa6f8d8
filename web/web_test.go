package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/cache"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/approvals"
	"github.com/servicebot/servicebot/bot"
	"github.com/servicebot/servicebot/bot/wecomsim"
	"github.com/servicebot/servicebot/forms"
	"github.com/servicebot/servicebot/kpi"
	"github.com/servicebot/servicebot/people"
	"github.com/servicebot/servicebot/reportexport"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/web"
)

const (
	corpID  = "wwtestcorp"
	agentID = 1000002
	secret  = "test-secret"
)

// The department of the tests: one holder per role, and an outsider who is
// in the address book but plays no part in after-sales.
var org = servicebot.Org{
	Roles: map[servicebot.Role][]string{
		servicebot.RoleEngineer:       {"eng1", "eng2"},
		servicebot.RoleServiceManager: {"mgr"},
		servicebot.RoleVPAfterSales:   {"vp"},
		servicebot.RoleVPSales:        {"vps"},
		servicebot.RoleVPQuality:      {"vpq"},
		servicebot.RoleGeneralManager: {"gm"},
		servicebot.RoleSales:          {"sales1"},
		servicebot.RoleArchivist:      {"arch"},
	},
	Regions: map[string]string{"eng1": servicebot.RegionSouthwest, "eng2": servicebot.RegionSouthwest},
}

var now = time.Date(2026, 11, 20, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

type fixture struct {
	t     *testing.T
	db    *store.DB
	sim   *wecomsim.Sim
	url   string // the web server
	forms *forms.Service[*store.Tx]
}

// newFixture runs the pages over db, signing in through the WeCom simulator's
// OAuth and the real bot client.
func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	clock := servicebot.ClockFunc(func() time.Time { return now })
	var members []wecomsim.Member
	var stored []servicebot.Member
	for _, u := range []string{"eng1", "eng2", "mgr", "vp", "vps", "vpq", "gm", "sales1", "arch", "outsider"} {
		members = append(members, wecomsim.Member{UserID: u, Name: "成员" + u, Departments: []int64{1}})
		stored = append(stored, servicebot.Member{UserID: u, Name: "成员" + u, Departments: []int64{1}, Active: true})
	}
	if _, _, err := db.ReplaceDirectory(t.Context(), []servicebot.Department{{ID: 1, Name: "公司"}}, stored, now); err != nil {
		t.Fatal(err)
	}
	sim := wecomsim.New(wecomsim.Options{CorpID: corpID, Secret: secret, AgentID: agentID, Token: "tok",
		EncodingAESKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", Members: members,
		Departments: []wecomsim.Department{{ID: 1, Name: "公司"}}})
	simSrv := httptest.NewServer(sim.Handler())
	t.Cleanup(simSrv.Close)
	client := bot.NewClient(bot.ClientConfig{CorpID: corpID, AgentID: agentID, Secret: secret, APIBase: simSrv.URL,
		Timeout: 5 * time.Second}, cache.NewMemory(), nil, nil)

	engine := approvals.New(db, db.InTx, approvals.Config{
		Rules: servicebot.DefaultApprovalRules(), Org: org, Clock: clock})
	catalog, err := forms.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	fs := forms.New(catalog, db.InTx, engine, forms.Config{Clock: clock,
		SubmissionURL: func(id int64) string { return fmt.Sprintf("%s/web/submissions/%d", srv.URL, id) }})
	pages, err := web.New(web.Config{PublicURL: srv.URL, AuthorizeURL: simSrv.URL + "/connect/oauth2/authorize",
		CorpID: corpID, AgentID: agentID, SessionKey: bytes.Repeat([]byte("k"), 32), MaxPhotoBytes: 1 << 10,
		MaxPhotos: 2, Org: org, Location: now.Location(), Clock: clock,
		KPI: &web.KPI{Store: db, Inputs: kpi.NewInputs(db.InTx, kpi.InputsConfig{Rules: servicebot.DefaultKPIRules(), Clock: clock})},
	}, db, client, fs, reportexport.New(people.NewDirectory(db, people.Config{Org: org, Calendar: cal(t), Clock: clock}), db,
		func(d servicebot.Date) time.Time { return d.In(now.Location()).Add(22 * time.Hour) }, now.Location()))
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = pages
	return &fixture{t: t, db: db, sim: sim, url: srv.URL, forms: fs}
}

func cal(t *testing.T) *servicebot.Calendar {
	t.Helper()
	c, err := servicebot.NewCalendar(nil, nil, now.Location())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// member is a browser signed in (or not yet) as one member.
type member struct {
	f      *fixture
	userID string
	http   *http.Client
}

// as returns a browser for userID. Its first page goes through WeCom's
// OAuth: the simulator picks the member (?as=) as WeCom would know them.
func (f *fixture) as(userID string) *member {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return fmt.Errorf("redirect loop: %s", req.URL)
		}
		if strings.HasSuffix(req.URL.Path, "/connect/oauth2/authorize") {
			q := req.URL.Query()
			q.Set("as", userID)
			req.URL.RawQuery = q.Encode()
		}
		return nil
	}}
	return &member{f: f, userID: userID, http: c}
}

type page struct {
	status int
	body   string
	url    string
}

func (m *member) get(path string) page {
	m.f.t.Helper()
	resp, err := m.http.Get(m.f.url + path)
	if err != nil {
		m.f.t.Fatal(err)
	}
	return read(m.f.t, resp)
}

func read(t *testing.T, resp *http.Response) page {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{status: resp.StatusCode, body: string(b), url: resp.Request.URL.String()}
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// post submits a form page as a browser would: multipart, with the page's
// CSRF token, files under their field names.
func (m *member) post(path string, values url.Values, files map[string][]byte) page {
	m.f.t.Helper()
	form := m.get(path)
	match := csrfRe.FindStringSubmatch(form.body)
	if match == nil {
		m.f.t.Fatalf("GET %s (%d) has no CSRF token:\n%s", path, form.status, form.body)
	}
	values.Set("_csrf", match[1])
	return m.postRaw(strings.SplitN(path, "?", 2)[0], values, files)
}

func (m *member) postRaw(path string, values url.Values, files map[string][]byte) page {
	m.f.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, vs := range values {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	for name, content := range files {
		fw, _ := w.CreateFormFile(name, name+".png")
		_, _ = fw.Write(content)
	}
	_ = w.Close()
	resp, err := m.http.Post(m.f.url+path, w.FormDataContentType(), &body)
	if err != nil {
		m.f.t.Fatal(err)
	}
	return read(m.f.t, resp)
}

func (f *fixture) submissions(filter servicebot.FormFilter) []servicebot.FormSubmission {
	f.t.Helper()
	subs, err := f.db.ListFormSubmissions(context.Background(), filter)
	if err != nil {
		f.t.Fatal(err)
	}
	return subs
}

// png is the smallest PNG: enough for content sniffing.
var png = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

var servicebotFilterAll = servicebot.FormFilter{}
