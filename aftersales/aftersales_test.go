package aftersales_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/aftersales"
	"github.com/servicebot/servicebot/approvals"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/forms"
	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/kpi"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

var shanghai = testclock.Shanghai()

// at is a wall time in Shanghai: at("2026-11-27 20:00").
func at(t testing.TB, s string) time.Time { return testclock.Wall(t, shanghai, s) }

// roster is who works every day: the input the people directory gives the
// digest in production.
type roster []string

func (r roster) Reporters(context.Context, servicebot.Date) ([]servicebot.Member, error) {
	out := make([]servicebot.Member, len(r))
	for i, u := range r {
		out[i] = servicebot.Member{UserID: u, Name: u, Active: true}
	}
	return out, nil
}

const manager = "sunli"

type env struct {
	t     *testing.T
	db    *store.DB
	org   servicebot.Org
	svc   *aftersales.Service
	clock *testclock.Clock
}

// deptAfterSales is the after-sales department of the synced address book.
const deptAfterSales = 2

// syncDirectory stores the address book the tests name people from: the
// manager and the engineers in after-sales, the sales clerk above it.
func syncDirectory(t *testing.T, db *store.DB) {
	t.Helper()
	deps := []servicebot.Department{{ID: 1, Name: "公司"}, {ID: deptAfterSales, ParentID: 1, Name: "售后服务部"}}
	var members []servicebot.Member
	for _, p := range [][3]string{{manager, "孙丽", "2"}, {"zhangwei", "张伟", "2"}, {"liqiang", "李强", "2"},
		{"wangjun", "王军", "2"}, {"yangfan", "杨帆", "1"}} {
		dept := int64(deptAfterSales)
		if p[2] == "1" {
			dept = 1
		}
		members = append(members, servicebot.Member{UserID: p[0], Name: p[1], Departments: []int64{dept}, Active: true})
	}
	if _, _, err := db.ReplaceDirectory(t.Context(), deps, members, at(t, "2026-11-01 06:00")); err != nil {
		t.Fatal(err)
	}
}

func newEnv(t *testing.T, db *store.DB, workers ...string) *env {
	t.Helper()
	cal, err := servicebot.NewCalendar(nil, nil, shanghai)
	if err != nil {
		t.Fatal(err)
	}
	clock := testclock.At(time.Time{})
	syncDirectory(t, db)
	org := servicebot.Org{
		AfterSalesDepartments: []int64{deptAfterSales},
		Roles: map[servicebot.Role][]string{servicebot.RoleServiceManager: {manager}, servicebot.RoleVPAfterSales: {"zhoujianguo"},
			servicebot.RoleSales: {"yangfan"}},
		Regions: map[string]string{"zhangwei": servicebot.RegionSouthwest, "liqiang": servicebot.RegionSouthwest, "wangjun": servicebot.RegionNorth},
	}
	svc := aftersales.New(db, db.InTx, roster(workers), aftersales.Config{
		Rules: servicebot.DefaultFollowUpRules(shanghai), Org: org, Calendar: cal, Clock: clock,
	})
	return &env{t: t, db: db, org: org, svc: svc, clock: clock}
}

// tx runs fn in a transaction as of when.
func (e *env) tx(when time.Time, fn func(tx *store.Tx) error) {
	e.t.Helper()
	e.clock.Set(when)
	if err := e.db.InTx(e.t.Context(), fn); err != nil {
		e.t.Fatal(err)
	}
}

// addCustomer stores a customer first recorded at when.
func (e *env) addCustomer(name, tier string, when time.Time) servicebot.Customer {
	e.t.Helper()
	var c servicebot.Customer
	e.tx(when, func(tx *store.Tx) error {
		if _, err := tx.UpsertCustomers(e.t.Context(), []servicebot.Customer{{Name: name, Tier: tier, Region: servicebot.RegionSouthwest}}, when); err != nil {
			return err
		}
		var err error
		c, err = tx.CustomerByName(e.t.Context(), name)
		return err
	})
	return c
}

// completedJob makes an installation job of engineer for c, completed at when
// through 完成.
func (e *env) completedJob(c servicebot.Customer, engineer string, when time.Time) servicebot.Job {
	e.t.Helper()
	var j servicebot.Job
	e.tx(when, func(tx *store.Tx) error {
		var err error
		j, _, err = tx.CreateJob(e.t.Context(), servicebot.Job{Type: servicebot.ServiceInstall, CustomerID: c.ID,
			Customer: c.Name, Engineer: engineer, Status: servicebot.JobAssigned, CreatedAt: when.Add(-72 * time.Hour),
			AssignedAt: when.Add(-72 * time.Hour)})
		if err != nil {
			return err
		}
		reply, err := e.svc.CompleteJob(e.t.Context(), tx, engineer, j.ID)
		if !strings.Contains(reply, "已完成") {
			e.t.Errorf("完成 %d replied %q", j.ID, reply)
		}
		return err
	})
	return j
}

// run runs both scheduled jobs as of when.
func (e *env) run(when time.Time) {
	e.t.Helper()
	e.clock.Set(when)
	if err := e.svc.FollowUps(e.t.Context(), when); err != nil {
		e.t.Fatal(err)
	}
	if err := e.svc.Digest(e.t.Context(), when); err != nil {
		e.t.Fatal(err)
	}
}

type sent struct {
	kind, to, text string
}

// outbox is every message enqueued so far, card texts included.
func (e *env) outbox() []sent {
	e.t.Helper()
	msgs, err := e.db.ListOutbox(e.t.Context(), []string{servicebot.OutboxPending}, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []sent
	for _, m := range msgs {
		var body struct {
			Content string `json:"content"`
			Title   struct {
				Title string `json:"title"`
			} `json:"main_title"`
			Sub string `json:"sub_title_text"`
		}
		if err := json.Unmarshal(m.Body, &body); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, sent{kind: m.Kind, to: m.ToUsers, text: body.Content + body.Title.Title + "\n" + body.Sub})
	}
	return out
}

// count is how many messages to user contain marker.
func (e *env) count(user, marker string) int {
	n := 0
	for _, m := range e.outbox() {
		if slices.Contains(strings.Split(m.to, "|"), user) && strings.Contains(m.text, marker) {
			n++
		}
	}
	return n
}

