package kpi_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/kpi"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

func at(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2026, month, day, hour, minute, 0, 0, shanghai)
}

// roster is a fixed list of engineers (people.Directory in production).
type roster []servicebot.Member

func (r roster) Engineers(context.Context, servicebot.Date) ([]servicebot.Member, error) {
	return r, nil
}

const manager = "boss"

func newMonth(db *store.DB, clk *testclock.Clock) *kpi.Month {
	return kpi.NewMonth(db, db.InTx, kpi.MonthConfig{
		Rules:   servicebot.DefaultKPIRules(),
		Sources: []kpi.Source{kpi.BotRecords{Store: db, Location: shanghai}, kpi.ManagerInputs{Store: db}, kpi.Appeals{Store: db, Location: shanghai}},
		Engineers: roster{{UserID: "li", Name: "李娜", Active: true}, {UserID: "wang", Name: "王强", Active: true},
			{UserID: "zhang", Name: "张伟", Active: true}},
		Location: shanghai,
		DraftAt:  9 * time.Hour, AppealWindow: 48 * time.Hour, Managers: []string{manager},
		Group: kpi.Group{ChatID: "aftersales"}, Clock: clk, Logger: slog.New(slog.DiscardHandler),
		PageURL:  func(month, user string) string { return "https://bot.example.com/web/kpi/" + month + "/card?u=" + user },
		TableURL: func(month string) string { return "https://bot.example.com/web/kpi/" + month + "/table" },
	})
}

