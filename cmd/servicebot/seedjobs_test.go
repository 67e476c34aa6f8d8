package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/store"
)

// A new demo has the department's service jobs of the past four weeks with
// their forms: five done, one under way, one dispatched. The KPI drafted on
// the 1st counts what they show: the return-visit questionnaire and the job
// on site as visits (R-KPI-7), an installation without its training sign-in
// sheet (R-KPI-7), a job without one of its forms (R-KPI-8), a fault report
// whose fault was not resolved (R-KPI-5).
func TestDemoSeedsJobsWithTheirForms_R_KPI_5_R_KPI_7_R_KPI_8(t *testing.T) {
	t.Parallel()
	base, dir := runDemo(t, "--at", "2026-11-27T19:55:00+08:00")

	db, err := store.Open(t.Context(), "sqlite:"+filepath.Join(dir, "servicebot-demo.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	jobs, err := db.Jobs(t.Context(), 50)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, j := range jobs {
		got = append(got, j.Engineer+" "+string(j.Type)+" "+j.Status)
	}
	slices.Sort(got)
	want := []string{"chenhao visit completed", "liqiang install visited", "liuyang fault in_progress",
		"wangjun fault visited", "zhangwei fault visited", "zhangwei install assigned", "zhaolei install completed"}
	if !slices.Equal(got, want) {
		t.Errorf("the seeded jobs are %q, want %q", got, want)
	}
	loc := time.FixedZone("CST", 8*3600)
	subs, err := db.SubmittedForms(t.Context(), time.Date(2026, 10, 1, 0, 0, 0, 0, loc), time.Date(2026, 11, 27, 0, 0, 0, 0, loc))
	if err != nil {
		t.Fatal(err)
	}
	filed := map[string]int{}
	for _, s := range subs {
		filed[s.FormID]++
		if s.JobID == 0 {
			t.Errorf("form %s #%d belongs to no job", s.FormID, s.ID)
		}
	}
	if filed["fault_report"] != 2 || filed["phone_return_visit"] != 3 || filed["training_signin"] != 1 {
		t.Errorf("forms filed: %v", filed)
	}

	// The manager's pages show them: the jobs still open, and a job with its forms.
	sunli := simPhone("sunli")
	list := webPage(t, sunli, base+"/web/jobs")
	for _, want := range []string{"长沙湘江重工", "成都宏达机械厂", "天津港机", "刘洋"} {
		if !strings.Contains(list, want) {
			t.Errorf("部门在办工单 lacks %s:\n%s", want, list)
		}
	}
	for _, j := range jobs {
		if j.Customer != "沈阳北方重工" {
			continue
		}
		page := webPage(t, sunli, fmt.Sprintf("%s/web/jobs/%d", base, j.ID))
		for _, want := range []string{"沈阳北方重工", "质量故障处理服务报告", "电话回访跟踪问卷表", "王军"} {
			if !strings.Contains(page, want) {
				t.Errorf("the page of job %d lacks %s:\n%s", j.ID, want, page)
			}
		}
	}

	// The 1st: November's KPI is drafted from the records.
	simClock(t, base, "first")
	var out bytes.Buffer
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		out.Reset()
		var stderr bytes.Buffer
		err := run(t.Context(), []string{"--config", filepath.Join(dir, "demo.yaml"), "kpi", "export", "--month", "2026-11"},
			&out, &stderr, lookupFrom(nil))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("kpi export: %v\n%s", err, stderr.String())
		}
	}
	var month struct {
		Engineers []struct {
			UserID     string `json:"user_id"`
			Indicators []struct {
				Reasons []struct {
					Text   string `json:"text"`
					Source string `json:"source"`
				} `json:"reasons"`
			} `json:"indicators"`
			Facts []struct {
				Kind   servicebot.KPIFactKind `json:"kind"`
				Source string                 `json:"source"`
			} `json:"facts"`
		} `json:"engineers"`
	}
	if err := json.Unmarshal(out.Bytes(), &month); err != nil {
		t.Fatalf("%v\n%.2000s", err, out.String())
	}
	shown := map[string]string{} // engineer → their reasons and facts
	for _, e := range month.Engineers {
		var b strings.Builder
		for _, ind := range e.Indicators {
			for _, r := range ind.Reasons {
				b.WriteString(r.Text + " [" + r.Source + "]\n")
			}
		}
		for _, f := range e.Facts {
			b.WriteString(string(f.Kind) + " [" + f.Source + "]\n")
		}
		shown[e.UserID] = b.String()
	}
	for _, tt := range []struct{ user, want string }{
		{"zhangwei", "phone_visit [电话回访问卷表 #"},
		{"zhangwei", "on_site_visit [工单 "},
		{"chenhao", "on_site_visit [客户回访报告 #"},
		{"zhaolei", "天津港机 设备安装调试，没有设备培训人员签到表"},
		{"liqiang", "昆明滇中矿山 设备安装调试，缺「顾客满意度调查表」"},
		{"wangjun", "服务不合格：沈阳北方重工 试运行结果：未解决"},
	} {
		if !strings.Contains(shown[tt.user], tt.want) {
			t.Errorf("November's KPI of %s lacks %q:\n%s", tt.user, tt.want, shown[tt.user])
		}
	}
}

// simPhone is a member's browser inside the demo's WeCom: the simulator's
// OAuth page signs it in as userID.
func simPhone(userID string) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
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
}

func webPage(t *testing.T, c *http.Client, link string) string {
	t.Helper()
	resp, err := c.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v\n%s", link, resp.StatusCode, err, b)
	}
	return string(b)
}