func (e *env) obligation(key string) servicebot.Obligation {
	e.t.Helper()
	var o servicebot.Obligation
	e.tx(e.clock.Now(), func(tx *store.Tx) error {
		var err error
		o, err = tx.GetObligation(e.t.Context(), key)
		return err
	})
	return o
}

func returnVisitForm(t *testing.T) servicebot.FormDef {
	t.Helper()
	cat, err := forms.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	def, ok := cat.Form(forms.PhoneReturnVisit)
	if !ok {
		t.Fatal("no 电话回访跟踪问卷表 in the catalog")
	}
	return def
}

// Must show 3 (R-VIS-2): a job completed on 2026-11-02 produces the return
// visit reminder on 11-12 (in the engineer's 08:30 digest) and the
// manager's alert on 11-17, unless the 电话回访跟踪问卷表 was filed, which
// closes the obligation and the job.
func TestReturnVisit_RVIS2_ReminderDay10ManagerDay15UnlessQuestionnaireFiled(t *testing.T) {
	t.Parallel()
	for _, filed := range []bool{false, true} {
		name := "not filed"
		if filed {
			name = "filed on 11-13"
		}
		t.Run(name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				e := newEnv(t, db, "zhangwei")
				c := e.addCustomer("成都精工机械", servicebot.TierGeneral, at(t, "2026-11-02 09:00"))
				job := e.completedJob(c, "zhangwei", at(t, "2026-11-02 16:00"))
				key := servicebot.ReturnVisitKey(job.ID)
				if o := e.obligation(key); o.Status != servicebot.ObligationOpen || !o.DueAt.Equal(at(t, "2026-11-17 00:00")) {
					t.Fatalf("return visit obligation %+v: want open, due by the end of 11-16", o)
				}
				title := "电话回访 成都精工机械（工单" + job.No() + "）"

				for _, when := range []string{"2026-11-11 08:30", "2026-11-12 08:29"} {
					e.run(at(t, when))
					if n := e.count("zhangwei", title); n != 0 {
						t.Fatalf("at %s zhangwei already got %d reminder(s)", when, n)
					}
				}
				e.run(at(t, "2026-11-12 08:30"))
				if n := e.count("zhangwei", title); n != 1 {
					t.Fatalf("on 11-12 08:30 zhangwei got %d digest(s) naming the return visit, want 1: %v", n, e.outbox())
				}
				stages, err := db.StagesSent(t.Context(), servicebot.ObligationReturnVisit, "2026-11-02")
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(stages[servicebot.StageRemind], []string{"zhangwei"}) {
					t.Errorf("stages sent %v: want the day-10 reminder recorded for zhangwei", stages)
				}

				if filed {
					def := returnVisitForm(t)
					e.tx(at(t, "2026-11-13 10:00"), func(tx *store.Tx) error {
						return e.svc.SubmissionHook(def)(t.Context(), tx, servicebot.FormSubmission{
							ID: 41, FormID: forms.PhoneReturnVisit, UserID: "zhangwei", JobID: job.ID,
							Values:      servicebot.FormValues{"customer": "成都精工机械", "satisfaction": "满意"},
							SubmittedAt: at(t, "2026-11-13 10:00"),
						})
					})
					if o := e.obligation(key); o.Status != servicebot.ObligationDone {
						t.Fatalf("after the questionnaire the obligation is %s, want done", o.Status)
					}
					e.tx(at(t, "2026-11-13 10:00"), func(tx *store.Tx) error {
						j, err := tx.GetJob(t.Context(), job.ID)
						if j.Status != servicebot.JobVisited {
							t.Errorf("job status %s, want %s (已回访)", j.Status, servicebot.JobVisited)
						}
						return err
					})
				}

				for _, when := range []string{"2026-11-16 23:59", "2026-11-17 08:29"} {
					e.run(at(t, when))
					if n := e.count(manager, "回访逾期"); n != 0 {
						t.Fatalf("at %s the manager was alerted already", when)
					}
				}
				for _, when := range []string{"2026-11-17 08:30", "2026-11-17 09:00", "2026-11-18 08:30"} {
					e.run(at(t, when))
				}
				want := 1
				if filed {
					want = 0
				}
				if n := e.count(manager, "【回访逾期】"+title); n != want {
					t.Errorf("manager alerts on and after 11-17 08:30: %d, want %d", n, want)
				}
			})
		})
	}
}

// Must show 4 (R-VIS-3): a technical question logged at 09:00 reminds its
// engineer at 15:00 and escalates to the manager at 17:00 unless answered.
// A process down over 15:00 sends no stale reminder after 17:00, but the
// escalation still goes out.
func TestTechQuestion_RVIS3_RemindAt15EscalateAt17UnlessAnswered(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name           string
		runs           []string
		answerAt       string
		wantRemind     int
		wantEscalation int
	}{
		{"unanswered", []string{"14:59", "15:00", "15:30", "16:59", "17:00", "17:01", "20:00"}, "", 1, 1},
		{"answered at 16:00", []string{"14:59", "15:00", "15:30", "16:59", "17:00", "20:00"}, "16:00", 1, 0},
		{"answered at 14:00", []string{"15:00", "17:00"}, "14:00", 0, 0},
		{"down from 14:00 to 17:30", []string{"14:00", "17:30", "17:31"}, "", 0, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				e := newEnv(t, db, "zhangwei")
				e.addCustomer("成都精工机械", servicebot.TierKey, at(t, "2026-11-01 09:00"))
				var reply string
				e.tx(at(t, "2026-11-12 09:00"), func(tx *store.Tx) error {
					var err error
					reply, err = e.svc.LogQuestion(t.Context(), tx, "zhangwei", "成都精工机械", "主轴异响如何处理", "msg:1")
					return err
				})
				if !strings.Contains(reply, "编号1") || !strings.Contains(reply, "17:00 前") {
					t.Fatalf("客户咨询 replied %q: want the number and the 17:00 deadline", reply)
				}
				for _, hm := range tc.runs {
					if tc.answerAt != "" && hm > tc.answerAt && e.obligation(servicebot.TechQuestionKey(1)).Status == servicebot.ObligationOpen {
						e.tx(at(t, "2026-11-12 "+tc.answerAt), func(tx *store.Tx) error {
							r, err := e.svc.AnswerQuestion(t.Context(), tx, "zhangwei", 1, "已电话答复")
							if !strings.Contains(r, "已答复") {
								t.Errorf("已答复 replied %q", r)
							}
							return err
						})
					}
					e.run(at(t, "2026-11-12 "+hm))
					if hm < "15:00" && e.count("zhangwei", "【咨询提醒】") != 0 {
						t.Fatalf("reminded before 15:00 (at %s)", hm)
					}
					if hm < "17:00" && e.count(manager, "【咨询超时】") != 0 {
						t.Fatalf("escalated before 17:00 (at %s)", hm)
					}
				}
				if n := e.count("zhangwei", "【咨询提醒】"); n != tc.wantRemind {
					t.Errorf("engineer reminders: %d, want %d", n, tc.wantRemind)
				}
				if n := e.count(manager, "【咨询超时】"); n != tc.wantEscalation {
					t.Errorf("manager escalations: %d, want %d", n, tc.wantEscalation)
				}
				if tc.wantEscalation > 0 && e.count(manager, "由 张伟 于") != 1 {
					t.Errorf("the escalation does not name the engineer by name: %v", e.outbox())
				}
			})
		})
	}
}