// seedOctober records October 2026 the way the bot and the manager would.
func seedOctober(t *testing.T, db *store.DB, clk *testclock.Clock) {
	t.Helper()
	ctx := t.Context()
	fen := func(v servicebot.Fen) *servicebot.Fen { return &v }
	report := func(user string, day int, parts *servicebot.Fen) servicebot.DailyReport {
		return servicebot.DailyReport{UserID: user, Day: servicebot.NewDate(2026, 10, day), Status: servicebot.ReportOnTime,
			Source: servicebot.ReportSourceChat, Report: servicebot.Report{Done: []string{"安装调试"}, Plan: []string{"回访"}, PartsSales: parts},
			Raw: "今天：安装调试", SubmittedAt: at(10, day, 20, 0)}
	}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, r := range []servicebot.DailyReport{
			report("zhang", 5, fen(6000_00)), report("zhang", 20, fen(4000_00)), // 10000.00: 10 points
			report("li", 16, fen(4999_99)),  // 4 points
			report("wang", 7, fen(5000_00)), // 8 points
		} {
			if _, err := tx.SaveReport(ctx, r); err != nil {
				return err
			}
		}
		for user, days := range map[string]int{"zhang": 21, "li": 15, "wang": 20} {
			for d := 1; d <= days; d++ {
				if _, err := tx.AddReportAttachment(ctx, servicebot.ReportAttachment{UserID: user, Day: servicebot.NewDate(2026, 10, d),
					Kind: servicebot.AttachLocation, Label: "现场", At: at(10, d, 10, 0)}); err != nil {
					return err
				}
			}
		}
		_, err := tx.AddKPIEvents(ctx, []servicebot.KPIEvent{
			{UserID: "zhang", Month: "2026-10", Kind: servicebot.KPIMissingDaily, Ref: "2026-10-14", CreatedAt: at(10, 15, 9, 0)},
			{UserID: "wang", Month: "2026-10", Kind: servicebot.KPIMissingDaily, Ref: "2026-10-08", CreatedAt: at(10, 9, 9, 0)},
			{UserID: "wang", Month: "2026-10", Kind: servicebot.KPIMissingDaily, Ref: "2026-10-09", CreatedAt: at(10, 10, 9, 0)},
			{UserID: "li", Month: "2026-10", Kind: servicebot.KPILateMonthly, Ref: "monthly_diary:2026-09:li", CreatedAt: at(10, 21, 0, 1)},
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	clk.Set(at(10, 31, 18, 0))
	inputs := kpi.NewInputs(db.InTx, kpi.InputsConfig{Rules: servicebot.DefaultKPIRules(), Clock: clk})
	csv := "账号,项目,日期,数量,数值,目标,说明\n" +
		",profit,,,11.5%,12%,\n" +
		",productivity,,,103.25,100,\n" +
		",quality_cost,,,80,,\n" +
		",retention,,,94.5,,\n" +
		"zhang,phone_visit,,6,,,\n" +
		"zhang,on_site_visit,,1,,,\n" +
		"zhang,附加分,,,+2,,牵头完成年度巡检\n" +
		"li,客户投诉,2026-10-07,,,,客户来电投诉响应慢\n" +
		"li,failed_service,2026-10-08,,,,调试后验收不合格\n" +
		"li,phone_visit,,5,,,\n" +
		"li,on_site_visit,,0,,,\n" +
		"li,纪律性,2026-10-21,,1,,未按部门安排出差\n" +
		"wang,failed_service,2026-10-04,,,,\n"
	ins, lines, err := kpi.ParseFile(strings.NewReader(csv), "10月考核录入.csv", "2026-10")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inputs.Add(ctx, ins, manager, "upload 10月考核录入.csv", lines); err != nil {
		t.Fatal(err)
	}
}

func outbox(t *testing.T, db *store.DB) []servicebot.OutboxMessage {
	t.Helper()
	msgs, err := db.ListOutbox(t.Context(), []string{servicebot.OutboxPending}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(msgs, func(a, b servicebot.OutboxMessage) int { return int(a.ID - b.ID) })
	return msgs
}

func since(msgs []servicebot.OutboxMessage, id int64) []servicebot.OutboxMessage {
	var out []servicebot.OutboxMessage
	for _, m := range msgs {
		if m.ID > id {
			out = append(out, m)
		}
	}
	return out
}

func lastID(msgs []servicebot.OutboxMessage) int64 {
	if len(msgs) == 0 {
		return 0
	}
	return msgs[len(msgs)-1].ID
}

func content(t *testing.T, m servicebot.OutboxMessage) string {
	t.Helper()
	var body struct {
		Content  string `json:"content"`
		Markdown struct {
			Content string `json:"content"`
		} `json:"markdown"`
	}
	if err := json.Unmarshal(m.Body, &body); err != nil {
		t.Fatal(err)
	}
	return body.Content + body.Markdown.Content
}

// goldenMu keeps -update's write of a golden file from meeting another
// test's read of it: both dialects' runs compare to the same files at once.
var goldenMu sync.Mutex

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	goldenMu.Lock()
	defer goldenMu.Unlock()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file:\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

// msgSeq numbers the test messages; atomic, as tests on both dialects send at once.
var msgSeq atomic.Int64

func text(from, content string, now time.Time) wecommsg.Event {
	return wecommsg.Event{FromUserName: from, MsgType: wecommsg.MsgText, Content: content,
		MsgID: fmt.Sprintf("m%d", msgSeq.Add(1)), CreateTime: now.Unix()}
}

func click(from, key string, now time.Time) wecommsg.Event {
	return wecommsg.Event{FromUserName: from, MsgType: wecommsg.MsgEvent, Event: wecommsg.EventTemplateCard,
		EventKey: key, ResponseCode: "rc-" + key, CreateTime: now.Unix()}
}

// TestMonthStages_R_KPI_13 takes October 2026 through its stages: the draft
// on November 1st at 09:00 with previews and the manager's card, an appeal
// accepted into a new revision, publishing (golden files), a late appeal
// refused, and a correction after publishing.
func TestMonthStages_R_KPI_13(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		clk := testclock.At(time.Time{})
		seedOctober(t, db, clk)
		c := newMonth(db, clk)
		inTx := func(fn func(tx kpi.Tx) error) {
			t.Helper()
			if err := db.InTx(ctx, func(tx *store.Tx) error { return fn(tx) }); err != nil {
				t.Fatal(err)
			}
		}

		// 08:59 on the 1st: not yet; more than a week late (a first start
		// mid-month): not by itself either.
		for _, when := range []time.Time{at(11, 1, 8, 59), at(11, 8, 9, 1)} {
			if err := c.DraftDue(ctx, when); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.LatestKPIRevision(ctx, "2026-10"); err == nil {
			t.Fatal("drafted before 09:00")
		}
		clk.Set(at(11, 1, 9, 0))
		for range 2 { // a re-run drafts nothing more
			if err := c.DraftDue(ctx, clk.Now()); err != nil {
				t.Fatal(err)
			}
		}
		revs, err := db.KPIRevisions(ctx, "2026-10")
		if err != nil || len(revs) != 1 || !revs[0].AppealUntil.Equal(at(11, 3, 9, 0)) {
			t.Fatalf("after the draft: revisions %+v, %v", revs, err)
		}
		msgs := outbox(t, db)
		to := map[string]int{}
		for _, m := range msgs {
			to[m.ToUsers]++
		}
		if to["li"] != 1 || to["wang"] != 1 || to["zhang"] != 1 || to[manager] != 1 || len(msgs) != 4 {
			t.Fatalf("draft sent %v, want one preview each and the manager's card", to)
		}
		var preview string
		for _, m := range msgs {
			if m.ToUsers == "zhang" {
				preview = content(t, m)
			}
			// Issue 11 item 11: the buttons name the revision, and no
			// replace_text greys 发布 when 查看 is tapped.
			if m.ToUsers == manager && (m.Kind != servicebot.OutTemplateCard || !strings.Contains(string(m.Body), `"kpi:publish:2026-10:1"`) ||
				!strings.Contains(string(m.Body), `"kpi:view:2026-10:1"`) || strings.Contains(string(m.Body), "replace_text")) {
				t.Errorf("manager's card: %s", m.Body)
			}
		}
		golden(t, "preview-zhang.txt", preview)

		// wang has two missing reports (R-KPI-4: 6.00). An appeal names one
		// deduction: without saying which, he is asked (R-KPI-13).
		mark := lastID(outbox(t, db))
		clk.Set(at(11, 2, 10, 0))
		inTx(func(tx kpi.Tx) error {
			_, err := c.TakeAppeal(ctx, tx, text("wang", "申诉 服务管理 8、9日在矿区没有信号，当晚已电话汇报", clk.Now()))
			return err
		})
		if asked := since(outbox(t, db), mark); len(asked) != 1 || !strings.Contains(content(t, asked[0]), "有 2 项扣分") {
			t.Fatalf("an appeal naming no deduction answered %+v", asked)
		}
		if appeals, _ := db.KPIAppeals(ctx, "2026-10"); len(appeals) != 0 {
			t.Fatalf("recorded %+v", appeals)
		}
		mark = lastID(outbox(t, db))
		inTx(func(tx kpi.Tx) error {
			took, err := c.TakeAppeal(ctx, tx, text("wang", "申诉 服务管理 10月8日 在矿区没有信号，当晚已电话汇报", clk.Now()))
			if !took {
				t.Error("appeal not taken")
			}
			return err
		})
		got := since(outbox(t, db), mark)
		if len(got) != 2 || got[0].ToUsers != manager || !strings.Contains(string(got[0].Body), "kpi:appeal:1:accept") ||
			!strings.Contains(content(t, got[1]), "申诉 #1") {
			t.Fatalf("appeal sent %+v", got)
		}
		// Somebody else's tap on 采纳 does nothing; the manager's does.
		inTx(func(tx kpi.Tx) error { return c.Click(ctx, tx, click("zhang", "kpi:appeal:1:accept", clk.Now())) })
		if revs, _ := db.KPIRevisions(ctx, "2026-10"); len(revs) != 1 {
			t.Fatalf("a non-manager's tap made a revision")
		}
		mark = lastID(outbox(t, db))
		clk.Set(at(11, 2, 15, 0))
		for range 2 { // a double tap decides once
			inTx(func(tx kpi.Tx) error { return c.Click(ctx, tx, click(manager, "kpi:appeal:1:accept", clk.Now())) })
		}
		m, err := kpi.Load(ctx, db, "2026-10", 0)
		if err != nil {
			t.Fatal(err)
		}
		if m.Revision != 2 || len(m.History) != 2 || m.History[1].Reason != "申诉 #1 采纳" || m.History[1].CreatedBy != manager ||
			m.Appeals[0].Status != servicebot.KPIAppealAccepted || m.Appeals[0].ResultRevision != 2 {
			t.Fatalf("after accepting: %+v", m)
		}
		first, err := kpi.Load(ctx, db, "2026-10", 1)
		if err != nil {
			t.Fatal(err)
		}
		score := func(mm kpi.MonthRecord, user string, ind servicebot.KPIIndicator) (servicebot.Points, servicebot.Points) {
			for _, sc := range mm.Engineers {
				if sc.UserID == user {
					s, _ := sc.Indicator(ind)
					return s.Score, sc.Total
				}
			}
			t.Fatalf("%s not in revision %d", user, mm.Revision)
			return 0, 0
		}
		// Only the 8th is withdrawn; the 9th stays (R-KPI-13).
		s1, t1 := score(first, "wang", servicebot.KPIServiceMgmt)
		s2, t2 := score(m, "wang", servicebot.KPIServiceMgmt)
		if s1 != 600 || s2 != 700 || t2-t1 != 100 {
			t.Errorf("wang's R-KPI-4: revision 1 %s (total %s), revision 2 %s (total %s); want 6.00 → 7.00", s1, t1, s2, t2)
		}
		told := since(outbox(t, db), mark)
		var newCard bool
		for _, msg := range told {
			if msg.ToUsers == manager && msg.Kind == servicebot.OutTemplateCard && strings.Contains(string(msg.Body), `"kpi:publish:2026-10:2"`) {
				newCard = true // issue 11 item 11: the new revision brings its card
			}
		}
		if len(told) < 2 || told[0].ToUsers != "wang" || !strings.Contains(content(t, told[0]), "6.00 → 7.00") || !newCard {
			t.Fatalf("after accepting, sent %+v", told)
		}

		// 查看 answers with the ranking and publishes nothing; 发布 on the
		// card of revision 1 is refused: it never showed revision 2.
		mark = lastID(outbox(t, db))
		inTx(func(tx kpi.Tx) error { return c.Click(ctx, tx, click(manager, "kpi:view:2026-10:1", clk.Now())) })
		inTx(func(tx kpi.Tx) error { return c.Click(ctx, tx, click(manager, "kpi:publish:2026-10:1", clk.Now())) })
		if latest, _ := db.LatestKPIRevision(ctx, "2026-10"); latest.Published() {
			t.Fatal("查看 or a stale 发布 published")
		}
		stale := since(outbox(t, db), mark)
		if len(stale) < 2 || !strings.Contains(content(t, stale[len(stale)-2]), "已有第 2 版") {
			t.Fatalf("stale 发布 answered %+v", stale)
		}

		// 发布: the ranking to the group, each engineer their breakdown.
		mark = lastID(outbox(t, db))
		clk.Set(at(11, 3, 10, 0))
		for range 2 {
			inTx(func(tx kpi.Tx) error { return c.Click(ctx, tx, click(manager, "kpi:publish:2026-10:2", clk.Now())) })
		}
		published := since(outbox(t, db), mark)
		var group []string
		breakdowns := map[string][]string{} // a long breakdown comes in parts under 2048 bytes
		for _, m := range published {
			switch {
			case m.Kind == servicebot.OutAppChat && m.ToChat == "aftersales":
				group = append(group, content(t, m))
			case m.Kind == servicebot.OutText:
				breakdowns[m.ToUsers] = append(breakdowns[m.ToUsers], content(t, m))
			}
		}
		if len(breakdowns) != 3 {
			t.Errorf("published breakdowns to %d engineers, want 3", len(breakdowns))
		}
		golden(t, "published-group.md", strings.Join(group, "\n"))
		golden(t, "published-zhang.txt", strings.Join(breakdowns["zhang"], "\n"))
		// Must show 3 (issue 12): each engineer's text is one message,
		// under 2048 bytes and 8 lines.
		for user, parts := range breakdowns {
			if len(parts) != 1 || len(parts[0]) > 2048 || strings.Count(parts[0], "\n")+1 >= 8 {
				t.Errorf("%s's breakdown: %d message(s), %d bytes, %d lines", user, len(parts), len(parts[0]), strings.Count(parts[0], "\n")+1)
			}
		}

		// After the window, an appeal is refused.
		mark = lastID(outbox(t, db))
		clk.Set(at(11, 3, 9, 1).Add(24 * time.Hour))
		inTx(func(tx kpi.Tx) error {
			_, err := c.TakeAppeal(ctx, tx, text("li", "申诉 市场维护与开发 有一笔配件销售漏报", clk.Now()))
			return err
		})
		late := since(outbox(t, db), mark)
		if len(late) != 1 || !strings.Contains(content(t, late[0]), "已于 11月3日 09:00 截止") {
			t.Fatalf("late appeal answered %+v", late)
		}

		// A correction after publishing: the manager withdraws li's complaint
		// and re-drafts; revision 3 is published at once and only li is told.
		inputs, err := db.KPIInputs(ctx, "2026-10")
		if err != nil {
			t.Fatal(err)
		}
		var complaint int64
		for _, in := range inputs {
			if in.Kind == servicebot.FactComplaint {
				complaint = in.ID
			}
		}
		in := kpi.NewInputs(db.InTx, kpi.InputsConfig{Rules: c.Rules, Clock: clk})
		if err := in.Void(ctx, complaint, manager); err != nil {
			t.Fatal(err)
		}
		mark = lastID(outbox(t, db))
		rev3, err := c.Redraft(ctx, "2026-10", manager, "撤销误录的投诉")
		if err != nil {
			t.Fatal(err)
		}
		if rev3.Revision != 3 || !rev3.Published() {
			t.Fatalf("correction = %+v, want revision 3, published", rev3)
		}
		// Issue 11 item 7: the group gets the ranking again; li gets the
		// corrected breakdown; whoever's rank moved without their own
		// result changing is told; nobody else.
		corr := since(outbox(t, db), mark)
		var regrouped bool
		for _, m := range corr {
			switch {
			case m.Kind == servicebot.OutAppChat && m.ToChat == "aftersales":
				regrouped = true
			case m.ToUsers == "li":
			case m.Kind == servicebot.OutText && strings.Contains(content(t, m), "排名由第"):
			default:
				t.Errorf("correction also sent %+v", m)
			}
		}
		if len(corr) == 0 || !strings.Contains(content(t, corr[0]), "考核结果（更正）") || !regrouped {
			t.Fatalf("correction sent %+v, want li's corrected breakdown and the ranking again", corr)
		}
		// wang's accepted appeal survives the re-draft.
		m3, err := kpi.Load(ctx, db, "2026-10", 3)
		if err != nil {
			t.Fatal(err)
		}
		if s, _ := score(m3, "wang", servicebot.KPIServiceMgmt); s != 700 {
			t.Errorf("after the re-draft wang's R-KPI-4 = %s, want the appeal kept (7.00)", s)
		}
	})
}

// R-KPI-13: the 1st's automatic draft skips a month the bot has no records
// of (it was not running), rather than giving everybody −10 for no field
// days; a month with records is drafted (TestMonthStages_R_KPI_13).
func TestDraftDueSkipsAMonthWithoutRecords_R_KPI_13(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clk := testclock.At(at(11, 1, 9, 0))
		if err := newMonth(db, clk).DraftDue(t.Context(), clk.Now()); err != nil {
			t.Fatal(err)
		}
		if rev, err := db.LatestKPIRevision(t.Context(), "2026-10"); err == nil {
			t.Fatalf("drafted a month without records: revision %d", rev.Revision)
		}
		if msgs := outbox(t, db); len(msgs) != 0 {
			t.Errorf("sent %d messages for a month without records", len(msgs))
		}
	})
}
