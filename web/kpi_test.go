package web_test

import (
	"bytes"
	"context"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/kpi"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// csrf is the CSRF token of m's session, from a page with a form they may open.
func (m *member) csrf(path string) string {
	m.f.t.Helper()
	p := m.get(path)
	match := csrfRe.FindStringSubmatch(p.body)
	if match == nil {
		m.f.t.Fatalf("GET %s (%d) has no CSRF token", path, p.status)
	}
	return match[1]
}

// upload posts file as the multipart field "file" named name.
func (m *member) upload(path, csrf, name string, file []byte) page {
	m.f.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("_csrf", csrf)
	fw, _ := w.CreateFormFile("file", name)
	_, _ = fw.Write(file)
	_ = w.Close()
	resp, err := m.http.Post(m.f.url+path, w.FormDataContentType(), &body)
	if err != nil {
		m.f.t.Fatal(err)
	}
	return read(m.f.t, resp)
}

func (f *fixture) kpiInputs(month string) []servicebot.KPIInput {
	f.t.Helper()
	ins, err := f.db.KPIInputs(f.t.Context(), month)
	if err != nil {
		f.t.Fatal(err)
	}
	return ins
}

// The KPI page is the service manager's, the VP in charge's and the general
// manager's (R-KPI-13): everyone else is refused, reading and writing.
func TestKPIPageAccessPerRole(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		const ok, no = http.StatusOK, http.StatusForbidden
		for _, tt := range []struct {
			user string
			want int
			// form is a page with a form the member may open, whose CSRF
			// token lets them try a post ("" when they have none).
			form string
		}{
			{"mgr", ok, ""}, {"vp", ok, ""}, {"gm", ok, ""},
			{"eng1", no, "/web/forms/service_memo"}, {"sales1", no, "/web/forms/service_request_install"},
			{"vps", no, ""}, {"vpq", no, ""}, {"arch", no, ""}, {"outsider", no, ""},
		} {
			t.Run(tt.user, func(t *testing.T) {
				m := f.as(tt.user)
				// /web/kpi opens last month (now is 2026-11-20).
				p := m.get("/web/kpi")
				if p.status != tt.want {
					t.Errorf("GET /web/kpi: %d, want %d", p.status, tt.want)
				}
				if tt.want == ok && !strings.HasSuffix(p.url, "/web/kpi/2026-10") {
					t.Errorf("GET /web/kpi landed on %s, want last month", p.url)
				}
				if tt.want == no && !strings.Contains(p.body, "无权访问") {
					t.Errorf("the refusal does not say so:\n%s", p.body)
				}
				// Before a draft the workbook is missing for those who may
				// see it, and refused to the rest.
				if p := m.get("/web/kpi/2026-10/export.xlsx"); (tt.want == ok && p.status != http.StatusNotFound) ||
					(tt.want == no && p.status != no) {
					t.Errorf("GET export.xlsx: %d", p.status)
				}
				if home := m.get("/web/"); strings.Contains(home.body, `href="/web/kpi"`) != (tt.want == ok) {
					t.Errorf("the home page's KPI link shown: %v, want %v", !(tt.want == ok), tt.want == ok)
				}
				if tt.form == "" {
					return
				}
				// A post with a valid session and token is refused too.
				csrf := m.csrf(tt.form)
				p = m.postRaw("/web/kpi/2026-10/inputs", url.Values{"_csrf": {csrf}, "user_id": {"eng2"},
					"kind": {"complaint"}, "note": {"越权录入"}}, nil)
				if p.status != no {
					t.Errorf("POST inputs: %d, want %d", p.status, no)
				}
			})
		}
		if ins := f.kpiInputs("2026-10"); len(ins) != 0 {
			t.Errorf("refused posts stored %+v", ins)
		}
	})
}