// Must show 5: the 08:30 digest goes to each engineer at work with anything
// due today or overdue, once, listing exactly that; nobody else gets one,
// and on a day off nobody does.
func TestDigest_RVIS1_RVIS2_RVIS3_ListsExactlyWhatIsDueOncePerEngineer(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, "zhangwei", "liqiang", "wangjun")
		c := e.addCustomer("成都精工机械", servicebot.TierGeneral, at(t, "2026-10-01 09:00"))
		e.addCustomer("重庆重工", servicebot.TierKey, at(t, "2026-10-12 09:00"))
		e.tx(at(t, "2026-10-12 09:00"), func(tx *store.Tx) error { // 负责工程师 named in the list
			_, err := tx.UpsertCustomers(t.Context(), []servicebot.Customer{{Name: "重庆重工", Tier: servicebot.TierKey,
				Region: servicebot.RegionSouthwest, Engineer: "liqiang"}}, at(t, "2026-10-12 09:00"))
			return err
		})
		due := e.completedJob(c, "zhangwei", at(t, "2026-11-02 16:00"))    // reminded from 11-12
		notYet := e.completedJob(c, "zhangwei", at(t, "2026-11-05 16:00")) // reminded from 11-15
		overdue := e.completedJob(c, "liqiang", at(t, "2026-10-20 16:00")) // due by 11-03
		e.tx(at(t, "2026-11-11 10:00"), func(tx *store.Tx) error {
			_, err := e.svc.LogQuestion(t.Context(), tx, "zhangwei", "成都精工机械", "参数怎么设置", "msg:7")
			return err
		})

		e.run(at(t, "2026-11-12 08:29"))
		if got := e.outbox(); len(digests(got)) != 0 {
			t.Fatalf("digests before 08:30: %v", digests(got))
		}
		for _, when := range []string{"2026-11-12 08:30", "2026-11-12 09:00", "2026-11-12 17:00"} {
			e.run(at(t, when))
		}
		got := digests(e.outbox())
		want := map[string][]string{
			"zhangwei": {"答复 成都精工机械 的技术咨询（编号1）", "电话回访 成都精工机械（工单" + due.No() + "）"},
			"liqiang": {"电话回访 成都精工机械（工单" + overdue.No() + "）",
				// R-VIS-1: the key customer first recorded on 10-12 is owed its
				// monthly call by 11-12, by its named engineer.
				"电话回访 重庆重工（重点客户，每月至少1次）"},
		}
		if len(got) != len(want) {
			t.Fatalf("digests went to %v, want exactly zhangwei and liqiang once each", keys(got))
		}
		for user, titles := range want {
			text, n := got[user].text, got[user].n
			if n != 1 {
				t.Errorf("%s got %d digests, want 1", user, n)
			}
			for _, title := range titles {
				if !strings.Contains(text, title) {
					t.Errorf("%s's digest lacks %q:\n%s", user, title, text)
				}
			}
			if lines := strings.Count(text, "· "); lines != len(titles) {
				t.Errorf("%s's digest lists %d items, want %d:\n%s", user, lines, len(titles), text)
			}
		}
		if strings.Contains(got["zhangwei"].text, "工单"+notYet.No()+"）") {
			t.Errorf("the job completed on 11-05 is not due for its reminder yet:\n%s", got["zhangwei"].text)
		}
		if !strings.Contains(got["liqiang"].text, "已逾期 1 项") || !strings.Contains(got["zhangwei"].text, "已逾期 1 项") {
			t.Errorf("overdue items are not marked:\n%s\n%s", got["zhangwei"].text, got["liqiang"].text)
		}

		// 我的待办 shows the same list on demand.
		e.tx(at(t, "2026-11-12 10:00"), func(tx *store.Tx) error {
			todo, err := e.svc.Todo(t.Context(), tx, "liqiang")
			if !strings.Contains(todo, "电话回访 成都精工机械（工单"+overdue.No()+"）") || strings.Count(todo, "· ") != 2 {
				t.Errorf("我的待办 of liqiang:\n%s", todo)
			}
			return err
		})

		// Saturday 11-14 is a day off: no digest.
		before := len(e.outbox())
		e.run(at(t, "2026-11-14 08:30"))
		if after := len(e.outbox()); after != before {
			t.Errorf("on a Saturday %d message(s) went out", after-before)
		}
	})
}

