package approvals_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/approvals"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

const testAPIToken = "0123456789abcdef-token"

func approvalOrg() servicebot.Org {
	return servicebot.Org{Roles: map[servicebot.Role][]string{
		servicebot.RoleServiceManager: {"sunli"},
		servicebot.RoleVPSales:        {"wuhaitao"},
		servicebot.RoleVPQuality:      {"zhengmin"},
		servicebot.RoleGeneralManager: {"huangzhiqiang"},
	}}
}

// POST /api/requests: the bearer token, unreadable JSON, the manual's
// checks (R-APV-1) and a computed amount (R-LIA-2) on a real store.
func TestRequestsAPI_RAPV1_RLIA2(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// Item 8 of issue 11: filer and payer are checked against the address book.
		var members []servicebot.Member
		for _, u := range []string{"sunli", "wuhaitao", "zhengmin", "huangzhiqiang", "zhangwei", "yangfan"} {
			members = append(members, servicebot.Member{UserID: u, Name: u, Departments: []int64{2}, Active: true})
		}
		if _, _, err := db.ReplaceDirectory(context.Background(), []servicebot.Department{{ID: 2, ParentID: 1, Name: "售后服务部"}},
			members, time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		engine := approvals.New(db, db.InTx, approvals.Config{Org: approvalOrg(),
			Clock: servicebot.ClockFunc(func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) })})
		srv := httptest.NewServer(requestsAPI(t, engine))
		defer srv.Close()

		tests := []struct {
			name, token, body string
			status            int
			want              string
		}{
			{"no token", "", `{}`, http.StatusUnauthorized, "bearer token"},
			{"wrong token", "nope", `{}`, http.StatusUnauthorized, "bearer token"},
			{"unreadable", testAPIToken, `{"kind":`, http.StatusBadRequest, "unreadable"},
			{"unknown field", testAPIToken, `{"kindd":"x"}`, http.StatusBadRequest, "unknown field"},
			{"bad amount", testAPIToken, `{"kind":"parts_compensation","amount":"lots"}`, http.StatusBadRequest, "invalid amount"},
			{"R-APV-1 no evidence", testAPIToken, `{"kind":"parts_compensation","urgent":true,"amount":3000,
				"customer":"某厂","reason":"损坏","requester":"yangfan"}`, http.StatusUnprocessableEntity, "R-APV-1"},
			{"R-LIA-2 fine", testAPIToken, `{"kind":"liability_fine","fine":{"loss":"3000"},"subject":"zhangwei",
				"reason":"重大责任事故","requester":"sunli"}`, http.StatusCreated, `"amount":"725.00"`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL, strings.NewReader(tt.body))
				if tt.token != "" {
					req.Header.Set("Authorization", "Bearer "+tt.token)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.want) {
					t.Fatalf("%d %s, want %d with %q", resp.StatusCode, body, tt.status, tt.want)
				}
			})
		}

		list, err := db.ListApprovals(context.Background(), 10)
		if err != nil || len(list) != 1 {
			t.Fatalf("stored %d requests (%v), want only the valid one", len(list), err)
		}
		var v approvals.View
		b, _ := json.Marshal(approvals.ViewOf(list[0]))
		_ = json.Unmarshal(b, &v)
		// R-LIA-0: the quality VP determines, the general manager reviews.
		if v.Steps[0].Approver != "zhengmin" || v.Steps[1].Role != string(servicebot.RoleGeneralManager) || !strings.Contains(v.AmountNote, "725.00") {
			t.Errorf("fine routed %+v", v)
		}
	})
}