// One round trip: the service manager enters a complaint (recorded as
// theirs, whatever the form says), a bad entry is refused with its reason,
// an upload adds its rows once, an entry is withdrawn by who and when, and
// after a draft the month downloads as the export's workbook with the entry
// as a reason.
func TestKPIPageInputRoundTrip_RKPI6(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		mgr := f.as("mgr")
		csrf := mgr.csrf("/web/kpi/2026-10")

		p := mgr.postRaw("/web/kpi/2026-10/inputs", url.Values{"_csrf": {csrf}, "user_id": {"eng1"}, "kind": {"complaint"},
			"date": {"2026-10-07"}, "note": {"客户投诉响应慢"}, "by": {"gm"}}, nil)
		if p.status != http.StatusOK || !strings.Contains(p.body, "已录入 1 条。") || !strings.Contains(p.body, "客户投诉响应慢") {
			t.Fatalf("entering a complaint: %d\n%s", p.status, p.body)
		}
		ins := f.kpiInputs("2026-10")
		if len(ins) != 1 || ins[0].EnteredBy != "mgr" || ins[0].UserID != "eng1" || ins[0].Kind != servicebot.FactComplaint ||
			ins[0].Date != servicebot.NewDate(2026, 10, 7) || ins[0].Origin != "web" || !ins[0].EnteredAt.Equal(now) {
			t.Fatalf("stored %+v", ins)
		}

		p = mgr.postRaw("/web/kpi/2026-10/inputs", url.Values{"_csrf": {csrf}, "user_id": {"eng1"}, "kind": {"bonus"},
			"value": {"9"}}, nil)
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "附加分应在 −5.00 到") {
			t.Errorf("a bonus of 9: %d\n%s", p.status, p.body)
		}

		sheet := []byte("账号,项目,日期,数量,数值,说明\neng1,电话回访,,4,,纸质问卷\neng2,附加分,,,+2,巡检表现好\n")
		for i, want := range []string{"已录入 2 条。", "已录入 0 条，2 条此前已录入。"} {
			p = mgr.upload("/web/kpi/2026-10/upload", csrf, "kpi-2026-10.csv", sheet)
			if p.status != http.StatusOK || !strings.Contains(p.body, want) {
				t.Errorf("upload #%d: %d, want %q\n%s", i+1, p.status, want, p.body)
			}
		}
		if ins = f.kpiInputs("2026-10"); len(ins) != 3 || ins[1].Origin != "web upload kpi-2026-10.csv" || ins[1].EnteredBy != "mgr" {
			t.Fatalf("after the uploads: %+v", ins)
		}

		p = mgr.postRaw("/web/kpi/2026-10/inputs/"+itoa(ins[2].ID)+"/void", url.Values{"_csrf": {csrf}}, nil)
		if p.status != http.StatusOK || !strings.Contains(p.body, "已撤回该条录入。") || !strings.Contains(p.body, "已撤回：成员mgr") {
			t.Errorf("withdrawing: %d\n%s", p.status, p.body)
		}
		if ins = f.kpiInputs("2026-10"); ins[2].Live() || ins[2].VoidedBy != "mgr" {
			t.Errorf("withdrawn entry %+v", ins[2])
		}
		if p = mgr.postRaw("/web/kpi/2026-10/inputs/"+itoa(ins[2].ID)+"/void", url.Values{"_csrf": {csrf}}, nil); p.status != http.StatusNotFound {
			t.Errorf("withdrawing twice: %d", p.status)
		}

		// The month drafted from the entries downloads as the export's workbook.
		km := kpi.NewMonth(db, db.InTx, kpi.MonthConfig{Rules: servicebot.DefaultKPIRules(), Sources: []kpi.Source{kpi.ManagerInputs{Store: db}},
			Engineers: engineersOf{"eng1", "eng2"}, Location: now.Location(),
			AppealWindow: 48 * time.Hour, Clock: servicebot.ClockFunc(func() time.Time { return now }), Logger: slog.New(slog.DiscardHandler)})
		if _, err := km.Redraft(t.Context(), "2026-10", "mgr", "测试"); err != nil {
			t.Fatal(err)
		}
		if p = mgr.get("/web/kpi/2026-10"); !strings.Contains(p.body, "第 1 版") || !strings.Contains(p.body, "/web/kpi/2026-10/export.xlsx") {
			t.Errorf("the page after the draft:\n%s", p.body)
		}
		resp, err := mgr.http.Get(f.url + "/web/kpi/2026-10/export.xlsx")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Disposition"), "kpi-2026-10-r1.xlsx") {
			t.Fatalf("export: %d %v", resp.StatusCode, resp.Header)
		}
		book, err := excelize.OpenReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		defer book.Close()
		var cells []string
		for _, name := range book.GetSheetList() {
			rows, err := book.GetRows(name)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				cells = append(cells, strings.Join(r, "|"))
			}
		}
		all := strings.Join(cells, "\n")
		for _, want := range []string{"客户投诉：客户投诉响应慢", "经理录入 #1（mgr）"} {
			if !strings.Contains(all, want) {
				t.Errorf("the workbook lacks %q:\n%s", want, all)
			}
		}
	})
}

// engineersOf is the KPI's roster: the fixture's members of those ids.
type engineersOf []string

func (e engineersOf) Engineers(context.Context, servicebot.Date) ([]servicebot.Member, error) {
	out := make([]servicebot.Member, len(e))
	for i, u := range e {
		out[i] = servicebot.Member{UserID: u, Name: "成员" + u, Active: true}
	}
	return out, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