// Issue 10: a long digest shows on its card as many whole items as WeCom's
// sub_title_text holds (160 characters, 90236), never one cut in the
// middle, and says how many more 查看最新待办 lists.
func TestDigest_LongListShowsWholeItemsThatFitAndCountsTheRest(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, "zhangwei")
		c := e.addCustomer("成都精工机械", servicebot.TierGeneral, at(t, "2026-10-01 09:00"))
		const total = 8
		for i := range total {
			e.completedJob(c, "zhangwei", at(t, "2026-11-02 16:00").Add(time.Duration(i)*time.Minute))
		}
		e.run(at(t, "2026-11-12 08:30"))
		d := digests(e.outbox())["zhangwei"]
		if d.n != 1 {
			t.Fatalf("zhangwei got %d digests", d.n)
		}
		_, sub, _ := strings.Cut(d.text, "\n") // the title, then sub_title_text
		if n := utf8.RuneCountInString(sub); n > wecommsg.SubTitleRunes {
			t.Errorf("sub_title_text of %d characters, over %d:\n%s", n, wecommsg.SubTitleRunes, sub)
		}
		var full string
		e.tx(at(t, "2026-11-12 08:31"), func(tx *store.Tx) error {
			var err error
			full, err = e.svc.Todo(t.Context(), tx, "zhangwei")
			return err
		})
		shown := 0
		for _, line := range strings.Split(sub, "\n") {
			if strings.HasPrefix(line, "· ") {
				shown++
				if !strings.Contains(full, line+"\n") && !strings.HasSuffix(full, line) {
					t.Errorf("item %q is not whole", line)
				}
			}
		}
		var left int
		if _, err := fmt.Sscanf(sub[strings.LastIndex(sub, "另有"):], "另有 %d 项", &left); err != nil {
			t.Fatalf("the card does not say how many are left: %v\n%s", err, sub)
		}
		if shown < 3 || shown+left != total {
			t.Errorf("%d shown + %d left, want %d in all (and more than the 3 the robot's 112 characters held):\n%s", shown, left, total, sub)
		}
		t.Logf("the card shows %d of %d:\n%s", shown, total, sub)
		// One more whole item would not have fitted.
		lines := strings.Split(full, "\n")
		var items []string
		for _, l := range lines {
			if strings.HasPrefix(l, "· ") {
				items = append(items, l)
			}
		}
		if next := sub[:strings.LastIndex(sub, "\n")] + "\n" + items[shown] + "\n" + fmt.Sprintf("另有 %d 项，点「查看最新待办」看全部", left-1); utf8.RuneCountInString(next) <= wecommsg.SubTitleRunes {
			t.Errorf("item %d would have fitted:\n%s", shown+1, next)
		}
	})
}

type digestSeen struct {
	text string
	n    int
}

// digests are the digest cards by recipient.
func digests(msgs []sent) map[string]digestSeen {
	out := map[string]digestSeen{}
	for _, m := range msgs {
		if m.kind == servicebot.OutTemplateCard && strings.Contains(m.text, "今日待办") {
			d := out[m.to]
			d.text, d.n = m.text, d.n+1
			out[m.to] = d
		}
	}
	return out
}

func keys(m map[string]digestSeen) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// A dissatisfied answer in a questionnaire alerts the service manager, once.
func TestQuestionnaire_RVIS2_DissatisfiedAnswerAlertsManager(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, "zhangwei")
		c := e.addCustomer("成都精工机械", servicebot.TierGeneral, at(t, "2026-11-01 09:00"))
		job := e.completedJob(c, "zhangwei", at(t, "2026-11-02 16:00"))
		def := returnVisitForm(t)
		for range 2 { // a hook run twice (say a retried transaction) alerts once
			e.tx(at(t, "2026-11-05 10:00"), func(tx *store.Tx) error {
				return e.svc.SubmissionHook(def)(t.Context(), tx, servicebot.FormSubmission{
					ID: 7, FormID: forms.PhoneReturnVisit, UserID: "zhangwei", JobID: job.ID,
					Values:      servicebot.FormValues{"satisfaction": "很不满意", "attitude": "不满意", "timeliness": "满意"},
					SubmittedAt: at(t, "2026-11-05 10:00"),
				})
			})
		}
		if n := e.count(manager, "【客户不满意】成都精工机械"); n != 1 {
			t.Fatalf("manager alerts: %d, want 1: %v", n, e.outbox())
		}
		text := e.outbox()[len(e.outbox())-1].text
		for _, want := range []string{"（张伟 填写）", "总体满意度：很不满意", "服务人员态度：不满意", "工单" + job.No()} {
			if !strings.Contains(text, want) {
				t.Errorf("alert lacks %q:\n%s", want, text)
			}
		}
		if strings.Contains(text, "服务及时性") {
			t.Errorf("alert names a satisfied answer:\n%s", text)
		}
	})
}

// One dispatch, one message: the engineer's dispatch notice carries the
// service job the dispatch created, its number and how to move it.
func TestDispatchTellsEngineerOnceWithTheJob(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.addCustomer("成都精工机械", servicebot.TierGeneral, at(t, "2026-11-01 09:00"))
		e.clock.Set(at(t, "2026-11-02 09:00"))
		engine := approvals.New(db, db.InTx, approvals.Config{
			Org: e.org, Location: shanghai, Clock: e.clock}).WithHooks(dispatchHooks(e.svc))
		a, err := engine.FileRequest(t.Context(), servicebot.ApprovalRequest{Kind: servicebot.RequestService,
			ServiceType: servicebot.ServiceInstall, Customer: "成都精工机械", Region: servicebot.RegionSouthwest,
			Reason: "新购XK-500安装调试", Requester: "yangfan"})
		if err != nil {
			t.Fatal(err)
		}
		for i, tap := range []struct{ user, choice string }{{manager, "approve"}, {"zhoujianguo", "approve"}, {manager, "liqiang"}} {
			ev := wecommsg.Event{FromUserName: tap.user, CreateTime: int64(i + 1), MsgType: wecommsg.MsgEvent,
				Event: wecommsg.EventTemplateCard, ResponseCode: "rc-" + tap.user,
				EventKey: fmt.Sprintf("%s%d:%s", approvals.CardPrefix, a.Steps[i].ID, tap.choice)}
			e.tx(at(t, "2026-11-02 09:00").Add(time.Duration(i+1)*time.Minute), func(tx *store.Tx) error {
				return engine.Click(t.Context(), tx, ev)
			})
		}
		var job servicebot.Job
		e.tx(e.clock.Now(), func(tx *store.Tx) error {
			job, err = tx.JobOfRequest(t.Context(), a.Request.ID)
			return err
		})
		if job.Engineer != "liqiang" || job.Status != servicebot.JobAssigned {
			t.Fatalf("job %+v", job)
		}
		var told []string
		for _, m := range e.outbox() {
			if m.kind == servicebot.OutText && m.to == "liqiang" {
				told = append(told, m.text)
			}
		}
		if len(told) != 1 {
			t.Fatalf("the engineer got %d messages, want 1: %q", len(told), told)
		}
		for _, want := range []string{"派工通知", "成都精工机械", "申请人：杨帆", "已生成工单" + job.No(), "「开始 " + job.No() + "」"} {
			if !strings.Contains(told[0], want) {
				t.Errorf("dispatch notice lacks %q:\n%s", want, told[0])
			}
		}
	})
}

