package kpi_test

import (
	"cmp"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/handlers"
	"github.com/servicebot/servicebot/kpi"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

const testAPIToken = "0123456789abcdef-token"

// The manager's KPI API: entries by JSON and by CSV upload, all or nothing,
// each change with who and when; withdrawing; the month as JSON and xlsx.
func TestKPIAPI_R_KPI_12(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
		clock := servicebot.ClockFunc(func() time.Time { return now })
		org := servicebot.Org{Roles: map[servicebot.Role][]string{
			servicebot.RoleServiceManager: {"boss"}, servicebot.RoleGeneralManager: {"zhao"}}}
		api, err := kpi.NewKPIAPI(kpi.KPIAPIDeps{Store: db,
			Inputs: kpi.NewInputs(db.InTx, kpi.InputsConfig{Rules: servicebot.DefaultKPIRules(), Clock: clock})},
			kpi.KPIAPIConfig{Token: testAPIToken, Org: org, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		api.Register(mux)
		srv := httptest.NewServer(mux)
		defer srv.Close()
		do := func(method, path, token, body string) (int, string) {
			t.Helper()
			req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		for _, tc := range []struct {
			name, method, path, token, body string
			status                          int
			want                            string
		}{
			{"no token", "GET", "/api/kpi/2026-10/inputs", "", "", http.StatusUnauthorized, "bearer"},
			{"bad month", "GET", "/api/kpi/2026-13/inputs", testAPIToken, "", http.StatusBadRequest, "YYYY-MM"},
			{"no by", "POST", "/api/kpi/2026-10/inputs", testAPIToken, `[]`, http.StatusBadRequest, "by"},
			{"by is not a manager", "POST", "/api/kpi/2026-10/inputs?by=li", testAPIToken,
				`[{"kind":"complaint","user_id":"li","date":"2026-10-07"}]`, http.StatusForbidden, "service manager"},
			{"bonus out of bounds: nothing stored", "POST", "/api/kpi/2026-10/inputs?by=boss", testAPIToken,
				`[{"kind":"bonus","user_id":"li","value":"+1"},{"kind":"bonus","user_id":"wang","value":"+6"}]`,
				http.StatusUnprocessableEntity, "附加分应在 −5.00 到 +5.00 之间"},
			{"unknown kind", "POST", "/api/kpi/2026-10/inputs?by=boss", testAPIToken, `[{"kind":"coffee","user_id":"li"}]`,
				http.StatusUnprocessableEntity, "未知的录入项"},
			{"company figure", "POST", "/api/kpi/2026-10/inputs?by=boss", testAPIToken, `[{"kind":"retention","value":"94.5%"}]`,
				http.StatusCreated, `"value":9450`},
			{"upload with a bad row: nothing stored", "POST", "/api/kpi/2026-10/inputs/upload?by=boss&filename=k.csv", testAPIToken,
				"账号,项目,日期,说明\nli,客户投诉,2026-10-07,响应慢\nli,客户投诉,2026-11-07,月份不对\n",
				http.StatusUnprocessableEntity, `"row":3`},
			{"upload", "POST", "/api/kpi/2026-10/inputs/upload?by=boss&filename=k.csv", testAPIToken,
				"账号,项目,日期,说明\nli,客户投诉,2026-10-07,响应慢\nli,安全事故,2026-10-09,\n",
				http.StatusCreated, `"skipped":0`},
			{"upload again: nothing new", "POST", "/api/kpi/2026-10/inputs/upload?by=boss&filename=k.csv", testAPIToken,
				"账号,项目,日期,说明\nli,客户投诉,2026-10-07,响应慢\nli,安全事故,2026-10-09,\n",
				http.StatusCreated, `"skipped":2`},
			{"withdraw", "DELETE", "/api/kpi/inputs/3?by=zhao", testAPIToken, "", http.StatusNoContent, ""},
			{"withdraw again", "DELETE", "/api/kpi/inputs/3?by=zhao", testAPIToken, "", http.StatusNotFound, "no live entry"},
			{"no month drafted", "GET", "/api/kpi/2026-10", testAPIToken, "", http.StatusNotFound, "no such month"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, body := do(tc.method, tc.path, tc.token, tc.body)
				if status != tc.status || !strings.Contains(body, tc.want) {
					t.Errorf("%s %s = %d %s, want %d containing %q", tc.method, tc.path, status, body, tc.status, tc.want)
				}
			})
		}
		// The history: every entry with who made it and who withdrew it.
		_, body := do("GET", "/api/kpi/2026-10/inputs", testAPIToken, "")
		var history []struct {
			ID        int64   `json:"id"`
			Kind      string  `json:"kind"`
			EnteredBy string  `json:"entered_by"`
			VoidedBy  string  `json:"voided_by"`
			VoidedAt  *string `json:"voided_at"`
			Origin    string  `json:"origin"`
		}
		if err := json.Unmarshal([]byte(body), &history); err != nil {
			t.Fatal(err)
		}
		if len(history) != 3 || history[2].VoidedBy != "zhao" || history[2].VoidedAt == nil || history[1].EnteredBy != "boss" ||
			history[1].Origin != "upload k.csv" || history[0].Kind != "retention" {
			t.Errorf("history = %+v", history)
		}

		// Once drafted, the month exports as JSON and as a workbook.
		km := kpi.NewMonth(db, db.InTx, kpi.MonthConfig{Rules: servicebot.DefaultKPIRules(), Sources: []kpi.Source{kpi.ManagerInputs{Store: db}},
			Engineers: fixedEngineers{{UserID: "li", Name: "李娜"}, {UserID: "wang", Name: "王强"}},
			Location:  time.UTC, DraftAt: 9 * time.Hour, AppealWindow: 48 * time.Hour,
			Clock: clock, Logger: slog.New(slog.DiscardHandler)})
		if _, err := km.Redraft(t.Context(), "2026-10", "boss", ""); err != nil {
			t.Fatal(err)
		}
		status, body := do("GET", "/api/kpi/2026-10?format=json", testAPIToken, "")
		if status != http.StatusOK || !strings.Contains(body, `"revision": 1`) || !strings.Contains(body, "客户投诉：响应慢") {
			t.Errorf("json export = %d %s", status, body)
		}
		status, body = do("GET", "/api/kpi/2026-10?format=xlsx", testAPIToken, "")
		if status != http.StatusOK {
			t.Fatalf("xlsx export = %d %s", status, body)
		}
		f, err := excelize.OpenReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if sheets := f.GetSheetList(); len(sheets) != 3 || sheets[0] != "汇总" || sheets[1] != "王强 wang" || sheets[2] != "李娜 li" {
			t.Errorf("sheets = %v, want a summary and one per engineer, by rank", sheets)
		}
		rows, _ := f.GetRows("李娜 li")
		if len(rows) < 3 || rows[1][0] != "指标" || rows[1][3] != "目标值" {
			t.Errorf("engineer sheet starts %v", rows)
		}
	})
}

type fixedEngineers []servicebot.Member

func (f fixedEngineers) Engineers(context.Context, servicebot.Date) ([]servicebot.Member, error) {
	return f, nil
}

// 申诉 and the KPI card buttons reach the KPI month through the router, in the
// inbox row's transaction; other texts go on to their own handlers.
func TestKPIRouting_R_KPI_13(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		now := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
		clock := servicebot.ClockFunc(func() time.Time { return now })
		km := kpi.NewMonth(db, db.InTx, kpi.MonthConfig{Rules: servicebot.DefaultKPIRules(), Sources: []kpi.Source{kpi.ManagerInputs{Store: db}},
			Engineers: fixedEngineers{{UserID: "li", Name: "李娜"}}, Location: time.UTC, DraftAt: 9 * time.Hour, AppealWindow: 48 * time.Hour, Managers: []string{"boss"},
			Clock: clock, Logger: slog.New(slog.DiscardHandler)})
		inputs := kpi.NewInputs(db.InTx, kpi.InputsConfig{Rules: servicebot.DefaultKPIRules(), Clock: clock})
		if _, err := inputs.Add(ctx, []servicebot.KPIInput{{Month: "2026-10", KPIFact: servicebot.KPIFact{UserID: "li",
			Kind: servicebot.FactTrainingMissed, Date: servicebot.NewDate(2026, 10, 20), Note: "液压培训"}}}, "boss", "test", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := km.Redraft(ctx, "2026-10", "boss", ""); err != nil {
			t.Fatal(err)
		}
		router := handlers.NewRouter[*store.Tx](clock)
		if err := router.Install(kpi.Feature[*store.Tx](km, nil)); err != nil {
			t.Fatal(err)
		}
		route := func(ev wecommsg.Event) []servicebot.OutboxMessage {
			t.Helper()
			before, _ := db.ListOutbox(ctx, nil, 1000)
			seen := map[int64]bool{}
			for _, m := range before {
				seen[m.ID] = true
			}
			if err := db.InTx(ctx, func(tx *store.Tx) error { return router.Route(ctx, tx, ev) }); err != nil {
				t.Fatal(err)
			}
			after, _ := db.ListOutbox(ctx, nil, 1000)
			var fresh []servicebot.OutboxMessage
			for _, m := range after {
				if !seen[m.ID] {
					fresh = append(fresh, m)
				}
			}
			slices.SortFunc(fresh, func(a, b servicebot.OutboxMessage) int { return cmp.Compare(a.ID, b.ID) })
			return fresh
		}
		got := route(wecommsg.Event{FromUserName: "li", MsgType: wecommsg.MsgText, MsgID: "1", Content: "申诉 服务管理 日报都交了"})
		if len(got) != 1 || !strings.Contains(string(got[0].Body), "没有扣分") {
			t.Errorf("申诉 of an indicator without deductions answered %+v", got)
		}
		got = route(wecommsg.Event{FromUserName: "li", MsgType: wecommsg.MsgText, MsgID: "1b", Content: "申诉 技术培训 那次培训我请了假"})
		if len(got) != 2 || got[0].ToUsers != "boss" || !strings.Contains(string(got[1].Body), "申诉 #1") {
			t.Errorf("申诉 sent %+v", got)
		}
		got = route(wecommsg.Event{FromUserName: "li", MsgType: wecommsg.MsgText, MsgID: "2", Content: "今天天气不错"})
		var help struct{ Content string }
		if len(got) == 1 {
			_ = json.Unmarshal(got[0].Body, &help)
		}
		if len(got) != 1 || help.Content != router.Unknown("今天天气不错") {
			t.Errorf("another text sent %+v, want the router's one-line hint only", got)
		}
		got = route(wecommsg.Event{FromUserName: "boss", MsgType: wecommsg.MsgEvent, Event: wecommsg.EventTemplateCard,
			EventKey: "kpi:view:2026-10:1", CreateTime: now.Unix()})
		if len(got) != 1 || !strings.Contains(string(got[0].Body), "申诉 #1 李娜「技术培训」") {
			t.Errorf("查看 sent %+v", got)
		}
	})
}