// Issue 16: a retried POST /api/requests with the same Idempotency-Key
// files once and answers with the request filed the first time; another
// key files another request. The serial of a fault request reaches the
// stored request.
func TestRequestsAPI_IdempotencyKeyFilesOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var members []servicebot.Member
		for _, u := range []string{"sunli", "zhoujianguo", "yangfan"} {
			members = append(members, servicebot.Member{UserID: u, Name: u, Departments: []int64{2}, Active: true})
		}
		if _, _, err := db.ReplaceDirectory(context.Background(), []servicebot.Department{{ID: 2, ParentID: 1, Name: "售后服务部"}},
			members, time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		org := approvalOrg()
		org.Roles[servicebot.RoleVPAfterSales] = []string{"zhoujianguo"}
		engine := approvals.New(db, db.InTx, approvals.Config{Org: org,
			Clock: servicebot.ClockFunc(func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) })})
		srv := httptest.NewServer(requestsAPI(t, engine))
		defer srv.Close()
		post := func(key string) (int, approvals.View) {
			body := `{"kind":"service","service_type":"fault","customer":"重庆重工","region":"西南","reason":"停机",
				"requester":"yangfan","serial":"XK500-2407","model":"XK-500","contact":"王经理","phone":"13800001111"}`
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+testAPIToken)
			if key != "" {
				req.Header.Set("Idempotency-Key", key)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var v approvals.View
			if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
				t.Fatal(err)
			}
			return resp.StatusCode, v
		}
		s1, first := post("k-1")
		s2, again := post("k-1")
		s3, other := post("k-2")
		if s1 != http.StatusCreated || s2 != http.StatusCreated || s3 != http.StatusCreated {
			t.Fatalf("statuses %d %d %d", s1, s2, s3)
		}
		if again.ID != first.ID || other.ID == first.ID {
			t.Errorf("request ids %d, %d (same key), %d (other key)", first.ID, again.ID, other.ID)
		}
		list, err := db.ListApprovals(context.Background(), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 {
			t.Errorf("%d requests filed, want 2", len(list))
		}
		if first.Site == nil || first.Site.Serial != "XK500-2407" || first.Site.Phone != "13800001111" {
			t.Errorf("the request's site %+v: want the serial and phone from the API", first.Site)
		}
	})
}

// Issue 16 item 7: a request naming a customer not in the customer list is
// filed (as 客户咨询 logs one) but the 201 answer warns of it, with a code
// for programs and the name for people; a listed customer draws no warning.
func TestRequestsAPI_UnknownCustomerWarns(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		var members []servicebot.Member
		for _, u := range []string{"sunli", "wuhaitao", "zhengmin", "huangzhiqiang", "zhoujianguo", "yangfan"} {
			members = append(members, servicebot.Member{UserID: u, Name: u, Departments: []int64{2}, Active: true})
		}
		if _, _, err := db.ReplaceDirectory(context.Background(), []servicebot.Department{{ID: 2, ParentID: 1, Name: "售后服务部"}},
			members, at); err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(t.Context(), func(tx *store.Tx) error {
			_, err := tx.UpsertCustomers(t.Context(), []servicebot.Customer{{Name: "重庆重工", Tier: servicebot.TierGeneral,
				Region: servicebot.RegionSouthwest}}, at)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		org := approvalOrg()
		org.Roles[servicebot.RoleVPAfterSales] = []string{"zhoujianguo"}
		engine := approvals.New(db, db.InTx, approvals.Config{Org: org, Customers: db,
			Clock: servicebot.ClockFunc(func() time.Time { return at })})
		mux := http.NewServeMux()
		for _, r := range approvals.Feature[*store.Tx](engine, testAPIToken).Routes {
			mux.Handle(r.Pattern, r.Handler)
		}
		srv := httptest.NewServer(mux)
		defer srv.Close()
		post := func(customer string) (int, map[string]json.RawMessage) {
			t.Helper()
			body := `{"kind":"service","service_type":"install","customer":"` + customer +
				`","region":"西南","reason":"安装","requester":"yangfan"}`
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/api/requests", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+testAPIToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out map[string]json.RawMessage
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				t.Fatal(err)
			}
			return resp.StatusCode, out
		}

		status, out := post("重庆重功") // misspelt
		if status != http.StatusCreated || out["id"] == nil {
			t.Fatalf("unknown customer: %d %s, want 201 with the request", status, out)
		}
		var warnings []approvals.Warning
		if err := json.Unmarshal(out["warnings"], &warnings); err != nil || len(warnings) != 1 ||
			warnings[0].Code != approvals.WarningUnknownCustomer || !strings.Contains(warnings[0].Message, "「重庆重功」") {
			t.Errorf("unknown customer's warnings %s (%v)", out["warnings"], err)
		}

		status, out = post("重庆重工")
		if status != http.StatusCreated || out["id"] == nil {
			t.Fatalf("listed customer: %d %s", status, out)
		}
		if w, ok := out["warnings"]; ok {
			t.Errorf("a listed customer draws warnings %s", w)
		}
		if list, err := db.ListApprovals(t.Context(), 10); err != nil || len(list) != 2 {
			t.Errorf("stored %d requests (%v), want both", len(list), err)
		}
	})
}

// requestsAPI is POST /api/requests over engine with the test token.
func requestsAPI(t *testing.T, engine approvals.Filer) *approvals.RequestsAPI {
	t.Helper()
	api, err := approvals.NewRequestsAPI(approvals.RequestsAPIDeps{Engine: engine},
		approvals.RequestsAPIConfig{Token: testAPIToken, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return api
}