// fileAndDispatch files a service request of typ for customer through the
// approval engine, walks its chain (choice at the VP's fault step, approve
// elsewhere, engineer at dispatch) and returns the stored job.
// dispatchHooks are the service work's approval hooks without the
// machine status: the job follows the approval, the cards say nothing of
// the machine.
func dispatchHooks(s *aftersales.Service) approvals.Hooks[*store.Tx] {
	h := aftersales.ApprovalHooks[*store.Tx](s)
	h.MachineStatus = nil
	return h
}

func (e *env) fileAndDispatch(engine *approvals.Engine[*store.Tx], typ servicebot.ServiceType, customer, choice, engineer string) servicebot.Job {
	t := e.t
	t.Helper()
	a, err := engine.FileRequest(t.Context(), servicebot.ApprovalRequest{Kind: servicebot.RequestService,
		ServiceType: typ, Customer: customer, Region: servicebot.RegionSouthwest,
		Reason: "液压站异响", Requester: "yangfan"})
	if err != nil {
		t.Fatal(err)
	}
	e.walkChain(engine, a.Request.ID, choice, engineer, nil)
	var job servicebot.Job
	e.tx(e.clock.Now(), func(tx *store.Tx) error {
		job, err = tx.JobOfRequest(t.Context(), a.Request.ID)
		return err
	})
	return job
}

// walkChain taps through request id's chain, whatever its steps: choice at
// the VP's fault step, approve at an approval or review, engineer at the
// dispatch. before, when set, runs before each tap with the step about to
// be decided.
func (e *env) walkChain(engine *approvals.Engine[*store.Tx], id int64, choice, engineer string, before func(servicebot.ApprovalStep)) {
	t := e.t
	t.Helper()
	for range 6 {
		a, err := e.db.GetApproval(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		step, ok := a.Current()
		if !ok {
			return
		}
		key := servicebot.ChoiceApprove
		switch step.Action {
		case servicebot.ActionFaultPlan:
			key = choice
		case servicebot.ActionDispatch:
			key = engineer
		}
		if before != nil {
			before(step)
		}
		ev := wecommsg.Event{FromUserName: step.ApproverID, CreateTime: e.clock.Now().Unix() + step.ID, MsgType: wecommsg.MsgEvent,
			Event: wecommsg.EventTemplateCard, ResponseCode: fmt.Sprintf("rc-%d", step.ID),
			EventKey: fmt.Sprintf("%s%d:%s", approvals.CardPrefix, step.ID, key)}
		e.tx(e.clock.Now().Add(time.Minute), func(tx *store.Tx) error { return engine.Click(t.Context(), tx, ev) })
	}
	t.Fatalf("request %d: chain not done after 6 taps", id)
}

// Must show 3 (R-SVC-2, R-VIS-1, R-KPI-7): the VP's 远程支持 reaches the job
// before it exists: the job is remote, the engineer is not told to go on
// site, the customer is a key customer at once (its monthly call and
// on-site visit owed), and completing the job counts no on-site visit —
// neither as a recorded contact nor in the KPI. The on-site choice, for
// contrast, counts one.
func TestRemoteSupport_RSVC2_KeyCustomerAndNoOnSiteVisit(t *testing.T) {
	t.Parallel()
	for _, choice := range []string{servicebot.ChoiceRemote, servicebot.ChoiceOnSite} {
		t.Run(choice, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				e := newEnv(t, db)
				c := e.addCustomer("重庆重工", servicebot.TierGeneral, at(t, "2026-10-08 09:00"))
				e.clock.Set(at(t, "2026-11-02 09:00"))
				engine := approvals.New(db, db.InTx, approvals.Config{
					Org: e.org, Location: shanghai, Clock: e.clock}).WithHooks(dispatchHooks(e.svc))
				job := e.fileAndDispatch(engine, servicebot.ServiceFault, c.Name, choice, "liqiang")
				remote := choice == servicebot.ChoiceRemote
				if job.Remote != remote || job.Engineer != "liqiang" {
					t.Fatalf("job %+v: want remote=%v, dispatched to liqiang", job, remote)
				}
				var notice string
				for _, m := range e.outbox() {
					if m.to == "liqiang" && strings.Contains(m.text, "派工通知") {
						notice = m.text
					}
				}
				if remote && (strings.Contains(notice, "到现场后") || !strings.Contains(notice, "远程支持") ||
					!strings.Contains(notice, "无需到现场")) {
					t.Errorf("remote dispatch notice:\n%s", notice)
				}
				if !remote && !strings.Contains(notice, "到现场后发送「开始 "+job.No()+"」") {
					t.Errorf("on-site dispatch notice:\n%s", notice)
				}
				var tier string
				e.tx(at(t, "2026-11-02 10:00"), func(tx *store.Tx) error {
					got, err := tx.CustomerByName(t.Context(), c.Name)
					tier = got.Tier
					return err
				})
				if want := map[bool]string{true: servicebot.TierKey, false: servicebot.TierGeneral}[remote]; tier != want {
					t.Fatalf("customer tier after the dispatch %q, want %q", tier, want)
				}
				if remote {
					// Key at once: its monthly call and half-year visit are owed now.
					for _, kind := range []string{servicebot.ObligationCustomerCall, servicebot.ObligationSiteVisit} {
						open, err := db.OpenObligationsOf(t.Context(), kind, servicebot.RegularVisitPrefix(kind, c.ID))
						if err != nil {
							t.Fatal(err)
						}
						if len(open) != 1 || !strings.Contains(open[0].Note, "重点客户") {
							t.Errorf("open %s after the promotion: %+v", kind, open)
						}
					}
				}

				var reply string
				e.tx(at(t, "2026-11-03 15:00"), func(tx *store.Tx) error {
					var err error
					reply, err = e.svc.CompleteJob(t.Context(), tx, "liqiang", job.ID)
					return err
				})
				if remote != strings.Contains(reply, "远程支持，不计现场走访") {
					t.Errorf("完成 replied %q", reply)
				}
				contacts, err := db.ContactsBetween(t.Context(), at(t, "2026-11-01 00:00"), at(t, "2026-12-01 00:00"))
				if err != nil {
					t.Fatal(err)
				}
				facts, err := kpi.Visits{Store: db, Location: shanghai}.Facts(t.Context(), "",
					servicebot.NewDate(2026, 11, 1), servicebot.NewDate(2026, 11, 30))
				if err != nil {
					t.Fatal(err)
				}
				onSite := 0
				for _, f := range facts {
					if f.Kind == servicebot.FactOnSiteVisit && f.UserID == "liqiang" {
						onSite++
					}
				}
				want := 1
				if remote {
					want = 0
				}
				if len(contacts) != want || onSite != want {
					t.Errorf("on-site visits after 完成: %d contacts %+v, %d KPI facts; want %d", len(contacts), contacts, onSite, want)
				}
			})
		})
	}
}

// Issue 16 item 3 (R-SVC-2): the fault request's machine reaches the job
// and everyone who decides on it: the VP's card and the dispatch card show
// the machine, the fault's cause and extent, the warranty and the earlier
// fault; 详情 shows the rest; the engineer's notice names whom to call.
func TestFaultMachine_RSVC2_SerialReachesJobCardsAndNotice(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := e.addCustomer("重庆重工", servicebot.TierGeneral, at(t, "2026-10-08 09:00"))
		e.tx(at(t, "2026-10-08 09:00"), func(tx *store.Tx) error {
			if _, err := tx.UpsertEquipment(t.Context(), []servicebot.Equipment{{Customer: c.Name, Model: "XK-500",
				Serial: "XK500-2407", WarrantyEnd: servicebot.NewDate(2027, 3, 1)}}, at(t, "2026-10-08 09:00")); err != nil {
				return err
			}
			_, _, err := tx.CreateJob(t.Context(), servicebot.Job{Type: servicebot.ServiceFault, CustomerID: c.ID, Customer: c.Name,
				Serial: "XK500-2407", Engineer: "zhangwei", Status: servicebot.JobCompleted, CreatedAt: at(t, "2026-10-08 09:00")})
			return err
		})
		e.clock.Set(at(t, "2026-11-02 09:00"))
		engine := approvals.New(db, db.InTx, approvals.Config{
			Org: e.org, Location: shanghai, Clock: e.clock}).WithHooks(aftersales.ApprovalHooks[*store.Tx](e.svc))
		a, err := engine.FileRequest(t.Context(), servicebot.ApprovalRequest{Kind: servicebot.RequestService,
			ServiceType: servicebot.ServiceFault, Customer: c.Name, Region: servicebot.RegionSouthwest,
			Reason: "尽快恢复生产", Requester: "yangfan", Site: &servicebot.ServiceSite{Contact: "王经理", Phone: "13800001111",
				Address: "重庆市渝北区", Model: "XK-500", Serial: "XK500-2407", FaultCause: "主轴轴承磨损", FaultExtent: "停机"}})
		if err != nil {
			t.Fatal(err)
		}
		// Walk the chain; the VP's card, its 详情 and the dispatch card are
		// read as each comes up.
		var vpCard, detail, dispatchCard string
		e.walkChain(engine, a.Request.ID, servicebot.ChoiceOnSite, "liqiang", func(step servicebot.ApprovalStep) {
			switch step.Action {
			case servicebot.ActionFaultPlan:
				vpCard = e.lastCard(step.ApproverID)
				e.tx(e.clock.Now(), func(tx *store.Tx) error {
					return engine.Click(t.Context(), tx, wecommsg.Event{FromUserName: step.ApproverID, CreateTime: 1,
						MsgType: wecommsg.MsgEvent, Event: wecommsg.EventTemplateCard,
						EventKey: fmt.Sprintf("%s%d:detail", approvals.CardPrefix, step.ID)})
				})
				detail = e.lastText(step.ApproverID)
			case servicebot.ActionDispatch:
				dispatchCard = e.lastCard(step.ApproverID)
			}
		})
		for _, want := range []string{"XK-500 出厂编号 XK500-2407", "保修期内（至2027-03-01）", "⚠重复故障：此前工单1（10月8日）",
			"故障原因：主轴轴承磨损；损坏程度：停机"} {
			if !strings.Contains(vpCard, want) {
				t.Errorf("the VP's card lacks %q:\n%s", want, vpCard)
			}
		}
		for _, want := range []string{"设备状态：保修期内（至2027-03-01）；⚠重复故障", "联系人：王经理 13800001111", "损坏程度：停机"} {
			if !strings.Contains(detail, want) {
				t.Errorf("详情 lacks %q:\n%s", want, detail)
			}
		}
		if !strings.Contains(dispatchCard, "保修期内") || !strings.Contains(dispatchCard, "XK500-2407") {
			t.Errorf("the dispatch card lacks the machine:\n%s", dispatchCard)
		}
		notice := e.lastText("liqiang")
		for _, want := range []string{"联系人：王经理 13800001111", "地址：重庆市渝北区", "设备：XK-500 出厂编号 XK500-2407",
			"设备状态：保修期内（至2027-03-01）；⚠重复故障"} {
			if !strings.Contains(notice, want) {
				t.Errorf("the dispatch notice lacks %q:\n%s", want, notice)
			}
		}
		var job servicebot.Job
		e.tx(at(t, "2026-11-02 10:00"), func(tx *store.Tx) error {
			job, err = tx.JobOfRequest(t.Context(), a.Request.ID)
			return err
		})
		if job.Serial != "XK500-2407" || !job.RepeatFault || job.Equipment.WarrantyOn(servicebot.NewDate(2026, 11, 2)) != servicebot.WarrantyIn {
			t.Errorf("job %+v: want the request's machine, in warranty, a repeated fault", job)
		}
	})
}

// lastCard is the text of the last card sent to user, "" when none.
func (e *env) lastCard(user string) string {
	e.t.Helper()
	msgs, err := e.db.ListOutbox(e.t.Context(), []string{servicebot.OutboxPending}, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	last := ""
	for _, m := range msgs {
		if m.ToUsers == user && m.Kind == servicebot.OutTemplateCard {
			last = string(m.Body)
		}
	}
	return last
}

// lastText is the last text sent to user, "" when none.
func (e *env) lastText(user string) string {
	e.t.Helper()
	last := ""
	for _, m := range e.outbox() {
		if m.to == user && m.kind == servicebot.OutText {
			last = m.text
		}
	}
	return last
}

// Issue 16 item 5 (R-VIS-2): the 完成 reply and the digest link the job's
// 电话回访跟踪问卷表 with the job filled in; a questionnaire filed without
// 工单号 for a customer with one open return visit of that engineer closes
// it, and with two it asks which job instead of closing nothing.
func TestReturnVisitLinksAndQuestionnaireWithoutJob_RVIS2(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, "zhangwei")
		cal, err := servicebot.NewCalendar(nil, nil, shanghai)
		if err != nil {
			t.Fatal(err)
		}
		e.svc = aftersales.New(db, db.InTx, roster{"zhangwei"}, aftersales.Config{
			Rules: servicebot.DefaultFollowUpRules(shanghai), Org: e.org, Calendar: cal, Clock: e.clock,
			FormURL: func(id string, job int64) string {
				return fmt.Sprintf("https://bot.example/web/forms/%s?job=%d", id, job)
			},
		})
		c := e.addCustomer("成都精工机械", servicebot.TierGeneral, at(t, "2026-11-01 09:00"))
		var reply string
		var first servicebot.Job
		e.tx(at(t, "2026-11-02 16:00"), func(tx *store.Tx) error {
			var err error
			first, _, err = tx.CreateJob(t.Context(), servicebot.Job{Type: servicebot.ServiceInstall, CustomerID: c.ID,
				Customer: c.Name, Engineer: "zhangwei", Status: servicebot.JobAssigned, CreatedAt: at(t, "2026-11-01 09:00")})
			if err != nil {
				return err
			}
			reply, err = e.svc.CompleteJob(t.Context(), tx, "zhangwei", first.ID)
			return err
		})
		link := fmt.Sprintf("https://bot.example/web/forms/phone_return_visit?job=%d", first.ID)
		if !strings.Contains(reply, link) {
			t.Errorf("完成 replied %q: want the linked questionnaire %s", reply, link)
		}
		e.run(at(t, "2026-11-12 08:30"))
		if card := e.lastCard("zhangwei"); !strings.Contains(card, strings.ReplaceAll(link, "&", `\u0026`)) && !strings.Contains(card, link) {
			t.Errorf("the digest lacks the linked questionnaire:\n%s", card)
		}

		def := returnVisitForm(t)
		file := func(id int64, when string) error {
			return db.InTx(t.Context(), func(tx *store.Tx) error {
				return e.svc.SubmissionHook(def)(t.Context(), tx, servicebot.FormSubmission{ID: id, FormID: forms.PhoneReturnVisit,
					UserID: "zhangwei", Values: servicebot.FormValues{"customer": c.Name, "satisfaction": "满意"},
					SubmittedAt: at(t, when)})
			})
		}
		// One open return visit: the questionnaire without 工单号 closes it.
		if err := file(1, "2026-11-12 10:00"); err != nil {
			t.Fatal(err)
		}
		if o := e.obligation(servicebot.ReturnVisitKey(first.ID)); o.Status != servicebot.ObligationDone {
			t.Fatalf("return visit of 工单%s is %s after a questionnaire without 工单号, want done", first.No(), o.Status)
		}
		// Two open: it asks which, and closes neither.
		second := e.completedJob(c, "zhangwei", at(t, "2026-11-13 16:00"))
		third := e.completedJob(c, "zhangwei", at(t, "2026-11-14 16:00"))
		err = file(2, "2026-11-16 10:00")
		var fe servicebot.FieldErrors
		if !errors.As(err, &fe) || !strings.Contains(fe[aftersales.FieldJob], "工单"+second.No()) ||
			!strings.Contains(fe[aftersales.FieldJob], "工单"+third.No()) {
			t.Fatalf("a questionnaire without 工单号 with two open return visits: %v, want a question naming both jobs", err)
		}
		for _, j := range []servicebot.Job{second, third} {
			if o := e.obligation(servicebot.ReturnVisitKey(j.ID)); o.Status != servicebot.ObligationOpen {
				t.Errorf("return visit of 工单%s is %s, want still open", j.No(), o.Status)
			}
		}
	})
}

// Issue 16 item 7: a regular call due on a Sunday is in Friday's digest,
// not first seen on Monday already overdue.
func TestWeekendDueDateInLastWorkingDaysDigest_RVIS1(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, "zhangwei")
		// First recorded on 10-15: the monthly call is due by Sunday 11-15.
		c := e.addCustomer("重庆重工", servicebot.TierKey, at(t, "2026-10-15 09:00"))
		e.tx(at(t, "2026-10-15 09:00"), func(tx *store.Tx) error {
			_, err := tx.UpsertCustomers(t.Context(), []servicebot.Customer{{Name: c.Name, Tier: servicebot.TierKey,
				Region: servicebot.RegionSouthwest, Engineer: "zhangwei"}}, at(t, "2026-10-15 09:00"))
			return err
		})
		e.run(at(t, "2026-11-12 08:30"))
		if n := e.count("zhangwei", "电话回访 重庆重工"); n != 0 {
			t.Fatalf("reminded on Thursday 11-12 already")
		}
		e.run(at(t, "2026-11-13 08:30")) // Friday
		card := e.lastCard("zhangwei")
		if !strings.Contains(card, "电话回访 重庆重工") || strings.Contains(card, "已逾期") {
			t.Errorf("Friday's digest before a Sunday due date:\n%s", card)
		}
	})
}

// Issue 16 item 7: 客户咨询 for a name not in the customer list is logged
// (R-VIS-3's clock runs) but says so; the job names its request's number.
func TestUnknownCustomerQuestionSaidAndJobNamesItsRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.addCustomer("成都精工机械", servicebot.TierGeneral, at(t, "2026-11-01 09:00"))
		var known, unknown string
		e.tx(at(t, "2026-11-02 09:00"), func(tx *store.Tx) error {
			var err error
			if known, err = e.svc.LogQuestion(t.Context(), tx, "zhangwei", "成都精工机械", "参数", "msg:1"); err != nil {
				return err
			}
			unknown, err = e.svc.LogQuestion(t.Context(), tx, "zhangwei", "成都精攻机械", "参数", "msg:2")
			return err
		})
		if strings.Contains(known, "客户名单中没有") || !strings.Contains(unknown, "客户名单中没有「成都精攻机械」") ||
			!strings.Contains(unknown, "编号2") {
			t.Errorf("客户咨询 replies:\n%s\n%s", known, unknown)
		}
		e.clock.Set(at(t, "2026-11-02 10:00"))
		engine := approvals.New(db, db.InTx, approvals.Config{
			Org: e.org, Location: shanghai, Clock: e.clock}).WithHooks(aftersales.ApprovalHooks[*store.Tx](e.svc))
		// A job made by hand first, so the request's and the job's numbers differ.
		e.tx(e.clock.Now(), func(tx *store.Tx) error {
			_, _, err := tx.CreateJob(t.Context(), servicebot.Job{Type: servicebot.ServiceVisit, Customer: "成都精工机械",
				Engineer: "zhangwei", Status: servicebot.JobAssigned, CreatedAt: e.clock.Now()})
			return err
		})
		job := e.fileAndDispatch(engine, servicebot.ServiceInstall, "成都精工机械", servicebot.ChoiceApprove, "liqiang")
		if job.RequestID == job.ID {
			t.Fatalf("job %d of request %d: the numbers should differ for this test", job.ID, job.RequestID)
		}
		want := fmt.Sprintf("已生成工单%s（申请 #%d，", job.No(), job.RequestID)
		if notice := e.lastText("liqiang"); !strings.Contains(notice, want) {
			t.Errorf("the dispatch notice lacks %q:\n%s", want, notice)
		}
		e.tx(at(t, "2026-11-02 11:00"), func(tx *store.Tx) error {
			mine, err := e.svc.MyJobs(t.Context(), tx, "liqiang")
			if !strings.Contains(mine, fmt.Sprintf("工单%s", job.No())) || !strings.Contains(mine, fmt.Sprintf("（申请 #%d）", job.RequestID)) {
				t.Errorf("我的工单:\n%s", mine)
			}
			return err
		})
	})
}

// Issue 16 item 6 (R-ORG-2, R-VIS-1): a customer without a named engineer
// is given one in turn within its region (the one with the fewest
// customers, ties by userid), recorded on the customer; naming another
// engineer moves its open calls and visits to them.
func TestCustomerEngineer_RoundRobinRecordedAndReassignmentMovesObligations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for _, name := range []string{"甲厂", "乙厂", "丙厂"} {
			e.addCustomer(name, servicebot.TierKey, at(t, "2026-11-02 09:00"))
		}
		e.run(at(t, "2026-11-02 10:00"))
		cs, err := db.Customers(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		per := map[string]int{}
		for _, c := range cs {
			if c.EngineerSource != servicebot.EngineerRoundRobin || (c.Engineer != "liqiang" && c.Engineer != "zhangwei") {
				t.Errorf("%s: engineer %q (%q), want a 西南 engineer given in turn", c.Name, c.Engineer, c.EngineerSource)
			}
			per[c.Engineer]++
		}
		if per["liqiang"] != 2 || per["zhangwei"] != 1 {
			t.Errorf("customers per engineer %v, want 2 and 1 (turns, not all to the first)", per)
		}
		var jia servicebot.Customer
		for _, c := range cs {
			if c.Name == "甲厂" {
				jia = c
			}
		}
		other := map[string]string{"liqiang": "zhangwei", "zhangwei": "liqiang"}[jia.Engineer]
		e.tx(at(t, "2026-11-03 09:00"), func(tx *store.Tx) error {
			_, err := tx.UpsertCustomers(t.Context(), []servicebot.Customer{{Name: "甲厂", Tier: servicebot.TierKey,
				Region: servicebot.RegionSouthwest, Engineer: other}}, at(t, "2026-11-03 09:00"))
			return err
		})
		e.run(at(t, "2026-11-03 09:01"))
		for _, kind := range []string{servicebot.ObligationCustomerCall, servicebot.ObligationSiteVisit} {
			open, err := db.OpenObligationsOf(t.Context(), kind, servicebot.RegularVisitPrefix(kind, jia.ID))
			if err != nil {
				t.Fatal(err)
			}
			if len(open) != 1 || open[0].UserID != other {
				t.Errorf("open %s of 甲厂 after reassigning it to %s: %+v", kind, other, open)
			}
		}
	})
}

// Issue 16 item 7: the service manager's 我的工单 lists the department's
// open jobs with their engineers, not 「您目前没有工单」.
func TestMyJobs_ManagerSeesDepartmentJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := e.addCustomer("成都精工机械", servicebot.TierGeneral, at(t, "2026-11-01 09:00"))
		job := e.completedJob(c, "zhangwei", at(t, "2026-11-02 16:00"))
		e.tx(at(t, "2026-11-03 09:00"), func(tx *store.Tx) error {
			text, err := e.svc.MyJobs(t.Context(), tx, manager)
			if !strings.Contains(text, "部门未完结的工单 1 个") || !strings.Contains(text, "工单"+job.No()) || !strings.Contains(text, "张伟") {
				t.Errorf("the manager's 我的工单:\n%s", text)
			}
			return err
		})
	})
}
